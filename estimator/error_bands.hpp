// estimator/error_bands.hpp — the likely range of an estimate's TTFT, TPOT and output throughput,
// from the measured error of the estimator in the estimate's regime (docs/validation.md#error-bands).
// Pure: residuals in, band tables out; a table and a regime in, a band out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer {

/// The quantities a band is stated for. Throughput bands hold for the deployment total and per GPU
/// alike (the same ratio).
enum class BandMetric : unsigned char { ttft, tpot, output_tok_s };
inline constexpr BandMetric band_metrics[] = {BandMetric::ttft, BandMetric::tpot, BandMetric::output_tok_s};
[[nodiscard]] const char* band_metric_name(BandMetric m);  // "ttft", "tpot", "output_tok_s"
[[nodiscard]] std::optional<BandMetric> parse_band_metric(std::string_view name);

/// Quantiles of ln(measured / predicted) a band starts from: the central 80 %, the share of unseen
/// runs a band is meant to hold (band_coverage), widened until it does (ErrorBands::widening).
inline constexpr double band_low_percentile = 10;
inline constexpr double band_high_percentile = 90;
inline constexpr double band_coverage = 0.8;
inline constexpr int band_metric_count = 3;

/// What the estimator's error depends on most: dense or MoE, GPU generation, engine, concurrency band.
/// A field "*" matches any value (a coarser regime).
struct Regime {
  std::string architecture;                 // "dense" or "moe"
  std::string generation;                   // GPU efficiency class: "hopper", "blackwell", ...
  std::string engine;                       // "trtllm", "vllm", "sglang", "default"
  std::string concurrency;                  // concurrency_band()
  [[nodiscard]] std::string label() const;  // "moe hopper trtllm 9-64", "moe hopper * *"
  friend bool operator==(const Regime&, const Regime&) = default;
  friend auto operator<=>(const Regime&, const Regime&) = default;
};

inline constexpr const char* any_value = "*";
/// Levels of coarsening: 0 is the full regime; each level drops one more field, in the order
/// concurrency band, engine, generation, architecture (level 4 is every run).
inline constexpr int regime_levels = 5;
[[nodiscard]] Regime coarsen(const Regime& regime, int level);

/// The concurrency band of a workload ("1-8", "9-64", "65-256", ">256"; 0 is "unbounded").
[[nodiscard]] std::string concurrency_band(std::int64_t concurrency);
[[nodiscard]] Regime regime_of(bool moe, const std::string& generation, const std::string& engine,
                               std::int64_t concurrency);

/// The measured error of one run in one metric: ln(measured / predicted).
struct Residual {
  BandMetric metric = BandMetric::tpot;
  Regime regime;
  double log_ratio = 0;
};

/// One row of a band table: the p10/p90 of the residuals of a regime (or a coarser one) in a metric.
struct BandEntry {
  BandMetric metric = BandMetric::tpot;
  Regime regime;
  int runs = 0;
  double p10_log_ratio = 0;
  double p50_log_ratio = 0;
  double p90_log_ratio = 0;
};

/// A band table and where it came from (a bands/1 profile; `llmsizer validate --write-bands`).
struct ErrorBands {
  std::string name;       // the calibration whose estimates these residuals measure
  std::string source;     // the command that wrote it
  std::string residuals;  // which predictions the residuals come from
  std::string data;       // measurement files
  int min_runs = 20;      // a regime with fewer runs borrows the band of a coarser one
  /// Per metric: how far the band reaches beyond the median, in units of the regime's p50-p10 and
  /// p90-p50, so that band_coverage of the runs of models left out of the table fall inside
  /// (calibrate_widening). 1 is the regime's own p10-p90.
  std::array<double, band_metric_count> widening = {1, 1, 1};
  /// Per metric, the mean ln(measured / predicted) of the same runs predicted by the calibration
  /// itself: any change to the model or the calibration moves it, so a stale table is caught by
  /// comparing it with a fresh in-sample run (fast; no refits).
  std::array<double, band_metric_count> in_sample_mean_log_ratio = {0, 0, 0};
  std::vector<BandEntry> entries;  // sorted by metric, then regime
};

