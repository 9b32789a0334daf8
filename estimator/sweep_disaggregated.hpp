// estimator/sweep_disaggregated.hpp — the search's prefill/decode-disaggregated deployments: every
// layout the sweep tries is also estimated as a prefill worker and as a decode worker (at each
// concurrency), and each decode worker is paired with the prefill layouts of the same precisions,
// prefill workers sized to decode workers so neither pool starves (docs/methodology.md#disaggregated).
#pragma once

#include <vector>

#include "estimator/sweep.hpp"

namespace llmsizer {

/// Most decode workers one disaggregated deployment of the search has: beyond a few, per-GPU figures
/// no longer change (the rounding of prefill workers is spread thin), and --max-gpus bounds it anyway.
inline constexpr int max_searched_decode_workers = 16;

/// One worker of a pool, estimated alone.
struct PoolSide {
  Deployment deployment;  // one worker (replicas 1)
  Estimate estimate;      // Phase::prefill or Phase::decode
  Bytes kv_per_gpu;       // one request's KV on each GPU of its rank (kv_handoff_bytes_per_gpu)
};

struct PoolCandidates {
  std::vector<PoolSide> prefill;  // one per layout and precision, at the default prefill batch
  std::vector<PoolSide> decode;   // per layout, precision and concurrency that runs without a queue
};

/// Estimates deployment `d` (one instance of the sweep) as a prefill worker and as a decode worker
/// at each of the request's concurrencies that its KV cache holds, into `out`.
void collect_pool_sides(const PreparedModel& model, const SweepTarget& target, const Deployment& d,
                        const SweepRequest& request, PoolCandidates& out);

/// For each decode side, the xPyD deployment with the prefill layouts of the same precisions that
/// serves the most output tokens per GPU (meeting the SLOs when any does): for y decode workers, x =
/// prefill_workers_for(y, ...) or one more, within --max-gpus. One row per decode side, into `result`.
/// The pairings go through combine_pools, so a starved decode pool would run at the batch its prefill
/// pool sustains, as in estimate (`model` is what that batch is estimated on).
void add_disaggregated_rows(const PreparedModel& model, const SweepTarget& target, int target_index,
                            const SweepRequest& request, const PoolCandidates& candidates, SweepResult& result);

}  // namespace llmsizer
