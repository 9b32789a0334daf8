// estimator/sweep.hpp — every deployment of one model on some GPU types: enumerate GPU count x
// layout x weight precision x concurrency, rule out what cannot fit before estimating, estimate the
// rest, and pick per GPU type the Pareto frontier of output tokens/s per GPU against tokens/s per
// user and the cheapest configuration that meets the service levels (docs/methodology.md#sweep).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "estimator/disaggregation.hpp"
#include "estimator/layout.hpp"
#include "estimator/pareto.hpp"
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

/// The rows a sweep keeps. `all`: every configuration that fits (plan's "closest to the SLO" and the
/// tests read them). `shown`: per GPU type only its frontier, `best`, `best_if_unrealistic` and
/// `fastest` rows — all that `sweep`, `compare` and `report` read — so an all-GPU sweep holds some
/// hundreds of rows instead of some 40,000 (their page faults were a fifth of its time;
/// docs/performance.md). SweepTargetResult::fitted counts the rows either way.
enum class SweepRows : unsigned char { all, shown };

struct SweepRequest {
  std::int64_t isl = 1024;
  std::int64_t osl = 1024;
  std::vector<std::int64_t> concurrencies;  // requests in flight, ascending, each >= 1
  int max_gpus = 64;
  Precision kv = Precision::bf16;
  ServiceLevel slo;
  LayoutHints only;  // degrees the user fixed (--tp, --pp, --dp, --ep)
  Overlap overlap = Overlap::none;  // Deployment::overlap of every deployment searched (--overlap)
  /// Rank `best` for a fleet serving this peak (tokens/s): fewest fleet GPUs in whole replicas
  /// (replicas_for_peak), then the value order. nullopt: by value alone.
  std::optional<double> peak_output_tok_s;
  bool allow_unrealistic = false;  // let flagged rows (estimator/realism.hpp) be `best`
  /// The search axes beyond layout and weights (docs/methodology.md#sweep); off, the sweep tries
  /// exactly `kv`, no MTP and `concurrencies`.
  bool search_kv = false;         // FP8 KV where the GPU computes FP8 (sweep_kv_choices), else `kv`
  std::optional<int> mtp_tokens;  // one MTP depth; nullopt with search_mtp: sweep_mtp_depths
  bool search_mtp = false;
  double mtp_acceptance = 0;        // Deployment::speculative_acceptance of MTP rows
  double mtp_acceptance_decay = 1;  // Deployment::speculative_acceptance_decay of MTP rows
  bool refine_concurrency = false;  // bisect between the last passing and first failing level
  /// Also search prefill/decode-disaggregated deployments (estimator/sweep_disaggregated.hpp).
  bool disaggregated = false;
  /// Which rows the result keeps (SweepRows); the ranking is the same either way.
  SweepRows keep = SweepRows::all;
  /// GPU types swept at once, each on its own thread (at most one per GPU type); the result does not
  /// depend on it: every GPU type is swept alone and the results are joined in target order.
  unsigned threads = 1;
};

/// Deepest MTP draft the search tries: 1 to 3 drafted tokens is the range serving reports use
/// (1.8-3.3 accepted tokens per step for DeepSeek-R1 with MTP on H20, LMSYS blog 2025-09-26).
inline constexpr int max_searched_mtp_tokens = 3;
/// Bisection steps between the last concurrency that meets the SLO and fits and the first that does
/// not: 3 steps place the boundary within 1/8 of the gap between two powers of two.
inline constexpr int concurrency_refinement_steps = 3;
/// Deployments per GPU type the second pass deepens (MTP) and bisects (concurrency): those of the
/// best SLO-meeting rows by tok/s per GPU. Bisection raises a deployment's best row by less than the
/// 2x between two levels, so the winner is among the first few; trying every deployment would
/// multiply the sweep's estimates for rows no choice reads.
inline constexpr std::size_t refined_deployments = 4;

/// The KV precisions the sweep tries on `gpu`: with search_kv, FP8 where the GPU has FP8 tensor
/// cores — a BF16 KV row is then never better (the same compute at no higher rate, twice the KV
/// bytes; tests/estimator/sweep_search_test.cpp checks it), so it is pruned — else `kv`.
[[nodiscard]] std::vector<Precision> sweep_kv_choices(const GpuSpec& gpu, const SweepRequest& request);
/// The MTP depths the sweep tries: mtp_tokens when set; 0..max_searched_mtp_tokens with search_mtp
/// on a model with an MTP module; else 0.
[[nodiscard]] std::vector<int> sweep_mtp_depths(const ModelSpec& model, const SweepRequest& request);

