#include "estimator/prepared_model.hpp"

#include "estimator/step_time.hpp"

namespace llmsizer {
namespace {

void add_layer(PreparedModel& p, LayerAttention attention, bool moe) {
  for (int i = 0; i < p.group_count; ++i) {
    if (p.groups[i].attention == attention && p.groups[i].moe == moe) {
      ++p.groups[i].count;
      return;
    }
  }
  p.groups[p.group_count++] = LayerGroup{attention, moe, 1};  // at most 5 kinds x 2 FFN kinds
}

void prepare_attention(PreparedModel& p, const ModelSpec& model) {
  const double h = model.hidden_size;
  const double nh = model.num_heads;
  if (const auto* mla = std::get_if<MlaAttention>(&model.attention)) {
    p.mla = true;
    p.num_kv_heads = 1;
    const double qk_head = mla->qk_nope_head_dim + mla->qk_rope_head_dim;
    // Down-projections (q_a, kv_a) and their norms run replicated on every TP rank; the
    // up-projections (q_b, kv_b) and o_proj are split by heads (DeepSeek-V3 inference code).
    const double q_down = mla->q_lora_rank > 0 ? h * mla->q_lora_rank + mla->q_lora_rank : 0.0;
    const double kv_down = h * (mla->kv_lora_rank + mla->qk_rope_head_dim) + mla->kv_lora_rank;
    p.attn_params_replicated = q_down + kv_down + indexer_params_per_layer(model);  // the indexer is small: replicated
    p.attn_params_sharded = attention_params_per_layer(model) - p.attn_params_replicated;
    p.attn_flops_per_pair_prefill = 2.0 * nh * (qk_head + mla->v_head_dim);
    p.attn_flops_per_pair_decode = 2.0 * nh * (2.0 * mla->kv_lora_rank + mla->qk_rope_head_dim);
    return;
  }
  const auto& gqa = std::get<GqaAttention>(model.attention);
  p.num_kv_heads = gqa.num_kv_heads;
  const double kv_width = static_cast<double>(gqa.num_kv_heads) * gqa.head_dim;
  p.attn_params_kv = 2.0 * h * kv_width + (model.qkv_bias ? 2.0 * kv_width : 0.0);
  p.attn_params_replicated = indexer_params_per_layer(model);
  p.attn_params_sharded = attention_params_per_layer(model) - p.attn_params_kv - p.attn_params_replicated;
  p.attn_flops_per_pair_prefill = 4.0 * nh * gqa.head_dim;
  p.attn_flops_per_pair_decode = p.attn_flops_per_pair_prefill;
  p.head_dim = gqa.head_dim;
}

// Linear layers: Gated DeltaNet updates and reads a key_head_dim x value_head_dim state per value
// head per token (delta-rule update S += k (beta (v - S^T k))^T and output S^T q: three
// matrix-vector products, 2 FLOPs per multiply-add; arXiv 2412.06464 §3), plus the depthwise
// convolution. Lightning attention (no spec) reads and updates a head_dim x head_dim state per
// query head, as many FLOPs as attending to head_dim tokens.
void prepare_linear(PreparedModel& p, const ModelSpec& model) {
  p.linear_attn_params = linear_attention_params_per_layer(model);
  if (const auto& la = model.linear_attention) {
    constexpr double matvecs_per_token = 3.0;
    const double conv_channels = 2.0 * la->num_key_heads * la->key_head_dim +
                                 static_cast<double>(la->num_value_heads) * la->value_head_dim;
    p.linear_flops_per_token =
        matvecs_per_token * 2.0 * la->num_value_heads * la->key_head_dim * la->value_head_dim +
        2.0 * conv_channels * la->conv_kernel;
  } else {
    p.linear_flops_per_token = p.head_dim * p.attn_flops_per_pair_decode;
  }
}

// The indexer's score of one (query, context token) pair: a dot product per index head
// (DeepSeek-V3.2-Exp report §2.1, I = sum_j w_j ReLU(q_j · k)).
void prepare_sparse(PreparedModel& p, const ModelSpec& model) {
  if (!model.sparse_attention) return;
  const SparseAttentionSpec& sa = *model.sparse_attention;
  p.indexer_flops_per_pair = 2.0 * sa.index_heads * sa.index_head_dim;
  p.indexer_elements_per_token = sa.index_head_dim;
  p.index_topk = static_cast<double>(sa.index_topk);
}

}  // namespace

PreparedModel prepare(const ModelSpec& model) {
  PreparedModel p;
  p.spec = &model;
  p.params = count_params(model);
  for (int layer = 0; layer < model.num_layers; ++layer) {
    add_layer(p, model.layer_attention[static_cast<size_t>(layer)], model.layer_is_moe[static_cast<size_t>(layer)]);
  }
  p.hidden = model.hidden_size;
  p.vocab = static_cast<double>(model.vocab_size);
  p.num_heads = model.num_heads;
  prepare_attention(p, model);
  p.kv_elements_per_token_layer = kv_elements_per_token_per_layer(model);
  p.linear_state_elements = linear_state_elements_per_layer(model);
  prepare_linear(p, model);
  prepare_sparse(p, model);
  p.dense_ffn_params = model.ffn_size > 0 ? dense_ffn_params(model, model.ffn_size) : 0.0;
  if (model.moe) {
    p.expert_params = params_per_expert(model);
    p.shared_params = model.moe->num_shared_experts * dense_ffn_params(model, model.moe->shared_expert_ffn_size);
    p.router_params = router_params_per_layer(model);
    p.num_experts = model.moe->num_experts;
    p.experts_per_token = routed_experts_per_token(*model.moe);
    p.log_expert_miss = log_expert_miss(p.num_experts, p.experts_per_token);
  }
  p.sliding_window = static_cast<double>(model.sliding_window);
  p.attention_chunk = static_cast<double>(model.attention_chunk);
  if (model.mtp_layers > 0) p.mtp_layer_params = p.params.mtp / model.mtp_layers;
  return p;
}

}  // namespace llmsizer
