// io/hf_vision.cpp — see io/hf_vision.hpp. Each layout follows its family's Hugging Face modeling
// code (the module names are given so that a count can be checked against a checkpoint's tensors).
#include "io/hf_vision.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "io/hf_keys.hpp"

namespace llmsizer::hf {
namespace {

// Keys of any vision_config that change no parameter: activations, numerics, initialisation,
// dropout, attention-window and feature-selection settings, and the tower's own model_type.
// clang-format off
constexpr std::array common_no_effect = std::to_array<std::string_view>({
    "model_type", "hidden_act", "initializer_range", "attention_dropout", "dropout", "projector_dropout",
    "layer_norm_eps", "norm_eps", "rms_norm_eps", "torch_dtype", "dtype", "_attn_implementation_autoset",
    "vision_feature_layer", "vision_feature_select_strategy", "rope_theta", "num_heads", "num_attention_heads",
    "initializer_factor", "transformers_version", "architectures",
});
// clang-format on

// Reads one vision_config, remembering which keys a layout used or knows to have no effect.
class VisionKeys {
 public:
  VisionKeys(const Reader& r, Field vision) : r_(r), vision_(std::move(vision)) {}

  /// A required positive integer; absent, it is recorded and 0 returned.
  double count(std::string_view key) {
    used_.emplace_back(key);
    const Field f = r_.child(vision_, key);
    if (!f) {
      missing_.emplace_back(key);
      return 0.0;
    }
    return static_cast<double>(r_.integer_at(f, 1, std::int64_t{1} << 30));
  }
  double count_or(std::string_view key, double fallback) {
    return r_.child(vision_, key) ? count(key) : (used_.emplace_back(key), fallback);
  }
  /// The first of `keys` present (a family spells a dimension two ways), else `fallback`.
  double count_of(std::initializer_list<std::string_view> keys, double fallback) {
    for (std::string_view key : keys) {
      if (r_.child(vision_, key)) return count(key);
    }
    for (std::string_view key : keys) used_.emplace_back(key);
    return fallback;
  }
  /// Entries of a list (Qwen3-VL's deepstack_visual_indexes); 0 when absent.
  double list_size(std::string_view key) {
    used_.emplace_back(key);
    const Field f = r_.child(vision_, key);
    if (!f) return 0.0;
    if (!f.value->is_array()) throw r_.error(f.path, "expected a list of layer indices, got " + shown(*f.value));
    return static_cast<double>(f.value->size());
  }
  void no_effect(std::initializer_list<std::string_view> keys) {
    for (std::string_view key : keys) used_.emplace_back(key);
  }

  [[nodiscard]] const std::vector<std::string>& missing() const { return missing_; }
  [[nodiscard]] std::vector<std::string> unaccounted() const;
  [[nodiscard]] const std::string& path() const { return vision_.path; }

