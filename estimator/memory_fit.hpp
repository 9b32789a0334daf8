// estimator/memory_fit.hpp — bytes per GPU of a deployment, whether it fits, and the smallest GPU
// count that does (docs/methodology.md#memory).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/rounding.hpp"
#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/placement.hpp"
#include "estimator/prepared_model.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

struct MemoryPerGpu {
  Bytes weights;
  Bytes kv_cache;
  Bytes activations;
  [[nodiscard]] Bytes total() const { return weights + kv_cache + activations; }
};

/// The figures of a memory check (no text: an estimate carries them without allocating).
struct MemoryFit {
  bool fits = false;
  MemoryPerGpu need;                 // on the most loaded GPU
  Bytes capacity_per_gpu;
  Bytes usable_per_gpu;              // capacity x memory_utilization
  double kv_bytes_per_token_per_gpu = 0;  // marginal KV of one more token on that GPU
  double free_kv_tokens = 0;         // further tokens of KV that fit (0 when it does not fit)
};

/// "Does not fit" is a value: fits == false and reasons say why, with numbers.
struct MemoryFitReport : MemoryFit {
  std::vector<std::string> reasons;  // why not
  std::vector<std::string> notes;    // e.g. weight-only fallback
};

/// Context (prompt + output) and number of sequences resident at once, across the deployment.
struct Residency {
  std::int64_t context_tokens = 0;
  std::int64_t sequences = 1;
};

/// Weight bytes on the most loaded GPU of the layout: place(model, deployment).weights.total().
[[nodiscard]] Bytes weight_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment);

/// KV bytes one sequence of `context` tokens occupies on one GPU (GQA heads split over tp, or
/// replicated when tp > kv_heads; MLA latent replicated on every attention rank; layers over pp).
[[nodiscard]] double kv_bytes_per_sequence_per_gpu(const PreparedModel& model, const Deployment& deployment,
                                                   std::int64_t context);

/// Activation/workspace bytes for the largest iteration (the prefill token budget).
[[nodiscard]] Bytes activation_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment,
                                             const EfficiencyParams& efficiency);

/// The usable memory of one GPU: what the runtime can allocate times the usable fraction. Every
/// memory check (fit, largest batch, the sweep's pruning) compares against this one figure.
[[nodiscard]] Bytes usable_memory_per_gpu(const GpuSpec& gpu, const EfficiencyParams& efficiency);

/// Sequences the busiest attention-DP rank holds when `sequences` spread over replicas, then over
/// the dp ranks of an instance (ceilings at both steps).
[[nodiscard]] inline std::int64_t sequences_on_busiest_rank(const Deployment& deployment, std::int64_t sequences) {
  // One rank holds them all: the two divisions by 1 below, spared (an estimate's memory check runs this).
  if (deployment.replicas == 1 && deployment.parallel.dp == 1) return sequences;
  const std::int64_t per_replica = (sequences + deployment.replicas - 1) / deployment.replicas;
  return (per_replica + deployment.parallel.dp - 1) / deployment.parallel.dp;
}

/// The per-GPU memory formula of memory_per_gpu with the weights summed and one sequence's KV known.
[[nodiscard]] inline MemoryPerGpu memory_need(Bytes weights, Bytes activations, double kv_bytes_per_sequence,
                                              std::int64_t sequences) {
  return {weights, bytes(kv_bytes_per_sequence * static_cast<double>(sequences)), activations};
}

/// The one per-GPU memory formula (docs/methodology.md#memory): the placement's weights, the KV of
/// the busiest rank's `sequences` of `context` tokens, and the iteration's activations.
[[nodiscard]] MemoryPerGpu memory_per_gpu(const Placement& placement, Bytes activations, std::int64_t sequences,
                                          std::int64_t context);

/// What every memory check of one deployment shares: where the model lands, the activations of
/// its largest iteration and the capacity both are checked against (PreparedDeployment keeps it),
/// and what the checks derive from them whatever the request, so a check of one request is its KV
/// alone (docs/performance.md#prepared-deployment).
struct DeploymentMemory {
  Placement placement;
  Bytes activations;       // activation_bytes_per_gpu
  Bytes capacity_per_gpu;  // GpuSpec::usable_capacity
  Bytes usable_per_gpu;    // usable_memory_per_gpu
  // Derived from the above by deployment_memory; do not set them apart.
  Bytes weights;                  // placement.weights.total()
  Bytes fixed;                    // weights + activations: held on each GPU whatever the batch
  Bytes room;                     // usable_per_gpu - fixed: what the KV of the batch may take
  double kv_bytes_per_token = 0;  // placement.kv_bytes_per_token()
  std::int64_t ranks = 1;         // attention-DP ranks across the deployment: dp · replicas
};

