// estimator/step_time.hpp — time of one engine iteration (a decode step, a prefill chunk, or both
// mixed) on one pipeline stage, as a roofline per operator plus communication and fixed overheads
// (docs/methodology.md#step-time).
#pragma once

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/prepared_model.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

enum class Bound : unsigned char { compute, memory, communication, overhead };
[[nodiscard]] const char* bound_name(Bound bound);

/// What one iteration processes on one attention-DP rank.
struct StepShape {
  double decode_sequences = 0;   // sequences producing tokens this step
  double decode_context = 0;     // mean tokens already in their KV cache
  double tokens_per_sequence = 1;  // > 1 when speculative decoding verifies drafted tokens
  double prefill_tokens = 0;     // prompt tokens processed this step
  double prefill_context = 0;    // mean context each prefill token attends to (causal)
  double prefill_sequences = 0;  // prompts that finish this step (their last token hits the LM head)
};

/// Time of one iteration on one stage, with where it went.
struct StepTime {
  Seconds total;
  Seconds compute_bound;    // operators limited by tensor throughput
  Seconds memory_bound;     // operators limited by HBM bandwidth
  Seconds communication;    // collectives and pipeline transfers not hidden by compute
  Seconds overhead;         // per-layer and per-step fixed costs
  Flops flops;              // per GPU
  Bytes bytes;              // HBM traffic per GPU
  [[nodiscard]] Bound bound() const;
};

/// One iteration on one pipeline stage (num_layers / pp layers; the LM head counted on the stage
/// that owns it, i.e. always included so the slowest stage is modelled).
[[nodiscard]] StepTime stage_step_time(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                       const EfficiencyParams& efficiency, const StepShape& shape);

/// Expected number of distinct experts a batch of `tokens` activates when each picks `k` of `e`
/// uniformly: E·(1 − (1 − k/E)^B) (occupancy argument; docs/methodology.md#moe).
[[nodiscard]] double expected_active_experts(double experts, double k, double tokens);

/// Ring all-reduce time: 2·(n−1)/n · bytes / bandwidth + latency (Patarasuk & Yuan 2009).
[[nodiscard]] Seconds ring_allreduce_time(Bytes message, int ranks, BytesPerSecond bandwidth, Seconds latency);

}  // namespace llmsizer
