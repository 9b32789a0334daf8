// estimator/disaggregation.hpp — a prefill/decode-disaggregated deployment (xPyD): x prefill workers
// and y decode workers, each pool with its own layout, joined by a KV-cache transfer over the
// scale-out network (docs/methodology.md#disaggregated).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "estimator/prepared_deployment.hpp"
#include "estimator/serving.hpp"

namespace llmsizer {

/// The two pools as asked: each Deployment's `replicas` is its worker count; a batch is requests
/// per worker (prefill: prompts packed into one batch; decode: sequences running at once), 0 for the
/// default (prefill: as many prompts as the engine's token budget holds; decode: as many as fit).
struct DisaggregatedDeployment {
  Deployment prefill;
  Deployment decode;
  std::int64_t prefill_batch = 0;
  std::int64_t decode_batch = 0;
  [[nodiscard]] int total_gpus() const { return prefill.total_gpus() + decode.total_gpus(); }
  /// Two-batch where either pool runs it (Deployment::applied_overlap), else none.
  [[nodiscard]] Overlap applied_overlap() const {
    return prefill.applied_overlap() == Overlap::two_batch ? Overlap::two_batch : decode.applied_overlap();
  }
};

/// "2P1D (prefill tp8 pp1 dp1 ep1, decode tp1 pp1 dp16 ep16)": the workers and each pool's layout.
[[nodiscard]] std::string pools_label(const DisaggregatedDeployment& pools);

/// One pool's side of the answer.
struct PoolFigures {
  Deployment deployment;
  std::int64_t batch = 0;     // requests per worker (resolved default included)
  std::int64_t running = 0;   // requests the pool runs at once, all workers (decode: at the rate it is fed)
  double requests_per_s = 0;  // the pool's capacity at the request mix
  double utilization = 0;     // deployment request rate / capacity
  MemoryFit memory;
  StepTime detail;  // where one iteration's time goes (one stage)
};

/// What the two-pool deployment adds to an Estimate (Estimate::disaggregated).
struct Disaggregation {
  PoolFigures prefill;
  PoolFigures decode;
  Seconds prefill_queue;    // wait before the prefill: M/D/1 for a worker, or the closed loop, plus the wait beyond the
                            // KV held
  Seconds prefill_compute;  // a prompt's batch on an idle prefill worker, to its first token
  Seconds kv_transfer;      // the prompt's KV from prefill to decode GPUs over scale-out
  Bytes kv_transfer_bytes;  // the whole request's KV (all layers), for the text
  bool prefill_limited = false;  // the prefill pool is the slower one
  /// Requests in flight, all held by the decode pool's slots when it is the slower pool; when the
  /// prefill pool is, decode.running of them decode and the rest wait for or run their prefill.
  std::int64_t in_flight = 0;
  /// Prefill workers per decode worker that serve the same request rate (each pool's capacity per
  /// worker at the request mix); size a deployment with at least this many.
  double balanced_prefill_per_decode = 0;
};

/// Seconds to move one request's KV (isl tokens) from its prefill GPUs to its decode GPUs: every GPU
/// sends (receives) its own shard over its own scale-out link at once, so the busier side, per-GPU
/// KV bytes over the achievable scale-out rate, plus one scale-out latency
/// (docs/methodology.md#disaggregated; Splitwise and Mooncake move KV this way, over RDMA).
[[nodiscard]] Seconds kv_transfer_time(const PreparedModel& model, const GpuSpec& gpu,
                                       const DisaggregatedDeployment& pools, std::int64_t isl,
                                       const EfficiencyParams& efficiency);
/// The same from each side's per-GPU bytes (kv_handoff_bytes_per_gpu), for callers that pair many pools.
[[nodiscard]] Seconds kv_transfer_time(Bytes sent_per_gpu, Bytes received_per_gpu, const GpuSpec& gpu,
                                       const EfficiencyParams& efficiency);
/// KV bytes of one request of `isl` tokens on each GPU of its rank under `deployment`: its layers,
/// its share of the KV heads (the whole latent under MLA).
[[nodiscard]] Bytes kv_handoff_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment,
                                             std::int64_t isl);

