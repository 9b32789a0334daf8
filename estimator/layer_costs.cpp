#include "estimator/layer_costs.hpp"

#include <cassert>
#include <limits>

namespace llmsizer {
namespace {

constexpr double uncapped = std::numeric_limits<double>::infinity();

/// Softmax attention over the KV cache of one layer of kind `kind` (full, sliding, chunked), with
/// DeepSeek Sparse Attention's indexer when the model has one.
void fold_softmax_core(AttentionCoreCost& core, const PreparedModel& m, LayerAttention kind, const Deployment& d,
                       const Sharding& s) {
  core.kind = AttentionCoreCost::Kind::softmax;
  core.decode_context_cap = uncapped;
  core.prefill_context_cap = uncapped;
  if (kind == LayerAttention::sliding) {
    core.decode_context_cap = m.sliding_window;
    core.prefill_context_cap = m.sliding_window;
  }
  if (kind == LayerAttention::chunked) {
    // A query sees the tokens since its chunk began: at most the chunk in decode (a bound: the mean
    // over a chunk is half of it), half a chunk on average over a causal prefill longer than one.
    core.decode_context_cap = m.attention_chunk;
    core.prefill_context_cap = m.attention_chunk / 2.0;
  }
  const double kv_element = kv_bytes_per_element(d.kv);
  const double kv_fraction = s.kv_cache_fraction;
  // The KV of each prompt token is written; a decode sequence reads its cached context.
  core.bytes_per_prefill_token = m.kv_elements_per_token_layer * kv_element * kv_fraction;
  double attention_elements = m.kv_elements_per_token_layer;
  core.selected_context_cap = uncapped;
  if (m.index_topk > 0) {
    // DeepSeek Sparse Attention (V3.2-Exp report §2.1): the indexer, replicated on every rank, scores
    // and reads the key of every context token; attention then reads only the index_topk selected.
    core.indexer = true;
    core.indexer_flops_per_pair = m.indexer_flops_per_pair;
    core.indexer_bytes_per_context_read = m.indexer_elements_per_token * kv_element;
    attention_elements -= m.indexer_elements_per_token;
    core.selected_context_cap = m.index_topk;
  }
  core.bytes_per_context_read = attention_elements * kv_element * kv_fraction;
  // Heads split over tp: the pairs' FLOPs (PreparedModel: prefill and absorbed-decode forms) per rank.
  const double inverse_tp = 1.0 / d.parallel.tp;
  core.flops_per_decode_pair = m.attn_flops_per_pair_decode * inverse_tp;
  core.flops_per_prefill_pair = m.attn_flops_per_pair_prefill * inverse_tp;
}

/// Attention projections and the token mixer's core of one layer of kind `kind`.
void fold_attention(LayerCosts& c, const PreparedModel& m, LayerAttention kind, const Deployment& d,
                    const Sharding& s) {
  const double w = info(d.weights).bytes_per_element;
  // q/k/v/o (and MLA down/up) projections: 2 FLOPs per parameter per token, each weight read once
  // per iteration (a linear-attention layer's mixer is split by heads over tp).
  const double proj = mixer_params_per_gpu(m, kind, s);
  c.projections = {2.0 * proj, proj * w};
  AttentionCoreCost& core = c.core;
  if (kind == LayerAttention::none) return;
  const double inverse_tp = 1.0 / d.parallel.tp;
  if (kind == LayerAttention::linear) {
    // Linear attention: a fixed state per head is read and updated per token, whatever the context
    // (prepared_model.cpp, prepare_linear).
    core.kind = AttentionCoreCost::Kind::linear;
    core.linear_flops_per_token = m.linear_flops_per_token * inverse_tp;
    core.linear_bytes_per_sequence = m.linear_state_elements * linear_state_bytes_per_element * s.linear_state_fraction;
    return;
  }
  fold_softmax_core(core, m, kind, d, s);
}

/// The FFN of one layer: dense, or routed + shared experts and the router.
void fold_ffn(LayerCosts& c, const PreparedModel& m, bool moe, const Deployment& d, const EfficiencyParams& e,
              const Sharding& s) {
  const double w = info(d.weights).bytes_per_element;
  if (!moe) {
    const double params = m.dense_ffn_params / s.attention_ranks;
    c.dense_ffn = {2.0 * params, params * w};
    return;
  }
  const Parallelism& par = d.parallel;
  // Tokens of all DP ranks meet in the MoE layer; TP ranks of one DP rank hold the same tokens. The
  // hottest EP rank takes `imbalance` times the mean load: imbalance · dp · tokens · k / ep
  // (token, expert) assignments. Which of its E/ep experts they touch is an occupancy over those
  // tokens (stage_step_time, docs/methodology.md#moe).
  const double imbalance = par.ep > 1 ? e.engine.moe_imbalance : 1.0;
  const double expert_params = m.expert_params / par.moe_tp();
  RoutedExpertCost& routed = c.routed;
  routed.assignments_per_token = imbalance * par.dp * m.experts_per_token / par.ep;
  routed.occupancy_per_token = imbalance * par.dp;
  routed.experts = m.num_experts;
  routed.rank_share = 1.0 / par.ep;
  routed.log_expert_miss = m.log_expert_miss;
  routed.flops_per_assignment = 2.0 * expert_params;
  routed.bytes_per_touched_expert = expert_params * info(d.experts).bytes_per_element;
  routed.gemm_half_rows = e.engine.expert_gemm_half_tokens;
  if (m.shared_params > 0) {
    c.shared_experts = true;
    const double shared = m.shared_params / s.attention_ranks;
    c.shared = {2.0 * shared, shared * w};
  }
  // The gate runs in 16-bit (DeepSeek-V3 §3.3), replicated.
  c.router = {2.0 * m.router_params, m.router_params * sixteen_bit_bytes};
}

/// Communication of one layer: linear in the tokens it carries, from the collectives' per-byte
/// times (hardware/collectives.hpp).
LayerCommunicationCost fold_communication(const PreparedModel& m, bool moe, const GpuSpec& gpu, const Deployment& d,
                                          const LinkRates& links, const CollectiveLatency& latency) {
  const Parallelism& par = d.parallel;
  LayerCommunicationCost c;
  if (par.tp > 1) {
    // Two all-reduces per layer (after attention, after the FFN) of the 16-bit hidden states.
    c.seconds_per_token = 2.0 * m.hidden * sixteen_bit_bytes * allreduce_seconds_per_byte(par.tp, gpu, links);
    c.seconds = 2.0 * allreduce_latency(par.tp, gpu, latency).value;
  }
  if (moe && par.ep > 1) {
    // Dispatch (FP8, 1 byte) and combine (BF16, 2 bytes) of each token to its k experts' ranks
    // (arXiv 2412.19437 §3.4). Decode tokens go the low-latency way, one copy per expert straight to
    // its rank (DeepEP's low-latency kernels): a GPU sends the share of the k copies routed to other
    // ranks. Prompt tokens go once per remote node and are forwarded over NVLink there (DeepEP's normal
    // kernels, §3.2.2), which engines run on prefill batches (docs/methodology.md#moe).
    const double bytes_per_token = m.hidden * (alltoall_dispatch_bytes_per_element + alltoall_combine_bytes_per_element);
    const double decode_sent_per_token = 1.0 / par.tp * m.experts_per_token * bytes_per_token * (par.ep - 1) / par.ep;
    c.seconds_per_decode_token = decode_sent_per_token * transfer_seconds_per_byte(par.ep, gpu, links);
    const double prefill_s_per_byte =
        node_deduplicated_alltoall_seconds_per_byte(m.experts_per_token, par.ep, gpu, links);
    c.seconds_per_prefill_token = bytes_per_token / par.tp * prefill_s_per_byte;
    c.alltoall_seconds = 2.0 * collective_latency(par.ep, gpu, latency).value;
    c.seconds += c.alltoall_seconds;
  }
  return c;
}

/// A drafting pass (docs/methodology.md#mtp): the MTP module's decoder layer is the last layer's kind
/// (placement.cpp, mtp_weights), its 2H->H projection (2H^2 weights, the deployment's precision) runs
/// replicated like attention, the LM head is the main model's; the pass is its own forward, so it pays
/// the engine's per-step overhead once besides its layer's.
void fold_draft_pass(IterationCosts& costs, const PreparedModel& m, const Deployment& d, const EfficiencyParams& e) {
  if (costs.group_count == 0) return;
  LayerCosts& layer = costs.draft_layer;
  // Groups are in order of first appearance: the last layer's is not always the last group.
  int last = costs.group_count - 1;
  for (int i = 0; i < costs.group_count; ++i) {
    const LayerGroup& g = m.groups[i];
    if (g.attention == m.spec->layer_attention.back() && g.moe == m.spec->layer_is_moe.back()) last = i;
  }
  layer = costs.groups[last];
  layer.layers = 1.0;
  const double projection_params = 2.0 * m.hidden * m.hidden;
  costs.draft_projection = {2.0 * projection_params, projection_params * info(d.weights).bytes_per_element};
  costs.draft_overhead_seconds = e.engine.step_overhead.value + e.engine.layer_overhead.value +
                                 (layer.moe ? e.engine.moe_layer_overhead.value : 0.0);
}

}  // namespace

void fold_iteration_costs(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const EfficiencyParams& e,
                          const Sharding& s, const LinkRates& links, const CollectiveLatency& latency,
                          IterationCosts& costs) {
  assert(costs.group_count == 0);
  costs.group_count = m.group_count;
  double layers_total = 0;
  double moe_layers = 0;
  for (int i = 0; i < m.group_count; ++i) {
    const LayerGroup& g = m.groups[i];
    LayerCosts& c = costs.groups[i];
    c.layers = g.count * s.stage_share;  // the slowest stage holds ceil(L/pp) layers
    c.moe = g.moe;
    layers_total += c.layers;
    if (g.moe) moe_layers += c.layers;
    fold_attention(c, m, g.attention, d, s);
    fold_ffn(c, m, g.moe, d, e, s);
    c.communication = fold_communication(m, g.moe, gpu, d, links, latency);
  }
  // LM head on the positions that sample a token (vocab-parallel over tp, 16-bit), counted on the
  // stage that owns it, i.e. always, so the slowest stage is modelled.
  const double head_params = m.vocab * m.hidden / d.parallel.tp;
  costs.lm_head = {2.0 * head_params, head_params * sixteen_bit_bytes};
  if (d.parallel.pp > 1) {
    // Activations handed to the next stage (assume stages in different scale-up domains when the
    // instance spans more than one).
    const bool same_domain = d.parallel.gpus() <= gpu.scale_up.domain_gpus;
    costs.handoff_seconds_per_token =
        m.hidden * sixteen_bit_bytes / (same_domain ? links.scale_up : links.scale_out).value;
    costs.handoff_seconds = (same_domain ? e.engine.collective_latency : e.engine.scale_out_latency).value;
  }
  costs.communication_exposed = 1.0 - e.comm_overlap;
  costs.two_batch_overlap = d.applied_overlap() == Overlap::two_batch;
  // Fixed costs: per layer, per MoE layer, per iteration (split over the stages). A step with prompt
  // tokens runs outside the decode CUDA graphs on engines that capture decode-only batches: its MoE
  // layers' host work, k routed-expert slots each, adds to the device time
  // (docs/methodology.md#prefill-launch).
  const double pp = d.parallel.pp;
  const double decode_moe = e.engine.moe_layer_overhead.value;
  const double prefill_moe =
      e.engine.moe_layer_overhead.value + m.experts_per_token * e.engine.prefill_expert_overhead.value;
  costs.decode_overhead_seconds =
      layers_total * e.engine.layer_overhead.value + moe_layers * decode_moe + e.engine.step_overhead.value / pp;
  costs.prefill_overhead_seconds =
      layers_total * e.engine.layer_overhead.value + moe_layers * prefill_moe + e.engine.step_overhead.value / pp;
  costs.step_overhead_seconds = e.engine.step_overhead.value / pp;
  fold_draft_pass(costs, m, d, e);
}

}  // namespace llmsizer
