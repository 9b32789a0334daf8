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

double smoothed_roofline_time(double compute_seconds, double memory_seconds, double sharpness) {
  // The shipped value, k = 2: sqrt(t_c² + t_m²), no branch, division or pow on the hot path (the
  // times are seconds of one operator, far from overflow or underflow when squared). It is exactly
  // the longer time when the shorter is below 1e-9 of it (its square is below half an ulp of the
  // sum, and the square root of a correctly rounded square is the number), and 0 when both are.
  if (sharpness == 2.0) return std::sqrt(compute_seconds * compute_seconds + memory_seconds * memory_seconds);
  const double longest = std::max(compute_seconds, memory_seconds);
  if (longest <= 0) return longest;
  const double shorter = std::min(compute_seconds, memory_seconds);
  if (shorter < 1e-9 * longest) return longest;  // (shorter / longest)^k underflows relative to 1 for any k >= 1
  // Otherwise longest · (1 + r^k)^(1/k) with r = shorter / longest, the form that cannot overflow.
  const double r = shorter / longest;
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
  double seconds_per_byte = 0;
  double sharpness = 3.0;
  OperatorBreakdown* breakdown = nullptr;
  /// An operator against a roof given as its rate and seconds per FLOP (StepRates).
  void op(OperatorKind kind, double flops, double bytes_moved, FlopsPerSecond rate, double seconds_per_flop,
          double repeat) {
    timed(kind, flops, bytes_moved, flops * seconds_per_flop, rate, repeat);
  }
  /// An operator whose compute time `t_compute` the caller worked out; `rate` is only reported.
  void timed(OperatorKind kind, double flops, double bytes_moved, double t_compute, FlopsPerSecond rate,
             double repeat) {
    const double t_memory = bytes_moved * seconds_per_byte;
    const double t = smoothed_roofline_time(t_compute, t_memory, sharpness);
    // Adding 0 to the other side leaves it unchanged and spares a hard-to-predict branch.
    const bool compute_side = t_compute >= t_memory;
    step.compute_bound.value += compute_side ? t * repeat : 0.0;
    step.memory_bound.value += compute_side ? 0.0 : t * repeat;
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
  const double w = r.weight_bytes_per_element;
  const double tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_tokens;
  const double proj = g.attention == LayerAttention::linear ? r.linear_params_per_gpu : r.attention_params_per_gpu;
  acc.op(OperatorKind::attention_projections, 2.0 * tokens * proj, proj * w, r.roofs.weight_matmul,
         r.seconds_per_weight_flop, layers);
  if (g.attention == LayerAttention::none) return;
  if (g.attention == LayerAttention::linear) {
    // Linear attention: a fixed state per head is read and updated per token, whatever the context
    // (prepared_model.cpp, prepare_linear).
    const double state_flops = tokens * m.linear_flops_per_token * r.inverse_tp;
    const double state_bytes = s.decode_sequences * m.linear_state_elements * linear_state_bytes_per_element *
                               r.sharding.linear_state_fraction;
    acc.op(OperatorKind::attention_core, state_flops, state_bytes, r.roofs.attention, r.seconds_per_attention_flop,
           layers);
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
           s.decode_sequences * decode_ctx * m.indexer_elements_per_token * kv_element, r.roofs.attention,
           r.seconds_per_attention_flop, layers);
    attention_elements -= m.indexer_elements_per_token;
    decode_ctx = std::min(decode_ctx, m.index_topk);
    prefill_ctx = std::min(prefill_ctx, m.index_topk);
  }
  kv_bytes += s.decode_sequences * decode_ctx * attention_elements * kv_element * kv_fraction;
  const double flops = (decode_tokens * decode_ctx * m.attn_flops_per_pair_decode +
                        s.prefill_tokens * prefill_ctx * m.attn_flops_per_pair_prefill) * r.inverse_tp;
  acc.op(OperatorKind::attention_core, flops, kv_bytes, r.roofs.attention, r.seconds_per_attention_flop, layers);
}

