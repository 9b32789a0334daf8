#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_estimate(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("estimate", "(in progress)");
  return {sub, [&context] { *context.err << "not implemented\n"; return 3; }};
}

}  // namespace llmsizer::cli