/// Attention-DP ranks across the deployment: dp · replicas (DeploymentMemory::ranks).
[[nodiscard]] inline std::int64_t attention_ranks(const Deployment& deployment) {
  return static_cast<std::int64_t>(deployment.parallel.dp) * deployment.replicas;
}

[[nodiscard]] DeploymentMemory deployment_memory(const PreparedModel& model, const GpuSpec& gpu,
                                                 const Deployment& deployment, const EfficiencyParams& efficiency);

/// The figures of fit_memory for `residency` (no sentences, no allocation).
[[nodiscard]] MemoryFit fit_figures(const DeploymentMemory& memory, const Deployment& deployment,
                                    const Residency& residency);
/// The same for `busiest_rank_sequences` sequences (sequences_on_busiest_rank) of
/// `kv_bytes_per_sequence` each (placement.kv_bytes_per_sequence of their context) on the busiest GPU.
/// Inline: every estimate runs it (evaluate's admission).
[[nodiscard]] inline MemoryFit fit_figures(const DeploymentMemory& memory, double kv_bytes_per_sequence,
                                           std::int64_t busiest_rank_sequences) {
  MemoryFit fit;
  fit.capacity_per_gpu = memory.capacity_per_gpu;
  fit.usable_per_gpu = memory.usable_per_gpu;
  fit.need = memory_need(memory.weights, memory.activations, kv_bytes_per_sequence, busiest_rank_sequences);
  fit.kv_bytes_per_token_per_gpu = memory.kv_bytes_per_token;
  const Bytes spare = fit.usable_per_gpu - fit.need.total();
  fit.fits = spare.value >= 0;
  if (fit.fits) {
    fit.free_kv_tokens = fit.kv_bytes_per_token_per_gpu > 0 ? spare.value / fit.kv_bytes_per_token_per_gpu : 0.0;
  }
  return fit;
}

/// fit_figures, with the shortfall (when it does not fit) and the weight-only notes in words.
[[nodiscard]] MemoryFitReport fit_memory(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                         const Residency& residency, const EfficiencyParams& efficiency);

/// The sentences of a memory check: the shortfall of `fit` when it does not fit, and a note for each
/// precision of `deployment` that `gpu` runs weight-only.
void describe_fit(MemoryFitReport& fit, const GpuSpec& gpu, const Deployment& deployment,
                  const EfficiencyParams& efficiency);

/// Largest number of sequences of `context` tokens per deployment that fit (0 if none).
[[nodiscard]] std::int64_t max_resident_sequences(const PreparedModel& model, const GpuSpec& gpu,
                                                  const Deployment& deployment, std::int64_t context,
                                                  const EfficiencyParams& efficiency);
/// The same from a deployment's memory; `max_batch` (the engine's, per DP rank) bounds a model
/// whose sequences hold no KV.
[[nodiscard]] std::int64_t max_resident_sequences(const DeploymentMemory& memory, const Deployment& deployment,
                                                  std::int64_t context, std::int64_t max_batch);
/// The same for sequences of `kv_bytes_per_sequence` each (placement.kv_bytes_per_sequence of their
/// context), so a caller that also checks the fit works the KV of a sequence out once.
/// Inline: every estimate runs it (evaluate's admission).
[[nodiscard]] inline std::int64_t max_resident_sequences(const DeploymentMemory& memory, double kv_bytes_per_sequence,
                                                         std::int64_t max_batch) {
  if (memory.room.value <= 0) return 0;  // fixed >= usable: a - b <= 0 exactly when a <= b
  if (kv_bytes_per_sequence <= 0) return max_batch * memory.ranks;
  const double per_rank = floor_inline(memory.room.value / kv_bytes_per_sequence);
  return static_cast<std::int64_t>(per_rank) * memory.ranks;
}

}  // namespace llmsizer
