// `llmsizer validate` — the estimator's error against measured deployments, per source and overall.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "cli/band_report.hpp"
#include "cli/common_options.hpp"
#include "cli/measured_cases.hpp"
#include "cli/validation_report.hpp"
#include "estimator/error_stats.hpp"
#include "io/table.hpp"
#include "io/bands_loader.hpp"
#include "io/config_error.hpp"
#include "io/output_file.hpp"
#include "io/serving_csv.hpp"

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
  std::string write_bands;
  int band_min_runs = 20;  // runs below which a regime borrows the band of a coarser one
};

/// Whether `file` is one of the shipped files: the same file, or a copy with the same bytes (the
/// source tree's validation/ beside the build's copy).
bool is_shipped_file(const std::string& file, const std::string& shipped) {
  std::error_code ec;
  if (std::filesystem::equivalent(file, shipped, ec)) return true;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size != std::filesystem::file_size(shipped, ec) || ec) return false;
  std::ifstream a(file, std::ios::binary), b(shipped, std::ios::binary);
  return std::equal(std::istreambuf_iterator<char>(a), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(b), std::istreambuf_iterator<char>());
}

/// Marks the rows of the files the user gave (not the shipped ones) as the user's own.
void mark_users_rows(std::vector<MeasuredRow>& rows, const std::vector<std::string>& user_files,
                     const std::vector<std::string>& shipped_files) {
  std::set<std::string> users;
  for (const std::string& file : user_files) {
    const bool shipped = std::any_of(shipped_files.begin(), shipped_files.end(),
                                     [&](const std::string& s) { return is_shipped_file(file, s); });
    if (!shipped) users.insert(file);
  }
  for (MeasuredRow& row : rows) row.users = users.count(row.measurement.file) > 0;
}

/// A run's inputs the shipped copy of the serving runs corrected (docs/validation.md, "The correction"),
/// with their values in `m` and `fixed`: "gpus 64 (shipped copy: 8)".
std::vector<std::pair<std::string, std::string>> corrected_fields(const Measurement& m, const Measurement& fixed) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto compare = [&](const char* name, std::optional<int> given, std::optional<int> shipped) {
    if (given == shipped) return;
    const auto text = [](std::optional<int> v) { return v ? std::to_string(*v) : std::string("empty"); };
    out.emplace_back(name, fmt::format("{} {} (shipped copy: {})", name, text(given), text(shipped)));
  };
  compare("gpus", m.gpus, fixed.gpus);
  compare("tp", m.tp, fixed.tp);
  compare("pp", m.pp, fixed.pp);
  compare("dp", m.dp, fixed.dp);
  compare("ep", m.ep, fixed.ep);
  return out;
}

/// A warning when the user's rows are runs of the shipped serving runs with the parallelism the
/// shipped copy corrected: their error is that of the uncorrected layout, not the estimator's.
std::string corrected_rows_warning(const std::vector<MeasuredRow>& rows, const std::string& shipped_csv) {
  if (std::none_of(rows.begin(), rows.end(), [](const MeasuredRow& row) { return row.users; })) return {};
  std::map<std::string, Measurement> shipped;
  for (Measurement& m : load_serving_csv(shipped_csv)) shipped.emplace(m.id, std::move(m));
  std::map<std::string, std::pair<int, std::string>> per_file;  // file -> rows, first example
  std::set<std::string> fields;
  for (const MeasuredRow& row : rows) {
    const auto fixed = shipped.find(row.measurement.id);
    if (!row.users || fixed == shipped.end()) continue;
    const auto differ = corrected_fields(row.measurement, fixed->second);
    if (differ.empty()) continue;
    auto& [count, example] = per_file[row.measurement.file];
    if (count++ == 0) {
      example = fmt::format("line {} '{}':", row.measurement.line, row.measurement.id);
      for (size_t i = 0; i < differ.size(); ++i) example += (i == 0 ? " " : ", ") + differ[i].second;
    }
    for (const auto& [name, text] : differ) fields.insert(name);
  }
  std::string names;  // in the columns' order
  for (const char* f : {"gpus", "tp", "pp", "dp", "ep"}) {
    if (fields.count(f) > 0) names += (names.empty() ? "" : ", ") + std::string(f);
  }
  std::string out;
  for (const auto& [file, found] : per_file) {
    out += fmt::format("warning: {}: {} {} of the shipped {} with {} as they were before its correction "
                       "(docs/validation.md, \"The correction\"), e.g. {}; they are validated as given, so their "
                       "error is that of the uncorrected layout\n",
                       file, found.first, found.first == 1 ? "row is a run" : "rows are runs", shipped_csv, names,
                       found.second);
  }
  return out;
}

/// The shipped files as this installation has them, each by what it is; nullopt where it is not
/// installed (then no file of the user's can be it).
struct ShippedFiles {
  std::optional<std::string> measurements;  // validation/measurements.yaml
  std::optional<std::string> serving_runs;  // validation/serving_sample.csv, with its corrections
  [[nodiscard]] std::vector<std::string> all() const {
    std::vector<std::string> out;
    for (const auto& file : {measurements, serving_runs}) {
      if (file) out.push_back(*file);
    }
    return out;
  }
};

ShippedFiles shipped_files(const std::filesystem::path& installed_beside) {
  const auto installed = [&](std::string (*path)(const std::filesystem::path&)) -> std::optional<std::string> {
    try {
      return path(installed_beside);
    } catch (const ConfigError&) {
      return std::nullopt;
    }
  };
  return {installed(shipped_measurements_path), installed(shipped_serving_runs_path)};
}

