// `llmsizer validate` — the estimator's error against measured deployments, per source and overall.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "cli/common_options.hpp"
#include "cli/measured_cases.hpp"
#include "cli/validation_report.hpp"
#include "estimator/error_stats.hpp"
#include "io/table.hpp"
#include "io/output_file.hpp"

namespace llmsizer::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  bool with_shipped = false;
  bool json = false;
  bool csv = false;
  std::string calibration = "default";
  int worst = 10;
  std::string svg;
  bool leave_one_model_out = false;
  std::string from = "priors";
  double prior_strength = 0.5;
};

/// The error on models calibration never saw: each model's rows predicted by the calibration
/// `calibrate` would fit (from the priors) on every other model's rows.
nlohmann::json print_leave_one_model_out(const ValidateOptions& o, Context& context, const std::vector<MeasuredRow>& rows,
                                         std::string& text) {
  ScenarioResolver priors(context, o.from);
  const ValidationResult lomo =
      evaluate_predictions(rows, leave_one_model_out_predictions(rows, priors.calibration(), o.prior_strength));
  const auto all = [&](Metric m) { return overall_summary(lomo, "all rows", m); };
  text += fmt::format("Leave-one-model-out (each model predicted by a calibration fitted from '{}' without it): "
                      "tpot median {:.0f}% p90 {:.0f}%, ttft median {:.0f}% p90 {:.0f}%\n",
                      o.from, all(Metric::tpot).median_abs * 100, all(Metric::tpot).p90_abs * 100,
                      all(Metric::ttft).median_abs * 100, all(Metric::ttft).p90_abs * 100);
  text += regime_text(lomo, "By model, GPU, engine, precision and concurrency band (leave-one-model-out)");
  const nlohmann::json j = validation_json(lomo);
  return {{"overall", j["overall"]}, {"regimes", j["regimes"]}};
}

int run_validate(const ValidateOptions& o, Context& context) {
  ScenarioResolver resolver(context, o.calibration);
  const std::vector<MeasuredRow> rows = load_measured_rows(measurement_files(o.files, o.with_shipped, context.installed_beside), resolver);
  const ValidationResult result = evaluate_rows(rows, resolver.calibration());
  if (!o.svg.empty()) write_file_atomically(o.svg, validation_svg(result));
  std::ostream& out = *context.out;
  std::string lomo_text;
  nlohmann::json lomo;
  if (o.leave_one_model_out) lomo = print_leave_one_model_out(o, context, rows, lomo_text);
  if (o.json) {
    nlohmann::json j = validation_json(result);
    if (o.leave_one_model_out) j["leave_one_model_out"] = lomo;
    out << j.dump(2) << "\n";
  } else if (o.csv) {
    out << validation_csv(result);
  } else {
    out << validation_text(result, o.worst) << (lomo_text.empty() ? "" : "\n" + lomo_text);
  }
  return 0;
}

}  // namespace

Command add_validate(CLI::App& app, Context& context) {
  auto o = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand("validate", "Error of the estimator against measured deployments");
  add_measurement_options(*sub, o->files, o->with_shipped);
  add_calibration_option(*sub, o->calibration);
  sub->add_option("--worst", o->worst, "How many worst rows to list (default 10)")->check(CLI::Range(0, 10000));
  sub->add_option("--svg", o->svg, "Also write a predicted-vs-measured plot (SVG) to FILE");
  sub->add_flag("--leave-one-model-out", o->leave_one_model_out,
                "Also fit the calibration once per model without it (from --from) and report the error on the model "
                "left out");
  sub->add_option("--from", o->from, "Priors of the leave-one-model-out fits (default: priors)");
  sub->add_option("--prior-strength", o->prior_strength, "Weight of the priors in those fits (default 0.5, as calibrate)")
      ->check(CLI::Range(1e-3, 1e3));
  auto* json = sub->add_flag("--json", o->json, "Print JSON");
  sub->add_flag("--csv", o->csv, "Print one CSV line per row and metric")->excludes(json);
  return {sub, [o, &context] { return run_validate(*o, context); }};
}

}  // namespace llmsizer::cli
