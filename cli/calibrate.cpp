// `llmsizer calibrate` — in progress.
#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_calibrate(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("calibrate", "(not implemented yet)");
  return {sub, [&context] {
            *context.err << "error: 'calibrate' is not implemented yet\n";
            return 2;
          }};
}

}  // namespace llmsizer::cli
