// estimator/plan.hpp — the fleet that serves a daily token demand (replicas, GPUs, nodes, cost,
// power) and the replica configuration it is built from (docs/methodology.md#plan).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "estimator/error_bands.hpp"
#include "estimator/serving.hpp"
#include "estimator/sweep.hpp"

namespace llmsizer {

inline constexpr double seconds_per_day = 86400.0;
/// 8760 h a year / 12: the month every $/month and MWh/month figure uses.
inline constexpr double hours_per_month = 730.0;
/// Peak hour over the daily average when the user gives none: diurnal chat traffic typically peaks
/// at about twice its mean; sizing for the mean would queue half the day.
inline constexpr double default_peak_to_average = 2.0;

/// A daily demand as the user states it.
struct Demand {
  double output_tokens_per_day = 0;
  double input_tokens_per_day = 0;
  double peak_to_average = default_peak_to_average;
  /// tokens/s averaged over the day.
  [[nodiscard]] double average_output_tok_s() const { return output_tokens_per_day / seconds_per_day; }
  /// tokens/s the fleet must sustain at peak.
  [[nodiscard]] double peak_output_tok_s() const { return average_output_tok_s() * peak_to_average; }
  [[nodiscard]] double output_tokens_per_month() const { return output_tokens_per_day * hours_per_month / 24.0; }
};

/// One replica (a model instance) and what its GPUs cost and draw.
struct ReplicaUnit {
  double output_tok_s = 0;  // per replica, at its concurrency
  int gpus = 1;             // per replica
  int gpus_per_node = 8;
  std::optional<double> usd_per_gpu_hour;
  double tdp_w = 0;
  double power_utilization = 0.7;  // average board power while serving, fraction of TDP
};

struct Fleet {
  std::int64_t replicas = 0;   // ceil(peak demand / per-replica throughput), at least 1
  std::int64_t gpus = 0;       // replicas x GPUs per replica
  std::int64_t nodes = 0;      // ceil(GPUs / GPUs per node)
  double capacity_output_tok_s = 0;
  double utilization = 0;      // average demand / capacity
  std::optional<double> usd_per_month;        // GPUs x $/GPU-hour x 730 h
  /// $/month / (output tokens served per month / 1e6): the cost per token at the fleet's
  /// utilisation, above a replica's busy usd_per_mtok_output; none for 0 tokens.
  std::optional<double> usd_per_mtok_served;
  double power_kw = 0;                        // GPUs x TDP x power utilization
  double energy_mwh_per_month = 0;            // power x 730 h
};

/// Whole replicas of `replica_tok_s` each that sustain `peak_tok_s`: ceil(peak / replica), at
/// least 1 — a demand below one replica still needs that replica (docs/methodology.md#plan).
[[nodiscard]] std::int64_t replicas_for_peak(double peak_tok_s, double replica_tok_s);

/// The fleet arithmetic, nothing estimated: every output is a closed form of the inputs.
[[nodiscard]] Fleet size_fleet(const Demand& demand, const ReplicaUnit& unit);

/// Latency targets; unset means unconstrained.
[[nodiscard]] bool meets_slo(const Estimate& estimate, const ServiceLevel& slo);
/// "TTFT <= 2000 ms, TPOT <= 50 ms", or "none".
[[nodiscard]] std::string describe_slo(const ServiceLevel& slo);

/// Concurrency values worth trying on one deployment: 1, 2, 4, ... below the most sequences of
/// isl+osl tokens that fit (capped by the engine's max batch per DP rank), then that maximum.
/// Empty when not even the weights fit.
[[nodiscard]] std::vector<std::int64_t> concurrency_ladder(const PreparedModel& model, const GpuSpec& gpu,
                                                         const Deployment& deployment, const Workload& workload,
                                                         const EfficiencyParams& efficiency);

/// The fleet's replica configuration: the sweep's best row for one GPU type (sweep() with
/// SweepRequest::peak_output_tok_s set), and the fleet sized from it.
struct ReplicaChoice {
  std::optional<Deployment> deployment;  // nullopt: no configuration meets the SLOs
  SweepRow row;                          // one replica at the chosen concurrency
  Fleet fleet;
  std::int64_t configs_evaluated = 0;
  std::string why_none;                  // when deployment is nullopt
  std::string unrealistic_note;          // a flagged configuration that would need fewer GPUs, and why
  ReplicaUnit unit;                      // what `fleet` was sized from
};

/// The fleet for `demand` from sweep target `target` of `result` (whose request carried the same
/// peak and SLOs): its `best` row sized by size_fleet, or why there is none — nothing fits, the
/// closest configuration to the SLOs, or only unrealistic layouts meet them.
[[nodiscard]] ReplicaChoice plan_replica(const SweepResult& result, std::size_t target, const SweepTarget& t,
                                         const SweepRequest& request, const Demand& demand);

/// The 10th and 90th percentile of a figure under its error band (estimator/error_bands.hpp), in the
/// figure's own unit: the estimate times Band::low_factor() and high_factor().
struct PercentileRange {
  double p10 = 0;
  double p90 = 0;
};
/// The 80 % range of the figures a plan or a comparison rests on: one sweep row's TTFT, TPOT and output
/// throughput (of the instance; per GPU alike), each nullopt without a band, and whether the SLO
/// still holds with TTFT and TPOT at their p90 (nullopt without an SLO or without the bands it needs).
struct RowRange {
  std::optional<PercentileRange> ttft_s, tpot_s, output_tok_s;
  std::optional<bool> meets_slo_at_p90;
  bool wide = false;  // a band borrowed from a coarser regime: few measurements for this one
};
/// The bands of `row` in the regime of a model (moe or dense) on a GPU generation under an engine at
/// the row's concurrency (find_band; the same lookup as an estimate's). Empty for a disaggregated row
/// or without a table: the bands come from co-located serving runs.
[[nodiscard]] RowRange row_range(const ErrorBands* bands, bool moe, const std::string& generation,
                                 const std::string& engine, const SweepRow& row, const ServiceLevel& slo);
/// The fleet at each end of a replica's throughput range: size_fleet with the replica serving its
/// p90 (optimistic: the fewest GPUs) and its p10 (pessimistic: the most). nullopt without the range.
struct FleetRange {
  Fleet optimistic;
  Fleet pessimistic;
};
[[nodiscard]] std::optional<FleetRange> fleet_range(const Demand& demand, const ReplicaUnit& unit,
                                                    const RowRange& range);

/// Ranks options: priced ones by $/month (cheapest first), then unpriced ones by GPUs, then those
/// with no configuration. Returns the indices in rank order.
struct RankKey {
  bool feasible = false;
  std::optional<double> usd_per_month;
  std::int64_t gpus = 0;
};
[[nodiscard]] std::vector<size_t> rank_options(const std::vector<RankKey>& keys);

}  // namespace llmsizer
