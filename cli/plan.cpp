// `llmsizer plan` — in progress.
#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_plan(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("plan", "(not implemented yet)");
  return {sub, [&context] {
            *context.err << "error: 'plan' is not implemented yet\n";
            return 2;
          }};
}

}  // namespace llmsizer::cli
