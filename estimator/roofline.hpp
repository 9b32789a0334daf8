// estimator/roofline.hpp — one iteration split by operator kind: FLOPs, HBM bytes and time per GPU,
// and the achievable roofs each kind runs against (docs/methodology.md#step-time). Mirrors the
// per-operator formulas of step_time.cpp so a report can plot where each layer type sits; the sums
// over kinds equal StepTime::flops and StepTime::bytes (tests/estimator/plan_test.cpp checks it).
#pragma once

#include <array>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/prepared_model.hpp"
#include "estimator/step_time.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

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

/// Achievable rates of one GPU for one deployment (peaks x calibrated fractions).
struct Roofs {
  FlopsPerSecond weight_matmul;  // matmuls with the deployment's weight precision
  FlopsPerSecond expert_matmul;  // routed-expert matmuls
  FlopsPerSecond head_matmul;    // 16-bit matmuls (LM head, router)
  FlopsPerSecond attention;      // flash-attention core (FP8 when the KV cache is FP8 and supported)
  BytesPerSecond bandwidth;      // HBM
};

/// Time of one operator on the smoothed roofline (t_c^k + t_m^k)^(1/k), k = `sharpness`: near the
/// ridge a kernel reaches neither peak; k -> infinity is max(t_c, t_m).
[[nodiscard]] double smoothed_roofline_time(double compute_seconds, double memory_seconds, double sharpness);

[[nodiscard]] Roofs achievable_roofs(const GpuSpec& gpu, const Deployment& deployment,
                                     const EfficiencyParams& efficiency);

/// One operator kind over one iteration on one pipeline stage, per GPU.
struct OperatorLoad {
  Flops flops;
  Bytes bytes;
  Seconds time;        // sum over layers of the smoothed roofline time of flops / roof and bytes / bandwidth
  FlopsPerSecond roof; // the compute roof this kind runs against
  [[nodiscard]] double flop_per_byte() const { return bytes.value > 0 ? flops.value / bytes.value : 0.0; }
  [[nodiscard]] double attained_flops_per_s() const { return time.value > 0 ? flops.value / time.value : 0.0; }
};

using OperatorBreakdown = std::array<OperatorLoad, operator_kind_count>;

/// The compute and memory parts of stage_step_time, by operator kind (no communication or
/// overheads). Index with static_cast<int>(OperatorKind).
[[nodiscard]] OperatorBreakdown operator_breakdown(const PreparedModel& model, const GpuSpec& gpu,
                                                   const Deployment& deployment, const EfficiencyParams& efficiency,
                                                   const StepShape& shape);

}  // namespace llmsizer