/// One configuration that fits, with the figures the sweep ranks by.
struct SweepRow {
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
  int target = 0;         // index into the targets (beside the flags: no padding)
  /// A prefill/decode-disaggregated deployment: both pools, with `deployment` its decode pool (the
  /// precisions; replicas = decode workers). Null: one co-located instance, `deployment`. Held by
  /// pointer, shared by copies of the row, because few rows have pools and an all-GPU sweep keeps
  /// some 40,000 rows: inline, the pools would be 40 % of every row's bytes (page faults;
  /// docs/performance.md).
  std::shared_ptr<const DisaggregatedDeployment> pools;
  [[nodiscard]] int total_gpus() const { return pools ? pools->total_gpus() : deployment.total_gpus(); }
};

/// Why an engine would not run row `r` (estimator/realism.hpp): its layout's reasons, or for a
/// disaggregated row the reasons of the pool at fault, named ("prefill pool: ..."); empty when realistic.
[[nodiscard]] std::string unrealistic_reason(const GpuSpec& gpu, const SweepRow& r);

/// The row of an estimate `e` of deployment `d` (one instance, or the decode pool of `e`'s pools).
[[nodiscard]] SweepRow sweep_row(int target, const GpuSpec& gpu, const Deployment& d, const EstimateFigures& e,
                                 const ServiceLevel& slo);

struct SweepTargetResult {
  std::size_t first_row = 0;  // this target's kept rows (SweepRequest::keep) are rows[first_row, end_row)
  std::size_t end_row = 0;
  std::size_t fitted = 0;             // configurations of this GPU type that fit: its rows before any was dropped
  /// Nothing of this GPU type fits on up to SweepRequest::max_gpus: the one test of every command's
  /// "nothing fits" (kept rows are no guide: SweepRows::shown drops rows that fit).
  [[nodiscard]] bool nothing_fits() const { return fitted == 0; }
  std::vector<std::size_t> frontier;  // row indices, by tok_s_per_user ascending
  /// Meeting the SLO and realistic (unless allowed): with a peak demand the fewest fleet GPUs,
  /// then lowest $/Mtok output when priced, else highest output tok/s per GPU (the same order: one
  /// price per GPU type, and $/Mtok = price / (tok/s per GPU)).
  std::optional<std::size_t> best;
  /// The row `best` would be if unrealistic rows counted, when that is a different, better row.
  std::optional<std::size_t> best_if_unrealistic;
  std::optional<std::size_t> fastest;        // highest tok/s per user, SLO or not; realistic when any is
  std::vector<WeightChoice> weights;         // the precisions swept
  std::vector<std::optional<int>> min_gpus;  // per precision: smallest count where anything fit
  /// Kept up to date as rows are added (add_sweep_row), so that neither the second pass nor the
  /// ranking sorts this target's rows: the frontier of the rows so far, and the best SLO-meeting
  /// realistic rows so far by tok/s per GPU (at most refined_deployments, descending, the earlier
  /// row first on a tie). Used while the GPU type is swept; empty in sweep()'s result.
  ParetoFrontier running_frontier;
  std::vector<std::size_t> top_rows;
};

struct SweepResult {
  std::vector<SweepRow> rows;  // the configurations that fit, of SweepRequest::keep
  std::vector<SweepTargetResult> targets;
  std::int64_t configs_evaluated = 0;  // estimates run
  std::int64_t configs_pruned = 0;     // ruled out by memory without estimating
};

/// Appends `row` to `result.rows` as a row of the last target (`result.targets.back()`), updating its
/// running frontier and best rows. Returns the row as stored.
const SweepRow& add_sweep_row(SweepResult& result, SweepRow row);

/// Called after each (GPU type, count) with how many of those are done; with SweepRequest::threads
/// above 1 from the thread that swept it, one call at a time.
using SweepProgress = std::function<void(std::size_t done, std::size_t total)>;

/// Sweeps `model` over `targets`. Memory is checked before any estimate: weights alone rule out a
/// (GPU, count, layout, precision) for every concurrency, and once a concurrency's KV does not fit
/// no larger one is tried. A second pass per GPU type tries MTP depths on the deployments of the
/// frontier and of the best SLO-meeting rows (a depth stops at the first concurrency where a row
/// with one draft fewer is better in both tok/s per GPU and per user: beyond it decode is
/// compute-bound and drafts cost more than they save), then bisects concurrency on the deployments
/// of the best rows (estimator/sweep_search.hpp).
[[nodiscard]] SweepResult sweep(const PreparedModel& model, const std::vector<SweepTarget>& targets,
                                const SweepRequest& request, const SweepProgress& progress = {});

}  // namespace llmsizer
