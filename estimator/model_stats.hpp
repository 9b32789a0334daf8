// estimator/model_stats.hpp — facts derived from a ModelSpec: parameter counts and KV-cache size.
#pragma once

#include <cstdint>

#include "estimator/model_spec.hpp"
#include "base/units.hpp"

namespace llmsizer {

/// Parameter counts by component (plain counts, not bytes). Convention (docs/methodology.md#params):
/// embeddings and an untied LM head are counted; MTP modules are counted separately in `mtp` and not
/// in `total`; `active` = everything except the routed experts a token does not use.
struct ParamCounts {
  double embedding = 0;
  double lm_head = 0;
  double attention = 0;        // projections, biases and q/k norms, all layers
  double dense_ffn = 0;        // FFN of dense layers
  double routed_experts = 0;   // all routed experts, all MoE layers
  double shared_experts = 0;
  double router = 0;
  double norms = 0;            // layer norms + final norm
  double mtp = 0;              // multi-token-prediction modules (not in total)
  double vision = 0;           // a multimodal checkpoint's vision tower (in total, not in active)
  double total = 0;
  double active = 0;           // per token (the text model's)
};

/// Per-layer attention parameter count (projections, biases, q/k-norm weights, the output gate, a
/// sparse-attention indexer).
[[nodiscard]] double attention_params_per_layer(const ModelSpec& model);
/// Parameters of a DeepSeek Sparse Attention lightning indexer in one layer (0 without one).
[[nodiscard]] double indexer_params_per_layer(const ModelSpec& model);
/// Parameters of one linear-attention layer's token mixer: with a LinearAttentionSpec, Gated
/// DeltaNet's projections (HF modeling_qwen3_next: in_proj_qkvz, in_proj_ba, conv1d, dt_bias, A_log,
/// the gated norm, out_proj); without one, lightning attention's (MiniMax-01: q, k, v and an output
/// gate for every query head, out_proj, a norm over the heads: 5·hidden·heads·head_dim +
/// heads·head_dim).
[[nodiscard]] double linear_attention_params_per_layer(const ModelSpec& model);
/// Token-mixer parameters of one layer of the given kind.
[[nodiscard]] double mixer_params_per_layer(const ModelSpec& model, LayerAttention kind);
/// Parameters of one routed expert (gate, up, down; plus biases when present).
[[nodiscard]] double params_per_expert(const ModelSpec& model);
/// Routed experts with weights a token uses on average: top-k of num_experts + zero_experts router
/// slots, of which zero-computation experts hold no weights. With uniform routing over the slots
/// that is k · num_experts / (num_experts + zero_experts) (LongCat-Flash, arXiv 2509.01322 §2.1: 12
/// of 512 + 256 slots gives 8, so ~27B active as the report's mean); without zero experts exactly k.
[[nodiscard]] double routed_experts_per_token(const MoeSpec& moe);
/// Parameters of a dense FFN of width `ffn_size`.
[[nodiscard]] double dense_ffn_params(const ModelSpec& model, int ffn_size);

/// Parameters of one MoE layer's router: the hidden x slots gate (routed plus zero-computation
/// experts), plus a bias per slot when present.
[[nodiscard]] double router_params_per_layer(const ModelSpec& model);

[[nodiscard]] ParamCounts count_params(const ModelSpec& model);

/// KV elements one token adds in a layer that keeps per-token KV. GQA: 2·kv_heads·head_dim (K and
/// V); MLA: kv_lora_rank + qk_rope_head_dim (the latent and the decoupled RoPE key, arXiv 2405.04434
/// §2.1); plus index_head_dim with a sparse-attention indexer (its key cache, DeepSeek-V3.2-Exp §2.1),
/// counted at the KV precision.
[[nodiscard]] double kv_elements_per_token_per_layer(const ModelSpec& model);

/// Elements of one linear-attention layer's recurrent state per sequence: one key_dim x value_dim
/// matrix per query head (lightning attention, MiniMax-01, arXiv 2501.08313). GQA: head_dim²; MLA (no
/// shipped model mixes it with linear layers, but the schema allows it): the query-key head width
/// (qk_nope + qk_rope) times v_head_dim. With a LinearAttentionSpec (Gated DeltaNet): one
/// key_head_dim x value_head_dim matrix per value head, plus the causal convolution's last
/// conv_kernel - 1 inputs of the q, k and v channels.
[[nodiscard]] double linear_state_elements_per_layer(const ModelSpec& model);

/// KV bytes one token adds in one layer of the given kind, at `kv` precision. GQA: 2·kv_heads·
/// head_dim elements (K and V); MLA: kv_lora_rank + qk_rope_head_dim (the latent and the decoupled
/// RoPE key, arXiv 2405.04434 §2.1); linear/none: 0 (their state is per sequence).
[[nodiscard]] double kv_bytes_per_token_per_layer(const ModelSpec& model, LayerAttention kind,
                                                  Precision kv);

/// KV bytes per token summed over layers that keep per-token KV (full and sliding), i.e. the cost of
/// a token while the context is within every sliding window (placement.hpp, on one GPU).
[[nodiscard]] double kv_bytes_per_token(const ModelSpec& model, Precision kv);

/// KV-cache bytes of one sequence holding `context_tokens` tokens: full layers grow linearly,
/// sliding layers are capped at the window, linear-attention layers hold a fixed FP32 state of
/// linear_state_elements_per_layer elements (placement.hpp, on one GPU).
[[nodiscard]] Bytes kv_bytes_per_sequence(const ModelSpec& model, Precision kv,
                                          std::int64_t context_tokens);

/// Weight bytes at the model's native precisions.
[[nodiscard]] Bytes native_weight_bytes(const ModelSpec& model);

/// Bytes of the model's weights when linear weights are stored as `weights` and routed experts as
/// `experts`; embeddings, LM head, router and norms stay 16-bit (engines keep them in BF16). Defined
/// as the placement on one GPU (placement.hpp), so the whole-model figure and the per-GPU one agree.
[[nodiscard]] Bytes weight_bytes(const ModelSpec& model, Precision weights, Precision experts);

}  // namespace llmsizer
