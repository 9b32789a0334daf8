#include "estimator/model_stats.hpp"

#include <algorithm>

#include "estimator/placement.hpp"
#include "estimator/prepared_model.hpp"

namespace llmsizer {

int ModelSpec::moe_layer_count() const {
  return static_cast<int>(std::count(layer_is_moe.begin(), layer_is_moe.end(), true));
}

namespace {
double softmax_attention_params(const ModelSpec& model) {
  const double h = model.hidden_size;
  const double nh = model.num_heads;
  if (const auto* mla = std::get_if<MlaAttention>(&model.attention)) {
    // DeepSeek-V3 modeling: q_a_proj, q_a_layernorm, q_b_proj (or q_proj), kv_a_proj_with_mqa,
    // kv_a_layernorm, kv_b_proj, o_proj.
    const double qk_head = mla->qk_nope_head_dim + mla->qk_rope_head_dim;
    const double q = mla->q_lora_rank > 0
                         ? h * mla->q_lora_rank + mla->q_lora_rank + mla->q_lora_rank * nh * qk_head
                         : h * nh * qk_head;
    const double kv_a = h * (mla->kv_lora_rank + mla->qk_rope_head_dim) + mla->kv_lora_rank;
    const double kv_b = static_cast<double>(mla->kv_lora_rank) * nh *
                        (mla->qk_nope_head_dim + mla->v_head_dim);
    const double o = nh * mla->v_head_dim * h;
    return q + kv_a + kv_b + o;
  }
  const auto& gqa = std::get<GqaAttention>(model.attention);
  const double q_width = nh * gqa.head_dim;
  const double kv_width = static_cast<double>(gqa.num_kv_heads) * gqa.head_dim;
  double params = h * q_width + 2.0 * h * kv_width + q_width * h;
  if (model.qkv_bias) params += q_width + 2.0 * kv_width;
  if (model.o_bias) params += h;
  if (model.qk_norm) params += 2.0 * gqa.head_dim;
  if (model.output_gate) params += h * q_width;  // q_proj's second half: the gate (HF modeling_qwen3_next)
  return params;
}

// Channels of Gated DeltaNet's causal convolution: q, k and v.
double conv_channels(const LinearAttentionSpec& la) {
  return 2.0 * la.num_key_heads * la.key_head_dim + static_cast<double>(la.num_value_heads) * la.value_head_dim;
}
}  // namespace

double indexer_params_per_layer(const ModelSpec& model) {
  if (!model.sparse_attention) return 0.0;
  // DeepSeek-V3.2-Exp inference code (Indexer): wq_b from the query latent (or the hidden state) to
  // index_heads x index_head_dim, wk from the hidden state to one key, its LayerNorm (weight and
  // bias), and weights_proj, one weight per index head.
  const SparseAttentionSpec& sa = *model.sparse_attention;
  const auto* mla = std::get_if<MlaAttention>(&model.attention);
  const double q_in = mla != nullptr && mla->q_lora_rank > 0 ? mla->q_lora_rank : model.hidden_size;
  const double h = model.hidden_size;
  return q_in * sa.index_heads * sa.index_head_dim + h * sa.index_head_dim + 2.0 * sa.index_head_dim +
         h * sa.index_heads;
}

double attention_params_per_layer(const ModelSpec& model) {
  return softmax_attention_params(model) + indexer_params_per_layer(model);
}

namespace {
// Lightning attention (MiniMax-01, arXiv 2501.08313 §2.2.1; its modeling code's LightningAttention):
// q, k and v for every query head (no KV-head sharing), a sigmoid output gate of the same width, the
// output projection, and an RMSNorm over the heads' concatenated output. An MLA model with linear
// layers (none is published) keeps its softmax attention's shape.
double lightning_attention_params(const ModelSpec& model) {
  const auto* gqa = std::get_if<GqaAttention>(&model.attention);
  if (gqa == nullptr) return attention_params_per_layer(model);
  const double width = static_cast<double>(model.num_heads) * gqa->head_dim;
  constexpr double projections = 5.0;  // q, k, v, gate (hidden -> width) and out (width -> hidden)
  return projections * model.hidden_size * width + width;
}
}  // namespace

double linear_attention_params_per_layer(const ModelSpec& model) {
  if (!model.linear_attention) return lightning_attention_params(model);
  const LinearAttentionSpec& la = *model.linear_attention;
  const double h = model.hidden_size;
  const double key_dim = static_cast<double>(la.num_key_heads) * la.key_head_dim;
  const double value_dim = static_cast<double>(la.num_value_heads) * la.value_head_dim;
  const double in_proj = h * (2.0 * key_dim + 2.0 * value_dim) + h * 2.0 * la.num_value_heads;  // qkvz, ba
  const double conv = conv_channels(la) * la.conv_kernel;  // depthwise, no bias
  const double decay = 2.0 * la.num_value_heads;           // dt_bias, A_log
  return in_proj + conv + decay + la.value_head_dim + value_dim * h;  // gated norm, out_proj
}

double mixer_params_per_layer(const ModelSpec& model, LayerAttention kind) {
  return kind == LayerAttention::linear ? linear_attention_params_per_layer(model) : attention_params_per_layer(model);
}


double dense_ffn_params(const ModelSpec& model, int ffn_size) {
  const double matrices = model.ffn_gated ? 3.0 : 2.0;
  return matrices * model.hidden_size * static_cast<double>(ffn_size);
}

double params_per_expert(const ModelSpec& model) {
  if (!model.moe) return 0.0;
  double params = dense_ffn_params(model, model.moe->expert_ffn_size);
  if (model.moe->expert_bias) {
    params += (model.ffn_gated ? 2.0 : 1.0) * model.moe->expert_ffn_size + model.hidden_size;
  }
  return params;
}

double routed_experts_per_token(const MoeSpec& moe) {
  const double slots = static_cast<double>(moe.num_experts) + moe.zero_experts;
  return moe.experts_per_token * (moe.num_experts / slots);
}

double router_params_per_layer(const ModelSpec& model) {
  if (!model.moe) return 0.0;
  const double experts = static_cast<double>(model.moe->num_experts) + model.moe->zero_experts;
  return static_cast<double>(model.hidden_size) * experts + (model.moe->router_bias ? experts : 0.0);
}

namespace {
struct LayerParams {
  double attention = 0, dense_ffn = 0, routed = 0, shared = 0, router = 0, norms = 0;
  [[nodiscard]] double total() const { return attention + dense_ffn + routed + shared + router + norms; }
};

LayerParams layer_params(const ModelSpec& model, LayerAttention kind, bool is_moe) {
  LayerParams p;
  p.attention = mixer_params_per_layer(model, kind);
  p.norms = 2.0 * model.hidden_size;
  if (!is_moe) {
    p.dense_ffn = dense_ffn_params(model, model.ffn_size);
    return p;
  }
  const MoeSpec& moe = *model.moe;
  p.routed = moe.num_experts * params_per_expert(model);
  p.shared = moe.num_shared_experts * dense_ffn_params(model, moe.shared_expert_ffn_size);
  p.router = router_params_per_layer(model);
  return p;
}
}  // namespace

ParamCounts count_params(const ModelSpec& model) {
  ParamCounts c;
  const double h = model.hidden_size;
  c.embedding = static_cast<double>(model.vocab_size) * h;
  c.lm_head = model.tied_embeddings ? 0.0 : c.embedding;
  c.norms = h;  // final norm
  for (int layer = 0; layer < model.num_layers; ++layer) {
    const LayerParams p = layer_params(model, model.layer_attention[layer], model.layer_is_moe[layer]);
    c.attention += p.attention;
    c.dense_ffn += p.dense_ffn;
    c.routed_experts += p.routed;
    c.shared_experts += p.shared;
    c.router += p.router;
    c.norms += p.norms;
  }
  c.total = c.embedding + c.lm_head + c.attention + c.dense_ffn + c.routed_experts + c.shared_experts +
            c.router + c.norms;
  c.active = c.total;  // before the vision tower: it encodes images once per prompt, no generated token runs it
  c.vision = static_cast<double>(model.vision_params);
  c.total += c.vision;
  if (model.moe) {
    const double unused_experts = model.moe->num_experts - routed_experts_per_token(*model.moe);
    c.active -= unused_experts * params_per_expert(model) * model.moe_layer_count();
  }
  // An MTP module (DeepSeek-V3 report §2.2) is one decoder layer of the last layer's kind plus a
  // 2H→H projection and two norms; embedding and output head are shared with the main model.
  if (model.mtp_layers > 0) {
    const bool last_is_moe = model.num_layers > 0 && model.layer_is_moe.back();
    const double module = layer_params(model, LayerAttention::full, last_is_moe).total() + 2.0 * h * h + 3.0 * h;
    c.mtp = model.mtp_layers * module;
  }
  return c;
}

double kv_elements_per_token_per_layer(const ModelSpec& model) {
  // A sparse-attention indexer caches one index_head_dim key per token besides the attention's KV.
  const double indexer = model.sparse_attention ? model.sparse_attention->index_head_dim : 0.0;
  if (const auto* mla = std::get_if<MlaAttention>(&model.attention)) {
    return static_cast<double>(mla->kv_lora_rank) + mla->qk_rope_head_dim + indexer;
  }
  const auto& gqa = std::get<GqaAttention>(model.attention);
  return 2.0 * gqa.num_kv_heads * gqa.head_dim + indexer;
}

double linear_state_elements_per_layer(const ModelSpec& model) {
  if (const auto& la = model.linear_attention) {
    const double recurrent = static_cast<double>(la->num_value_heads) * la->key_head_dim * la->value_head_dim;
    return recurrent + conv_channels(*la) * (la->conv_kernel - 1);
  }
  if (const auto* mla = std::get_if<MlaAttention>(&model.attention)) {
    const double key_dim = static_cast<double>(mla->qk_nope_head_dim) + mla->qk_rope_head_dim;
    return static_cast<double>(model.num_heads) * key_dim * mla->v_head_dim;
  }
  const auto& gqa = std::get<GqaAttention>(model.attention);
  return static_cast<double>(model.num_heads) * gqa.head_dim * gqa.head_dim;
}

double kv_bytes_per_token_per_layer(const ModelSpec& model, LayerAttention kind, Precision kv) {
  if (kind == LayerAttention::linear || kind == LayerAttention::none) return 0.0;
  return kv_elements_per_token_per_layer(model) * kv_bytes_per_element(kv);
}

double kv_bytes_per_token(const ModelSpec& model, Precision kv) {
  return kv_bytes_per_token(prepare(model), kv);
}

Bytes kv_bytes_per_sequence(const ModelSpec& model, Precision kv, std::int64_t context_tokens) {
  return bytes(kv_bytes_per_sequence(prepare(model), kv, context_tokens));
}

Bytes weight_bytes(const ModelSpec& model, Precision weights, Precision experts) {
  Deployment single;
  single.weights = weights;
  single.experts = experts;
  return place(prepare(model), single).weights.total();
}

Bytes native_weight_bytes(const ModelSpec& model) {
  return weight_bytes(model, model.weights_precision, model.experts_precision);
}

}  // namespace llmsizer
