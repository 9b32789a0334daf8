#include "cli/embedded.hpp"

#include <sstream>

#include "request/resolved_estimate.hpp"

namespace llmsizer::cli {

CommandOutput run_command(const std::vector<std::string>& args, const Catalog& catalog,
                          const std::filesystem::path& installed_beside) {
  std::ostringstream out;
  std::ostringstream err;
  CommandOutput result;
  result.exit_code = run_cli(args, out, err, &catalog, installed_beside);
  result.out = out.str();
  result.err = err.str();
  return result;
}

CommandOptions command_options(const std::string& command) {
  // The names come from the subcommand's own registration, so a new option reaches the module
  // without a second list to keep in step.
  Context context;
  CLI::App app;
  CommandOptions options;
  for (const Command& registered : add_commands(app, context)) {
    if (registered.app->get_name() != command) continue;
    const CLI::Option* json = registered.app->get_option_no_throw("--json");
    for (const CLI::Option* option : registered.app->get_options()) {
      if (option->get_lnames().empty() || option->get_lnames().front() == "help") continue;
      const std::string& name = option->get_lnames().front();
      const bool clashes = json && (option == json || json->get_excludes().count(const_cast<CLI::Option*>(option)));
      if (clashes) {
        options.excluded_by_json.push_back(name);
        continue;
      }
      options.accepted.push_back(name);
      if (option->get_expected_max() == 0) options.flags.push_back(name);
    }
  }
  return options;
}

AnsweredEstimate answer_estimate(ScenarioResolver& resolver, const ScenarioInput& input) {
  AnsweredEstimate answer{resolver.resolve(input), {}};
  const ScenarioResolver::Resolved& r = answer.resolved;
  answer.estimate = estimate_resolved(r);
  return answer;
}

}  // namespace llmsizer::cli
