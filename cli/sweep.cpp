// `llmsizer sweep` — in progress.
#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_sweep(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("sweep", "(not implemented yet)");
  return {sub, [&context] {
            *context.err << "error: 'sweep' is not implemented yet\n";
            return 2;
          }};
}

}  // namespace llmsizer::cli
