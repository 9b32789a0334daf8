// estimator/step_rates.hpp — what every iteration of one deployment shares: the GPU's achievable
// roofs and link rates under the calibration, and how the layout shards the model. An estimate runs
// four to five iterations (decode, prefill alone, prefill mixed into decode, the start-up burst,
// drafting) of the same deployment, so it resolves these once and passes them in
// (docs/performance.md).
#pragma once

#include "estimator/placement.hpp"
#include "estimator/step_time.hpp"

namespace llmsizer {

struct StepRates {
  Roofs roofs;
  LinkRates links;
  CollectiveLatency latency;
  Sharding sharding;
  // The same roofs as seconds per FLOP and per byte, and the model's per-layer sizes on one GPU under
  // this layout, so an iteration multiplies where it would divide (the last bits differ from dividing).
  double seconds_per_weight_flop = 0;     // 1 / roofs.weight_matmul
  double seconds_per_expert_flop = 0;     // 1 / roofs.expert_matmul
  double seconds_per_head_flop = 0;       // 1 / roofs.head_matmul
  double seconds_per_attention_flop = 0;  // 1 / roofs.attention
  double seconds_per_byte = 0;            // 1 / roofs.bandwidth
  double inverse_tp = 1;
  double inverse_ep = 1;
  double weight_bytes_per_element = 0;
  double expert_bytes_per_element = 0;
  double attention_params_per_gpu = 0;  // mixer_params_per_gpu of a softmax-attention layer
  double linear_params_per_gpu = 0;     // mixer_params_per_gpu of a linear-attention layer
  double dense_ffn_params_per_gpu = 0;
  double shared_params_per_gpu = 0;
  double expert_params_per_gpu = 0;     // one routed expert over moe_tp
  double head_params_per_gpu = 0;       // vocab x hidden over tp
  // Communication per layer (and pipeline hand-off per step) is linear in the tokens it carries:
  // seconds per token and fixed seconds, from the collectives' per-byte times (layer_communication).
  double allreduce_s_per_token = 0;        // both tensor-parallel all-reduces of a layer (tp > 1)
  double allreduce_s = 0;
  double dispatch_s_per_decode_token = 0;  // MoE dispatch + combine of a layer (ep > 1)
  double dispatch_s_per_prefill_token = 0;
  double dispatch_s = 0;
  double handoff_s_per_token = 0;          // activations to the next pipeline stage (pp > 1)
  double handoff_s = 0;
};

/// The rates of `deployment` of `model` on `gpu` under `efficiency`.
[[nodiscard]] StepRates step_rates(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                   const EfficiencyParams& efficiency);

/// stage_step_time (estimator/step_time.hpp) with `rates` = step_rates(model, gpu, deployment,
/// efficiency) resolved by the caller; the same result.
[[nodiscard]] StepTime stage_step_time(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                       const EfficiencyParams& efficiency, const StepRates& rates,
                                       const StepShape& shape, OperatorBreakdown* breakdown = nullptr);

}  // namespace llmsizer