/// Every regime, at every level of coarsening, that has at least one residual; sorted.
[[nodiscard]] std::vector<BandEntry> band_entries(const std::vector<Residual>& residuals);

/// Per metric, the mean log ratio of the residuals (0 for a metric without any).
[[nodiscard]] std::array<double, band_metric_count> mean_log_ratio(const std::vector<Residual>& residuals);

/// The band of an estimate in ln(measured / predicted): the regime's p10/p50/p90, widened.
struct Band {
  double p10_log_ratio = 0;  // of the regime's runs; a borrowed band spans the regime's own runs too
  double p50_log_ratio = 0;
  double p90_log_ratio = 0;
  double widening = 1;
  Regime regime;      // the regime whose runs set it
  int runs = 0;       // its runs
  int own_runs = 0;   // runs of the asked regime itself (< min_runs when wide)
  bool wide = false;  // borrowed from a coarser regime: few measurements for this one
  /// Multiply the estimate by these for its 80 % range.
  [[nodiscard]] double low_factor() const;
  [[nodiscard]] double high_factor() const;
};

/// The most specific regime of `regime` with at least `bands.min_runs` runs. A borrowed band also
/// spans the regime's own few runs (it is never narrower than what was measured there). nullopt when
/// the table has no run at all for the metric.
[[nodiscard]] std::optional<Band> find_band(const ErrorBands& bands, BandMetric metric, const Regime& regime);
/// The widening a run with this residual needs to fall inside the band (0 at the median).
[[nodiscard]] double needed_widening(const Band& band, double log_ratio);
/// True when a run with this residual falls inside the band.
[[nodiscard]] bool inside(const Band& band, double log_ratio);

/// Leave one group out (e.g. one model): a residual's band in the table built from every other
/// group's residuals, and the widening the residual needs to fall inside it.
struct HeldOutBand {
  Band band;
  double needed_widening = 0;
};
/// One per residual; nullopt where the other groups give no band for its metric.
[[nodiscard]] std::vector<std::optional<HeldOutBand>> bands_leaving_group_out(const std::vector<Residual>& residuals,
                                                                              const std::vector<std::string>& groups,
                                                                              int min_runs);
/// A bound on the widening: past it a band says nothing (and a regime with no spread needs infinity).
inline constexpr double max_band_widening = 100;
/// Per metric, the band_coverage quantile of the held-out runs' needed widenings (split conformal
/// prediction over groups), in [1, max_band_widening] so a band is never narrower than its regime's
/// p10-p90. Runs where `keep` is false (e.g. the group being checked) are left out; empty keeps all.
[[nodiscard]] std::array<double, band_metric_count> calibrate_widening(
    const std::vector<Residual>& residuals, const std::vector<std::optional<HeldOutBand>>& held_out,
    const std::vector<bool>& keep = {});
/// Whether a run falls inside its band when its group is left out of both the table and the widening.
struct HeldOutCheck {
  bool inside = false;
  bool wide = false;
};
[[nodiscard]] std::vector<std::optional<HeldOutCheck>> inside_leaving_group_out(const std::vector<Residual>& residuals,
                                                                                const std::vector<std::string>& groups,
                                                                                int min_runs);

/// The measured output throughput of a closed-loop benchmark from its measured latencies: each of the
/// `concurrency` users issues a request, waits TTFT + (OSL - 1) * TPOT and issues the next (Little's
/// law; the convention of serving_sample.csv's `_derived` fields, ../shared/data/NOTES.md). tokens/s.
[[nodiscard]] double closed_loop_output_tok_s(std::int64_t concurrency, std::int64_t osl, double ttft_s, double tpot_s);

}  // namespace llmsizer
