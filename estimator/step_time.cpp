#include "estimator/step_time.hpp"

#include <algorithm>
#include <cmath>

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

/// What an iteration sums: its seconds alone (the compute- and memory-bound parts, whose sum is the
/// total), also its FLOPs and bytes (the whole StepTime), or also the per-kind breakdown.
enum class Sums : unsigned char { seconds, figures, operators };

/// Sums operators placed on the smoothed roofline and which bound each hit, and what `S` asks for
/// beyond that. The sums are locals (not a StepTime in memory), so nothing a store writes can alias
/// the folded coefficients an operator reads next. With Sums::seconds only the total is read, so
/// every operator's time goes to `compute` (the split by bound is not kept). `Q`: the roofline's
/// sharpness is 2 (the shipped value), tested once per iteration instead of once per operator.
template <Sums S, bool Q>
struct Accumulator {
  static constexpr bool Detailed = S == Sums::operators;
  double compute = 0;
  double memory = 0;
  double flops = 0;
  double bytes = 0;
  double seconds_per_byte = 0;
  double sharpness = 2;
  OperatorBreakdown* breakdown = nullptr;
  /// smooth_max at the iteration's sharpness; with Q, smooth_max(a, b, 2.0), whose test of the
  /// sharpness the compiler resolves.
  [[nodiscard]] double smooth(double a, double b) const {
    if constexpr (Q) {
      return smooth_max(a, b, 2.0);
    } else {
      return smooth_max(a, b, sharpness);
    }
  }
  /// An operator against a roof given as seconds per FLOP; `rate` is only reported.
  void add(OperatorKind kind, double op_flops, double op_bytes, double seconds_per_flop, FlopsPerSecond rate,
           double repeat) {
    timed(kind, op_flops, op_bytes, compute_seconds(op_flops, seconds_per_flop), rate, repeat);
  }
  /// A weight operator carrying `units` (tokens, sampled positions). Its seconds alone come from the
  /// coefficients folded with the roofs and the layers (fold_roofs): smooth_max is homogeneous,
  /// smooth_max(a·L, b·L) = L·smooth_max(a, b), so this is the same time up to rounding.
  void weight(OperatorKind kind, const WeightOperatorCost& op, double units, double seconds_per_flop,
              FlopsPerSecond rate, double repeat) {
    if constexpr (S == Sums::seconds) {
      compute += smooth(units * op.seconds_per_unit, op.memory_seconds);
    } else {
      add(kind, units * op.flops_per_unit, op.bytes, seconds_per_flop, rate, repeat);
    }
  }
  /// An operator whose compute time `t_compute` the caller worked out.
  void timed(OperatorKind kind, double op_flops, double op_bytes, double t_compute, FlopsPerSecond rate,
             double repeat) {
    const double t_memory = memory_seconds(op_bytes, seconds_per_byte);
    const double t = smooth(t_compute, t_memory);
    if constexpr (S == Sums::seconds) {
      compute += t * repeat;
    } else {
      // Adding 0 to the other side leaves it unchanged and spares a hard-to-predict branch.
      const bool compute_side = t_compute >= t_memory;
      compute += compute_side ? t * repeat : 0.0;
      memory += compute_side ? 0.0 : t * repeat;
      flops += op_flops * repeat;
      bytes += op_bytes * repeat;
    }
    if constexpr (Detailed) {
      OperatorLoad& load = (*breakdown)[static_cast<int>(kind)];
      load.flops.value += op_flops * repeat;
      load.bytes.value += op_bytes * repeat;
      load.time.value += t * repeat;
      load.roof = rate;
    }
  }
};

/// Token counts of one iteration that every layer group reads.
struct StepCounts {
  double decode_tokens = 0;  // decode sequences x tokens each verifies
  double tokens = 0;         // decode and prompt tokens
};

StepCounts counts_of(const StepShape& s) {
  const double decode_tokens = s.decode_sequences * s.tokens_per_sequence;
  return {decode_tokens, decode_tokens + s.prefill_tokens};
}

/// An empty accumulator on `r`'s roofline, summing into `breakdown` when S asks for operators.
template <Sums S, bool Q>
Accumulator<S, Q> accumulator_on(const StepRates& r, OperatorBreakdown* breakdown) {
  Accumulator<S, Q> acc;
  acc.seconds_per_byte = r.seconds_per_byte;
  acc.sharpness = r.sharpness;
  acc.breakdown = breakdown;
  return acc;
}

template <Sums S, bool Q>
void add_attention(Accumulator<S, Q>& acc, const LayerCosts& c, const StepRates& r, const StepShape& s,
                   const StepCounts& n) {
  acc.weight(OperatorKind::attention_projections, c.projections, n.tokens, r.seconds_per_weight_flop,
             r.roofs.weight_matmul, c.layers);
  const AttentionCoreCost& core = c.core;
  if (core.kind == AttentionCoreCost::Kind::none) return;
  if (core.kind == AttentionCoreCost::Kind::linear) {
    acc.add(OperatorKind::attention_core, n.tokens * core.linear_flops_per_token,
            s.decode_sequences * core.linear_bytes_per_sequence, r.seconds_per_attention_flop, r.roofs.attention,
            c.layers);
    return;
  }
  const double decode_context = std::min(s.decode_context, core.decode_context_cap);
  const double prefill_context = std::min(s.prefill_context, core.prefill_context_cap);
  if (core.indexer) {
    acc.add(OperatorKind::attention_core,
            (n.decode_tokens * decode_context + s.prefill_tokens * prefill_context) * core.indexer_flops_per_pair,
            s.decode_sequences * decode_context * core.indexer_bytes_per_context_read, r.seconds_per_attention_flop,
            r.roofs.attention, c.layers);
  }
  const double decode_read = std::min(decode_context, core.selected_context_cap);
  const double prefill_read = std::min(prefill_context, core.selected_context_cap);
  const double kv_bytes =
      s.prefill_tokens * core.bytes_per_prefill_token + s.decode_sequences * decode_read * core.bytes_per_context_read;
  const double flops = n.decode_tokens * decode_read * core.flops_per_decode_pair +
                       s.prefill_tokens * prefill_read * core.flops_per_prefill_pair;
  acc.add(OperatorKind::attention_core, flops, kv_bytes, r.seconds_per_attention_flop, r.roofs.attention, c.layers);
}

