// `llmsizer validate` — in progress.
#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_validate(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("validate", "(not implemented yet)");
  return {sub, [&context] {
            *context.err << "error: 'validate' is not implemented yet\n";
            return 2;
          }};
}

}  // namespace llmsizer::cli
