// io/xlsx_module.hpp — the boundary between the tool and its workbook writer. libxlsxwriter (with
// libminizip, libz and libcrypto behind it) is linked only into the module llmsizer-xlsx.so, which
// io/xlsx_loader.cpp loads the first time a workbook is written: every other command starts without
// mapping and relocating those libraries (docs/performance.md, start-up). Both sides are built from
// the same tree by the same CMake; `layout_stamp` refuses a module whose types differ in shape.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/xlsx_writer.hpp"

namespace llmsizer::xlsx {

/// The module's file name, beside the executable (or in ../lib/llmsizer/ of an installed tree).
inline constexpr const char* module_file = "llmsizer-xlsx.so";
/// The one symbol the module exports: `const ModuleApi* llmsizer_xlsx_module()`.
inline constexpr const char* module_entry = "llmsizer_xlsx_module";

/// What a write returned: ok, the file could not be written (`message` says why, exit 2), or a bug
/// (exit 3).
struct WriteResult {
  enum class Kind { ok, cannot_write, internal } kind = Kind::ok;
  std::string message;
};

/// The sizes of the types that cross the boundary, packed; a module built from other sources differs.
[[nodiscard]] constexpr std::uint64_t layout_stamp() {
  return (std::uint64_t{sizeof(PlanWorkbook)} << 40) ^ (std::uint64_t{sizeof(PlanWorkbookOption)} << 24) ^
         (std::uint64_t{sizeof(ResultTable)} << 16) ^ (std::uint64_t{sizeof(Cell)} << 8) ^ sizeof(WriteResult) ^
         (std::uint64_t{sizeof(Column)} << 32);
}

struct ModuleApi {
  std::uint64_t stamp;  // layout_stamp() of the module's build
  /// `table` as one sheet named `sheet` into the new file `file` (write_table_workbook's content).
  WriteResult (*write_table)(const std::string& file, const std::string& sheet, const ResultTable& table);
  /// The plan workbook into the new file `file` (write_plan_workbook's content).
  WriteResult (*write_plan)(const std::string& file, const PlanWorkbook& book);
};

/// Where the module is looked for: beside the executable, then ../lib/llmsizer/ (an installed tree).
[[nodiscard]] std::vector<std::filesystem::path> module_directories(const std::filesystem::path& executable_dir);

/// The module's entry points, loaded from the first of `directories` (empty: module_directories of
/// this executable) that holds module_file. Throws ConfigError naming the files looked for when none
/// does, or the file when it cannot be loaded or comes from another build.
[[nodiscard]] const ModuleApi& load_module(const std::vector<std::filesystem::path>& directories);

}  // namespace llmsizer::xlsx