void add_ffn(Accumulator& acc, const PreparedModel& m, const LayerGroup& g, const Deployment& d,
             const EfficiencyParams& e, const Rates& r, double tokens, bool decode_only, double layers) {
  const double w = r.weight_bytes_per_element;
  if (!g.moe) {
    const double params = r.dense_ffn_params_per_gpu;
    acc.op(OperatorKind::dense_ffn, 2.0 * tokens * params, params * w, r.roofs.weight_matmul, r.seconds_per_weight_flop,
           layers);
    return;
  }
  const Parallelism& par = d.parallel;
  // Tokens of all DP ranks meet in the MoE layer; TP ranks of one DP rank hold the same tokens.
  const double group_tokens = tokens * par.dp;
  const double imbalance = par.ep > 1 ? e.engine.moe_imbalance : 1.0;
  const double assignments = imbalance * group_tokens * m.experts_per_token * r.inverse_ep;  // on the hottest EP rank
  // Distinct experts the hottest rank touches: as if imbalance x the tokens each chose k of E, the
  // rank's share 1/ep of them (occupancy, docs/methodology.md#moe); it saturates at the E/ep it holds.
  // A step that runs carries at least one token, which reads its k experts: a micro-batch averaging
  // below one token (concurrency below pp) does not read fewer.
  const double occupancy_tokens = std::max(1.0, imbalance * group_tokens);
  const double touched =
      expected_active_experts_prepared(m.num_experts, m.log_expert_miss, occupancy_tokens) * r.inverse_ep;
  const double expert_bytes = touched * r.expert_params_per_gpu * r.expert_bytes_per_element;
  const double expert_flops = 2.0 * assignments * r.expert_params_per_gpu;
  // Grouped GEMM: each touched expert multiplies its m = assignments / touched tokens in tensor-core
  // tiles of 64-128 rows, so a small m wastes most of a tile; m_half (calibrated) is the tile in rows.
  // How the padding adds up depends on the layout the engine hands the GEMM (DeepGEMM README, "grouped
  // GEMMs"; docs/methodology.md#moe):
  //  - steps with prompt tokens run the contiguous layout, each expert's segment padded up to the tile
  //    alignment: every touched expert carries about m_half idle rows on top of its m, the saturation
  //    form m / (m + m_half) of the roof, i.e. 2 · params · (assignments + m_half · touched) FLOPs;
  //  - decode-only steps run the masked layout (fixed per-expert slots, CUDA graphs; DeepEP's
  //    low-latency dispatch writes it): an expert's rows fill its first tile, so a touched expert costs
  //    the larger of its m rows and one tile, not their sum. The two limits are joined with the
  //    roofline's own smoothing (sharpness k): (m^k + m_half^k)^(1/k) rows per touched expert.
  const double half = e.engine.expert_gemm_half_tokens;
  const bool padded = half > 0 && touched > 0 && assignments > 0;
  double padded_flops = expert_flops;
  if (padded) {
    const double rows_per_expert =
        decode_only ? smoothed_roofline_time(assignments / touched, half, acc.sharpness) : assignments / touched + half;
    padded_flops = 2.0 * r.expert_params_per_gpu * rows_per_expert * touched;
  }
  const double gemm_efficiency =
      padded && acc.breakdown != nullptr ? expert_flops / padded_flops : 1.0;  // reported only
  acc.timed(OperatorKind::routed_experts, expert_flops, expert_bytes, padded_flops * r.seconds_per_expert_flop,
            FlopsPerSecond{r.roofs.expert_matmul.value * gemm_efficiency}, layers);
  if (m.shared_params > 0) {
    const double shared = r.shared_params_per_gpu;
    acc.op(OperatorKind::shared_experts, 2.0 * tokens * shared, shared * w, r.roofs.weight_matmul,
           r.seconds_per_weight_flop, layers);
  }
  acc.op(OperatorKind::router, 2.0 * tokens * m.router_params, m.router_params * sixteen_bit_bytes, r.roofs.head_matmul,
         r.seconds_per_head_flop, layers);
}

/// Communication of one layer of group `g` in an iteration of shape `s`: linear in the tokens it
/// carries, with the per-token costs and fixed latencies prepared in step_rates (layer_links).
double layer_communication(const LayerGroup& g, const Deployment& d, const Rates& r, const StepShape& s) {
  const Parallelism& par = d.parallel;
  const double decode_tokens = s.decode_sequences * s.tokens_per_sequence;
  const double tokens = decode_tokens + s.prefill_tokens;
  double t = 0;
  if (par.tp > 1) t += tokens * r.allreduce_s_per_token + r.allreduce_s;
  if (g.moe && par.ep > 1) {
    t += decode_tokens * r.dispatch_s_per_decode_token + s.prefill_tokens * r.dispatch_s_per_prefill_token +
         r.dispatch_s;
  }
  return t;
}

/// The per-token costs and fixed latencies of layer_communication and of the pipeline hand-off, from
/// the collectives' per-byte times (hardware/collectives.hpp), once per deployment.
void layer_links(Rates& r, const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  const Parallelism& par = d.parallel;
  if (par.tp > 1) {
    // Two all-reduces per layer (after attention, after the FFN) of the 16-bit hidden states.
    r.allreduce_s_per_token = 2.0 * m.hidden * sixteen_bit_bytes * allreduce_seconds_per_byte(par.tp, gpu, r.links);
    r.allreduce_s = 2.0 * allreduce_latency(par.tp, gpu, r.latency).value;
  }
  if (par.ep > 1) {
    // Dispatch (FP8, 1 byte) and combine (BF16, 2 bytes) of each token to its k experts' ranks
    // (arXiv 2412.19437 §3.4). Decode tokens go the low-latency way, one copy per expert straight to
    // its rank (DeepEP's low-latency kernels): a GPU sends the share of the k copies routed to other
    // ranks. Prompt tokens go once per remote node and are forwarded over NVLink there (DeepEP's normal
    // kernels, §3.2.2), which engines run on prefill batches (docs/methodology.md#moe).
    const double bytes_per_token = m.hidden * 3.0;
    const double decode_sent_per_token = 1.0 / par.tp * m.experts_per_token * bytes_per_token * (par.ep - 1) / par.ep;
    r.dispatch_s_per_decode_token = decode_sent_per_token * transfer_seconds_per_byte(par.ep, gpu, r.links);
    const double prefill_s_per_byte =
        node_deduplicated_alltoall_seconds_per_byte(m.experts_per_token, par.ep, gpu, r.links);
    r.dispatch_s_per_prefill_token = bytes_per_token / par.tp * prefill_s_per_byte;
    r.dispatch_s = 2.0 * collective_latency(par.ep, gpu, r.latency).value;
  }
  if (par.pp > 1) {
    // Activations handed to the next stage (assume stages in different scale-up domains when the
    // instance spans more than one).
    const bool same_domain = par.gpus() <= gpu.scale_up.domain_gpus;
    r.handoff_s_per_token = m.hidden * sixteen_bit_bytes / (same_domain ? r.links.scale_up : r.links.scale_out).value;
    r.handoff_s = (same_domain ? e.engine.collective_latency : e.engine.scale_out_latency).value;
  }
}

}  // namespace

