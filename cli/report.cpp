// `llmsizer report` — in progress.
#include "cli/command.hpp"

namespace llmsizer::cli {

Command add_report(CLI::App& app, Context& context) {
  CLI::App* sub = app.add_subcommand("report", "(not implemented yet)");
  return {sub, [&context] {
            *context.err << "error: 'report' is not implemented yet\n";
            return 2;
          }};
}

}  // namespace llmsizer::cli
