// io/xlsx_loader.cpp — write_plan_workbook and write_table_workbook: the output file (temporary, then
// renamed) is ours; its content comes from the workbook module (io/xlsx_module.hpp), loaded here the
// first time a workbook is written in a process.
#include <dlfcn.h>
#include <fmt/format.h>

#include <stdexcept>

#include "io/catalog.hpp"
#include "io/config_error.hpp"
#include "io/output_file.hpp"
#include "io/xlsx_module.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;

/// Runs `write` into a temporary file and puts it at `path`; a failed write leaves nothing behind.
template <typename Write>
void write_workbook(const std::string& path, Write write) {
  OutputFile file(path);
  const xlsx::ModuleApi& api = xlsx::load_module({});
  const xlsx::WriteResult result = write(api, file.temp_path());
  if (result.kind == xlsx::WriteResult::Kind::cannot_write) throw ConfigError(path, 0, 0, "", result.message);
  if (result.kind == xlsx::WriteResult::Kind::internal) throw std::logic_error("workbook writer: " + result.message);
  file.commit();
}

}  // namespace

namespace xlsx {

std::vector<fs::path> module_directories(const fs::path& executable_dir) {
  return {executable_dir, executable_dir / ".." / "lib" / "llmsizer"};
}

const ModuleApi& load_module(const std::vector<fs::path>& directories) {
  const std::vector<fs::path> where = directories.empty() ? module_directories(executable_directory()) : directories;
  std::string tried;
  for (const fs::path& dir : where) {
    const fs::path file = dir / module_file;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      tried += (tried.empty() ? "" : ", ") + file.lexically_normal().string();
      continue;
    }
    // Never closed: libcrypto, behind libxlsxwriter, registers an exit handler in its own code.
    void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    const char* failure = handle ? nullptr : dlerror();
    auto* entry = handle ? reinterpret_cast<const ModuleApi* (*)()>(dlsym(handle, module_entry)) : nullptr;
    if (!entry) {
      throw ConfigError(file.string(), 0, 0, "",
                        fmt::format("cannot load the workbook writer: {}", failure ? failure : "no entry point"));
    }
    const ModuleApi* api = entry();
    if (api->stamp != layout_stamp()) {
      throw ConfigError(file.string(), 0, 0, "",
                        "the workbook writer belongs to another build of llmsizer; rebuild or reinstall both");
    }
    return *api;
  }
  throw ConfigError(module_file, 0, 0, "",
                    fmt::format("the workbook writer is not installed (looked for {}); workbooks need it, "
                                "every other output works without it",
                                tried));
}

}  // namespace xlsx

void write_table_workbook(const std::string& path, const std::string& sheet, const ResultTable& table) {
  write_workbook(
      path, [&](const xlsx::ModuleApi& api, const std::string& temp) { return api.write_table(temp, sheet, table); });
}

void write_plan_workbook(const std::string& path, const PlanWorkbook& book) {
  write_workbook(path, [&](const xlsx::ModuleApi& api, const std::string& temp) { return api.write_plan(temp, book); });
}

}  // namespace llmsizer
