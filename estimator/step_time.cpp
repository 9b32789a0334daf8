#include "estimator/step_time.hpp"

#include <algorithm>
#include <cmath>

#include "estimator/placement.hpp"
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

double expected_active_experts(double experts, double k, double tokens) {
  if (experts <= 0 || tokens <= 0) return 0.0;
  return experts * (1.0 - std::pow(1.0 - k / experts, tokens));
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

double smoothed_roofline_time(double compute_seconds, double memory_seconds, double sharpness) {
  const double longest = std::max(compute_seconds, memory_seconds);
  if (longest <= 0) return longest;
  // One of the two ratios is exactly 1: longest · (1 + r^k)^(1/k) with r = shorter / longest.
  const double r = std::min(compute_seconds, memory_seconds) / longest;
  if (r < 1e-9) return longest;  // r^k underflows relative to 1 for any k >= 1
  if (sharpness == 2.0) return longest * std::sqrt(1.0 + r * r);  // the shipped value: no pow on the hot path
  return longest * std::pow(1.0 + std::pow(r, sharpness), 1.0 / sharpness);
}

Roofs achievable_roofs(const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  return achievable_roofs(gpu, RoofPrecisions{d.weights, d.experts, d.kv}, e.hardware, e.engine.attention_fraction);
}

namespace {

using Rates = StepRates;

/// Accumulates operators on the smoothed roofline, tracks which bound each hit, and fills the
/// per-kind breakdown when one was asked for.
struct Accumulator {
  StepTime step;
  double bandwidth = 0;
  double sharpness = 3.0;
  OperatorBreakdown* breakdown = nullptr;
  void op(OperatorKind kind, double flops, double bytes_moved, FlopsPerSecond rate, double repeat) {
    const double t_compute = flops / rate.value;
    const double t_memory = bytes_moved / bandwidth;
    const double t = smoothed_roofline_time(t_compute, t_memory, sharpness);
    if (t_compute >= t_memory) step.compute_bound.value += t * repeat;
    else step.memory_bound.value += t * repeat;
    step.flops.value += flops * repeat;
    step.bytes.value += bytes_moved * repeat;
    if (breakdown != nullptr) {
      OperatorLoad& load = (*breakdown)[static_cast<int>(kind)];
      load.flops.value += flops * repeat;
      load.bytes.value += bytes_moved * repeat;
      load.time.value += t * repeat;
      load.roof = rate;
    }
  }
};

void add_attention(Accumulator& acc, const PreparedModel& m, const LayerGroup& g, const Deployment& d,
                   const Rates& r, const StepShape& s, double layers) {
  const double tp = d.parallel.tp;
  const double w = info(d.weights).bytes_per_element;
  const double tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_tokens;
  const double proj = mixer_params_per_gpu(m, g.attention, r.sharding);
  acc.op(OperatorKind::attention_projections, 2.0 * tokens * proj, proj * w, r.roofs.weight_matmul, layers);
  if (g.attention == LayerAttention::none) return;
  if (g.attention == LayerAttention::linear) {
    // Linear attention: a fixed state per head is read and updated per token, whatever the context
    // (prepared_model.cpp, prepare_linear).
    const double state_flops = tokens * m.linear_flops_per_token / tp;
    const double state_bytes = s.decode_sequences * m.linear_state_elements * linear_state_bytes_per_element *
                               r.sharding.linear_state_fraction;
    acc.op(OperatorKind::attention_core, state_flops, state_bytes, r.roofs.attention, layers);
    return;
  }
  const double kv_element = kv_bytes_per_element(d.kv);
  const double kv_fraction = r.sharding.kv_cache_fraction;
  const double decode_tokens = s.decode_sequences * s.tokens_per_sequence;
  double decode_ctx = s.decode_context;
  double prefill_ctx = s.prefill_context;
  if (g.attention == LayerAttention::sliding) {
    decode_ctx = std::min(decode_ctx, m.sliding_window);
    prefill_ctx = std::min(prefill_ctx, m.sliding_window);
  }
  if (g.attention == LayerAttention::chunked) {
    // A query sees the tokens since its chunk began: at most the chunk in decode (a bound: the mean
    // over a chunk is half of it), half a chunk on average over a causal prefill longer than one.
    decode_ctx = std::min(decode_ctx, m.attention_chunk);
    prefill_ctx = std::min(prefill_ctx, m.attention_chunk / 2.0);
  }
  double kv_bytes = s.prefill_tokens * m.kv_elements_per_token_layer * kv_element * kv_fraction;  // KV written
  double attention_elements = m.kv_elements_per_token_layer;
  if (m.index_topk > 0) {
    // DeepSeek Sparse Attention (V3.2-Exp report §2.1): the indexer, replicated on every rank, scores
    // and reads the key of every context token; attention then reads only the index_topk selected.
    const double indexer_flops = (decode_tokens * decode_ctx + s.prefill_tokens * prefill_ctx) * m.indexer_flops_per_pair;
    acc.op(OperatorKind::attention_core, indexer_flops,
           s.decode_sequences * decode_ctx * m.indexer_elements_per_token * kv_element, r.roofs.attention, layers);
    attention_elements -= m.indexer_elements_per_token;
    decode_ctx = std::min(decode_ctx, m.index_topk);
    prefill_ctx = std::min(prefill_ctx, m.index_topk);
  }
  kv_bytes += s.decode_sequences * decode_ctx * attention_elements * kv_element * kv_fraction;
  const double flops = (decode_tokens * decode_ctx * m.attn_flops_per_pair_decode +
                        s.prefill_tokens * prefill_ctx * m.attn_flops_per_pair_prefill) / tp;
  acc.op(OperatorKind::attention_core, flops, kv_bytes, r.roofs.attention, layers);
}

void add_ffn(Accumulator& acc, const PreparedModel& m, const LayerGroup& g, const Deployment& d,
             const EfficiencyParams& e, const Rates& r, double tokens, double layers) {
  const double tp = r.sharding.attention_ranks;
  const double w = info(d.weights).bytes_per_element;
  if (!g.moe) {
    const double params = m.dense_ffn_params / tp;
    acc.op(OperatorKind::dense_ffn, 2.0 * tokens * params, params * w, r.roofs.weight_matmul, layers);
    return;
  }
  const Parallelism& par = d.parallel;
  // Tokens of all DP ranks meet in the MoE layer; TP ranks of one DP rank hold the same tokens.
  const double group_tokens = tokens * par.dp;
  const double ep = par.ep;
  const double moe_tp = par.moe_tp();
  const double imbalance = ep > 1 ? e.engine.moe_imbalance : 1.0;
  const double assignments = imbalance * group_tokens * m.experts_per_token / ep;  // on the hottest EP rank
  // Distinct experts the hottest rank touches: as if imbalance x the tokens each chose k of E, the
  // rank's share 1/ep of them (occupancy, docs/methodology.md#moe); it saturates at the E/ep it holds.
  // A step that runs carries at least one token, which reads its k experts: a micro-batch averaging
  // below one token (concurrency below pp) does not read fewer.
  const double occupancy_tokens = std::max(1.0, imbalance * group_tokens);
  const double touched = expected_active_experts(m.num_experts, m.experts_per_token, occupancy_tokens) / ep;
  const double expert_bytes = touched * m.expert_params / moe_tp * info(d.experts).bytes_per_element;
  const double expert_flops = 2.0 * assignments * m.expert_params / moe_tp;
  // Grouped GEMM: each touched expert multiplies its m = assignments / touched tokens; tensor-core tiles
  // are 64-128 rows, so small m wastes most of each tile. Efficiency m / (m + m_half) is the
  // saturation form of that padding (CUTLASS grouped GEMM, DeepGEMM masked layout), m_half calibrated.
  const double tokens_per_expert = touched > 0 ? assignments / touched : 0.0;
  const double half = e.engine.expert_gemm_half_tokens;
  const double gemm_efficiency = half > 0 && tokens_per_expert > 0 ? tokens_per_expert / (tokens_per_expert + half) : 1.0;
  acc.op(OperatorKind::routed_experts, expert_flops,
         expert_bytes, FlopsPerSecond{r.roofs.expert_matmul.value * gemm_efficiency}, layers);
  if (m.shared_params > 0) {
    const double shared = m.shared_params / tp;
    acc.op(OperatorKind::shared_experts, 2.0 * tokens * shared, shared * w, r.roofs.weight_matmul, layers);
  }
  acc.op(OperatorKind::router, 2.0 * tokens * m.router_params, m.router_params * sixteen_bit_bytes, r.roofs.head_matmul,
         layers);
}

double layer_communication(const PreparedModel& m, const LayerGroup& g, const GpuSpec& gpu, const Deployment& d,
                           const Rates& r, const StepShape& s) {
  const Parallelism& par = d.parallel;
  const double decode_tokens = s.decode_sequences * s.tokens_per_sequence;
  const double tokens = decode_tokens + s.prefill_tokens;
  double t = 0;
  if (par.tp > 1) {
    // Two all-reduces per layer (after attention, after the FFN) of the 16-bit hidden states.
    const Bytes message = bytes(tokens * m.hidden * sixteen_bit_bytes);
    t += 2.0 * allreduce_time(message, par.tp, gpu, r.links, r.latency).value;
  }
  if (g.moe && par.ep > 1) {
    // Dispatch (FP8, 1 byte) and combine (BF16, 2 bytes) of each token to its k experts' ranks
    // (arXiv 2412.19437 §3.4). Decode tokens go the low-latency way, one copy per expert straight to
    // its rank (DeepEP's low-latency kernels): a GPU sends the share of the k copies routed to other
    // ranks. Prompt tokens go once per remote node and are forwarded over NVLink there (DeepEP's normal
    // kernels, §3.2.2), which engines run on prefill batches (docs/methodology.md#moe).
    const double bytes_per_token = m.hidden * 3.0;
    const double decode_sent = decode_tokens / par.tp * m.experts_per_token * bytes_per_token * (par.ep - 1) / par.ep;
    t += transfer_time(bytes(decode_sent), par.ep, gpu, r.links).value +
         node_deduplicated_alltoall_time(bytes(s.prefill_tokens / par.tp * bytes_per_token), m.experts_per_token,
                                         par.ep, gpu, r.links).value +
         2.0 * collective_latency(par.ep, gpu, r.latency).value;
  }
  return t;
}

}  // namespace

StepRates step_rates(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  StepRates r{};
  r.roofs = achievable_roofs(gpu, d, e);
  r.links = achievable_link_rates(gpu, e.hardware);
  r.latency = CollectiveLatency{e.engine.collective_latency, e.engine.scale_out_latency};
  r.sharding = shard(m, d.parallel);
  return r;
}

StepTime stage_step_time(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d,
                         const EfficiencyParams& e, const StepShape& s, OperatorBreakdown* breakdown) {
  return stage_step_time(m, gpu, d, e, step_rates(m, gpu, d, e), s, breakdown);
}

StepTime stage_step_time(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d,
                         const EfficiencyParams& e, const Rates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  Accumulator acc;
  acc.bandwidth = r.roofs.bandwidth.value;
  acc.sharpness = e.hardware.roofline_sharpness;
  if (breakdown != nullptr) *breakdown = OperatorBreakdown{};
  acc.breakdown = breakdown;
  const double pp = d.parallel.pp;
  const double tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_tokens;
  double communication = 0;
  double layers_total = 0;
  double moe_layers = 0;
  const double busiest_share = r.sharding.stage_share;
  for (int i = 0; i < m.group_count; ++i) {
    const LayerGroup& g = m.groups[i];
    const double layers = g.count * busiest_share;  // the slowest stage holds ceil(L/pp) layers
    layers_total += layers;
    if (g.moe) moe_layers += layers;
    add_attention(acc, m, g, d, r, s, layers);
    add_ffn(acc, m, g, d, e, r, tokens, layers);
    communication += layers * layer_communication(m, g, gpu, d, r, s);
  }
  // LM head on the sequences that sample a token this step (vocab-parallel over tp, 16-bit).
  const double head_tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_sequences;
  const double head_params = m.vocab * m.hidden / d.parallel.tp;
  acc.op(OperatorKind::lm_head, 2.0 * head_tokens * head_params, head_params * sixteen_bit_bytes, r.roofs.head_matmul,
         1.0);
  if (d.parallel.pp > 1) {
    // Activations handed to the next stage (assume stages in different scale-up domains when the
    // instance spans more than one).
    const bool same_domain = d.parallel.gpus() <= gpu.scale_up.domain_gpus;
    communication +=
        tokens * m.hidden * sixteen_bit_bytes / (same_domain ? r.links.scale_up : r.links.scale_out).value +
        (same_domain ? e.engine.collective_latency : e.engine.scale_out_latency).value;
  }
  StepTime step = acc.step;
  step.communication = seconds(communication * (1.0 - e.comm_overlap));
  step.overhead = seconds(layers_total * e.engine.layer_overhead.value + moe_layers * e.engine.moe_layer_overhead.value +
                          e.engine.step_overhead.value / pp);
  step.total = step.compute_bound + step.memory_bound + step.communication + step.overhead;
  return step;
}

}  // namespace llmsizer
