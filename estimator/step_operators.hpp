// estimator/step_operators.hpp — how one iteration places its operators on the smoothed roofline
// and sums them (internal to estimator/step_time.cpp): the accumulator, the attention core and the
// routed experts, shared by the per-group reference iteration and the iteration over operators
// merged across layer groups (StepRates::merged; docs/performance.md, part Q).
#pragma once

#include <algorithm>

#include "estimator/step_rates.hpp"

namespace llmsizer::step_operators {

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

inline StepCounts counts_of(const StepShape& s) {
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

/// The token mixer's core over `layers` layers of cost `core`.
template <Sums S, bool Q>
void add_core(Accumulator<S, Q>& acc, const AttentionCoreCost& core, const StepRates& r, const StepShape& s,
              const StepCounts& n, double layers) {
  if (core.kind == AttentionCoreCost::Kind::none) return;
  if (core.kind == AttentionCoreCost::Kind::linear) {
    acc.add(OperatorKind::attention_core, n.tokens * core.linear_flops_per_token,
            s.decode_sequences * core.linear_bytes_per_sequence, r.seconds_per_attention_flop, r.roofs.attention,
            layers);
    return;
  }
  const double decode_context = std::min(s.decode_context, core.decode_context_cap);
  const double prefill_context = std::min(s.prefill_context, core.prefill_context_cap);
  if (core.indexer) {
    acc.add(OperatorKind::attention_core,
            (n.decode_tokens * decode_context + s.prefill_tokens * prefill_context) * core.indexer_flops_per_pair,
            s.decode_sequences * decode_context * core.indexer_bytes_per_context_read, r.seconds_per_attention_flop,
            r.roofs.attention, layers);
  }
  const double decode_read = std::min(decode_context, core.selected_context_cap);
  const double prefill_read = std::min(prefill_context, core.selected_context_cap);
  const double kv_bytes =
      s.prefill_tokens * core.bytes_per_prefill_token + s.decode_sequences * decode_read * core.bytes_per_context_read;
  const double flops = n.decode_tokens * decode_read * core.flops_per_decode_pair +
                       s.prefill_tokens * prefill_read * core.flops_per_prefill_pair;
  acc.add(OperatorKind::attention_core, flops, kv_bytes, r.seconds_per_attention_flop, r.roofs.attention, layers);
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
  const double touched =
      expected_active_experts_prepared(x.experts, x.log_expert_miss, occupancy_tokens) * x.rank_share;
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
    // The rows of all touched experts, touched · rows per expert, formed without dividing by touched:
    // touched · (m + m_half) = assignments + m_half · touched, and smooth_max is homogeneous,
    // touched · smooth_max(m, m_half) = smooth_max(assignments, m_half · touched).
    const double padded_rows = decode_only ? acc.smooth(assignments, half * touched) : assignments + half * touched;
    padded_flops = x.flops_per_assignment * padded_rows;
  }
  const double gemm_efficiency = S == Sums::operators && padded ? expert_flops / padded_flops : 1.0;  // reported only
  acc.timed(OperatorKind::routed_experts, expert_flops, expert_bytes, padded_flops * r.seconds_per_expert_flop,
            FlopsPerSecond{r.roofs.expert_matmul.value * gemm_efficiency}, layers);
}

}  // namespace llmsizer::step_operators
