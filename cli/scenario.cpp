#include "cli/scenario.hpp"

#include "cli/common_options.hpp"

namespace llmsizer::cli {

void add_scenario_options(CLI::App& app, ScenarioInput& in, bool require_workload) {
  for (const ScenarioField& field : scenario_fields()) {
    const ScenarioField* f = &field;
    CLI::Option* option =
        add_field_text_option(app, field, [&in, f](const std::string& text) { f->parse(in, text, option_name(*f)); });
    const bool workload = field.name == "model" || field.name == "gpu" || field.name == "isl" || field.name == "osl";
    if (require_workload && workload) option->required();
  }
}

}  // namespace llmsizer::cli
