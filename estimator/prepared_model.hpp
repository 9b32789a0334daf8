// estimator/prepared_model.hpp — per-model constants computed once, so an estimate is a handful of
// multiply-adds per layer group with no allocation or lookup (docs/performance.md).
#pragma once

#include <array>

#include "estimator/model_spec.hpp"
#include "estimator/model_stats.hpp"

namespace llmsizer {

/// Layers that cost the same: same token mixer, same FFN kind.
struct LayerGroup {
  LayerAttention attention = LayerAttention::full;
  bool moe = false;
  int count = 0;
};

struct PreparedModel {
  const ModelSpec* spec = nullptr;
  ParamCounts params;
  std::array<LayerGroup, 10> groups{};  // at most 5 mixer kinds x 2 FFN kinds
  int group_count = 0;

  double hidden = 0;
  double vocab = 0;
  double num_heads = 0;
  double num_kv_heads = 0;   // GQA KV heads; for MLA the latent is shared (treated as 1)
  // Attention parameters per layer, split by how tensor parallelism shards them.
  double attn_params_sharded = 0;     // split over tp (q/o; MLA up-projections)
  double attn_params_kv = 0;          // GQA k/v projections: split over min(tp, kv_heads)
  double attn_params_replicated = 0;  // MLA down-projections and norms: on every rank
  double dense_ffn_params = 0;        // per dense layer
  double expert_params = 0;           // per routed expert
  double shared_params = 0;           // all shared experts of one layer
  double router_params = 0;
  double num_experts = 0;
  double experts_per_token = 0;      // routed experts with weights per token (model_stats.hpp)
  double log_expert_miss = 0;        // ln(1 − k/E): a token skips a given expert (expected_active_experts)
  // Attention core FLOPs per (query token, context token) pair, all heads.
  double attn_flops_per_pair_prefill = 0;  // GQA: 4·nh·hd; MLA: 2·nh·(qk_head + v_head)
  double attn_flops_per_pair_decode = 0;   // MLA absorbed: 2·nh·(2·kv_lora + rope)
  double kv_elements_per_token_layer = 0;  // GQA 2·kv_heads·hd; MLA kv_lora + rope
  double linear_state_elements = 0;        // per linear-attention layer per sequence
  double linear_attn_params = 0;           // token mixer of one linear layer (split over tp by heads)
  double linear_flops_per_token = 0;       // state recurrence of one linear layer, all heads
  // DeepSeek Sparse Attention: the indexer scores every context token, attention reads index_topk.
  double indexer_flops_per_pair = 0;       // 2·index_heads·index_head_dim per (query, context token)
  double indexer_elements_per_token = 0;   // its cached key, inside kv_elements_per_token_layer
  double index_topk = 0;                   // 0: dense attention
  double head_dim = 0;                     // GQA head dimension (0 for MLA)
  double sliding_window = 0;
  double attention_chunk = 0;              // chunked layers' chunk (Llama 4), tokens
  double mtp_layer_params = 0;             // one MTP module (0 without MTP)
  bool mla = false;
};

[[nodiscard]] PreparedModel prepare(const ModelSpec& model);

}  // namespace llmsizer
