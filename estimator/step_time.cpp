#include "estimator/step_time.hpp"

#include <algorithm>
#include <cmath>

#include "estimator/step_operators.hpp"
#include "estimator/step_rates.hpp"

namespace llmsizer {

const char* bound_name(Bound bound) {
  switch (bound) {
    case Bound::compute: return "compute";
    case Bound::memory: return "memory";
    case Bound::communication: return "communication";
    case Bound::overhead: return "overhead";
  }
  return "compute";
}

Bound StepTime::bound() const {
  Bound best = Bound::compute;
  double longest = compute_bound.value;
  if (memory_bound.value > longest) { best = Bound::memory; longest = memory_bound.value; }
  if (communication.value > longest) { best = Bound::communication; longest = communication.value; }
  if (overhead.value > longest) best = Bound::overhead;
  return best;
}

double log_expert_miss(double experts, double k) {
  return experts > 0 ? std::log1p(-k / experts) : 0.0;
}

double expected_active_experts_prepared(double experts, double log_miss, double tokens) {
  if (experts <= 0 || tokens <= 0) return 0.0;
  return experts * (1.0 - std::exp(tokens * log_miss));  // (1 − k/E)^B as e^(B·ln(1 − k/E))
}

double expected_active_experts(double experts, double k, double tokens) {
  return expected_active_experts_prepared(experts, log_expert_miss(experts, k), tokens);
}

const char* operator_kind_name(OperatorKind kind) {
  switch (kind) {
    case OperatorKind::attention_projections: return "attention projections";
    case OperatorKind::attention_core: return "attention core";
    case OperatorKind::dense_ffn: return "dense FFN";
    case OperatorKind::routed_experts: return "routed experts";
    case OperatorKind::shared_experts: return "shared experts";
    case OperatorKind::router: return "router";
    case OperatorKind::lm_head: return "LM head";
  }
  return "operator";
}

double smooth_max_general(double a, double b, double sharpness) {
  const double longest = std::max(a, b);
  if (longest <= 0) return longest;
  const double shorter = std::min(a, b);
  if (shorter < 1e-9 * longest) return longest;  // (shorter / longest)^k underflows relative to 1 for any k >= 1
  // Otherwise longest · (1 + r^k)^(1/k) with r = shorter / longest, the form that cannot overflow;
  // integer k = 3 and 4 by multiplication and cbrt / two square roots, the same to rounding as pow.
  const double r = shorter / longest;
  if (sharpness == 3.0) return longest * std::cbrt(1.0 + r * r * r);
  if (sharpness == 4.0) return longest * std::sqrt(std::sqrt(1.0 + (r * r) * (r * r)));
  return longest * std::pow(1.0 + std::pow(r, sharpness), 1.0 / sharpness);
}

Roofs achievable_roofs(const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  return achievable_roofs(gpu, RoofPrecisions{d.weights, d.experts, d.kv}, e.hardware, e.engine.attention_fraction);
}

namespace {

using namespace step_operators;

template <Sums S, bool Q>
void add_attention(Accumulator<S, Q>& acc, const LayerCosts& c, const StepRates& r, const StepShape& s,
                   const StepCounts& n) {
  acc.weight(OperatorKind::attention_projections, c.projections, n.tokens, r.seconds_per_weight_flop,
             r.roofs.weight_matmul, c.layers);
  add_core(acc, c.core, r, s, n, c.layers);
}

template <Sums S, bool Q>
void add_ffn(Accumulator<S, Q>& acc, const LayerCosts& c, const StepRates& r, const StepShape& s, const StepCounts& n) {
  if (!c.moe) {
    acc.weight(OperatorKind::dense_ffn, c.dense_ffn, n.tokens, r.seconds_per_weight_flop, r.roofs.weight_matmul,
               c.layers);
    return;
  }
  add_routed_experts(acc, c.routed, r, n.tokens, s.prefill_tokens <= 0, c.layers);
  if (c.shared_experts) {
    acc.weight(OperatorKind::shared_experts, c.shared, n.tokens, r.seconds_per_weight_flop, r.roofs.weight_matmul,
               c.layers);
  }
  acc.weight(OperatorKind::router, c.router, n.tokens, r.seconds_per_head_flop, r.roofs.head_matmul, c.layers);
}

/// Seconds of the collectives of one layer of communication cost `link` (or of all layers, the
/// coefficients summed: MergedIteration) in an iteration of shape `s`.
double communication_seconds(const LayerCommunicationCost& link, const StepShape& s, const StepCounts& n) {
  return n.tokens * link.seconds_per_token + n.decode_tokens * link.seconds_per_decode_token +
         s.prefill_tokens * link.seconds_per_prefill_token + link.seconds;
}

/// The operators of one group of layers; returns the group's communication seconds.
template <Sums S, bool Q>
double add_layer_group(Accumulator<S, Q>& acc, const LayerCosts& c, const StepRates& r, const StepShape& s,
                       const StepCounts& n) {
  add_attention(acc, c, r, s, n);
  add_ffn(acc, c, r, s, n);
  return c.layers * communication_seconds(c.communication, s, n);
}

template <Sums S, bool Q>
StepTime two_batch_iteration(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown);

/// The step of one iteration from its operators' sums, its layers' `communication` seconds and
/// its fixed overheads.
template <Sums S, bool Q>
StepTime finish_step(const Accumulator<S, Q>& acc, double communication, const IterationCosts& costs,
                     const StepShape& s, const StepCounts& n) {
  communication += n.tokens * costs.handoff_seconds_per_token + costs.handoff_seconds;  // to the next stage
  StepTime step;
  step.compute_bound = seconds(acc.compute);
  step.memory_bound = seconds(acc.memory);
  step.flops = Flops{acc.flops};
  step.bytes = Bytes{acc.bytes};
  step.communication = seconds(communication * costs.communication_exposed);
  step.overhead = seconds(s.prefill_tokens > 0 ? costs.prefill_overhead_seconds : costs.decode_overhead_seconds);
  step.total = step.compute_bound + step.memory_bound + step.communication + step.overhead;
  return step;
}

/// The LM head on the positions that sample a token this step.
template <Sums S, bool Q>
void add_lm_head(Accumulator<S, Q>& acc, const StepRates& r, const StepShape& s, const StepCounts& n) {
  acc.weight(OperatorKind::lm_head, r.costs.lm_head, n.decode_tokens + s.prefill_sequences, r.seconds_per_head_flop,
             r.roofs.head_matmul, 1.0);
}

/// One iteration over the operators merged across layer groups (StepRates::merged): the same
/// figures as the per-group iteration up to rounding, with one smoothed time per merged operator.
/// The kinds it reports under are nominal (no breakdown is kept).
template <Sums S, bool Q>
StepTime merged_iteration(const StepRates& r, const StepShape& s) {
  const MergedIteration& m = r.merged;
  Accumulator<S, Q> acc = accumulator_on<S, Q>(r, nullptr);
  const StepCounts n = counts_of(s);
  acc.weight(OperatorKind::attention_projections, m.weights, n.tokens, r.seconds_per_weight_flop, r.roofs.weight_matmul,
             1.0);
  for (int i = 0; i < m.core_count; ++i) add_core(acc, m.cores[i].core, r, s, n, m.cores[i].layers);
  if (m.moe_layers > 0) {
    add_routed_experts(acc, m.routed, r, n.tokens, s.prefill_tokens <= 0, m.moe_layers);
    acc.weight(OperatorKind::router, m.router, n.tokens, r.seconds_per_head_flop, r.roofs.head_matmul, 1.0);
  }
  add_lm_head(acc, r, s, n);
  return finish_step(acc, communication_seconds(m.communication, s, n), r.costs, s, n);
}

/// One iteration on one stage over the folded costs (the work of stage_step_time): with a
/// breakdown by operator kind group by group, else over the merged operators.
template <Sums S, bool Q>
StepTime iteration(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  const IterationCosts& costs = r.costs;
  // Two micro-batches need a token each.
  if (costs.two_batch_overlap && counts_of(s).tokens >= 2.0) {
    return two_batch_iteration<S, Q>(r, s, breakdown);
  }
  if constexpr (S != Sums::operators) {
    return merged_iteration<S, Q>(r, s);
  } else {
    Accumulator<S, Q> acc = accumulator_on<S, Q>(r, breakdown);
    const StepCounts n = counts_of(s);
    double communication = 0;
    for (int i = 0; i < costs.group_count; ++i) communication += add_layer_group(acc, costs.groups[i], r, s, n);
    add_lm_head(acc, r, s, n);
    return finish_step(acc, communication, costs, s, n);
  }
}

/// Two-batch overlap (docs/methodology.md#two-batch-overlap): the step's sequences and prompt tokens
/// split into two micro-batches X and Y that run every layer in turn, so that one's expert all-to-all
/// runs while the other computes. With a, e the attention and expert sides' compute of one
/// micro-batch in a layer and d, c its dispatch and combine, a layer runs four slots, each one
/// micro-batch's computation beside the other's communication: X.a | Y.c (of the layer before),
/// X.d | Y.a, X.e | Y.d, X.c | Y.e, so it takes max(a, c) + max(d, a) + max(e, d) + max(c, e). Each
/// micro-batch reads the weights and runs the layer's kernels again (the per-layer overheads twice);
/// the LM head, tensor-parallel all-reduces and pipeline hand-offs stay on the critical path.
template <Sums S, bool Q>
StepTime two_batch_iteration(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  const IterationCosts& costs = r.costs;
  const StepShape half{s.decode_sequences / 2.0, s.decode_context, s.tokens_per_sequence,
                       s.prefill_tokens / 2.0,   s.prefill_context, s.prefill_sequences / 2.0};
  Accumulator<S, Q> acc = accumulator_on<S, Q>(r, breakdown);
  const StepCounts n = counts_of(half);
  const double exposed = costs.communication_exposed;  // of the collectives the slots do not hide
  double layers_time = 0;
  double serial_communication = 0;  // both micro-batches'
  for (int i = 0; i < costs.group_count; ++i) {
    const LayerCosts& c = costs.groups[i];
    const double before = acc.compute + acc.memory;
    add_attention(acc, c, r, half, n);
    const double attention = acc.compute + acc.memory - before;
    add_ffn(acc, c, r, half, n);
    const double experts = acc.compute + acc.memory - before - attention;
    const LayerCommunicationCost& link = c.communication;
    // Dispatch and combine split the all-to-all bytes by their element sizes (alltoall_dispatch_share)
    // and take one all-to-all latency each. The slots are the overlap itself: the calibration's
    // generic communication_exposed is not applied to them again.
    const double alltoall_bytes_s =
        n.decode_tokens * link.seconds_per_decode_token + half.prefill_tokens * link.seconds_per_prefill_token;
    const double one_latency = link.alltoall_seconds / 2.0;
    const double dispatch = c.layers * (alltoall_bytes_s * alltoall_dispatch_share + one_latency);
    const double combine = c.layers * (alltoall_bytes_s * (1.0 - alltoall_dispatch_share) + one_latency);
    layers_time += std::max(attention, combine) + std::max(dispatch, attention) + std::max(experts, dispatch) +
                   std::max(combine, experts);
    serial_communication +=
        2.0 * c.layers * exposed * (n.tokens * link.seconds_per_token + link.seconds - link.alltoall_seconds);
  }
  const double layers_compute = acc.compute + acc.memory;
  add_lm_head(acc, r, half, n);
  const double head = acc.compute + acc.memory - layers_compute;
  serial_communication += 2.0 * exposed * (n.tokens * costs.handoff_seconds_per_token + costs.handoff_seconds);
  const double layer_overheads =
      (s.prefill_tokens > 0 ? costs.prefill_overhead_seconds : costs.decode_overhead_seconds) -
      costs.step_overhead_seconds;
  StepTime step;
  step.compute_bound = seconds(2.0 * acc.compute);
  step.memory_bound = seconds(2.0 * acc.memory);
  step.flops = Flops{2.0 * acc.flops};
  step.bytes = Bytes{2.0 * acc.bytes};
  step.overhead = seconds(2.0 * layer_overheads + costs.step_overhead_seconds);
  // What the slots leave of the communication on the critical path (>= 0: each slot holds its compute).
  step.communication = seconds(layers_time - 2.0 * layers_compute + serial_communication);
  step.total = seconds(layers_time + 2.0 * head + serial_communication) + step.overhead;
  if constexpr (S == Sums::operators) {
    for (OperatorLoad& load : *breakdown) {
      load.flops.value *= 2.0;
      load.bytes.value *= 2.0;
      load.time.value *= 2.0;
    }
  }
  return step;
}

/// iteration<S, Q> with Q = (sharpness is 2), decided once.
template <Sums S>
StepTime iteration_at(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  return r.sharpness == 2.0 ? iteration<S, true>(r, s, breakdown) : iteration<S, false>(r, s, breakdown);
}

/// One drafting pass (draft_pass_seconds).
template <bool Q>
Seconds draft_pass(const StepRates& r, double sequences, double context) {
  const IterationCosts& costs = r.costs;
  const StepShape s{sequences, context, 1.0, 0, 0, 0};
  Accumulator<Sums::seconds, Q> acc = accumulator_on<Sums::seconds, Q>(r, nullptr);
  const StepCounts n = counts_of(s);
  const double communication = add_layer_group(acc, costs.draft_layer, r, s, n);
  acc.weight(OperatorKind::attention_projections, costs.draft_projection, sequences, r.seconds_per_weight_flop,
             r.roofs.weight_matmul, 1.0);
  acc.weight(OperatorKind::lm_head, costs.lm_head, sequences, r.seconds_per_head_flop, r.roofs.head_matmul, 1.0);
  return seconds(acc.compute + acc.memory + communication * costs.communication_exposed +
                 costs.draft_overhead_seconds);
}

}  // namespace

StepTime stage_step_time(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e,
                         const StepShape& s, OperatorBreakdown* breakdown) {
  return stage_step_time(step_rates(m, gpu, d, e), s, breakdown);
}

StepTime stage_step_time(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  if (breakdown == nullptr) return iteration_at<Sums::figures>(r, s, nullptr);
  *breakdown = OperatorBreakdown{};
  return iteration_at<Sums::operators>(r, s, breakdown);
}

Seconds stage_step_seconds(const StepRates& r, const StepShape& s) {
  return iteration_at<Sums::seconds>(r, s, nullptr).total;
}

Seconds draft_pass_seconds(const StepRates& r, double sequences, double context) {
  return r.sharpness == 2.0 ? draft_pass<true>(r, sequences, context) : draft_pass<false>(r, sequences, context);
}

}  // namespace llmsizer
