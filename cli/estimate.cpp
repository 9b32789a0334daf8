// `llmsizer estimate` — TTFT, TPOT, throughput, cost and energy of one deployment, or of every row
// of a scenarios CSV.
#include <fmt/format.h>

#include <algorithm>

#include "cli/common_options.hpp"
#include "cli/embedded.hpp"
#include "cli/emit.hpp"
#include "cli/estimate_output.hpp"
#include "cli/scenario.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::cli {
namespace {

struct EstimateOptions {
  ScenarioInput input;
  std::string scenarios;
  bool json = false;
  bool csv = false;
  std::string emit;
  std::string calibration = "default";
};

int run_single(const EstimateOptions& o, Context& context) {
  // Only the named model and GPU are parsed (io/catalog_index.hpp); a --price label may name others.
  const std::optional<LaunchEngine> emit = parse_emit(o.emit);
  std::optional<Catalog> named;
  const Catalog& catalog =
      o.input.price.empty() ? context.catalog_for(named, {o.input.gpu}, {o.input.model}) : context.catalog();
  ScenarioResolver resolver(catalog, o.calibration);
  const AnsweredEstimate answer = answer_estimate(resolver, o.input);
  const ScenarioResolver::Resolved& r = answer.resolved;
  const Estimate& e = answer.estimate;
  print_model_warnings(*r.model, *context.err);
  print_warnings(r.warnings, *context.err);
  print_warnings(unused_price_warnings(parse_price_option(catalog, o.input.price), {r.gpu}), *context.err);
  const bool text = !emit && !o.json && !o.csv;
  if (text && o.input.price.empty()) {
    if (auto note = default_basis_note(*r.gpu, r.price_basis)) *context.err << "note: " << *note << "\n";
  }
  const EstimateRow row{&o.input, &r, &e, {}};
  std::ostream& out = *context.out;
  if (emit && e.fits && e.disaggregated) {
    DisaggregatedDeployment pools = *r.pools;  // with the batches the estimate resolved
    pools.prefill_batch = e.disaggregated->prefill.batch;
    pools.decode_batch = e.disaggregated->decode.batch;
    out << pools_launch_script(*emit, *r.model, *r.gpu, pools, r.efficiency, r.workload.isl, r.workload.osl);
  } else if (emit && e.fits) {
    LaunchConfig c =
        launch_config(*r.model, *r.gpu, r.deployment, e.running, r.efficiency, r.workload.isl, r.workload.osl);
    label_phase(c, r.workload.phase);
    out << launch_script(*emit, c);
  } else if (emit)
    out << "# does not fit: " << (e.reasons.empty() ? std::string("memory") : e.reasons.front()) << "\n";
  else if (o.json)
    out << estimate_json(row).dump(2) << "\n";
  else if (o.csv)
    out << estimate_csv({row});
  else
    out << describe_estimate(r, e);
  return 0;
}

}  // namespace

Command add_estimate(CLI::App& app, Context& context) {
  auto o = std::make_shared<EstimateOptions>();
  CLI::App* sub = app.add_subcommand("estimate", "TTFT, TPOT, throughput, $/Mtok and J/token of a deployment");
  add_scenario_options(*sub, o->input, false);
  auto* scenarios = sub->add_option("--scenarios", o->scenarios,
                                    "CSV file, one scenario per row (columns are the long option names)");
  add_calibration_option(*sub, o->calibration);
  auto* json = sub->add_flag("--json", o->json, "Print JSON");
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV")->excludes(json);
  add_emit_option(*sub, o->emit)->excludes(json)->excludes(csv)->excludes(scenarios);
  return {sub, [o, &context] {
            if (!o->scenarios.empty()) {
              const ScenarioBatchFormat format = o->json  ? ScenarioBatchFormat::json
                                                 : o->csv ? ScenarioBatchFormat::csv
                                                          : ScenarioBatchFormat::table;
              return run_scenarios(o->scenarios, o->input, o->calibration, format, context);
            }
            return run_single(*o, context);
          }};
}

}  // namespace llmsizer::cli
