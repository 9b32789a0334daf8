#include "estimator/memory_fit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "base/rounding.hpp"
#include "estimator/text_format.hpp"

namespace llmsizer {

Bytes weight_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment) {
  return place(model, deployment).weights.total();
}

double kv_bytes_per_sequence_per_gpu(const PreparedModel& model, const Deployment& deployment, std::int64_t context) {
  return place(model, deployment).kv_bytes_per_sequence(context);
}

Bytes activation_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment,
                               const EfficiencyParams& efficiency) {
  // Peak live activations of one iteration of `prefill_chunk_tokens` tokens: the residual stream and
  // a few hidden-sized temporaries (norm, attention output, all-reduce buffer: ~4 x hidden), the FFN
  // intermediate (gate and up: 2 x width / tp) in 16-bit, plus FP32 logits of the sequences sampled
  // (vLLM/SGLang profile the same peak at start-up).
  const double tokens = static_cast<double>(efficiency.engine.prefill_chunk_tokens);
  const ModelSpec& spec = *model.spec;
  double ffn_width = spec.ffn_size;
  if (spec.moe) ffn_width = std::max(ffn_width, static_cast<double>(spec.moe->experts_per_token) * spec.moe->expert_ffn_size);
  const double tp = deployment.parallel.tp;
  const double per_token = 2.0 * (4.0 * model.hidden + 2.0 * ffn_width / tp);
  const double logits = 4.0 * model.vocab / tp * std::min<double>(tokens, efficiency.engine.max_batch);
  return bytes(tokens * per_token + logits);
}

Bytes usable_memory_per_gpu(const GpuSpec& gpu, const EfficiencyParams& efficiency) {
  return gpu.usable_capacity() * efficiency.memory_utilization;
}

MemoryPerGpu memory_per_gpu(const Placement& placement, Bytes activations, std::int64_t sequences,
                            std::int64_t context) {
  return memory_need(placement.weights.total(), activations, placement.kv_bytes_per_sequence(context), sequences);
}

DeploymentMemory deployment_memory(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                   const EfficiencyParams& efficiency) {
  DeploymentMemory memory;
  memory.placement = place(model, deployment);
  memory.activations = activation_bytes_per_gpu(model, deployment, efficiency);
  memory.capacity_per_gpu = gpu.usable_capacity();
  memory.usable_per_gpu = usable_memory_per_gpu(gpu, efficiency);
  memory.weights = memory.placement.weights.total();
  memory.fixed = memory.weights + memory.activations;
  memory.room = memory.usable_per_gpu - memory.fixed;
  memory.kv_bytes_per_token = memory.placement.kv_bytes_per_token();
  memory.ranks = attention_ranks(deployment);
  return memory;
}

MemoryFit fit_figures(const DeploymentMemory& memory, const Deployment& deployment, const Residency& residency) {
  return fit_figures(memory, memory.placement.kv_bytes_per_sequence(residency.context_tokens),
                     sequences_on_busiest_rank(deployment, residency.sequences));
}

void describe_fit(MemoryFitReport& fit, const GpuSpec& gpu, const Deployment& deployment,
                  const EfficiencyParams& efficiency) {
  if (!fit.fits) {
    fit.reasons.push_back(describe_shortfall(fit.need.weights, fit.need.kv_cache, fit.need.activations,
                                             fit.usable_per_gpu, fit.capacity_per_gpu, efficiency.memory_utilization));
  }
  for (Precision p : {deployment.weights, deployment.experts}) {
    if (is_weight_only_on(gpu, p)) {
      fit.notes.push_back(weight_only_note(p, effective_compute_type(gpu, p), gpu.name));
      if (deployment.weights == deployment.experts) break;
    }
  }
}

MemoryFitReport fit_memory(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                           const Residency& residency, const EfficiencyParams& efficiency) {
  MemoryFitReport fit;
  const DeploymentMemory memory = deployment_memory(model, gpu, deployment, efficiency);
  static_cast<MemoryFit&>(fit) = fit_figures(memory, deployment, residency);
  describe_fit(fit, gpu, deployment, efficiency);
  return fit;
}

std::int64_t max_resident_sequences(const DeploymentMemory& memory, [[maybe_unused]] const Deployment& deployment,
                                    std::int64_t context, std::int64_t max_batch) {
  // The ranks were counted when the memory was prepared, for this deployment.
  assert(memory.ranks == static_cast<std::int64_t>(deployment.parallel.dp) * deployment.replicas);
  return max_resident_sequences(memory, memory.placement.kv_bytes_per_sequence(context), max_batch);
}

std::int64_t max_resident_sequences(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                    std::int64_t context, const EfficiencyParams& efficiency) {
  return max_resident_sequences(deployment_memory(model, gpu, deployment, efficiency), deployment, context,
                                efficiency.engine.max_batch);
}

}  // namespace llmsizer
