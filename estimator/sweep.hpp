// estimator/sweep.hpp — every deployment of one model on some GPU types: enumerate GPU count x
// layout x weight precision x concurrency, rule out what cannot fit before estimating, estimate the
// rest, and pick per GPU type the Pareto frontier of output tokens/s per GPU against tokens/s per
// user and the cheapest configuration that meets the service levels (docs/methodology.md#sweep).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "estimator/disaggregation.hpp"
#include "estimator/layout.hpp"
#include "estimator/serving.hpp"
#include "estimator/weight_candidates.hpp"

namespace llmsizer {

/// Instance layouts on exactly `gpus` GPUs (no replicas: per-GPU metrics of r replicas at
/// concurrency c equal those of one instance at c/r). For each tp — a power of two within the
/// scale-up domain dividing the heads and the count — pipeline stages fill the rest. MoE models
/// add ep = tp, and attention data parallelism with ep = tp·dp: dp over all the rest (one stage),
/// and dp filling the scale-up domain with stages across domains. Degrees set in `only` restrict the
/// layouts to those with that degree.
[[nodiscard]] std::vector<Parallelism> sweep_layouts(const ModelSpec& model, const GpuSpec& gpu, int gpus,
                                                     const LayoutHints& only = {});

/// One GPU type to sweep, resolved by the caller.
struct SweepTarget {
  const GpuSpec* gpu = nullptr;
  EfficiencyParams efficiency;
  std::optional<double> usd_per_gpu_hour;  // nullopt: unpriced (no $/Mtok)
  std::vector<WeightChoice> weights;       // empty: default_weight_choices
  std::string price_basis;                 // PriceChoice::basis of the price: on-demand, ..., "user"; "" unpriced
};

struct SweepRequest {
  std::int64_t isl = 1024;
  std::int64_t osl = 1024;
  std::vector<std::int64_t> concurrencies;  // requests in flight, ascending, each >= 1
  int max_gpus = 64;
  Precision kv = Precision::bf16;
  ServiceLevel slo;
  LayoutHints only;  // degrees the user fixed (--tp, --pp, --dp, --ep)
  /// Rank `best` for a fleet serving this peak (tokens/s): fewest fleet GPUs in whole replicas
  /// (replicas_for_peak), then the value order. nullopt: by value alone.
  std::optional<double> peak_output_tok_s;
  bool allow_unrealistic = false;  // let flagged rows (estimator/realism.hpp) be `best`
  /// Also search prefill/decode-disaggregated deployments (estimator/sweep_disaggregated.hpp).
  bool disaggregated = false;
};

/// One configuration that fits, with the figures the sweep ranks by.
struct SweepRow {
  int target = 0;  // index into the targets
  Deployment deployment;
  std::int64_t concurrency = 0;
  Seconds ttft;
  Seconds tpot;
  double output_tok_s = 0;
  double output_tok_s_per_gpu = 0;
  double tok_s_per_user = 0;
  std::optional<double> usd_per_mtok_output;
  double joules_per_output_token = 0;
  Bytes weights_per_gpu;
  Bytes memory_per_gpu;  // weights + KV + activations on the busiest GPU
  bool meets_slo = false;
  bool realistic = true;  // is_realistic(): an engine would run this layout at this speed
  bool on_frontier = false;
  bool cheapest = false;  // the lowest $/Mtok output of this GPU type among rows meeting the SLO
  /// A prefill/decode-disaggregated deployment: both pools, with `deployment` its decode pool (the
  /// precisions; replicas = decode workers). nullopt: one co-located instance, `deployment`.
  std::optional<DisaggregatedDeployment> pools;
  [[nodiscard]] int total_gpus() const { return pools ? pools->total_gpus() : deployment.total_gpus(); }
};

/// The row of an estimate `e` of deployment `d` (one instance, or the decode pool of `e`'s pools).
[[nodiscard]] SweepRow sweep_row(int target, const GpuSpec& gpu, const Deployment& d, const Estimate& e,
                                 const ServiceLevel& slo);

struct SweepTargetResult {
  std::size_t first_row = 0;  // this target's rows are rows[first_row, end_row)
  std::size_t end_row = 0;
  std::vector<std::size_t> frontier;  // row indices, by tok_s_per_user ascending
  /// Meeting the SLO and realistic (unless allowed): with a peak demand the fewest fleet GPUs,
  /// then lowest $/Mtok output when priced, else highest output tok/s per GPU (the same order: one
  /// price per GPU type, and $/Mtok = price / (tok/s per GPU)).
  std::optional<std::size_t> best;
  /// The row `best` would be if unrealistic rows counted, when that is a different, better row.
  std::optional<std::size_t> best_if_unrealistic;
  std::optional<std::size_t> fastest;  // highest tok/s per user, SLO or not; realistic when any is
  std::vector<WeightChoice> weights;   // the precisions swept
  std::vector<std::optional<int>> min_gpus;  // per precision: smallest count where anything fit
};

struct SweepResult {
  std::vector<SweepRow> rows;  // every configuration estimated
  std::vector<SweepTargetResult> targets;
  std::int64_t configs_evaluated = 0;  // estimates run
  std::int64_t configs_pruned = 0;     // ruled out by memory without estimating
};

/// Called after each (GPU type, count) with how many of those are done.
using SweepProgress = std::function<void(std::size_t done, std::size_t total)>;

/// Sweeps `model` over `targets`. Memory is checked before any estimate: weights alone rule out a
/// (GPU, count, layout, precision) for every concurrency, and once a concurrency's KV does not fit
/// no larger one is tried.
[[nodiscard]] SweepResult sweep(const PreparedModel& model, const std::vector<SweepTarget>& targets,
                                const SweepRequest& request, const SweepProgress& progress = {});

}  // namespace llmsizer