 private:
  const Reader& r_;
  Field vision_;
  std::vector<std::string> used_;
  std::vector<std::string> missing_;
};

std::vector<std::string> VisionKeys::unaccounted() const {
  std::vector<std::string> keys;
  for (const auto& [key, value] : vision_.value->items()) {
    const bool known = std::find(used_.begin(), used_.end(), key) != used_.end() ||
                       std::find(common_no_effect.begin(), common_no_effect.end(), key) != common_no_effect.end();
    if (!known && !turns_nothing_on(value)) keys.push_back(key);
  }
  return keys;
}

// How a ViT encoder layer is built: biases, a gated (SwiGLU) or plain MLP, and the norm's weights
// per element (RMSNorm 1, LayerNorm 2: weight and bias).
struct BlockShape {
  bool bias = true;
  bool gated = false;
  double norm_weights = 2.0;
};

// One encoder layer: q, k, v and output projections (h x h each), the MLP, two norms.
double vit_block(double h, double i, BlockShape s) {
  const double attention = 4.0 * h * h + (s.bias ? 4.0 * h : 0.0);
  const double mlp = s.gated ? 3.0 * h * i + (s.bias ? 2.0 * i + h : 0.0) : 2.0 * h * i + (s.bias ? i + h : 0.0);
  return attention + mlp + 2.0 * s.norm_weights * h;
}

// Qwen-VL patch merger: a norm over h, then Linear(h·m², h·m²), GELU, Linear(h·m², out), with biases.
double patch_merger(double h, double merge, double out, double norm_weights) {
  const double merged = h * merge * merge;
  return norm_weights * h + merged * merged + merged + merged * out + out;
}

// Qwen2-VL (Qwen2VisionTransformerPretrainedModel): Conv3d patch embedding without bias, LayerNorm
// blocks with a GELU MLP of embed_dim x mlp_ratio, a patch merger to the text width (hidden_size).
double qwen2_vl(VisionKeys& k) {
  const double e = k.count("embed_dim");
  const double patch = k.count_of({"in_chans", "in_channels"}, 3) * k.count_or("temporal_patch_size", 2) *
                       std::pow(k.count("patch_size"), 2) * e;
  const double blocks = k.count("depth") * vit_block(e, e * k.count("mlp_ratio"), {});
  k.no_effect({"spatial_patch_size"});
  return patch + blocks + patch_merger(e, k.count_or("spatial_merge_size", 2), k.count("hidden_size"), 2.0);
}

// Qwen2.5-VL (Qwen2_5_VisionTransformerPretrainedModel): as Qwen2-VL with RMSNorm and a SwiGLU MLP
// with biases; window attention changes no weight.
double qwen2_5_vl(VisionKeys& k) {
  const double h = k.count("hidden_size");
  const double patch = k.count_of({"in_chans", "in_channels"}, 3) * k.count_or("temporal_patch_size", 2) *
                       std::pow(k.count("patch_size"), 2) * h;
  const double blocks = k.count("depth") * vit_block(h, k.count("intermediate_size"), {true, true, 1.0});
  k.no_effect({"spatial_patch_size", "window_size", "fullatt_block_indexes", "tokens_per_second"});
  return patch + blocks + patch_merger(h, k.count_or("spatial_merge_size", 2), k.count("out_hidden_size"), 1.0);
}

// Qwen3-VL (Qwen3VLVisionModel): Conv3d patch embedding with bias, learned position embeddings,
// LayerNorm blocks with a GELU MLP, the merger, and one more merger per deepstack layer (its norm
// after the 2x2 shuffle, over h·m²).
double qwen3_vl(VisionKeys& k) {
  const double h = k.count("hidden_size");
  const double patch = k.count_of({"in_channels", "in_chans"}, 3) * k.count_or("temporal_patch_size", 2) *
                           std::pow(k.count("patch_size"), 2) * h +
                       h;
  const double positions = k.count("num_position_embeddings") * h;
  const double blocks = k.count("depth") * vit_block(h, k.count("intermediate_size"), {});
  const double merge = k.count_or("spatial_merge_size", 2);
  const double out = k.count("out_hidden_size");
  const double merger = patch_merger(h, merge, out, 2.0);
  const double deepstack = k.list_size("deepstack_visual_indexes") * (merger - 2.0 * h + 2.0 * h * merge * merge);
  return patch + positions + blocks + merger + deepstack;
}

// Llama 4 (Llama4VisionModel): an unfolded patch Linear without bias, a class embedding, positions
// for (image/patch)² + 1 tokens, LayerNorms before and after, LayerNorm blocks with a GELU MLP; the
// pixel-shuffle adapter (Llama4VisionMLP2: intermediate_size -> projector_input_dim, then
// projector_output_dim square, no biases) and the projector to the text width (no bias).
double llama4(VisionKeys& k, double text_hidden) {
  const double h = k.count("hidden_size");
  const double i = k.count("intermediate_size");
  const double p = k.count("patch_size");
  const double tokens = std::pow(std::floor(k.count("image_size") / p), 2) + 1;
  const double embeddings = k.count_or("num_channels", 3) * p * p * h + h + tokens * h + 2.0 * 2.0 * h;
  const double blocks = k.count("num_hidden_layers") * vit_block(h, i, {});
  const double adapter = i * k.count("projector_input_dim") + std::pow(k.count("projector_output_dim"), 2);
  k.no_effect({"pixel_shuffle_ratio", "multi_modal_projector_bias"});
  return embeddings + blocks + adapter + k.count("vision_output_dim") * text_hidden;
}

// SigLIP (Gemma 3's SiglipVisionModel without its pooling head): a Conv2d patch embedding with bias,
// (image/patch)² positions, LayerNorm blocks with a GELU MLP, a final LayerNorm; Gemma 3's projector
// is one h x text-width matrix after an RMSNorm over h (Gemma3MultiModalProjector).
double gemma3_siglip(VisionKeys& k, double text_hidden) {
  const double h = k.count("hidden_size");
  const double p = k.count("patch_size");
  const double positions = std::pow(std::floor(k.count("image_size") / p), 2) * h;
  const double patch = k.count_or("num_channels", 3) * p * p * h + h;
  const double blocks = k.count("num_hidden_layers") * vit_block(h, k.count("intermediate_size"), {});
  // vision_use_head false turns nothing on; true (a pooling head) is named as not understood.
  return patch + positions + blocks + 2.0 * h + h * text_hidden + h;
}

// CLIP (LLaVA's CLIPVisionModel): a Conv2d patch embedding without bias, a class embedding,
// (image/patch)² + 1 positions, pre- and post-LayerNorm, LayerNorm blocks with a GELU MLP; LLaVA's
// projector is Linear(h, text) + GELU + Linear(text, text), with biases. CLIP's own visual
// projection (projection_dim) is not part of the checkpoint.
double llava_clip(VisionKeys& k, double text_hidden) {
  const double h = k.count("hidden_size");
  const double p = k.count("patch_size");
  const double tokens = std::pow(std::floor(k.count("image_size") / p), 2) + 1;
  const double embeddings = k.count_or("num_channels", 3) * p * p * h + h + tokens * h + 2.0 * 2.0 * h;
  const double blocks = k.count("num_hidden_layers") * vit_block(h, k.count("intermediate_size"), {});
  k.no_effect({"projection_dim", "vocab_size"});
  return embeddings + blocks + h * text_hidden + text_hidden + text_hidden * text_hidden + text_hidden;
}

double tower_params(std::string_view family, VisionKeys& k, double text_hidden, bool& known) {
  known = true;
  if (family == "qwen2_vl") return qwen2_vl(k);
  if (family == "qwen2_5_vl") return qwen2_5_vl(k);
  if (family == "qwen3_vl" || family == "qwen3_vl_moe") return qwen3_vl(k);
  if (family == "llama4") return llama4(k, text_hidden);
  if (family == "gemma3") return gemma3_siglip(k, text_hidden);
  if (family == "llava") return llava_clip(k, text_hidden);
  known = false;
  return 0.0;
}

}  // namespace

VisionTower read_vision_tower(const Reader& r, std::int64_t text_hidden_size) {
  VisionTower tower;
  const Field vision = r.child(Field{&r.root(), ""}, "vision_config");
  if (!vision || turns_nothing_on(*vision.value)) return tower;
  if (!vision.value->is_object()) throw r.error(vision.path, "expected a map, got " + shown(*vision.value));
  const std::string family = r.model_type(false);
  VisionKeys keys(r, vision);
  bool known = false;
  const double params = tower_params(family, keys, static_cast<double>(text_hidden_size), known);
  if (!known) {
    tower.warnings.push_back(
        fmt::format("vision_config: the vision tower of model_type '{}' has no known layout; "
                    "its weights are not counted (only the text model is)",
                    family));
    return tower;
  }
  if (!keys.missing().empty()) {
    std::string names;
    for (const std::string& key : keys.missing()) names += (names.empty() ? "'" : ", '") + key + "'";
    tower.warnings.push_back(
        fmt::format("vision_config: {} absent, so the {} vision tower is not counted", names, family));
    return tower;
  }
  tower.params = std::llround(params);
  for (const std::string& key : keys.unaccounted()) {
    tower.warnings.push_back(
        fmt::format("config key 'vision_config.{}' ({}) is not understood and was ignored; "
                    "the vision tower's count does not include what it changes",
                    key, shown((*vision.value)[key])));
  }
  return tower;
}

}  // namespace llmsizer::hf
