// io/hf_import.hpp — a Hugging Face config.json as a ModelSpec, and a ModelSpec as a model/1 profile.
#pragma once

#include <string>

#include "estimator/model_spec.hpp"

namespace llmsizer {

/// Builds a ModelSpec from the text of a config.json (families: llama, mistral, qwen2, qwen3,
/// qwen3_moe, mixtral, deepseek_v3/v2, glm4_moe, gpt_oss, kimi_k2, minimax; nested `text_config`;
/// `quantization_config` fp8/nvfp4/mxfp4/int4). Missing required fields are a ConfigError naming
/// them, never a guessed answer. `file` is used in messages and to derive the model's name.
[[nodiscard]] ModelSpec import_hf_config(const std::string& json_text, const std::string& file);
[[nodiscard]] ModelSpec import_hf_config_file(const std::string& path);

/// A model/1 YAML profile that loads back to the same ModelSpec.
[[nodiscard]] std::string model_to_yaml(const ModelSpec& model);

}  // namespace llmsizer