/// The prefill worker's default batch: the prompts of `isl` tokens one token budget holds, at least 1.
[[nodiscard]] std::int64_t default_prefill_batch(std::int64_t isl, const EfficiencyParams& efficiency);

/// Tokens a request decodes after its first (which came from prefill): OSL − 1, at least 1.
[[nodiscard]] inline double decode_tokens_per_request(std::int64_t osl) {
  return std::max(1.0, static_cast<double>(osl) - 1.0);
}
/// A prefill pool's capacity in requests/s at the request mix: its prompt tokens/s over ISL.
[[nodiscard]] inline double prefill_requests_per_s(const Estimate& prefill_side, std::int64_t isl) {
  return prefill_side.input_tok_s / static_cast<double>(isl);
}
/// A decode pool's capacity in requests/s: each request holds a slot for its OSL − 1 tokens after
/// the first (DistServe §3.1 models the same two rates).
[[nodiscard]] inline double decode_requests_per_s(const Estimate& decode_side, std::int64_t osl) {
  return decode_side.output_tok_s / decode_tokens_per_request(osl);
}

/// Prefill workers that keep up with `decode_workers` decode workers: ceil(y · decode rate / prefill
/// rate per worker), at least 1 (docs/methodology.md#disaggregated).
[[nodiscard]] int prefill_workers_for(int decode_workers, double decode_requests_per_s_per_worker,
                                      double prefill_requests_per_s_per_worker);

/// The decode pool's estimate (Phase::decode) at the batch it runs when fed `requests_per_s` by a
/// slower prefill pool, at most `in_flight` requests: by Little's law it holds n = λ·(OSL − 1)·TPOT(n)
/// requests at once, and TPOT(n) grows with n, so n is a fixed point: a crossing, a whole n with
/// λ·(OSL − 1)·TPOT(n) ≥ n and not so at n + 1, found by bisection (at least 1). It is the largest
/// such n, and the only one, when the throughput n / TPOT(n) grows with n; when it does not,
/// bisection still ends on a crossing (docs/methodology.md#disaggregated). One request in flight is
/// estimated once.
[[nodiscard]] Estimate decode_pool_at_rate(const PreparedDeployment& decode_pool, const Workload& workload,
                                           double requests_per_s, std::int64_t in_flight);

/// Combines a prefill-side and a decode-side estimate (estimate() with Phase::prefill on the prefill
/// pool, Phase::decode on the decode pool at its full batch) into the deployment's answer: TTFT =
/// prefill queue + prefill compute + KV transfer; TPOT the decode pool's, at the batch the prefill
/// pool sustains when it is the slower one (decode_pool_at_rate on `decode_worker`: pools.decode's
/// layout prepared at any number of replicas, its GPU, efficiency and price the deployment's);
/// throughput the slower pool's; cost and energy on all GPUs. Cheap unless the prefill pool is the
/// slower one: the search calls it for many worker counts of the same pools, with one worker prepared.
[[nodiscard]] Estimate combine_pools(const PreparedDeployment& decode_worker, const DisaggregatedDeployment& pools,
                                     const Workload& workload, const Estimate& prefill_side,
                                     const Estimate& decode_side, Seconds kv_transfer, Bytes kv_bytes);

/// The pool-side workloads and estimates, then combine_pools. `workload.concurrency` is unused: the
/// decode pool's requests in flight are decode workers × decode batch.
[[nodiscard]] Estimate estimate_disaggregated(const PreparedModel& model, const GpuSpec& gpu,
                                              const DisaggregatedDeployment& pools, const Workload& workload,
                                              const EfficiencyParams& efficiency,
                                              std::optional<double> usd_per_gpu_hour);

}  // namespace llmsizer
