#include "cli/band_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

#include "io/table.hpp"

namespace llmsizer::cli {

Regime regime_of(const MeasuredCase& c) {
  return llmsizer::regime_of(c.model->spec->is_moe(), c.gpu->generation, c.engine, c.workload.concurrency);
}

namespace {

std::optional<double> predicted(const Prediction& p, Metric m) {
  return p.value[static_cast<int>(m)];
}

/// Measured output tokens/s of the whole deployment: as reported, else from the measured latencies
/// of a closed-loop run (a fixed number of requests in flight).
std::optional<double> measured_output_tok_s(const MeasuredCase& c, bool& derived) {
  const double gpus = c.deployment.total_gpus();
  derived = false;
  if (c.output_tok_s_per_gpu) return *c.output_tok_s_per_gpu * gpus;
  if (!c.ttft_s || !c.tpot_s || c.workload.concurrency <= 0) return std::nullopt;
  derived = true;
  return closed_loop_output_tok_s(c.workload.concurrency, c.workload.osl, *c.ttft_s, *c.tpot_s);
}

}  // namespace

void add_band_runs(const MeasuredRow& row, const Prediction& prediction, std::vector<BandRun>& out) {
  const MeasuredCase& c = row.estimate_case;
  const Regime regime = regime_of(c);
  auto add = [&](BandMetric metric, std::optional<double> measured, std::optional<double> estimate, bool derived) {
    if (measured && estimate && *measured > 0 && *estimate > 0) {
      out.push_back({&row, {metric, regime, std::log(*measured / *estimate)}, derived});
    }
  };
  add(BandMetric::ttft, c.ttft_s, predicted(prediction, Metric::ttft), false);
  add(BandMetric::tpot, c.tpot_s, predicted(prediction, Metric::tpot), false);
  bool derived = false;
  const std::optional<double> output = measured_output_tok_s(c, derived);
  const std::optional<double> per_gpu = predicted(prediction, Metric::output_per_gpu);
  add(BandMetric::output_tok_s, output,
      per_gpu ? std::optional<double>(*per_gpu * c.deployment.total_gpus()) : std::nullopt, derived);
}

namespace {

std::vector<Residual> residuals_of(const std::vector<BandRun>& runs) {
  std::vector<Residual> out;
  for (const BandRun& r : runs) out.push_back(r.residual);
  return out;
}

std::vector<std::string> models_of(const std::vector<BandRun>& runs) {
  std::vector<std::string> out;
  for (const BandRun& r : runs) out.push_back(r.row->estimate_case.model->spec->name);
  return out;
}

}  // namespace

ErrorBands bands_from(const std::vector<BandRun>& runs, const std::vector<BandRun>& in_sample, int min_runs) {
  const std::vector<Residual> residuals = residuals_of(runs);
  ErrorBands b;
  b.in_sample_mean_log_ratio = mean_log_ratio(residuals_of(in_sample));
  b.min_runs = min_runs;
  b.entries = band_entries(residuals);
  // Widened until band_coverage of each model's runs fall inside the bands of the other models.
  b.widening = calibrate_widening(residuals, bands_leaving_group_out(residuals, models_of(runs), min_runs));
  return b;
}

std::string data_files(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) out += (out.empty() ? "" : ", ") + std::filesystem::path(f).filename().string();
  return out;
}

std::string stale_bands_warning(const ErrorBands& bands, const std::vector<BandRun>& in_sample,
                                const std::vector<std::string>& files) {
  if (bands.data.substr(0, bands.data.find(" (")) != data_files(files)) return "";
  const std::array<double, band_metric_count> now = mean_log_ratio(residuals_of(in_sample));
  // The profile stores 8 decimals; anything beyond their rounding is a different prediction.
  constexpr double stored_rounding = 0.5e-8;
  std::string changed;
  for (BandMetric m : band_metrics) {
    const double was = bands.in_sample_mean_log_ratio[static_cast<int>(m)];
    if (std::fabs(now[static_cast<int>(m)] - was) > stored_rounding * 2) {
      changed += fmt::format("{}{} {:.8f} -> {:.8f}", changed.empty() ? "" : ", ", band_metric_name(m), was,
                             now[static_cast<int>(m)]);
    }
  }
  if (changed.empty()) return "";
  return fmt::format(
      "warning: the bands/1 profile '{}' was written for other predictions (in-sample mean ln(measured / "
      "predicted): {}); regenerate it: llmsizer validate --shipped --write-bands "
      "profiles/calibration/bands.yaml\n",
      bands.name, changed);
}

