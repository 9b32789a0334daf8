// cli/embedded.hpp — the commands called from another program (the Python module, python/) rather
// than from argv: the same option parsing, request layer and result schemas as the command line, on a
// catalog the caller loaded once.
#pragma once

#include <string>
#include <vector>

#include "cli/estimate_row.hpp"

namespace llmsizer::cli {

/// What a command printed, and its exit code (0 answered, 2 bad input or usage, 3 internal error).
struct CommandOutput {
  int exit_code = 0;
  std::string out;
  std::string err;
};

/// Runs `args` ("sweep", "--model", ...) exactly as run_cli does, with names looked up in `catalog`
/// instead of profiles loaded again and shipped files (validation/) looked for beside
/// `installed_beside` (Context::installed_beside).
[[nodiscard]] CommandOutput run_command(const std::vector<std::string>& args, const Catalog& catalog,
                                        const std::filesystem::path& installed_beside);

/// The options of subcommand `command` as its --help lists them, by long name without "--"
/// ("model", "usd-per-gpu-hour"), with the options that cannot go with its --json output (--csv,
/// --xlsx, --json itself) apart. Empty lists for a name that is not a subcommand.
struct CommandOptions {
  std::vector<std::string> accepted;
  std::vector<std::string> excluded_by_json;
  std::vector<std::string> flags;  // the accepted options that take no value (--all-gpus)
};
[[nodiscard]] CommandOptions command_options(const std::string& command);

/// One answered estimate: what the request resolved to and the answer. `estimate` reads `resolved`,
/// so the pair travels together.
struct AnsweredEstimate {
  ScenarioResolver::Resolved resolved;
  Estimate estimate;
};

/// Resolves `input` and estimates it, as `llmsizer estimate` does. Throws ConfigError naming the
/// option that is wrong.
[[nodiscard]] AnsweredEstimate answer_estimate(ScenarioResolver& resolver, const ScenarioInput& input);

}  // namespace llmsizer::cli
