// estimator/step_rates.cpp — the rates an estimate's iterations share (estimator/step_rates.hpp):
// the roofs under the calibration, the deployment's folded operator costs, and the weight
// operators' roofline times folded with them once per deployment.
#include "estimator/step_rates.hpp"

#include "hardware/collectives.hpp"

namespace llmsizer {
namespace {

/// A weight operator's roofline times over `layers` layers per unit it carries (compute) and per
/// iteration (memory), from the time functions every iteration uses.
void fold_roof(WeightOperatorCost& op, double seconds_per_flop, double seconds_per_byte, double layers) {
  op.seconds_per_unit = compute_seconds(op.flops_per_unit, seconds_per_flop) * layers;
  op.memory_seconds = memory_seconds(op.bytes, seconds_per_byte) * layers;
}

/// Folds the roofs into one group's weight operators over its `layers`.
void fold_layer(LayerCosts& c, const StepRates& rates) {
  const double per_byte = rates.seconds_per_byte;
  fold_roof(c.projections, rates.seconds_per_weight_flop, per_byte, c.layers);
  fold_roof(c.dense_ffn, rates.seconds_per_weight_flop, per_byte, c.layers);
  fold_roof(c.shared, rates.seconds_per_weight_flop, per_byte, c.layers);
  fold_roof(c.router, rates.seconds_per_head_flop, per_byte, c.layers);
}

/// Folds the roofs of `rates` into every weight operator an iteration or a drafting pass reads
/// (WeightOperatorCost::seconds_per_unit, ::memory_seconds).
void fold_roofs(StepRates& rates) {
  IterationCosts& costs = rates.costs;
  for (int i = 0; i < costs.group_count; ++i) fold_layer(costs.groups[i], rates);
  fold_layer(costs.draft_layer, rates);
  fold_roof(costs.draft_projection, rates.seconds_per_weight_flop, rates.seconds_per_byte, 1.0);
  fold_roof(costs.lm_head, rates.seconds_per_head_flop, rates.seconds_per_byte, 1.0);
}

}  // namespace

StepRates step_rates(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  const Roofs roofs = achievable_roofs(gpu, d, e);
  const LinkRates links = achievable_link_rates(gpu, e.hardware);
  const CollectiveLatency latency{e.engine.collective_latency, e.engine.scale_out_latency};
  // One aggregate built in place: the folded costs (a few kB) are written once, not copied.
  StepRates rates{roofs,
                  1.0 / roofs.weight_matmul.value,
                  1.0 / roofs.expert_matmul.value,
                  1.0 / roofs.head_matmul.value,
                  1.0 / roofs.attention.value,
                  1.0 / roofs.bandwidth.value,
                  e.hardware.roofline_sharpness,
                  fold_iteration_costs(m, gpu, d, e, shard(m, d.parallel), links, latency)};
  fold_roofs(rates);
  return rates;
}

}  // namespace llmsizer
