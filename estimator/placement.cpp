#include "estimator/placement.hpp"

#include <algorithm>

namespace llmsizer {
namespace {

/// Norm weights of one decoder layer (input and post-attention norm, `hidden` each).
constexpr double norms_per_layer = 2.0;

/// Weights of one decoder layer of group kind `g` on one GPU, by kind (docs/methodology.md#memory).
WeightBytesByKind layer_weights(const PreparedModel& m, const LayerGroup& g, const Deployment& d, const Sharding& s) {
  const double w = info(d.weights).bytes_per_element;
  WeightBytesByKind b;
  b.attention = bytes(mixer_params_per_gpu(m, g.attention, s) * w);
  b.norms = bytes(norms_per_layer * m.hidden * sixteen_bit_bytes);
  if (!g.moe) {
    b.dense_ffn = bytes(m.dense_ffn_params / s.attention_ranks * w);
    return b;
  }
  b.routed_experts = bytes(m.num_experts * m.expert_params / s.expert_ranks * info(d.experts).bytes_per_element);
  b.shared_experts = bytes(m.shared_params / s.attention_ranks * w);
  b.router = bytes(m.router_params * sixteen_bit_bytes);  // the gate runs in 16-bit (DeepSeek-V3 §3.3)
  return b;
}

void add_scaled(WeightBytesByKind& sum, const WeightBytesByKind& layer, double count) {
  sum.attention += layer.attention * count;
  sum.dense_ffn += layer.dense_ffn * count;
  sum.routed_experts += layer.routed_experts * count;
  sum.shared_experts += layer.shared_experts * count;
  sum.router += layer.router * count;
  sum.norms += layer.norms * count;
}

/// Embedding on the first stage, LM head and final norm on the last (vocab-parallel over tp, 16-bit
/// as engines keep them); with one stage the same GPU holds both. A vision tower sits on the first
/// stage, whose embeddings it feeds (vLLM builds it on the first pipeline rank only), split over tp
/// (vLLM's default mm_encoder_tp_mode "weights" shards its linear layers as the text model's), in
/// 16-bit (quantized checkpoints leave it unquantized); the busiest GPU is the heavier end.
void add_ends(WeightBytesByKind& b, const PreparedModel& m, const Deployment& d) {
  const double tp = d.parallel.tp;
  const double embed = sixteen_bit_bytes * m.params.embedding / tp;
  const double head = sixteen_bit_bytes * m.params.lm_head / tp;
  const double vision = sixteen_bit_bytes * m.params.vision / tp;
  const bool first_stage_heavier = d.parallel.pp == 1 || embed + vision >= head;
  b.embedding = bytes(d.parallel.pp == 1 ? embed + head : first_stage_heavier ? embed : head);
  b.vision = bytes(first_stage_heavier ? vision : 0.0);
  b.norms += bytes(m.hidden * sixteen_bit_bytes);  // final norm, beside the LM head
}

/// An MTP module (on the last stage, DeepSeek-V3 report §2.2): one decoder layer of the last layer's
/// kind plus its 2H->H projection, sharded like the other layers.
Bytes mtp_weights(const PreparedModel& m, const Deployment& d, const Sharding& s) {
  if (d.speculative_tokens <= 0 || m.mtp_layer_params <= 0) return bytes(0);
  const bool last_is_moe = m.spec->layer_is_moe.back();
  const Bytes layer = layer_weights(m, LayerGroup{LayerAttention::full, last_is_moe, 1}, d, s).total();
  return layer + bytes(2.0 * m.hidden * m.hidden / s.attention_ranks * info(d.weights).bytes_per_element);
}

}  // namespace

double busiest_stage_share(const ModelSpec& model, int pp) {
  if (pp <= 1 || model.num_layers <= 0) return 1.0;
  const int busiest = (model.num_layers + pp - 1) / pp;  // stages hold ceil(L/pp) layers at most
  return static_cast<double>(busiest) / model.num_layers;
}

Sharding shard(const PreparedModel& m, const Parallelism& p) {
  Sharding s;
  const double tp = p.tp;
  s.attention_ranks = tp;
  s.kv_projection_ranks = std::min(tp, std::max(1.0, m.num_kv_heads));
  s.kv_cache_fraction = m.mla ? 1.0 : std::max(1.0 / tp, 1.0 / m.num_kv_heads);
  s.linear_state_fraction = 1.0 / tp;
  s.expert_ranks = static_cast<double>(p.tp) * p.dp;  // = ep · moe_tp
  s.stage_share = busiest_stage_share(*m.spec, p.pp);
  return s;
}

double attention_params_per_gpu(const PreparedModel& m, const Sharding& s) {
  return m.attn_params_sharded / s.attention_ranks + m.attn_params_kv / s.kv_projection_ranks +
         m.attn_params_replicated;
}

double mixer_params_per_gpu(const PreparedModel& m, LayerAttention kind, const Sharding& s) {
  if (kind == LayerAttention::linear) return m.linear_attn_params / s.attention_ranks;
  return attention_params_per_gpu(m, s);
}

Placement place(const PreparedModel& m, const Deployment& d) {
  Placement p;
  p.sharding = shard(m, d.parallel);
  const Sharding& s = p.sharding;
  const double per_token_layer = m.kv_elements_per_token_layer * kv_bytes_per_element(d.kv);
  const double linear_state = m.linear_state_elements * linear_state_bytes_per_element;
  for (int i = 0; i < m.group_count; ++i) {
    const LayerGroup& g = m.groups[i];
    const double layers = g.count * s.stage_share;  // the busiest stage holds ceil(L/pp) layers
    p.layers_on_busiest_stage += layers;
    add_scaled(p.weights, layer_weights(m, g, d, s), layers);
    switch (g.attention) {
      case LayerAttention::full:
        p.full_kv_bytes_per_token += layers * per_token_layer * s.kv_cache_fraction;
        break;
      case LayerAttention::sliding:
        p.sliding_kv_bytes_per_token += layers * per_token_layer * s.kv_cache_fraction;
        break;
      case LayerAttention::chunked:
        p.chunked_kv_bytes_per_token += layers * per_token_layer * s.kv_cache_fraction;
        break;
      case LayerAttention::linear:
        p.linear_state_bytes_per_sequence += layers * linear_state * s.linear_state_fraction;
        break;
      case LayerAttention::none:
        break;
    }
  }
  add_ends(p.weights, m, d);
  p.weights.mtp = mtp_weights(m, d, s);
  p.sliding_window = m.sliding_window;
  p.attention_chunk = m.attention_chunk;
  return p;
}

namespace {
Placement whole_model(const PreparedModel& model, Precision kv) {
  Deployment single;
  single.kv = kv;
  return place(model, single);
}
}  // namespace

double kv_bytes_per_token(const PreparedModel& model, Precision kv) {
  return whole_model(model, kv).kv_bytes_per_token();
}

double kv_bytes_per_sequence(const PreparedModel& model, Precision kv, std::int64_t context) {
  return whole_model(model, kv).kv_bytes_per_sequence(context);
}

}  // namespace llmsizer
