// cli/command.hpp — what every subcommand file provides and shares.
#pragma once

#include <CLI/CLI.hpp>

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

  /// Loads profiles on first use (built-in, LLMSIZER_PROFILES, --profiles).
  [[nodiscard]] const Catalog& catalog();

 private:
  std::optional<Catalog> catalog_;
};

/// Writes each of `model`'s import warnings (ModelSpec::warnings) to `err` as "warning: <model>: ...".
void print_model_warnings(const ModelSpec& model, std::ostream& err);

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

/// Adds --profiles DIR to a subcommand (also accepted before the subcommand).
void add_profiles_option(CLI::App& app, Context& context);

}  // namespace llmsizer::cli
