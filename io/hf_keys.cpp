// io/hf_keys.cpp — see io/hf_keys.hpp. The lists are the keys of docs/profiles.md#hugging-face-import.
#include "io/hf_keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "io/did_you_mean.hpp"

namespace llmsizer::hf {

bool turns_nothing_on(const Json& value) {
  if (value.is_null()) return true;
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_number()) return value.get<double>() == 0.0;
  if (value.is_array() || value.is_object() || value.is_string()) return value.empty();
  return false;
}

namespace {

// Keys io/hf_import.cpp, io/hf_moe.cpp and io/hf_precision.cpp read.
constexpr std::array read_keys = std::to_array<std::string_view>({
    "architectures", "model_type", "_name_or_path", "text_config", "quantization_config", "torch_dtype", "dtype",
    "hidden_size", "num_hidden_layers", "num_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
    "attention_head_dim", "vocab_size", "max_position_embeddings", "seq_length", "max_sequence_length",
    "tie_word_embeddings", "attention_bias", "use_bias", "use_qk_norm", "kv_lora_rank", "q_lora_rank",
    "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "layer_types", "attn_type_list", "sliding_window",
    "use_sliding_window", "max_window_layers", "sliding_window_pattern", "intermediate_size", "intermediate_size_mlp",
    "ffn_hidden_size", "n_routed_experts", "num_local_experts", "num_experts", "moe_num_experts",
    "num_experts_per_tok", "experts_per_token", "moe_k", "moe_topk", "moe_intermediate_size",
    "expert_ffn_hidden_size", "n_shared_experts", "num_shared_experts", "moe_num_shared_experts", "num_shared_expert",
    "shared_expert_intermediate_size", "shared_intermediate_size", "use_mixed_mlp_moe", "zero_expert_num",
    "zero_expert_type", "first_k_dense_replace", "moe_layer_num_skipped", "decoder_sparse_step",
    "interleave_moe_layer_step", "moe_layer_freq", "mlp_only_layers", "moe_layers", "moe_layer_start_index",
    "moe_layer_end_index", "moe_layer_interval", "use_routing_bias", "moe_use_aux_free", "topk_method",
    "num_nextn_predict_layers", "num_mtp_modules", "mtp_num_hidden_layers", "full_attention_interval",
    "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim", "linear_value_head_dim",
    "linear_conv_kernel_dim", "attn_output_gate", "index_topk", "index_n_heads", "index_head_dim",
    "attention_chunk_size", "no_rope_layers", "no_rope_layer_interval", "vision_config",
});

// Keys that change neither parameters nor KV nor per-token cost: token ids, training and
// initialization settings, numerics (norm epsilons, RoPE frequencies, routing scales and groups),
// runtime switches, and keys a read key already implies (attention_method "MLA" with kv_lora_rank).
constexpr std::array no_effect_keys = std::to_array<std::string_view>({
    "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id", "decoder_start_token_id", "ignore_index",
    "image_token_index", "transformers_version", "use_cache", "initializer_range", "attention_dropout",
    "embed_dropout", "hidden_dropout", "dropout", "rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps",
    "use_rmsnorm", "hidden_act", "activation_function", "pretraining_tp", "rope_theta", "rope_scaling",
    "rope_parameters", "partial_rotary_factor", "rotary_dim", "initial_context_length", "norm_topk_prob",
    "routed_scaling_factor", "scoring_func", "n_group", "topk_group", "aux_loss_alpha", "router_aux_loss_coef",
    "output_router_logits", "moe_capacity", "moe_gate", "ep_size", "swiglu_limit", "qk_norm_type",
    "attention_method", "projector_hidden_act", "vision_feature_layer", "vision_feature_select_strategy",
    "use_mtp", "mtp_transformer_layers", "torchscript", "return_dict", "is_encoder_decoder", "tokenizer_class",
    "auto_map", "bias_update_speed", "use_return_dict", "cla_share_factor",
    // Token ids and image-token counts of multimodal configs (Llama 4, Gemma 3, Qwen-VL): the
    // vision tower is counted from vision_config (io/hf_vision.cpp), per-token cost is the text model's.
    "boi_token_index", "eoi_token_index", "image_token_id", "video_token_id", "vision_start_token_id",
    "vision_end_token_id", "vision_token_id", "mm_tokens_per_image",
    // Llama 4 attention numerics: temperature tuning of NoPE layers, the router's training noise,
    // a quantization-tooling flag.
    "attn_temperature_tuning", "attn_scale", "floor_scale", "router_jitter_noise", "for_llm_compressor",
    "_attn_implementation_autoset",
    // Gemma 3 numerics: query scaling, logit soft-capping, the local layers' RoPE base.
    "query_pre_attn_scalar", "final_logit_softcapping", "attn_logit_softcapping", "rope_local_base_freq",
    // MiniMax-01 numerics: residual scaling per sublayer, norm placement, the lightning kernel's block,
    // how an (absent) shared expert is gated.
    "layernorm_full_attention_alpha", "layernorm_full_attention_beta", "layernorm_linear_attention_alpha",
    "layernorm_linear_attention_beta", "layernorm_mlp_alpha", "layernorm_mlp_beta", "postnorm", "block_size",
    "shared_moe_mode",
});

// The families whose modeling code io/hf_import.cpp follows (FamilyTraits), besides the generic decoder.
constexpr std::array known_families = std::to_array<std::string_view>({
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek_v2", "deepseek_v3",
    "kimi_k2", "glm4_moe", "gpt_oss", "minimax", "minimax_m1", "minimax_m2", "gemma", "gemma2", "gemma3",
    "gemma3_text", "llama4", "llama4_text", "exaone", "exaone4", "ernie4_5", "ernie4_5_moe", "hunyuan",
    "longcat_flash", "llava", "qwen3_next", "deepseek_v32", "MiniMaxText01", "qwen2_vl", "qwen2_5_vl",
    "qwen3_vl", "qwen3_vl_moe", "qwen3_vl_text", "qwen3_vl_moe_text",
});

template <size_t N>
bool listed(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// A config key this close to one the importer reads is a misspelling of it rather than another
// setting ("num_expert_per_tok"): two edits, tighter than closest_match's default, which reaches five
// edits on a key this long and would take real keys for typos.
constexpr int max_key_typo_edits = 2;

// The key the importer reads that `key` (neither read nor known to have no effect) misspells, or "".
std::string misspelt_key(const std::string& key) {
  if (listed(read_keys, key) || listed(no_effect_keys, key)) return {};
  return closest_match(key, read_keys, max_key_typo_edits);
}

void add_unread(const Json& config, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [key, value] : config.items()) {
    if (listed(read_keys, key) || listed(no_effect_keys, key)) continue;
    // A near miss is named even when its value turns nothing on: the key it misspells is then unset.
    const std::string near = misspelt_key(key);
    if (near.empty() && turns_nothing_on(value)) continue;
    out.push_back(
        fmt::format("config key '{}{}' ({}) is not understood and was ignored; the estimate does not "
                    "include what it changes{}",
                    prefix, key, shown(value), did_you_mean(near)));
  }
}

void throw_on_misspelling(const Reader& r, const Json& config, const std::string& prefix) {
  for (const auto& [key, value] : config.items()) {
    const std::string near = misspelt_key(key);
    if (!near.empty() && !r.field({near})) {
      throw r.error(prefix + key, "unknown key" + did_you_mean(near));
    }
  }
}

}  // namespace

void check_misspelt_keys(const Reader& r) {
  throw_on_misspelling(r, r.text_model(), r.text_prefix());
  if (&r.text_model() != &r.root()) throw_on_misspelling(r, r.root(), "");
}

std::vector<std::string> import_warnings(const Reader& r) {
  std::vector<std::string> out;
  const std::string type = r.model_type(true);
  if (!listed(known_families, type)) {
    out.push_back(fmt::format("model_type '{}' is not a known family: read as a generic decoder (attention as its "
                              "keys say, a gated FFN, no biases unless attention_bias)",
                              type.empty() ? "(none)" : type));
  }
  add_unread(r.text_model(), r.text_prefix(), out);
  if (&r.text_model() != &r.root()) add_unread(r.root(), "", out);
  return out;  // vision_config's own keys: io/hf_vision.cpp
}

}  // namespace llmsizer::hf
