#include "estimator/explain.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

#include "estimator/admission.hpp"
#include "estimator/memory_fit.hpp"

namespace llmsizer {
namespace {

/// The part of an iteration StepTime::bound() names, over the whole iteration.
double share_of_bound(const StepTime& s) {
  if (s.total.value <= 0) return 0.0;
  switch (s.bound()) {
    case Bound::compute:
      return s.compute_bound.value / s.total.value;
    case Bound::memory:
      return s.memory_bound.value / s.total.value;
    case Bound::communication:
      return s.communication.value / s.total.value;
    case Bound::overhead:
      return s.overhead.value / s.total.value;
  }
  return 0.0;
}

/// The bottleneck of one iteration: the estimate's StepTime for its bound and time, the operator
/// breakdown of the same shape for the split of HBM bytes between the KV cache (attention core) and
/// the weights (every other operator).
PhaseBottleneck bottleneck(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                           const EfficiencyParams& efficiency, const StepShape& shape, const StepTime& detail) {
  OperatorBreakdown breakdown{};
  static_cast<void>(stage_step_time(model, gpu, deployment, efficiency, shape, &breakdown));
  PhaseBottleneck b;
  b.bound = detail.bound();
  b.bound_share = share_of_bound(detail);
  b.step = detail.total;
  b.flops = detail.flops;
  b.kv_bytes = breakdown[static_cast<int>(OperatorKind::attention_core)].bytes;
  b.weight_bytes = Bytes{detail.bytes.value - b.kv_bytes.value};
  b.micro_batches = deployment.applied_overlap() == Overlap::two_batch ? 2 : 1;
  return b;
}

/// Tokens per GPU-second of a phase taking `share` of the deployment's GPU time.
std::optional<double> per_phase_gpu_second(double tok_s, double share, int gpus) {
  if (share <= 0 || tok_s <= 0) return std::nullopt;
  return tok_s / (share * gpus);
}

/// The memory side of one pool: resident weights, KV headroom and the requests it holds.
PoolExplanation pool_memory(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                            const MemoryFit& memory, const Workload& workload, const EfficiencyParams& efficiency) {
  PoolExplanation p;
  p.workers = deployment.replicas;
  p.gpus = deployment.total_gpus();
  const MemoryPerGpu& need = memory.need;
  p.resident_weight_bytes = need.weights;
  p.kv_headroom_per_gpu =
      Bytes{std::max(0.0, memory.usable_per_gpu.value - need.weights.value - need.activations.value)};
  p.batch_capacity = max_resident_sequences(model, gpu, deployment, reserved_context(workload, efficiency), efficiency);
  return p;
}

/// One request's time from admission to its last token as the throughput implies (Little's law).
Seconds request_cycle(const Estimate& e, std::int64_t osl) {
  return seconds(e.output_tok_s > 0 ? static_cast<double>(e.running) * static_cast<double>(osl) / e.output_tok_s : 0.0);
}

/// The deployment-wide memory fields of `x` from one pool.
void take_memory(Explanation& x, const PoolExplanation& pool) {
  x.resident_weight_bytes = pool.resident_weight_bytes;
  x.kv_headroom_per_gpu = pool.kv_headroom_per_gpu;
  x.batch_capacity = pool.batch_capacity;
}

}  // namespace

Explanation explain(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                    const Workload& workload, const EfficiencyParams& efficiency, const Estimate& estimate) {
  Explanation x;
  const ServingStepShapes shapes = serving_step_shapes(deployment, workload, efficiency, estimate.running);
  x.decode = bottleneck(model, gpu, deployment, efficiency, shapes.decode, estimate.decode_detail);
  x.prefill = bottleneck(model, gpu, deployment, efficiency, shapes.prefill_chunk, estimate.prefill_detail);
  x.gpus = deployment.total_gpus();
  x.prefill.tokens_per_gpu_s = per_phase_gpu_second(estimate.input_tok_s, estimate.prefill_share, x.gpus);
  x.decode.tokens_per_gpu_s = per_phase_gpu_second(estimate.output_tok_s, 1.0 - estimate.prefill_share, x.gpus);
  take_memory(x, pool_memory(model, gpu, deployment, estimate.memory, workload, efficiency));
  x.running = estimate.running;
  x.request_cycle = request_cycle(estimate, workload.osl);
  return x;
}

Explanation explain_disaggregated(const PreparedModel& model, const GpuSpec& gpu, const Workload& workload,
                                  const EfficiencyParams& efficiency, const Estimate& estimate) {
  assert(estimate.disaggregated);
  const Disaggregation& d = *estimate.disaggregated;
  // Each pool's iteration as its own side estimated it: the prefill pool's prompt chunk, the decode
  // pool's step (the pools' workloads as estimate_disaggregated sets them).
  const Workload prefill_work{workload.isl, 1, d.prefill.running, Phase::prefill};
  const Workload decode_work{workload.isl, workload.osl, d.decode.running, Phase::decode};
  const Deployment& pre = d.prefill.deployment;
  const Deployment& dec = d.decode.deployment;
  Explanation x;
  x.prefill =
      bottleneck(model, gpu, pre, efficiency,
                 serving_step_shapes(pre, prefill_work, efficiency, d.prefill.running).prefill_chunk, d.prefill.detail);
  x.decode = bottleneck(model, gpu, dec, efficiency,
                        serving_step_shapes(dec, decode_work, efficiency, d.decode.running).decode, d.decode.detail);
  x.gpus = pre.total_gpus() + dec.total_gpus();
  // prefill_share is the prefill pool's share of the GPUs: each phase's tokens over its own pool.
  x.prefill.tokens_per_gpu_s = per_phase_gpu_second(estimate.input_tok_s, estimate.prefill_share, x.gpus);
  x.decode.tokens_per_gpu_s = per_phase_gpu_second(estimate.output_tok_s, 1.0 - estimate.prefill_share, x.gpus);
  PoolsExplanation pools;
  pools.prefill = pool_memory(model, gpu, pre, d.prefill.memory, prefill_work, efficiency);
  pools.decode = pool_memory(model, gpu, dec, d.decode.memory, decode_work, efficiency);
  pools.prefill.running = d.prefill.running;
  pools.decode.running = d.decode.running;
  pools.prefill.utilization = d.prefill.utilization;
  pools.decode.utilization = d.decode.utilization;
  pools.prefill_limited = d.prefill_limited;
  pools.balanced_prefill_per_decode = d.balanced_prefill_per_decode;
  pools.prefill_queue = d.prefill_queue;
  pools.kv_transfer = d.kv_transfer;
  take_memory(x, pools.decode);  // the decode pool's headroom buys the batch that makes output
  x.running = estimate.running;
  x.request_cycle = request_cycle(estimate, workload.osl);
  x.pools = pools;
  return x;
}

Advantage advantage(const Explanation& winner, std::optional<double> winner_price, const Explanation& runner_up,
                    std::optional<double> runner_up_price) {
  Advantage a;
  if (winner_price && runner_up_price && *winner_price > 0) a.price = *runner_up_price / *winner_price;
  if (runner_up.requests_per_gpu() > 0) a.requests_per_gpu = winner.requests_per_gpu() / runner_up.requests_per_gpu();
  if (winner.request_cycle.value > 0) a.request_time = runner_up.request_cycle.value / winner.request_cycle.value;
  a.total = a.price * a.requests_per_gpu * a.request_time;
  // Decisive: the factor contributing most to the winner's lead, on a log scale (the factors multiply);
  // ties keep the order request time, requests per GPU, price.
  std::array<std::pair<Factor, double>, 3> logs = {{{Factor::request_time, std::log(a.request_time)},
                                                    {Factor::requests_per_gpu, std::log(a.requests_per_gpu)},
                                                    {Factor::price, std::log(a.price)}}};
  std::stable_sort(logs.begin(), logs.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  a.decisive = logs[0].first;
  a.deciding = {a.decisive};
  for (size_t i = 1; i < logs.size(); ++i) {
    if (logs[0].second > 0 && logs[i].second >= shared_decision_share * logs[0].second) a.deciding.push_back(logs[i].first);
  }
  return a;
}

}  // namespace llmsizer
