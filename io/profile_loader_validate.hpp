// Cross-field validation of ModelSpec, shared by YAML profiles and HF import.
#pragma once

#include <fmt/format.h>

#include <algorithm>

namespace llmsizer {

inline bool any_moe_layer(const ModelSpec& model) {
  for (bool is_moe : model.layer_is_moe) {
    if (is_moe) return true;
  }
  return false;
}

template <class Fail>
void validate_model(const ModelSpec& model, Fail&& fail) {
  if (const auto* gqa = std::get_if<GqaAttention>(&model.attention)) {
    if (gqa->num_kv_heads > model.num_heads) {
      fail("num_kv_heads", fmt::format("{} KV heads exceed {} attention heads", gqa->num_kv_heads, model.num_heads));
    }
    if (model.num_heads % gqa->num_kv_heads != 0) {
      fail("num_kv_heads", fmt::format("num_heads ({}) must be a multiple of num_kv_heads ({})", model.num_heads,
                                       gqa->num_kv_heads));
    }
  }
  bool any_sliding = false;
  for (LayerAttention kind : model.layer_attention) any_sliding = any_sliding || kind == LayerAttention::sliding;
  if (any_sliding && model.sliding_window <= 0) {
    fail("attention.sliding_window", "required when a layer uses sliding attention");
  }
  const bool any_chunked =
      std::find(model.layer_attention.begin(), model.layer_attention.end(), LayerAttention::chunked) !=
      model.layer_attention.end();
  if (any_chunked && model.attention_chunk <= 0) {
    fail("attention.chunk_size", "required when a layer uses chunked attention");
  }
  if (model.moe) {
    const MoeSpec& moe = *model.moe;
    if (moe.experts_per_token > moe.num_experts) {
      fail("moe.experts_per_token",
           fmt::format("{} experts per token exceed {} experts", moe.experts_per_token, moe.num_experts));
    }
    if (!any_moe_layer(model)) {
      fail("moe.dense_layers", fmt::format("all {} layers are dense, so no layer uses the experts; describe a dense "
                                           "model without 'moe'", model.num_layers));
    }
  }
  if (model.rope_extended_context > 0 && model.rope_extended_context <= model.max_context) {
    fail("rope_extended_context", fmt::format("{} tokens do not extend the {}-token max_context; give 0 or omit it",
                                              model.rope_extended_context, model.max_context));
  }
  if (model.rope_extended_context > 0 && model.rope_scaling.empty()) {
    fail("rope_scaling", "required with rope_extended_context: name the scaling (`yarn factor 4`)");
  }
  bool any_dense = false;
  for (bool is_moe : model.layer_is_moe) any_dense = any_dense || !is_moe;
  if (any_dense && model.ffn_size <= 0) fail("ffn_size", "required when any layer has a dense FFN");
}

}  // namespace llmsizer