template <Sums S, bool Q>
void add_routed_experts(Accumulator<S, Q>& acc, const RoutedExpertCost& x, const StepRates& r, double tokens,
                        bool decode_only, double layers) {
  const double assignments = tokens * x.assignments_per_token;  // on the hottest EP rank
  // Distinct experts the hottest rank touches: as if imbalance x the tokens each chose k of E, the
  // rank's share 1/ep of them (occupancy, docs/methodology.md#moe); it saturates at the E/ep it holds.
  // A step that runs carries at least one token, which reads its k experts: a micro-batch averaging
  // below one token (concurrency below pp) does not read fewer.
  const double occupancy_tokens = std::max(1.0, tokens * x.occupancy_per_token);
  const double touched = expected_active_experts_prepared(x.experts, x.log_expert_miss, occupancy_tokens) * x.rank_share;
  const double expert_bytes = touched * x.bytes_per_touched_expert;
  const double expert_flops = assignments * x.flops_per_assignment;
  // Grouped GEMM: each touched expert multiplies its m = assignments / touched tokens in tensor-core
  // tiles of 64-128 rows, so a small m wastes most of a tile; m_half (calibrated) is the tile in rows.
  // How the padding adds up depends on the layout the engine hands the GEMM (DeepGEMM README, "grouped
  // GEMMs"; docs/methodology.md#moe):
  //  - steps with prompt tokens run the contiguous layout, each expert's segment padded up to the tile
  //    alignment: every touched expert carries about m_half idle rows on top of its m, the saturation
  //    form m / (m + m_half) of the roof, i.e. 2 · params · (assignments + m_half · touched) FLOPs;
  //  - decode-only steps run the masked layout (fixed per-expert slots, CUDA graphs; DeepEP's
  //    low-latency dispatch writes it): an expert's rows fill its first tile, so a touched expert costs
  //    the larger of its m rows and one tile, not their sum. The two limits are joined by the
  //    roofline's own smoothing (smooth_max, sharpness k): (m^k + m_half^k)^(1/k) rows per touched expert.
  const double half = x.gemm_half_rows;
  const bool padded = half > 0 && touched > 0 && assignments > 0;
  double padded_flops = expert_flops;
  if (padded) {
    const double rows_per_expert =
        decode_only ? acc.smooth(assignments / touched, half) : assignments / touched + half;
    padded_flops = x.flops_per_assignment * rows_per_expert * touched;
  }
  const double gemm_efficiency = S == Sums::operators && padded ? expert_flops / padded_flops : 1.0;  // reported only
  acc.timed(OperatorKind::routed_experts, expert_flops, expert_bytes, padded_flops * r.seconds_per_expert_flop,
            FlopsPerSecond{r.roofs.expert_matmul.value * gemm_efficiency}, layers);
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

/// The operators of one group of layers; returns the group's communication seconds.
template <Sums S, bool Q>
double add_layer_group(Accumulator<S, Q>& acc, const LayerCosts& c, const StepRates& r, const StepShape& s,
                       const StepCounts& n) {
  add_attention(acc, c, r, s, n);
  add_ffn(acc, c, r, s, n);
  const LayerCommunicationCost& link = c.communication;
  return c.layers * (n.tokens * link.seconds_per_token + n.decode_tokens * link.seconds_per_decode_token +
                     s.prefill_tokens * link.seconds_per_prefill_token + link.seconds);
}

template <Sums S, bool Q>
StepTime two_batch_iteration(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown);

/// One iteration on one stage over the folded costs (the work of stage_step_time).
template <Sums S, bool Q>
StepTime iteration(const StepRates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  const IterationCosts& costs = r.costs;
  // Two micro-batches need a token each.
  if (costs.two_batch_overlap && counts_of(s).tokens >= 2.0) {
    return two_batch_iteration<S, Q>(r, s, breakdown);
  }
  Accumulator<S, Q> acc = accumulator_on<S, Q>(r, breakdown);
  const StepCounts n = counts_of(s);
  double communication = 0;
  for (int i = 0; i < costs.group_count; ++i) communication += add_layer_group(acc, costs.groups[i], r, s, n);
  // The LM head on the positions that sample a token this step.
  acc.weight(OperatorKind::lm_head, costs.lm_head, n.decode_tokens + s.prefill_sequences, r.seconds_per_head_flop,
             r.roofs.head_matmul, 1.0);
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
  acc.weight(OperatorKind::lm_head, costs.lm_head, n.decode_tokens + half.prefill_sequences, r.seconds_per_head_flop,
             r.roofs.head_matmul, 1.0);
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
