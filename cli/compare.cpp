// `llmsizer compare` — in progress.
#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_compare(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("compare", "(not implemented yet)");
  return {sub, [&context] {
            *context.err << "error: 'compare' is not implemented yet\n";
            return 2;
          }};
}

}  // namespace llmsizer::cli
