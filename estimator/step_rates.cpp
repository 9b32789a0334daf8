// estimator/step_rates.cpp — the rates an estimate's iterations share (estimator/step_rates.hpp):
// the roofs under the calibration, the deployment's folded operator costs, and the weight
// operators' roofline times folded with them once per deployment.
#include "estimator/step_rates.hpp"

#include <cassert>

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

/// Adds weight operator `op` over `layers` layers to `sum` (MergedIteration: the FLOPs and bytes
/// times the layers; the folded seconds already carry them).
void add_weight(WeightOperatorCost& sum, const WeightOperatorCost& op, double layers) {
  sum.flops_per_unit += op.flops_per_unit * layers;
  sum.bytes += op.bytes * layers;
  sum.seconds_per_unit += op.seconds_per_unit;
  sum.memory_seconds += op.memory_seconds;
}

/// Adds the attention core of `c` to the merged cores: to the one of the same cost, or as a new one.
void add_core(MergedIteration& m, const LayerCosts& c) {
  if (c.core.kind == AttentionCoreCost::Kind::none) return;
  for (int i = 0; i < m.core_count; ++i) {
    if (m.cores[i].core == c.core) {
      m.cores[i].layers += c.layers;
      return;
    }
  }
  assert(m.core_count < static_cast<int>(m.cores.size()));
  m.cores[m.core_count++] = {c.core, c.layers};
}

/// Adds the communication of `c`'s layers: each coefficient times the layers.
void add_communication(LayerCommunicationCost& sum, const LayerCommunicationCost& link, double layers) {
  sum.seconds_per_token += link.seconds_per_token * layers;
  sum.seconds_per_decode_token += link.seconds_per_decode_token * layers;
  sum.seconds_per_prefill_token += link.seconds_per_prefill_token * layers;
  sum.seconds += link.seconds * layers;
}

/// Merges the operators of every layer group into `m` (MergedIteration, zero on entry), after
/// fold_roofs. In place: the merged costs are written once, not copied.
void merge_groups(const IterationCosts& costs, MergedIteration& m) {
  for (int i = 0; i < costs.group_count; ++i) {
    const LayerCosts& c = costs.groups[i];
    add_weight(m.weights, c.projections, c.layers);
    add_core(m, c);
    if (c.moe) {
      // fold_ffn gives every MoE layer the same routed experts.
      assert(m.moe_layers == 0 || m.routed == c.routed);
      m.routed = c.routed;
      m.moe_layers += c.layers;
      if (c.shared_experts) add_weight(m.weights, c.shared, c.layers);
      add_weight(m.router, c.router, c.layers);
    } else {
      add_weight(m.weights, c.dense_ffn, c.layers);
    }
    add_communication(m.communication, c.communication, c.layers);
  }
}

}  // namespace

StepRates step_rates(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  const Roofs roofs = achievable_roofs(gpu, d, e);
  const LinkRates links = achievable_link_rates(gpu, e.hardware);
  const CollectiveLatency latency{e.engine.collective_latency, e.engine.scale_out_latency};
  // One aggregate, zero-filled once (costs and merged value-initialized), then filled in place: the
  // folded costs (4 kB) are neither zero-filled again nor copied.
  StepRates rates{roofs,
                  1.0 / roofs.weight_matmul.value,
                  1.0 / roofs.expert_matmul.value,
                  1.0 / roofs.head_matmul.value,
                  1.0 / roofs.attention.value,
                  1.0 / roofs.bandwidth.value,
                  e.hardware.roofline_sharpness,
                  IterationCosts{},
                  MergedIteration{}};
  fold_iteration_costs(m, gpu, d, e, shard(m, d.parallel), links, latency, rates.costs);
  fold_roofs(rates);
  merge_groups(rates.costs, rates.merged);
  return rates;
}

}  // namespace llmsizer
