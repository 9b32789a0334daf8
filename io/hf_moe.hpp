// io/hf_moe.hpp — the FFN of a Hugging Face config.json: dense width, routed, shared and
// zero-computation experts, and which layers are MoE, by each family's own keys (DeepSeek/GLM/Kimi,
// Qwen-MoE, Mixtral, Llama 4, ERNIE 4.5, Hunyuan, LongCat-Flash). Part of io/hf_import.cpp.
#pragma once

#include <string_view>

#include "estimator/model_spec.hpp"
#include "io/hf_reader.hpp"

namespace llmsizer::hf {

/// What a family's modeling code fixes about its experts rather than its config spelling out.
struct MoeTraits {
  bool router_bias = false;    // GLM-4 MoE e_score_correction_bias; gpt-oss router Linear bias
  bool expert_bias = false;    // gpt-oss experts' linear layers
  bool shared_expert = false;  // Llama 4: one shared expert as wide as a routed one
  bool shortcut_moe = false;   // LongCat-Flash: each of num_layers layers is two attention+FFN sublayers and one MoE
};

/// Reads ffn_size, moe and layer_is_moe into `model` (num_layers already read).
void read_ffn(Reader& r, ModelSpec& model, const MoeTraits& traits);

/// The config key a model/1 FFN or MoE check (`ffn_size`, `moe.experts_per_token`,
/// `moe.dense_layers`) was read from, so that an error points at it; empty when none.
[[nodiscard]] Field moe_source_field(const Reader& r, std::string_view path);

}  // namespace llmsizer::hf
