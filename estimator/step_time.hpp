// estimator/step_time.hpp — time of one engine iteration (a decode step, a prefill chunk, or both
// mixed) on one pipeline stage, as a roofline per operator plus communication and fixed overheads
// (docs/methodology.md#step-time).
#pragma once

#include <array>
#include <cmath>

#include "base/units.hpp"
#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/prepared_model.hpp"
#include "hardware/achievable.hpp"
#include "hardware/collectives.hpp"
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

/// The operators of one iteration; each is placed on the roofline on its own.
enum class OperatorKind : unsigned char {
  attention_projections,  // q/k/v/o (and MLA down/up) projections
  attention_core,         // softmax(QK^T)V over the KV cache, and writing new KV
  dense_ffn,              // FFN of dense layers
  routed_experts,         // routed experts of MoE layers (with the EP imbalance)
  shared_experts,         // always-active experts of MoE layers
  router,                 // expert gate (16-bit)
  lm_head,                // vocabulary projection of the sampled positions (16-bit)
};
inline constexpr int operator_kind_count = 7;
[[nodiscard]] const char* operator_kind_name(OperatorKind kind);

/// The roofs (hardware/achievable.hpp) of `gpu` for a deployment's precisions under `efficiency`.
[[nodiscard]] Roofs achievable_roofs(const GpuSpec& gpu, const Deployment& deployment,
                                     const EfficiencyParams& efficiency);

/// The smooth maximum (a^k + b^k)^(1/k) of two non-negative numbers, k = `sharpness` >= 1. The
/// roofline places an operator at smooth_max(t_compute, t_memory) seconds: near the ridge a kernel
/// reaches neither peak (tiles stall on both); k -> infinity is the sharp max, k = 3 costs 26% at the
/// ridge and < 1% at 3x away from it. The masked grouped-GEMM layout joins an expert's rows and its
/// tile the same way (estimator/step_time.cpp).
[[nodiscard]] inline double smooth_max(double a, double b, double sharpness);
/// smooth_max for sharpness != 2.
[[nodiscard]] double smooth_max_general(double a, double b, double sharpness);

inline double smooth_max(double a, double b, double sharpness) {
  // The shipped value, k = 2: sqrt(a² + b²), inline, with no branch, division or pow (a and b are
  // seconds or row counts of one operator, far from overflow or underflow when squared). It is
  // exactly the larger when the smaller is below 1e-9 of it (its square is below half an ulp of the
  // sum, and the square root of a correctly rounded square is the number), and 0 when both are.
  if (sharpness == 2.0) return std::sqrt(a * a + b * b);
  return smooth_max_general(a, b, sharpness);
}

/// One operator kind over one iteration on one pipeline stage, per GPU.
struct OperatorLoad {
  Flops flops;
  Bytes bytes;
  Seconds time;        // sum over layers of the smoothed roofline time of flops / roof and bytes / bandwidth
  FlopsPerSecond roof; // the compute roof this kind runs against
  [[nodiscard]] double flop_per_byte() const { return bytes.value > 0 ? flops.value / bytes.value : 0.0; }
  [[nodiscard]] double attained_flops_per_s() const { return time.value > 0 ? flops.value / time.value : 0.0; }
};

/// Index with static_cast<int>(OperatorKind). Sums over kinds equal StepTime::flops, ::bytes and
/// compute_bound + memory_bound.
using OperatorBreakdown = std::array<OperatorLoad, operator_kind_count>;

/// One iteration on one pipeline stage (num_layers / pp layers; the LM head counted on the stage
/// that owns it, i.e. always included so the slowest stage is modelled). When `breakdown` is not
/// null it is overwritten with the compute and memory parts by operator kind; the result is the
/// same either way up to rounding (estimator/step_rates.hpp), and nothing is allocated (sweeps call
/// this in their inner loop).
[[nodiscard]] StepTime stage_step_time(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                       const EfficiencyParams& efficiency, const StepShape& shape,
                                       OperatorBreakdown* breakdown = nullptr);

/// Expected number of distinct experts a batch of `tokens` activates when each picks `k` of `e`
/// uniformly: E·(1 − (1 − k/E)^B) (occupancy argument; docs/methodology.md#moe).
[[nodiscard]] double expected_active_experts(double experts, double k, double tokens);
/// ln(1 − k/E), the log of the chance that a token skips a given expert; −inf when k = E.
[[nodiscard]] double log_expert_miss(double experts, double k);
/// expected_active_experts with ln(1 − k/E) = `log_miss` prepared (PreparedModel::log_expert_miss):
/// E·(1 − e^(B·ln(1 − k/E))), one exp per call instead of a pow (docs/performance.md).
[[nodiscard]] double expected_active_experts_prepared(double experts, double log_miss, double tokens);

}  // namespace llmsizer
