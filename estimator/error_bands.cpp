#include "estimator/error_bands.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "estimator/error_stats.hpp"
#include "estimator/serving.hpp"

namespace llmsizer {

const char* band_metric_name(BandMetric m) {
  switch (m) {
    case BandMetric::ttft:
      return "ttft";
    case BandMetric::tpot:
      return "tpot";
    case BandMetric::output_tok_s:
      return "output_tok_s";
  }
  return "tpot";
}

std::optional<BandMetric> parse_band_metric(std::string_view name) {
  for (BandMetric m : band_metrics) {
    if (name == band_metric_name(m)) return m;
  }
  return std::nullopt;
}

std::string Regime::label() const {
  std::string out;
  auto add = [&](const std::string& value, const char* prefix) {
    if (value != any_value) out += (out.empty() ? "" : ", ") + std::string(prefix) + value;
  };
  add(architecture, "");
  add(generation, "");
  add(engine, "");
  add(concurrency, "concurrency ");
  return out.empty() ? "all runs" : out;
}

Regime coarsen(const Regime& regime, int level) {
  const std::string any(any_value);
  return {level >= 4 ? any : regime.architecture, level >= 3 ? any : regime.generation,
          level >= 2 ? any : regime.engine, level >= 1 ? any : regime.concurrency};
}

std::string concurrency_band(std::int64_t concurrency) {
  // The bands the accuracy targets are stated for: batch-1-like latency runs, the interactive range
  // up to 64, throughput runs, and saturation.
  if (concurrency <= 0) return "unbounded";
  if (concurrency <= 8) return "1-8";
  if (concurrency <= 64) return "9-64";
  if (concurrency <= 256) return "65-256";
  return "> 256";
}

Regime regime_of(bool moe, const std::string& generation, const std::string& engine, std::int64_t concurrency) {
  return {moe ? "moe" : "dense", generation.empty() ? "default" : generation, engine.empty() ? "default" : engine,
          concurrency_band(concurrency)};
}

std::vector<BandEntry> band_entries(const std::vector<Residual>& residuals) {
  std::map<std::pair<BandMetric, Regime>, std::vector<double>> groups;
  for (const Residual& r : residuals) {
    for (int level = 0; level < regime_levels; ++level)
      groups[{r.metric, coarsen(r.regime, level)}].push_back(r.log_ratio);
  }
  std::vector<BandEntry> out;
  for (const auto& [key, values] : groups) {
    out.push_back({key.first, key.second, static_cast<int>(values.size()), percentile(values, band_low_percentile),
                   percentile(values, 50), percentile(values, band_high_percentile)});
  }
  return out;
}

std::array<double, band_metric_count> mean_log_ratio(const std::vector<Residual>& residuals) {
  std::array<double, band_metric_count> sum{}, count{};
  for (const Residual& r : residuals) {
    sum[static_cast<int>(r.metric)] += r.log_ratio;
    count[static_cast<int>(r.metric)] += 1;
  }
  for (int m = 0; m < band_metric_count; ++m) sum[m] = count[m] > 0 ? sum[m] / count[m] : 0.0;
  return sum;
}

namespace {

const BandEntry* find_entry(const std::vector<BandEntry>& entries, BandMetric metric, const Regime& regime) {
  const auto it =
      std::lower_bound(entries.begin(), entries.end(), std::tie(metric, regime),
                       [](const BandEntry& e, const auto& key) { return std::tie(e.metric, e.regime) < key; });
  return it != entries.end() && it->metric == metric && it->regime == regime ? &*it : nullptr;
}

}  // namespace

// The band reaches `widening` times the regime's spread on each side of its median:
// [p50 - w (p50 - p10), p50 + w (p90 - p50)] in ln(measured / predicted).
double Band::low_factor() const {
  return std::exp(p50_log_ratio - widening * (p50_log_ratio - p10_log_ratio));
}
double Band::high_factor() const {
  return std::exp(p50_log_ratio + widening * (p90_log_ratio - p50_log_ratio));
}

std::optional<Band> find_band(const ErrorBands& bands, BandMetric metric, const Regime& regime) {
  const BandEntry* own = find_entry(bands.entries, metric, regime);
  for (int level = 0; level < regime_levels; ++level) {
    const BandEntry* e = find_entry(bands.entries, metric, coarsen(regime, level));
    if (!e || (e->runs < bands.min_runs && level + 1 < regime_levels)) continue;
    Band b{e->p10_log_ratio, e->p50_log_ratio, e->p90_log_ratio,    bands.widening[static_cast<int>(metric)],
           e->regime,        e->runs,          own ? own->runs : 0, level > 0};
    if (b.wide && own) {
      // A borrowed band still spans what the few runs of this regime measured.
      b.p10_log_ratio = std::min(b.p10_log_ratio, own->p10_log_ratio);
      b.p90_log_ratio = std::max(b.p90_log_ratio, own->p90_log_ratio);
    }
    return b;
  }
  return std::nullopt;
}

double needed_widening(const Band& band, double log_ratio) {
  const double d = log_ratio - band.p50_log_ratio;
  const double spread = d >= 0 ? band.p90_log_ratio - band.p50_log_ratio : band.p50_log_ratio - band.p10_log_ratio;
  if (d == 0) return 0;
  return spread > 0 ? std::fabs(d) / spread : std::numeric_limits<double>::infinity();
}

bool inside(const Band& band, double log_ratio) {
  return needed_widening(band, log_ratio) <= band.widening;
}

std::vector<std::optional<HeldOutBand>> bands_leaving_group_out(const std::vector<Residual>& residuals,
                                                                const std::vector<std::string>& groups, int min_runs) {
  std::map<std::string, ErrorBands> tables;  // group -> the table of every other group
  for (const std::string& g : groups) tables.emplace(g, ErrorBands{});
  for (auto& [group, table] : tables) {
    std::vector<Residual> others;
    for (size_t i = 0; i < residuals.size(); ++i) {
      if (groups[i] != group) others.push_back(residuals[i]);
    }
    table.min_runs = min_runs;
    table.entries = band_entries(others);
  }
  std::vector<std::optional<HeldOutBand>> out(residuals.size());
  for (size_t i = 0; i < residuals.size(); ++i) {
    const std::optional<Band> b = find_band(tables.at(groups[i]), residuals[i].metric, residuals[i].regime);
    if (b) out[i] = HeldOutBand{*b, needed_widening(*b, residuals[i].log_ratio)};
  }
  return out;
}

std::array<double, band_metric_count> calibrate_widening(const std::vector<Residual>& residuals,
                                                         const std::vector<std::optional<HeldOutBand>>& held_out,
                                                         const std::vector<bool>& keep) {
  std::array<double, band_metric_count> widening{};
  for (BandMetric m : band_metrics) {
    std::vector<double> needed;
    for (size_t i = 0; i < residuals.size(); ++i) {
      if (residuals[i].metric == m && held_out[i] && (keep.empty() || keep[i]))
        needed.push_back(held_out[i]->needed_widening);
    }
    // Split conformal prediction: the band_coverage quantile of the held-out runs' needed widening.
    const double w = percentile(std::move(needed), band_coverage * 100);
    widening[static_cast<int>(m)] = std::clamp(w, 1.0, max_band_widening);
  }
  return widening;
}

std::vector<std::optional<HeldOutCheck>> inside_leaving_group_out(const std::vector<Residual>& residuals,
                                                                  const std::vector<std::string>& groups,
                                                                  int min_runs) {
  const std::vector<std::optional<HeldOutBand>> held_out = bands_leaving_group_out(residuals, groups, min_runs);
  std::map<std::string, std::array<double, band_metric_count>> widening;  // group -> from the other groups
  for (const std::string& g : groups) {
    if (widening.count(g)) continue;
    std::vector<bool> others(groups.size());
    for (size_t i = 0; i < groups.size(); ++i) others[i] = groups[i] != g;
    widening[g] = calibrate_widening(residuals, held_out, others);
  }
  std::vector<std::optional<HeldOutCheck>> out(residuals.size());
  for (size_t i = 0; i < residuals.size(); ++i) {
    if (!held_out[i]) continue;
    const double w = widening.at(groups[i])[static_cast<int>(residuals[i].metric)];
    out[i] = HeldOutCheck{held_out[i]->needed_widening <= w, held_out[i]->band.wide};
  }
  return out;
}

double closed_loop_output_tok_s(std::int64_t concurrency, std::int64_t osl, double ttft_s, double tpot_s) {
  const double cycle_s = request_cycle_s(ttft_s, tpot_s, static_cast<double>(osl));
  return static_cast<double>(concurrency) * static_cast<double>(osl) / cycle_s;
}

}  // namespace llmsizer
