// `llmsizer check [PATH...]` — validate profile files or directories, reporting every error.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "cli/command.hpp"
#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/profile_loader.hpp"
#include "io/validate_files.hpp"

namespace llmsizer::cli {
namespace {
namespace fs = std::filesystem;

struct CheckOptions {
  std::vector<std::string> paths;
};

std::vector<fs::path> files_under(const std::vector<std::string>& paths, std::ostream& err, int& errors) {
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    std::error_code ec;  // the error_code forms: a bad path is the user's error, not an internal one
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        const auto ext = it->path().extension();
        if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml" || ext == ".json")) found.push_back(it->path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
      if (!ec) continue;
    } else if (fs::exists(path, ec)) {
      files.emplace_back(path);
      continue;
    }
    err << ConfigError(path, 0, 0, "", ec ? "cannot read: " + ec.message() : "no such file or directory").format()
        << "\n";
    ++errors;
  }
  return files;
}

}  // namespace

ProfileErrors report_profile_errors(const std::vector<std::string>& paths, std::ostream& err, bool warn) {
  int errors = 0;
  const std::vector<fs::path> files = files_under(paths, err, errors);
  std::vector<std::string> warnings;
  for (const fs::path& file : files) {
    // Every error of the file it can find: each field's, then (when the fields are right) a rule's.
    std::vector<ConfigError> found;
    try {
      (void)validate_profile_file(file.string(), warn ? &warnings : nullptr, &found);
    } catch (const ConfigError& e) {
      const bool reported = std::any_of(
          found.begin(), found.end(), [&](const ConfigError& f) { return !f.path().empty() && f.path() == e.path(); });
      if (!reported) found.push_back(e);
    }
    for (const std::string& warning : warnings) err << warning << "\n";
    warnings.clear();
    std::stable_sort(found.begin(), found.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::pair(a.line(), a.column()) < std::pair(b.line(), b.column());
    });
    for (const ConfigError& e : found) err << e.format() << "\n";
    if (!found.empty()) ++errors;
  }
  return {files.size(), errors};
}

std::vector<std::string> profile_directory_paths(const Context& context) {
  std::vector<std::string> paths;
  for (const fs::path& dir : profile_directories(context.profile_dirs)) paths.push_back(dir.string());
  return paths;
}

namespace {

int run_check(const CheckOptions& options, Context& context) {
  const std::vector<std::string> paths = options.paths.empty() ? profile_directory_paths(context) : options.paths;
  const auto [checked, errors] = report_profile_errors(paths, *context.err, true);
  const std::size_t files = checked;
  *context.out << fmt::format("checked {} file{}: {} ok, {} with errors\n", files, files == 1 ? "" : "s",
                              files - static_cast<size_t>(std::min<int>(errors, static_cast<int>(files))), errors);
  return errors == 0 ? 0 : 2;
}

}  // namespace

Command add_check(CLI::App& app, Context& context) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand("check", "Validate profile files or directories and print every error");
  sub->add_option("paths", options->paths, "Files or directories (default: the profile directories in use)");
  return {sub, [options, &context] { return run_check(*options, context); }};
}

}  // namespace llmsizer::cli
