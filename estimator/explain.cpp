#include "estimator/explain.hpp"

#include <algorithm>
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
  return b;
}

/// Tokens per GPU-second of a phase taking `share` of the deployment's GPU time.
std::optional<double> per_phase_gpu_second(double tok_s, double share, int gpus) {
  if (share <= 0 || tok_s <= 0) return std::nullopt;
  return tok_s / (share * gpus);
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
  const MemoryPerGpu& need = estimate.memory.need;
  x.resident_weight_bytes = need.weights;
  x.kv_headroom_per_gpu =
      Bytes{std::max(0.0, estimate.memory.usable_per_gpu.value - need.weights.value - need.activations.value)};
  x.batch_capacity = max_resident_sequences(model, gpu, deployment, reserved_context(workload, efficiency), efficiency);
  x.running = estimate.running;
  const double osl = static_cast<double>(workload.osl);
  x.request_cycle =
      seconds(estimate.output_tok_s > 0 ? static_cast<double>(estimate.running) * osl / estimate.output_tok_s : 0.0);
  return x;
}

Advantage advantage(const Explanation& winner, std::optional<double> winner_price, const Explanation& runner_up,
                    std::optional<double> runner_up_price) {
  Advantage a;
  if (winner_price && runner_up_price && *winner_price > 0) a.price = *runner_up_price / *winner_price;
  if (runner_up.requests_per_gpu() > 0) a.requests_per_gpu = winner.requests_per_gpu() / runner_up.requests_per_gpu();
  if (winner.request_cycle.value > 0) a.request_time = runner_up.request_cycle.value / winner.request_cycle.value;
  a.total = a.price * a.requests_per_gpu * a.request_time;
  // Decisive: the factor contributing most to the winner's lead, on a log scale (the factors multiply).
  a.decisive = Factor::request_time;
  double largest = std::log(a.request_time);
  if (std::log(a.requests_per_gpu) > largest) {
    a.decisive = Factor::requests_per_gpu;
    largest = std::log(a.requests_per_gpu);
  }
  if (std::log(a.price) > largest) a.decisive = Factor::price;
  return a;
}

}  // namespace llmsizer
