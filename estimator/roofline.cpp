#include "estimator/roofline.hpp"

#include <algorithm>
#include <cmath>

// The formulas below repeat those of step_time.cpp operator by operator (same shapes, same
// sharding, same rates). step_time.cpp keeps them private; until it exposes this breakdown, a
// change there must be made here too — the plan tests compare the totals of both.

namespace llmsizer {

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

namespace {

double matmul_rate(const GpuSpec& gpu, Precision p, const HardwareEfficiency& hw) {
  const ComputeType c = effective_compute_type(gpu, p);
  double derate = 1.0;
  if (c == ComputeType::fp8 || c == ComputeType::int8) derate = hw.fp8_compute_derate;
  if (c == ComputeType::fp4) derate = hw.fp4_compute_derate;
  const auto& peak = gpu.throughput(c);
  return (peak ? peak->value : 1e12) * hw.compute_fraction * derate;
}

double bf16_peak(const GpuSpec& gpu) {
  for (ComputeType c : {ComputeType::bf16, ComputeType::fp16, ComputeType::fp32}) {
    if (gpu.supports(c)) return gpu.throughput(c)->value;
  }
  return 1e12;
}

struct Adder {
  OperatorBreakdown ops{};
  double bandwidth;
  double sharpness;
  void op(OperatorKind kind, double flops, double bytes, FlopsPerSecond rate, double repeat) {
    OperatorLoad& load = ops[static_cast<int>(kind)];
    load.flops.value += flops * repeat;
    load.bytes.value += bytes * repeat;
    load.time.value += smoothed_roofline_time(flops / rate.value, bytes / bandwidth, sharpness) * repeat;
    load.roof = rate;
  }
};

void add_attention(Adder& a, const PreparedModel& m, const LayerGroup& g, const Deployment& d, const Roofs& r,
                   const StepShape& s, double layers) {
  const double tp = d.parallel.tp;
  const double w = info(d.weights).bytes_per_element;
  const double tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_tokens;
  const double proj = m.attn_params_sharded / tp + m.attn_params_kv / std::min(tp, std::max(1.0, m.num_kv_heads)) +
                      m.attn_params_replicated;
  a.op(OperatorKind::attention_projections, 2.0 * tokens * proj, proj * w, r.weight_matmul, layers);
  if (g.attention == LayerAttention::none) return;
  const double kv_element = info(d.kv).bytes_per_element;
  const double kv_fraction = m.mla ? 1.0 : std::max(1.0 / tp, 1.0 / m.num_kv_heads);
  double decode_ctx = s.decode_context;
  double prefill_ctx = s.prefill_context;
  double kv_bytes = 0;
  if (g.attention == LayerAttention::linear) {
    decode_ctx = prefill_ctx = m.head_dim;
    kv_bytes = s.decode_sequences * m.linear_state_elements * 4.0 / tp;
  } else {
    if (g.attention == LayerAttention::sliding) {
      decode_ctx = std::min(decode_ctx, m.sliding_window);
      prefill_ctx = std::min(prefill_ctx, m.sliding_window);
    }
    kv_bytes = s.decode_sequences * decode_ctx * m.kv_elements_per_token_layer * kv_element * kv_fraction;
    kv_bytes += s.prefill_tokens * m.kv_elements_per_token_layer * kv_element * kv_fraction;
  }
  const double flops = (s.decode_sequences * s.tokens_per_sequence * decode_ctx * m.attn_flops_per_pair_decode +
                        s.prefill_tokens * prefill_ctx * m.attn_flops_per_pair_prefill) / tp;
  a.op(OperatorKind::attention_core, flops, kv_bytes, r.attention, layers);
}

void add_ffn(Adder& a, const PreparedModel& m, const LayerGroup& g, const Deployment& d, const EfficiencyParams& e,
             const Roofs& r, double tokens, double layers) {
  const double tp = d.parallel.tp;
  const double w = info(d.weights).bytes_per_element;
  if (!g.moe) {
    const double params = m.dense_ffn_params / tp;
    a.op(OperatorKind::dense_ffn, 2.0 * tokens * params, params * w, r.weight_matmul, layers);
    return;
  }
  const Parallelism& par = d.parallel;
  const double group_tokens = tokens * par.dp;
  const double active = expected_active_experts(m.num_experts, m.experts_per_token, group_tokens);
  const double ep = par.ep;
  const double moe_tp = par.moe_tp();
  const double imbalance = ep > 1 ? e.engine.moe_imbalance : 1.0;
  const double expert_bytes = active / ep * m.expert_params / moe_tp * info(d.experts).bytes_per_element * imbalance;
  const double expert_flops = 2.0 * group_tokens * m.experts_per_token * m.expert_params / (ep * moe_tp) * imbalance;
  a.op(OperatorKind::routed_experts, expert_flops, expert_bytes, r.expert_matmul, layers);
  if (m.shared_params > 0) {
    const double shared = m.shared_params / tp;
    a.op(OperatorKind::shared_experts, 2.0 * tokens * shared, shared * w, r.weight_matmul, layers);
  }
  a.op(OperatorKind::router, 2.0 * tokens * m.router_params, m.router_params * 2.0, r.head_matmul, layers);
}

}  // namespace

double smoothed_roofline_time(double compute_seconds, double memory_seconds, double sharpness) {
  const double longest = std::max(compute_seconds, memory_seconds);
  if (longest <= 0) return longest;
  const double rc = compute_seconds / longest, rm = memory_seconds / longest;
  return longest * std::pow(std::pow(rc, sharpness) + std::pow(rm, sharpness), 1.0 / sharpness);
}

Roofs achievable_roofs(const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  Roofs r;
  r.weight_matmul.value = matmul_rate(gpu, d.weights, e.hardware);
  r.expert_matmul.value = matmul_rate(gpu, d.experts, e.hardware);
  r.head_matmul.value = bf16_peak(gpu) * e.hardware.compute_fraction;
  const bool fp8_attention = (d.kv == Precision::fp8) && gpu.supports(ComputeType::fp8);
  r.attention.value = fp8_attention
                          ? gpu.throughput(ComputeType::fp8)->value * e.engine.attention_fraction * e.hardware.fp8_compute_derate
                          : bf16_peak(gpu) * e.engine.attention_fraction;
  r.bandwidth.value = gpu.memory_bandwidth.value * e.hardware.bandwidth_fraction;
  return r;
}

OperatorBreakdown operator_breakdown(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d,
                                     const EfficiencyParams& e, const StepShape& s) {
  const Roofs r = achievable_roofs(gpu, d, e);
  Adder a;
  a.bandwidth = r.bandwidth.value;
  a.sharpness = e.hardware.roofline_sharpness;
  const double pp = d.parallel.pp;
  const double tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_tokens;
  for (int i = 0; i < m.group_count; ++i) {
    const LayerGroup& g = m.groups[i];
    const double layers = g.count / pp;
    add_attention(a, m, g, d, r, s, layers);
    add_ffn(a, m, g, d, e, r, tokens, layers);
  }
  const double head_tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_sequences;
  const double head_params = m.vocab * m.hidden / d.parallel.tp;
  a.op(OperatorKind::lm_head, 2.0 * head_tokens * head_params, head_params * 2.0, r.head_matmul, 1.0);
  return a.ops;
}

}  // namespace llmsizer