namespace {

/// The groups a run's coverage is reported in: all runs, then one per regime field.
std::vector<std::string> groups_of(const Regime& regime, bool wide) {
  return {"all runs",
          regime.architecture,
          regime.generation,
          regime.engine,
          "concurrency " + regime.concurrency,
          wide ? "wide (borrowed) bands" : "own-regime bands"};
}

std::vector<CoverageLine> tally(const std::vector<BandRun>& runs,
                                const std::function<std::optional<HeldOutCheck>(size_t)>& check_of) {
  std::map<std::pair<std::string, BandMetric>, CoverageLine> lines;
  std::vector<std::pair<int, std::string>> order;  // (dimension, group)
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::optional<HeldOutCheck> band = check_of(i);
    if (!band) continue;
    const Residual& r = runs[i].residual;
    const std::vector<std::string> groups = groups_of(r.regime, band->wide);
    for (size_t dimension = 0; dimension < groups.size(); ++dimension) {
      const std::string& g = groups[dimension];
      CoverageLine& line = lines[{g, r.metric}];
      if (line.runs == 0) {
        line.group = g;
        line.metric = r.metric;
        const std::pair<int, std::string> key{static_cast<int>(dimension), g};
        if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      }
      ++line.runs;
      line.inside += band->inside ? 1 : 0;
      line.wide += band->wide ? 1 : 0;
    }
  }
  // "all runs" first, then each dimension's groups sorted by name, the own/wide split last.
  std::sort(order.begin(), order.end());
  std::vector<CoverageLine> out;
  for (const auto& [dimension, g] : order) {
    for (BandMetric m : band_metrics) {
      const auto it = lines.find({g, m});
      if (it != lines.end()) out.push_back(it->second);
    }
  }
  return out;
}

}  // namespace

std::vector<CoverageLine> band_coverage(const std::vector<BandRun>& runs, const ErrorBands& bands) {
  return tally(runs, [&](size_t i) -> std::optional<HeldOutCheck> {
    const Residual& r = runs[i].residual;
    const std::optional<Band> band = find_band(bands, r.metric, r.regime);
    if (!band) return std::nullopt;
    return HeldOutCheck{inside(*band, r.log_ratio), band->wide};
  });
}

std::vector<CoverageLine> leave_one_model_out_coverage(const std::vector<BandRun>& runs, int min_runs) {
  const std::vector<std::optional<HeldOutCheck>> checks =
      inside_leaving_group_out(residuals_of(runs), models_of(runs), min_runs);
  return tally(runs, [&](size_t i) { return checks[i]; });
}

CoverageLine coverage_of(const std::vector<CoverageLine>& lines, const std::string& group, BandMetric metric) {
  for (const CoverageLine& l : lines) {
    if (l.group == group && l.metric == metric) return l;
  }
  return {group, metric, 0, 0, 0};
}

namespace {

std::string share(int part, int whole) {
  return whole > 0 ? fmt::format("{:.0f}%", 100.0 * part / whole) : "-";
}

}  // namespace

std::string coverage_text(const std::vector<CoverageLine>& lines, const std::string& title) {
  TextTable t({"runs in", "metric", "runs", "inside 80% band", "wide bands"},
              {Align::left, Align::left, Align::right, Align::right, Align::right});
  for (const CoverageLine& l : lines) {
    t.add_row(
        {l.group, band_metric_name(l.metric), std::to_string(l.runs), share(l.inside, l.runs), share(l.wide, l.runs)});
  }
  return title + "\n" + t.render() + "\n";
}

nlohmann::json coverage_json(const std::vector<CoverageLine>& lines) {
  nlohmann::json a = nlohmann::json::array();
  for (const CoverageLine& l : lines) {
    a.push_back({{"group", l.group},
                 {"metric", band_metric_name(l.metric)},
                 {"runs", l.runs},
                 {"inside", l.inside},
                 {"inside_share", l.runs > 0 ? static_cast<double>(l.inside) / l.runs : 0.0},
                 {"wide", l.wide}});
  }
  return a;
}

}  // namespace llmsizer::cli
