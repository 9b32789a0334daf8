// cli/command.hpp — what every subcommand file provides and shares.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/catalog.hpp"

namespace llmsizer::cli {

/// Options every subcommand accepts, and the lazily loaded catalog.
class Context {
 public:
  std::vector<std::string> profile_dirs;  // --profiles DIR (repeatable)
  std::ostream* out = nullptr;            // stdout unless redirected by tests
  std::ostream* err = nullptr;
  const Catalog* preloaded = nullptr;  // loaded once by the caller (cli/embedded.hpp); then profile_dirs is unused
  /// Where the shipped profiles/ and validation/ are looked for; empty: beside the executable. The
  /// Python module, whose executable is the interpreter, names its own.
  std::filesystem::path installed_beside;

  /// Loads profiles on first use (built-in, LLMSIZER_PROFILES, --profiles), unless preloaded.
  [[nodiscard]] const Catalog& catalog();
  /// What a one-deployment command needs: the preloaded or already loaded catalog when there is one,
  /// else only the named GPU and model profiles (io/catalog_index.hpp), kept in `storage`.
  [[nodiscard]] const Catalog& catalog_for(std::optional<Catalog>& storage, const std::vector<std::string>& gpu_names,
                                           const std::vector<std::string>& model_names);

 private:
  [[nodiscard]] std::vector<std::filesystem::path> directories() const;
  std::optional<Catalog> catalog_;
};

/// What report_profile_errors read: files, and how many of them (or of the paths) had errors.
struct ProfileErrors {
  std::size_t files = 0;
  int errors = 0;
};
/// `check`'s report: every error of every profile file under `paths` (a directory with its
/// subdirectories) on `err`, and with `warn` each file's warnings.
ProfileErrors report_profile_errors(const std::vector<std::string>& paths, std::ostream& err, bool warn);
/// The profile directories in use (shipped, LLMSIZER_PROFILES, --profiles), as `check` reads them.
[[nodiscard]] std::vector<std::string> profile_directory_paths(const Context& context);

/// Writes each of `model`'s import warnings (ModelSpec::warnings) to `err` as "warning: <model>: ...".
void print_model_warnings(const ModelSpec& model, std::ostream& err);
/// Writes each of `warnings` to `err` as "warning: ...".
void print_warnings(const std::vector<std::string>& warnings, std::ostream& err);

/// A registered subcommand: its CLI11 node and what to run when it was chosen. Returns the exit code.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// One registration function per file in cli/.
Command add_list(CLI::App& app, Context& context);
Command add_show(CLI::App& app, Context& context);
Command add_check(CLI::App& app, Context& context);
Command add_import_hf(CLI::App& app, Context& context);
Command add_fit(CLI::App& app, Context& context);
Command add_estimate(CLI::App& app, Context& context);
Command add_sweep(CLI::App& app, Context& context);
Command add_compare(CLI::App& app, Context& context);
Command add_plan(CLI::App& app, Context& context);
Command add_report(CLI::App& app, Context& context);
Command add_validate(CLI::App& app, Context& context);
Command add_calibrate(CLI::App& app, Context& context);

/// Runs the tool as if from the command line; used by main and by tests. Returns the exit code:
/// 0 answered, 2 bad input or usage, 3 internal error.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// As above, with names looked up in `catalog` when it is not null, and the shipped files looked for
/// beside `installed_beside` when it is not empty (Context::installed_beside).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Catalog* catalog,
            const std::filesystem::path& installed_beside);

/// Registers every subcommand on `app`, in the order --help lists them.
std::vector<Command> add_commands(CLI::App& app, Context& context);
/// As above when `word` names no subcommand (none given, --help, a typo); otherwise only that
/// subcommand gets its options and description, the others only their names (run_cli: start-up).
std::vector<Command> add_commands(CLI::App& app, Context& context, const std::string& word);

/// Adds --profiles DIR to a subcommand (also accepted before the subcommand).
void add_profiles_option(CLI::App& app, Context& context);

}  // namespace llmsizer::cli
