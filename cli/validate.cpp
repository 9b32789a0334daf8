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
};

int run_validate(const ValidateOptions& o, Context& context) {
  ScenarioResolver resolver(context, o.calibration);
  const std::vector<MeasuredRow> rows = load_measured_rows(measurement_files(o.files, o.with_shipped), resolver);
  const ValidationResult result = evaluate_rows(rows, resolver.calibration());
  if (!o.svg.empty()) write_file_atomically(o.svg, validation_svg(result));
  std::ostream& out = *context.out;
  if (o.json) out << validation_json(result).dump(2) << "\n";
  else if (o.csv) out << validation_csv(result);
  else out << validation_text(result, o.worst);
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
  auto* json = sub->add_flag("--json", o->json, "Print JSON");
  sub->add_flag("--csv", o->csv, "Print one CSV line per row and metric")->excludes(json);
  return {sub, [o, &context] { return run_validate(*o, context); }};
}

}  // namespace llmsizer::cli
