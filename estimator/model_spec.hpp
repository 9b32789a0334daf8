// estimator/model_spec.hpp — a transformer's architecture, as loaded from a model/1 profile or an
// imported Hugging Face config.json. Immutable after loading; travels by const&.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/precision.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// Grouped-query attention (MHA when num_kv_heads == num_heads, MQA when 1).
struct GqaAttention {
  int num_kv_heads = 0;
  int head_dim = 0;
};

/// Multi-head latent attention (DeepSeek-V2/V3): K/V compressed to a shared latent of
/// kv_lora_rank plus a decoupled RoPE key of qk_rope_head_dim (arXiv 2405.04434 §2.1).
struct MlaAttention {
  int q_lora_rank = 0;  // 0: queries are not compressed
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
};

/// What a layer's token mixer keeps per sequence.
enum class LayerAttention : unsigned char {
  full,     // KV for every token
  sliding,  // KV for the last sliding_window tokens
  chunked,  // KV for the tokens since the last multiple of attention_chunk (Llama 4's local layers)
  linear,   // fixed-size recurrent state (lightning/linear attention)
  none,     // no attention (e.g. pure FFN layer)
};

struct MoeSpec {
  int num_experts = 0;          // routed experts
  int experts_per_token = 0;    // top-k
  int num_shared_experts = 0;
  int expert_ffn_size = 0;
  int shared_expert_ffn_size = 0;  // per shared expert
  bool expert_bias = false;
  bool router_bias = false;
  // Zero-computation experts (LongCat-Flash, arXiv 2509.01322 §2.1): router slots besides the
  // routed experts that return their input, so they hold no weights and cost no FLOPs.
  int zero_experts = 0;
};

/// Gated DeltaNet linear attention (Qwen3-Next; arXiv 2412.06464): q and k projected to
/// num_key_heads x key_head_dim, v and the output gate to num_value_heads x value_head_dim, a
/// depthwise causal convolution of conv_kernel taps over q, k and v, and per sequence a recurrent
/// state of key_head_dim x value_head_dim per value head.
struct LinearAttentionSpec {
  int num_key_heads = 0;
  int num_value_heads = 0;
  int key_head_dim = 0;
  int value_head_dim = 0;
  int conv_kernel = 0;
};

/// DeepSeek Sparse Attention (DeepSeek-V3.2-Exp report §2.1): a lightning indexer of index_heads
/// heads of index_head_dim scores every earlier token, and attention reads only the index_topk best.
struct SparseAttentionSpec {
  int index_heads = 0;
  int index_head_dim = 0;
  std::int64_t index_topk = 0;
};

struct ModelSpec {
  std::string name;
  std::string display_name;
  std::vector<std::string> aliases;
  std::string hf_repo;
  std::string family;

  int num_layers = 0;
  int hidden_size = 0;
  int num_heads = 0;
  std::variant<GqaAttention, MlaAttention> attention;
  bool qkv_bias = false;
  bool o_bias = false;
  bool qk_norm = false;
  bool output_gate = false;  // q_proj also yields a sigmoid gate on the attention output (Qwen3-Next)
  std::vector<LayerAttention> layer_attention;  // size num_layers
  std::int64_t sliding_window = 0;
  // Chunked attention (Llama 4, HF Llama4TextConfig attention_chunk_size): a `chunked` layer's query
  // at position p attends to the tokens from floor(p / attention_chunk) x attention_chunk on, so it
  // keeps and reads at most attention_chunk tokens.
  std::int64_t attention_chunk = 0;
  // The linear layers' own projections and state (Gated DeltaNet); absent, a linear layer is
  // lightning attention (MiniMax-01): q, k, v and an output gate for every head (model_stats.hpp).
  std::optional<LinearAttentionSpec> linear_attention;
  std::optional<SparseAttentionSpec> sparse_attention;  // absent: dense attention over the context

  int ffn_size = 0;  // dense FFN intermediate size
  bool ffn_gated = true;
  std::optional<MoeSpec> moe;
  std::vector<bool> layer_is_moe;  // size num_layers; all false for dense models

  std::int64_t vocab_size = 0;
  bool tied_embeddings = false;
  std::int64_t max_context = 0;
  // The longest context the checkpoint's RoPE scaling (YaRN, linear, dynamic NTK) reaches beyond
  // max_context, 0 when it reaches no further; a request up to it runs with a warning naming
  // `rope_scaling` ("yarn factor 4"), one beyond it is an error.
  std::int64_t rope_extended_context = 0;
  std::string rope_scaling;
  int mtp_layers = 0;
  // A multimodal checkpoint's vision tower (encoder and projector into the text model), 0 without
  // one: its weights are counted in memory and in the total, not in per-token cost.
  std::int64_t vision_params = 0;

  Precision weights_precision = Precision::bf16;  // native storage of linear weights
  Precision experts_precision = Precision::bf16;  // native storage of routed experts

  std::optional<double> official_total_params;
  std::optional<double> official_active_params;
  std::string official_params_source;
  std::string notes;
  std::vector<Citation> sources;
  std::string file;
  // What the importer could not read into this spec (a config key it does not understand, a family
  // read as a generic decoder): every command prints them, `show --json` lists them.
  std::vector<std::string> warnings;
  // The architecture is not published and the profile is an approximation built from what is (a
  // total parameter count, a family): every command names it as estimated.
  bool estimated = false;

  [[nodiscard]] bool is_mla() const { return std::holds_alternative<MlaAttention>(attention); }
  [[nodiscard]] bool is_moe() const { return moe.has_value(); }
  [[nodiscard]] int moe_layer_count() const;
};

}  // namespace llmsizer
