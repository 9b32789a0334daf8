// io/hf_moe.cpp — see io/hf_moe.hpp. Which key each family uses is documented in
// docs/profiles.md#hugging-face-import.
#include "io/hf_moe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "io/model_schema.hpp"

namespace llmsizer::hf {
namespace {

std::int64_t max_of(std::string_view path) {
  return model_field(path).max;
}

const Keys experts_keys = {"n_routed_experts", "num_local_experts", "num_experts", "moe_num_experts"};
const Keys experts_per_token_keys = {"num_experts_per_tok", "experts_per_token", "moe_k", "moe_topk"};
const Keys expert_width_keys = {"moe_intermediate_size", "expert_ffn_hidden_size", "intermediate_size"};
const Keys shared_count_keys = {"n_shared_experts", "num_shared_experts", "moe_num_shared_experts",
                                "num_shared_expert"};
const Keys dense_layer_keys = {"first_k_dense_replace", "mlp_only_layers",  "moe_layers",
                               "decoder_sparse_step",   "moe_layer_freq",   "interleave_moe_layer_step",
                               "moe_layer_start_index", "moe_layer_end_index", "moe_layer_interval",
                               "moe_layer_num_skipped"};

// A count given once or per layer (Hunyuan's moe_topk, num_shared_expert, moe_intermediate_size are
// lists of one entry per layer). The spec holds one value for all MoE layers, so differing entries
// are an error rather than a guess.
std::optional<std::int64_t> uniform_count(const Reader& r, Keys keys, std::int64_t min, std::int64_t max) {
  const Field f = r.field(keys);
  if (!f) return std::nullopt;
  if (!f.value->is_array()) return r.integer_at(f, min, max);
  if (f.value->empty()) throw r.error(f.path, "expected a number or a non-empty list of numbers");
  const std::int64_t first = r.integer_at(Field{&(*f.value)[0], f.path + "[0]"}, min, max);
  for (size_t i = 1; i < f.value->size(); ++i) {
    const Field item{&(*f.value)[i], fmt::format("{}[{}]", f.path, i)};
    const std::int64_t value = r.integer_at(item, min, max);
    if (value != first) {
      throw r.error(item.path, fmt::format("{} differs from {} at [0]; per-layer values must be equal (one value "
                                           "for every MoE layer)", value, first));
    }
  }
  return first;
}

std::int64_t required_uniform(Reader& r, Keys keys, std::int64_t max) {
  if (auto value = uniform_count(r, keys, 1, max)) return *value;
  return r.required(keys, max);  // absent: recorded as missing
}

std::vector<std::int64_t> layer_list(const Reader& r, const Field& f, int layers) {
  if (!f.value->is_array()) throw r.error(f.path, "expected a list of layer indices, got " + shown(*f.value));
  std::vector<std::int64_t> out;
  for (size_t i = 0; i < f.value->size(); ++i) {
    out.push_back(r.integer_at(Field{&(*f.value)[i], fmt::format("{}[{}]", f.path, i)}, 0,
                               layers > 0 ? layers - 1 : max_of("num_layers")));
  }
  return out;
}

// ERNIE 4.5: layer i is MoE when start <= i <= end and (i - start) % interval == 0; the end index
// defaults to the last layer, as does a negative one (Ernie4_5_MoeConfig's -1).
struct LayerRange {
  std::int64_t start = 0, end = 0, interval = 1;
};

LayerRange ernie_range(const Reader& r, int layers) {
  const std::int64_t last = std::max(layers - 1, 0);
  LayerRange range{r.count({"moe_layer_start_index"}, 0, last).value_or(0), last,
                   r.count({"moe_layer_interval"}, 1, max_of("num_layers")).value_or(1)};
  if (const Field end = r.field({"moe_layer_end_index"})) {
    const bool negative = end.value->is_number_integer() && end.value->get<std::int64_t>() < 0;
    range.end = negative ? last : r.integer_at(end, 0, last);
  }
  return range;
}

// HF modeling code: Qwen2/3-MoE (decoder_sparse_step, mlp_only_layers), DeepSeek/GLM/Kimi
// (first_k_dense_replace, moe_layer_freq), Llama 4 (interleave_moe_layer_step, or moe_layers
// listed), ERNIE 4.5 (moe_layer_start/end_index, moe_layer_interval), Hunyuan (the first
// moe_layer_num_skipped layers dense), LongCat-Flash (the MoE of each two-sublayer layer, on the
// second sublayer).
std::vector<bool> moe_layer_mask(const Reader& r, int layers, const MoeTraits& t) {
  const std::int64_t step = r.count({"decoder_sparse_step"}, 1, max_of("num_layers")).value_or(1);
  const std::int64_t interleave =
      t.shortcut_moe ? 2 : r.count({"interleave_moe_layer_step"}, 1, max_of("num_layers")).value_or(1);
  const std::int64_t first_moe =
      r.count({"first_k_dense_replace", "moe_layer_num_skipped"}, 0, max_of("num_layers")).value_or(0);
  const std::int64_t freq = r.count({"moe_layer_freq"}, 1, max_of("num_layers")).value_or(1);
  const LayerRange range = ernie_range(r, layers);
  const Field dense_field = r.field({"mlp_only_layers"});
  const auto dense = dense_field ? layer_list(r, dense_field, layers) : std::vector<std::int64_t>{};
  std::vector<bool> mask(static_cast<size_t>(layers));
  for (std::int64_t i = 0; i < layers; ++i) {
    const bool in_range = i >= range.start && i <= range.end && (i - range.start) % range.interval == 0;
    mask[static_cast<size_t>(i)] = (i + 1) % step == 0 && (i + 1) % interleave == 0 && i >= first_moe &&
                                   i % freq == 0 && in_range &&
                                   std::find(dense.begin(), dense.end(), i) == dense.end();
  }
  if (const Field listed = r.field({"moe_layers"})) {
    const auto moe = layer_list(r, listed, layers);
    for (std::int64_t i = 0; i < layers; ++i) {
      mask[static_cast<size_t>(i)] = std::find(moe.begin(), moe.end(), i) != moe.end();
    }
  }
  return mask;
}

// Shared experts: a count of experts as wide as a routed one (DeepSeek, ERNIE), one expert of its
// own width (Qwen-MoE), Hunyuan's use_mixed_mlp_moe (num_shared_expert of intermediate_size), or
// LongCat's dense FFN of ffn_hidden_size beside each MoE block.
void read_shared_experts(Reader& r, MoeSpec& moe, const MoeTraits& t) {
  if (t.shortcut_moe) {
    moe.num_shared_experts = 1;
    moe.shared_expert_ffn_size = static_cast<int>(r.required({"ffn_hidden_size"}, max_of("moe.shared_expert_ffn_size")));
    return;
  }
  if (const Field mixed = r.field({"use_mixed_mlp_moe"})) {
    if (!r.bool_at(mixed)) return;
    moe.num_shared_experts = static_cast<int>(uniform_count(r, shared_count_keys, 0, max_of("moe.num_shared_experts")).value_or(1));
    moe.shared_expert_ffn_size = static_cast<int>(r.required({"intermediate_size"}, max_of("moe.shared_expert_ffn_size")));
    return;
  }
  if (auto shared = uniform_count(r, shared_count_keys, 0, max_of("moe.num_shared_experts"))) {
    moe.num_shared_experts = static_cast<int>(*shared);
  } else if (auto width = r.count({"shared_expert_intermediate_size", "shared_intermediate_size"}, 0,
                                  max_of("moe.shared_expert_ffn_size"));
             width && *width > 0) {
    moe.num_shared_experts = 1;
    moe.shared_expert_ffn_size = static_cast<int>(*width);
  } else if (t.shared_expert) {
    moe.num_shared_experts = 1;
  }
}

MoeSpec read_moe_spec(Reader& r, std::int64_t experts, const MoeTraits& t) {
  MoeSpec moe;
  moe.num_experts = static_cast<int>(experts);
  moe.experts_per_token = static_cast<int>(required_uniform(r, experts_per_token_keys, max_of("moe.experts_per_token")));
  moe.expert_ffn_size = static_cast<int>(required_uniform(r, expert_width_keys, max_of("moe.expert_ffn_size")));
  moe.shared_expert_ffn_size = moe.expert_ffn_size;
  read_shared_experts(r, moe, t);
  moe.zero_experts = static_cast<int>(r.count({"zero_expert_num"}, 0, max_of("moe.zero_experts")).value_or(0));
  if (const Field type = r.field({"zero_expert_type"}); type && moe.zero_experts > 0 && r.string_at(type) != "identity") {
    throw r.error(type.path, fmt::format("zero-computation experts of type '{}' are not supported (expected "
                                         "'identity')", r.string_at(type)));
  }
  moe.router_bias = t.router_bias || r.flag({"use_routing_bias"}, false) || r.flag({"moe_use_aux_free"}, false) ||
                    r.text({"topk_method"}) == "noaux_tc";
  moe.expert_bias = t.expert_bias;
  return moe;
}

}  // namespace

void read_ffn(Reader& r, ModelSpec& m, const MoeTraits& t) {
  const std::int64_t experts = uniform_count(r, experts_keys, 0, max_of("moe.num_experts")).value_or(0);
  m.layer_is_moe.assign(static_cast<size_t>(m.num_layers), false);
  if (experts > 0) {
    m.moe = read_moe_spec(r, experts, t);
    m.layer_is_moe = moe_layer_mask(r, m.num_layers, t);
  }
  const bool any_dense = !m.moe || std::count(m.layer_is_moe.begin(), m.layer_is_moe.end(), false) > 0;
  if (!any_dense) return;
  if (auto dense_width = r.count({"intermediate_size_mlp"}, 1, max_of("ffn_size")); dense_width && m.moe) {
    m.ffn_size = static_cast<int>(*dense_width);  // Llama 4: intermediate_size is the expert width
  } else {
    m.ffn_size = static_cast<int>(r.required({"intermediate_size", "ffn_hidden_size"}, max_of("ffn_size")));
  }
}

Field moe_source_field(const Reader& r, std::string_view path) {
  if (path == "ffn_size") return r.field({"intermediate_size", "ffn_hidden_size"});
  if (path == "moe.experts_per_token") return r.field(experts_per_token_keys);
  if (path == "moe.dense_layers") return r.field(dense_layer_keys);
  return {};
}

}  // namespace llmsizer::hf