StepRates step_rates(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e) {
  StepRates r{};
  r.roofs = achievable_roofs(gpu, d, e);
  r.links = achievable_link_rates(gpu, e.hardware);
  r.latency = CollectiveLatency{e.engine.collective_latency, e.engine.scale_out_latency};
  r.sharding = shard(m, d.parallel);
  r.seconds_per_weight_flop = 1.0 / r.roofs.weight_matmul.value;
  r.seconds_per_expert_flop = 1.0 / r.roofs.expert_matmul.value;
  r.seconds_per_head_flop = 1.0 / r.roofs.head_matmul.value;
  r.seconds_per_attention_flop = 1.0 / r.roofs.attention.value;
  r.seconds_per_byte = 1.0 / r.roofs.bandwidth.value;
  r.inverse_tp = 1.0 / d.parallel.tp;
  r.inverse_ep = 1.0 / d.parallel.ep;
  r.weight_bytes_per_element = info(d.weights).bytes_per_element;
  r.expert_bytes_per_element = info(d.experts).bytes_per_element;
  r.attention_params_per_gpu = mixer_params_per_gpu(m, LayerAttention::full, r.sharding);
  r.linear_params_per_gpu = mixer_params_per_gpu(m, LayerAttention::linear, r.sharding);
  r.dense_ffn_params_per_gpu = m.dense_ffn_params / r.sharding.attention_ranks;
  r.shared_params_per_gpu = m.shared_params / r.sharding.attention_ranks;
  r.expert_params_per_gpu = m.expert_params / d.parallel.moe_tp();
  r.head_params_per_gpu = m.vocab * m.hidden / d.parallel.tp;
  layer_links(r, m, gpu, d, e);
  return r;
}

StepTime stage_step_time(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d,
                         const EfficiencyParams& e, const StepShape& s, OperatorBreakdown* breakdown) {
  return stage_step_time(m, gpu, d, e, step_rates(m, gpu, d, e), s, breakdown);
}

StepTime stage_step_time(const PreparedModel& m, const GpuSpec& /*gpu: its rates are in r*/, const Deployment& d,
                         const EfficiencyParams& e, const Rates& r, const StepShape& s, OperatorBreakdown* breakdown) {
  Accumulator acc;
  acc.seconds_per_byte = r.seconds_per_byte;
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
    add_ffn(acc, m, g, d, e, r, tokens, s.prefill_tokens <= 0, layers);
    communication += layers * layer_communication(g, d, r, s);
  }
  // LM head on the sequences that sample a token this step (vocab-parallel over tp, 16-bit).
  const double head_tokens = s.decode_sequences * s.tokens_per_sequence + s.prefill_sequences;
  const double head_params = r.head_params_per_gpu;
  acc.op(OperatorKind::lm_head, 2.0 * head_tokens * head_params, head_params * sixteen_bit_bytes, r.roofs.head_matmul,
         r.seconds_per_head_flop, 1.0);
  if (d.parallel.pp > 1) communication += tokens * r.handoff_s_per_token + r.handoff_s;  // to the next stage
  StepTime step = acc.step;
  step.communication = seconds(communication * (1.0 - e.comm_overlap));
  // A step with prompt tokens runs outside the decode CUDA graphs on engines that capture decode-only
  // batches: its MoE layers' host work, k routed-expert slots each, adds to the device time
  // (docs/methodology.md#prefill-launch).
  const double moe_layer_seconds =
      e.engine.moe_layer_overhead.value +
      (s.prefill_tokens > 0 ? m.experts_per_token * e.engine.prefill_expert_overhead.value : 0.0);
  step.overhead = seconds(layers_total * e.engine.layer_overhead.value + moe_layers * moe_layer_seconds +
                          e.engine.step_overhead.value / pp);
  step.total = step.compute_bound + step.memory_bound + step.communication + step.overhead;
  return step;
}

}  // namespace llmsizer
