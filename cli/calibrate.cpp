// `llmsizer calibrate` — fit the calibration's factors to measured deployments and write a
// calibration profile with the date, the data used and the resulting error.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "cli/common_options.hpp"
#include "cli/measured_cases.hpp"
#include "cli/validation_report.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/output_file.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {
namespace {

struct CalibrateOptions {
  std::vector<std::string> files;
  bool with_shipped = false;
  std::string from = "priors";
  std::string name;  // empty: the output file's stem, "default" on stdout
  std::string output;
  std::string date;
  double prior_strength = 0.5;
};

std::string today() {
  const std::time_t now = std::time(nullptr);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", std::gmtime(&now));
  return buffer;
}

std::string error_text(const ValidationResult& r, const std::string& group) {
  std::string out;
  for (Metric m : {Metric::tpot, Metric::ttft, Metric::output_per_gpu}) {
    const ErrorSummary s = overall_summary(r, group, m);
    if (s.rows == 0) continue;
    out += fmt::format("{}{} median {:.0f}% p90 {:.0f}% (n={})", out.empty() ? "" : "; ", metric_name(m),
                       s.median_abs * 100, s.p90_abs * 100, s.rows);
  }
  return out.empty() ? "no rows" : out;
}

/// The written calibration's name: --name, else the output file's (so `-o my-cal.yaml` in a
/// --profiles directory is `--calibration my-cal`), else "default".
std::string calibration_name(const CalibrateOptions& o) {
  if (!o.name.empty()) {
    if (!is_profile_name(o.name)) {
      throw ConfigError(
          "--name", fmt::format("'{}' is not a profile name (lower-case letters, digits, '-', '_' or '.')", o.name));
    }
    // A --profiles directory finds a calibration by its file name: a name that differs from the file's
    // would be written where no --calibration NAME finds it.
    const auto file_name = profile_name_of_output(o.output, "-o", o.name);
    if (file_name && *file_name != o.name) {
      throw ConfigError(
          "--name", fmt::format("'{}' differs from the name of the file -o writes ('{}'), and a "
                                "--profiles directory finds a calibration by its file name: drop "
                                "--name, or write -o {}.yaml",
                                o.name, *file_name, (std::filesystem::path(o.output).parent_path() / o.name).string()));
    }
    return o.name;
  }
  return profile_name_of_output(o.output, "-o", "my-calibration").value_or("default");
}

/// A fit that constrained no parameter is the priors with a new date: refused, with why.
void require_fitted(const FitResult& fit, const std::vector<MeasuredRow>& rows, size_t training) {
  if (!fit.fitted.empty()) return;
  size_t skipped = 0;
  std::string first_skip;
  for (const MeasuredRow& row : rows) {
    if (row.usable) continue;
    ++skipped;
    if (first_skip.empty())
      first_skip = fmt::format("{} ({}): {}", row.measurement.id, row.measurement.file, row.status);
  }
  throw ConfigError("--measurements",
                    fmt::format("no parameter could be fitted: {} training rows gave {} residuals (too few rows "
                                "sensitive to any parameter){}; nothing written",
                                training, fit.residuals,
                                skipped == 0 ? std::string()
                                             : fmt::format("; {} of {} rows were not estimated, the first {}", skipped,
                                                           rows.size(), first_skip)));
}

/// -o naming one of the measurement files would replace the data the calibration is fitted on.
void refuse_output_over_input(const std::string& output, const std::vector<std::string>& files) {
  std::error_code ec;
  for (const std::string& f : files) {
    if (!output.empty() && std::filesystem::equivalent(output, f, ec)) {
      throw ConfigError("-o", fmt::format("{} is also a --measurements file: writing the calibration there would "
                                          "replace the measurements; name another file",
                                          output));
    }
  }
}

int run_calibrate(const CalibrateOptions& o, Context& context) {
  // CLI11's Range validator lets NaN through (every comparison with NaN is false).
  if (!(o.prior_strength >= 0.001 && o.prior_strength <= 1000)) {
    throw ConfigError("--prior-strength",
                      fmt::format("{} is out of range (must be >= 0.001 and <= 1000)", o.prior_strength));
  }
  const std::string name = calibration_name(o);
  const std::vector<std::string> files = measurement_files(o.files, o.with_shipped, context.installed_beside);
  refuse_output_over_input(o.output, files);
  ProfileOutput output(o.output, "-o");  // a path that cannot be written fails now, not after the fit
  ScenarioResolver resolver(context, o.from);
  const std::vector<MeasuredRow> rows = load_measured_rows(files, resolver);
  std::vector<MeasuredCase> training;
  int holdout = 0;
  for (const MeasuredRow& row : rows) {
    if (!row.usable) continue;
    if (row.estimate_case.holdout)
      ++holdout;
    else
      training.push_back(row.estimate_case);
  }
  const FitResult fit = fit_calibration(training, resolver.calibration(), 3, 40, o.prior_strength);
  require_fitted(fit, rows, training.size());
  Calibration result = fit.calibration;
  result.name = name;
  result.fitted_on = o.date.empty() ? today() : o.date;
  std::string data;
  for (const std::string& f : files) data += (data.empty() ? "" : ", ") + std::filesystem::path(f).filename().string();
  // The command that reproduces this profile, so the file says how it was made.
  std::string command = "llmsizer calibrate";
  if (o.with_shipped) command += " --shipped";
  for (const std::string& f : o.files) command += " --measurements " + std::filesystem::path(f).filename().string();
  if (o.from != "priors") command += " --from " + o.from;
  if (o.prior_strength != 0.5) command += fmt::format(" --prior-strength {}", o.prior_strength);
  result.data =
      fmt::format("`{}` on {} ({} training rows, {} held out by id hash)", command, data, training.size(), holdout);
  const ValidationResult after = evaluate_rows(rows, result);
  result.result =
      fmt::format("held-out: {}. training: {}", error_text(after, "held-out rows"), error_text(after, "training rows"));
  const std::string yaml = calibration_to_yaml(result);
  if (o.output.empty())
    *context.out << yaml;
  else
    output.write(yaml);
  std::ostream& err = *context.err;
  err << fmt::format(
      "fitted {} parameters on {} residuals in {} iterations (cost {:.3f} -> {:.3f}); {} left at prior\n",
      fit.fitted.size(), fit.residuals, fit.iterations, fit.cost_before, fit.cost_after, fit.unconstrained.size());
  TextTable table({"parameter", "prior", "fitted"}, {Align::left, Align::right, Align::right});
  for (const FitParameter& p : fit.fitted) {
    table.add_row(
        {p.name, fmt::format("{:.4g}", get_parameter(resolver.calibration(), p.name)), fmt::format("{:.4g}", p.prior)});
  }
  err << table.render() << result.result << "\n";
  if (!o.output.empty()) {
    err << fmt::format("wrote {} (calibration '{}': --profiles DIR --calibration {} uses it)\n", o.output, name, name);
  }
  return 0;
}

}  // namespace

Command add_calibrate(CLI::App& app, Context& context) {
  auto o = std::make_shared<CalibrateOptions>();
  CLI::App* sub =
      app.add_subcommand("calibrate", "Fit efficiency factors to measured deployments; write a calibration profile");
  add_measurement_options(*sub, o->files, o->with_shipped);
  sub->add_option("--from", o->from, "Calibration profile holding the priors (default: priors)");
  sub->add_option("--name", o->name,
                  "Name of the written calibration, for --calibration NAME (default: the output file's name without "
                  ".yaml; default on stdout)");
  sub->add_option("--date", o->date, "Date to record (default: today, UTC)");
  add_profile_output_option(*sub, o->output);
  sub->add_option("--prior-strength", o->prior_strength, "Weight of the priors against the data (default 0.5)")
      ->check(CLI::Range(1e-3, 1e3));
  return {sub, [o, &context] { return run_calibrate(*o, context); }};
}

}  // namespace llmsizer::cli