/// Predictions of every row by the calibration fitted from `o.from` without the row's model.
ValidationResult leave_one_model_out_result(const ValidateOptions& o, Context& context, const std::vector<MeasuredRow>& rows) {
  ScenarioResolver priors(context, o.from);
  return evaluate_predictions(rows, leave_one_model_out_predictions(rows, priors.calibration(), o.prior_strength));
}

/// The error on models calibration never saw, and how the bands hold on them.
nlohmann::json print_leave_one_model_out(const ValidateOptions& o, const ValidationResult& lomo, std::string& text) {
  const auto all = [&](Metric m) { return overall_summary(lomo, "all rows", m); };
  text += fmt::format("Leave-one-model-out (each model predicted by a calibration fitted from '{}' without it): "
                      "tpot median {:.0f}% p90 {:.0f}%, ttft median {:.0f}% p90 {:.0f}%\n",
                      o.from, all(Metric::tpot).median_abs * 100, all(Metric::tpot).p90_abs * 100,
                      all(Metric::ttft).median_abs * 100, all(Metric::ttft).p90_abs * 100);
  text += regime_text(lomo, "By model, GPU, engine, precision and concurrency band (leave-one-model-out)");
  const std::vector<CoverageLine> coverage = leave_one_model_out_coverage(lomo.band_runs, o.band_min_runs);
  text += "\n" + coverage_text(coverage, fmt::format("Band coverage, leave-one-model-out (each model's runs against the "
                                                      "bands of every other model's runs, min {} runs per regime)",
                                                      o.band_min_runs));
  const nlohmann::json j = validation_json(lomo);
  return {{"overall", j["overall"]}, {"regimes", j["regimes"]}, {"rows", j["rows"]}, {"band_coverage", coverage_json(coverage)}};
}

/// The bands/1 profile of the leave-one-model-out residuals, for the calibration `o.calibration`.
ErrorBands write_bands(const ValidateOptions& o, const ValidationResult& lomo, const ValidationResult& in_sample,
                       const std::vector<std::string>& files) {
  ErrorBands bands = bands_from(lomo.band_runs, in_sample.band_runs, o.band_min_runs);
  bands.name = o.calibration;
  bands.source = "llmsizer validate --write-bands (docs/validation.md#error-bands)";
  bands.residuals = fmt::format("leave-one-model-out: each model predicted by the calibration fitted from '{}' "
                                "(prior strength {}) on every other model's runs",
                                o.from, o.prior_strength);
  int derived = 0;
  for (const BandRun& r : lomo.band_runs) derived += r.derived ? 1 : 0;
  bands.data = fmt::format("{} ({} residuals; {} throughputs derived from measured TTFT and TPOT)", data_files(files),
                           lomo.band_runs.size(), derived);
  write_file_atomically(o.write_bands, error_bands_to_yaml(bands));
  return bands;
}

int run_validate(const ValidateOptions& o, Context& context) {
  ScenarioResolver resolver(context, o.calibration);
  const std::vector<std::string> files = measurement_files(o.files, o.with_shipped, context.installed_beside);
  std::vector<MeasuredRow> rows = load_measured_rows(files, resolver);
  const ShippedFiles shipped = shipped_files(context.installed_beside);
  mark_users_rows(rows, o.files, shipped.all());
  if (shipped.serving_runs) *context.err << corrected_rows_warning(rows, *shipped.serving_runs);
  const ValidationResult result = evaluate_rows(rows, resolver.calibration());
  if (!o.svg.empty()) write_file_atomically(o.svg, validation_svg(result));
  std::ostream& out = *context.out;
  std::string lomo_text;
  nlohmann::json lomo;
  if (o.leave_one_model_out || !o.write_bands.empty()) {
    const ValidationResult predicted = leave_one_model_out_result(o, context, rows);
    if (!o.write_bands.empty()) (void)write_bands(o, predicted, result, files);
    if (o.leave_one_model_out) lomo = print_leave_one_model_out(o, predicted, lomo_text);
  }
  // In sample: the runs against the bands estimates carry (the calibration's bands/1 profile).
  const ErrorBands* bands = context.catalog().bands(o.calibration);
  const std::vector<CoverageLine> coverage = bands ? band_coverage(result.band_runs, *bands) : std::vector<CoverageLine>{};
  const std::string stale = bands && o.write_bands.empty() ? stale_bands_warning(*bands, result.band_runs, files) : "";
  *context.err << stale;
  if (o.json) {
    nlohmann::json j = validation_json(result);
    j["band_coverage"] = coverage_json(coverage);
    j["bands_stale"] = !stale.empty();
    if (o.leave_one_model_out) j["leave_one_model_out"] = lomo;
    out << j.dump(2) << "\n";
  } else if (o.csv) {
    out << validation_csv(result);
  } else {
    const std::string band_text =
        bands ? coverage_text(coverage, fmt::format("Band coverage (in sample: the bands estimates carry, bands/1 '{}', "
                                                    "against these runs)", o.calibration))
              : fmt::format("No bands/1 profile for calibration '{}': estimates carry no 80% range\n", o.calibration);
    out << validation_text(result, o.worst) << "\n" << band_text << (lomo_text.empty() ? "" : "\n" + lomo_text);
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
  sub->add_option("--write-bands", o->write_bands,
                  "Write the bands/1 profile (80% bands per regime) of the leave-one-model-out residuals to FILE");
  sub->add_option("--band-min-runs", o->band_min_runs,
                  "Runs a regime needs for its own band; fewer borrow a coarser regime's (default 20)")
      ->check(CLI::Range(1, 100000));
  auto* json = sub->add_flag("--json", o->json, "Print JSON");
  sub->add_flag("--csv", o->csv, "Print one CSV line per row and metric")->excludes(json);
  return {sub, [o, &context] { return run_validate(*o, context); }};
}

}  // namespace llmsizer::cli
