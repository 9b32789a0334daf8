// estimator/step_rates.hpp — what every iteration of one deployment shares: the GPU's achievable
// roofs under the calibration, as seconds per FLOP and per byte, and the deployment's operators
// folded into per-layer coefficients (estimator/layer_costs.hpp). An estimate runs three to five
// iterations (decode, prefill alone, prefill mixed into decode, the start-up burst, drafting) of the
// same deployment, so it resolves these once and passes them in (docs/performance.md).
#pragma once

#include "estimator/layer_costs.hpp"
#include "estimator/step_time.hpp"

namespace llmsizer {

/// An operator's time against its compute roof: FLOPs × seconds per FLOP (the roof's inverse).
[[nodiscard]] inline double compute_seconds(double flops, double seconds_per_flop) {
  return flops * seconds_per_flop;
}
/// And against the HBM bandwidth: bytes × seconds per byte.
[[nodiscard]] inline double memory_seconds(double bytes, double seconds_per_byte) {
  return bytes * seconds_per_byte;
}

/// Attention cores of one cost (a layer kind) over all their layers.
struct MergedCore {
  AttentionCoreCost core;
  double layers = 0;
};

/// An iteration's operators merged across layer groups, for the iterations that need no breakdown
/// by operator kind (docs/performance.md, part Q). Every weight operator is {2·params FLOPs per
/// unit, params·bytes per element bytes}; those on one roof in one precision (projections, dense
/// FFN, shared experts: the weight roof; routers: the head roof, 16-bit) have compute and memory
/// times in the same ratio, and smooth_max is homogeneous (smooth_max(c·a, c·b) = c·smooth_max(a, b)),
/// so the sum of their smoothed times is the smoothed time of their sums: one operator each.
/// Attention cores of the same cost and the routed experts (the same in every MoE layer) carry
/// their layers summed; communication is linear in the counts, so its coefficients are summed over
/// layers. The same times as the per-group iteration up to rounding.
struct MergedIteration {
  WeightOperatorCost weights;  // per token, over all layers (flops_per_unit and bytes times layers)
  WeightOperatorCost router;   // per token, over the MoE layers
  // At most one core per layer kind that has one: every LayerAttention before `none` (full, sliding,
  // chunked, linear; fold_attention in layer_costs.cpp). Layers of one kind share the core's cost,
  // whatever their FFN.
  std::array<MergedCore, static_cast<std::size_t>(LayerAttention::none)> cores{};
  int core_count = 0;
  RoutedExpertCost routed;
  double moe_layers = 0;                 // the routed experts' layers (0: a dense model)
  LayerCommunicationCost communication;  // every coefficient times its layers, summed
};

struct StepRates {
  Roofs roofs;  // reported in operator breakdowns
  // The same roofs as seconds per FLOP and per byte, so an iteration multiplies where it would
  // divide (the last bits differ from dividing).
  double seconds_per_weight_flop = 0;     // 1 / roofs.weight_matmul
  double seconds_per_expert_flop = 0;     // 1 / roofs.expert_matmul
  double seconds_per_head_flop = 0;       // 1 / roofs.head_matmul
  double seconds_per_attention_flop = 0;  // 1 / roofs.attention
  double seconds_per_byte = 0;            // 1 / roofs.bandwidth
  double sharpness = 2;                   // of the smoothed roofline (HardwareEfficiency::roofline_sharpness)
  IterationCosts costs;
  MergedIteration merged;  // from `costs` with the roofs folded (merge_groups in step_rates.cpp)
};

/// The rates of `deployment` of `model` on `gpu` under `efficiency`.
[[nodiscard]] StepRates step_rates(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                   const EfficiencyParams& efficiency);

/// stage_step_time (estimator/step_time.hpp) of the deployment `rates` were resolved for
/// (step_rates). With a `breakdown` it places each layer group's operators; without one it runs
/// over the operators merged across groups (MergedIteration): the same figures up to rounding.
[[nodiscard]] StepTime stage_step_time(const StepRates& rates, const StepShape& shape,
                                       OperatorBreakdown* breakdown = nullptr);
/// stage_step_time(rates, shape).total up to rounding, without summing the FLOPs and bytes and with
/// the weight operators' roofline times folded per deployment (WeightOperatorCost::seconds_per_unit):
/// the iterations of an estimate whose total alone it reads (the mixed and burst steps, drafting).
[[nodiscard]] Seconds stage_step_seconds(const StepRates& rates, const StepShape& shape);
/// One drafting pass of speculative decoding for `sequences` sequences at `context` tokens each: the
/// MTP module's layer, its 2H->H projection, the LM head and the pass's own overheads
/// (IterationCosts::draft_layer; docs/methodology.md#mtp).
[[nodiscard]] Seconds draft_pass_seconds(const StepRates& rates, double sequences, double context);

}  // namespace llmsizer
