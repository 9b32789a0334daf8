// io/hf_import.cpp — a Hugging Face config.json as a ModelSpec: families, names, dimensions, attention,
// layer kinds and experts. Reading the JSON is io/hf_reader.cpp, quantization io/hf_precision.cpp,
// the writer io/model_yaml.cpp.
//
// Which keys are read per family, and what the importer approximates, is documented in
// docs/profiles.md#hugging-face-import.
#include "io/hf_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "io/config_error.hpp"
#include "io/hf_precision.hpp"
#include "io/hf_reader.hpp"
#include "io/model_schema.hpp"
#include "io/profile_loader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {
namespace {

using hf::Field;
using hf::Json;
using hf::Keys;
using hf::Reader;
using hf::shown;

// The model/1 loader's limits (io/model_schema.hpp), so that every import loads back.
std::int64_t max_of(std::string_view path) {
  return model_field(path).max;
}

// Keys read in one place and named again when a cross-field check points back at the config.
const Keys experts_per_token_keys = {"num_experts_per_tok", "experts_per_token"};

// What a family's modeling code fixes rather than its config spelling out.
struct FamilyTraits {
  bool qkv_bias = false;            // Qwen2 family: q/k/v projections always carry biases
  bool qk_norm = false;             // Qwen3 family: RMSNorm on each query and key head
  bool bias_only_qkv = false;       // GLM-4 MoE: attention_bias covers q/k/v but not o_proj
  bool weightless_qk_norm = false;  // Llama 4: use_qk_norm is an L2 norm without weights
  bool router_bias = false;         // GLM-4 MoE e_score_correction_bias; gpt-oss router Linear bias
  bool expert_bias = false;         // gpt-oss experts' linear layers
  bool shared_expert = false;       // Llama 4: one shared expert as wide as a routed one
  bool tied_by_default = false;     // Gemma: configs omit tie_word_embeddings (PretrainedConfig's true)
  std::int64_t sliding_period = 0;  // Gemma 2: even layers slide, odd layers are full
};

FamilyTraits family_traits(std::string_view type) {
  FamilyTraits t;
  t.qkv_bias = type.starts_with("qwen2");
  t.qk_norm = type.starts_with("qwen3") || type.starts_with("gemma3");
  t.bias_only_qkv = type == "glm4_moe";
  t.router_bias = type == "glm4_moe" || type == "gpt_oss";
  t.expert_bias = type == "gpt_oss";
  t.weightless_qk_norm = type.starts_with("llama4");
  t.shared_expert = type.starts_with("llama4");
  t.tied_by_default = type.starts_with("gemma");
  t.sliding_period = type.starts_with("gemma2") ? 2 : 0;
  return t;
}

std::string sanitized_name(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (allowed) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "model" : out;
}

// The file's stem; for the canonical name config.json, its directory (in the Hugging Face cache
// layout models--org--name/snapshots/<revision>/config.json, the repo name), else the repo name.
std::string derive_name(const std::string& file, const std::string& hf_repo) {
  const std::filesystem::path path(file);
  const std::string stem = path.stem().string();
  if (stem != "config") return sanitized_name(stem);
  const std::filesystem::path dir = path.parent_path();
  const std::string cache_dir = dir.parent_path().parent_path().filename().string();
  if (dir.parent_path().filename() == "snapshots" && cache_dir.rfind("models--", 0) == 0) {
    return sanitized_name(cache_dir.substr(cache_dir.rfind("--") + 2));
  }
  const std::string parent = dir.filename().string();
  if (!parent.empty() && parent != "." && parent != "..") return sanitized_name(parent);
  if (!hf_repo.empty()) return sanitized_name(hf_repo.substr(hf_repo.find('/') + 1));
  return sanitized_name(stem);
}

// `_name_or_path` when it is a repo id "org/name" rather than a local path.
std::string repo_id(const Json& root) {
  const auto it = root.find("_name_or_path");
  if (it == root.end() || !it->is_string()) return {};
  const std::string id = it->get<std::string>();
  const size_t slash = id.find('/');
  const bool plain = std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_' || c == '.';
  });
  const bool two_parts =
      slash != std::string::npos && slash > 0 && slash + 1 < id.size() && id.find('/', slash + 1) == std::string::npos;
  return plain && two_parts && id.front() != '.' ? id : std::string();
}

void read_identity(const Reader& r, const std::string& file, ModelSpec& m) {
  m.hf_repo = repo_id(r.root());
  m.name = derive_name(file, m.hf_repo);
  m.display_name = m.hf_repo.empty() ? m.name : m.hf_repo.substr(m.hf_repo.find('/') + 1);
  const std::string type = r.model_type(false);
  m.family = type.empty() ? "unknown" : type;
  const std::string arch = r.architecture();
  m.notes = fmt::format("Imported from a Hugging Face config.json ({}).", arch.empty() ? m.family : arch);
  m.sources = {Citation{{"*"}, "imported from " + file}};
  m.file = file;
}

void read_core(Reader& r, ModelSpec& m, const FamilyTraits& t) {
  m.hidden_size = static_cast<int>(r.required({"hidden_size"}, max_of("hidden_size")));
  m.num_layers = static_cast<int>(r.required({"num_hidden_layers", "num_layers"}, max_of("num_layers")));
  m.num_heads = static_cast<int>(r.required({"num_attention_heads"}, max_of("num_heads")));
  m.vocab_size = r.required({"vocab_size"}, max_of("vocab_size"));
  m.max_context = r.required({"max_position_embeddings", "seq_length", "max_sequence_length"}, max_of("max_context"));
  m.tied_embeddings = r.flag({"tie_word_embeddings"}, t.tied_by_default);
  m.mtp_layers =
      static_cast<int>(r.count({"num_nextn_predict_layers", "num_mtp_modules"}, 0, max_of("mtp_layers")).value_or(0));
}

int head_dim(const Reader& r, const ModelSpec& m) {
  if (auto dim = r.count({"head_dim"}, 1, max_of("head_dim"))) return static_cast<int>(*dim);
  if (m.hidden_size == 0 || m.num_heads == 0) return 0;  // already reported missing
  if (m.hidden_size % m.num_heads != 0) {
    throw r.error("head_dim", fmt::format("absent, and hidden_size ({}) is not a multiple of num_attention_heads ({})",
                                          m.hidden_size, m.num_heads));
  }
  return m.hidden_size / m.num_heads;
}

void read_attention(Reader& r, ModelSpec& m, const FamilyTraits& t) {
  if (r.field({"kv_lora_rank"})) {
    MlaAttention mla;
    mla.q_lora_rank = static_cast<int>(r.count({"q_lora_rank"}, 0, max_of("attention.q_lora_rank")).value_or(0));
    mla.kv_lora_rank = static_cast<int>(r.required({"kv_lora_rank"}, max_of("attention.kv_lora_rank")));
    mla.qk_nope_head_dim = static_cast<int>(r.required({"qk_nope_head_dim"}, max_of("attention.qk_nope_head_dim")));
    mla.qk_rope_head_dim = static_cast<int>(r.required({"qk_rope_head_dim"}, max_of("attention.qk_rope_head_dim")));
    mla.v_head_dim = static_cast<int>(r.required({"v_head_dim"}, max_of("attention.v_head_dim")));
    m.attention = mla;
  } else {
    GqaAttention gqa;
    gqa.num_kv_heads =
        static_cast<int>(r.count({"num_key_value_heads"}, 1, max_of("num_kv_heads")).value_or(m.num_heads));
    gqa.head_dim = head_dim(r, m);
    m.attention = gqa;
  }
  const bool bias = r.flag({"attention_bias"}, false);
  m.qkv_bias = t.qkv_bias || bias;
  m.o_bias = bias && !t.bias_only_qkv;
  m.qk_norm = !t.weightless_qk_norm && r.flag({"use_qk_norm"}, t.qk_norm);
}

// `layer_types` (full_attention, sliding_attention, linear_attention) or MiniMax's `attn_type_list`
// (0 = lightning, i.e. linear, attention; 1 = softmax attention).
std::vector<LayerAttention> kinds_from_list(const Reader& r, const Field& f, int layers) {
  const bool minimax = f.path.ends_with("attn_type_list");
  const std::vector<std::pair<Json, LayerAttention>> names =
      minimax ? std::vector<std::pair<Json, LayerAttention>>{{0, LayerAttention::linear}, {1, LayerAttention::full}}
              : std::vector<std::pair<Json, LayerAttention>>{{"full_attention", LayerAttention::full},
                                                             {"sliding_attention", LayerAttention::sliding},
                                                             {"linear_attention", LayerAttention::linear}};
  const char* expected = minimax ? "0 (linear) or 1 (full)" : "full_attention, sliding_attention or linear_attention";
  if (!f.value->is_array())
    throw r.error(f.path, fmt::format("expected a list of {}, got {}", expected, shown(*f.value)));
  if (layers > 0 && f.value->size() != static_cast<size_t>(layers)) {
    throw r.error(f.path, fmt::format("{} entries for {} layers", f.value->size(), layers));
  }
  std::vector<LayerAttention> kinds;
  for (size_t i = 0; i < f.value->size(); ++i) {
    const Json& item = (*f.value)[i];
    const auto match = std::find_if(names.begin(), names.end(), [&](const auto& name) { return name.first == item; });
    if (match == names.end()) {
      throw r.error(fmt::format("{}[{}]", f.path, i),
                    fmt::format("unknown layer type {} (expected {})", shown(item), expected));
    }
    kinds.push_back(match->second);
  }
  return kinds;
}

// Without layer_types: Qwen2 opts in with use_sliding_window (layers >= max_window_layers slide),
// Gemma makes every sliding_window_pattern-th layer full (Gemma 2: every second), Mistral slides in
// every layer.
std::vector<LayerAttention> kinds_from_sliding_window(const Reader& r, int layers, const FamilyTraits& t) {
  std::vector<LayerAttention> kinds(static_cast<size_t>(layers), LayerAttention::full);
  if (r.count({"sliding_window"}, 0, max_of("attention.sliding_window")).value_or(0) == 0) return kinds;
  std::int64_t first_sliding = 0;
  std::int64_t period = t.sliding_period;
  if (const Field use = r.field({"use_sliding_window"})) {
    if (!r.bool_at(use)) return kinds;
    first_sliding = r.count({"max_window_layers"}, 0, max_of("num_layers")).value_or(0);
  } else if (auto pattern = r.count({"sliding_window_pattern"}, 1, max_of("num_layers"))) {
    period = *pattern;
  }
  for (std::int64_t i = first_sliding; i < layers; ++i) {
    if (period == 0 || (i + 1) % period != 0) kinds[static_cast<size_t>(i)] = LayerAttention::sliding;
  }
  return kinds;
}

void read_layer_kinds(Reader& r, ModelSpec& m, const FamilyTraits& t) {
  if (const Field types = r.field({"layer_types", "attn_type_list"})) {
    m.layer_attention = kinds_from_list(r, types, m.num_layers);
  } else {
    m.layer_attention = kinds_from_sliding_window(r, m.num_layers, t);
  }
  if (std::count(m.layer_attention.begin(), m.layer_attention.end(), LayerAttention::sliding) > 0) {
    m.sliding_window = r.required({"sliding_window"}, max_of("attention.sliding_window"));
  }
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

// HF modeling code: Qwen2/3-MoE (decoder_sparse_step, mlp_only_layers), DeepSeek/GLM/Kimi
// (first_k_dense_replace, moe_layer_freq), Llama 4 (interleave_moe_layer_step, or moe_layers listed).
std::vector<bool> moe_layer_mask(const Reader& r, int layers) {
  const std::int64_t step = r.count({"decoder_sparse_step"}, 1, max_of("num_layers")).value_or(1);
  const std::int64_t interleave = r.count({"interleave_moe_layer_step"}, 1, max_of("num_layers")).value_or(1);
  const std::int64_t first_moe = r.count({"first_k_dense_replace"}, 0, max_of("num_layers")).value_or(0);
  const std::int64_t freq = r.count({"moe_layer_freq"}, 1, max_of("num_layers")).value_or(1);
  const Field dense_field = r.field({"mlp_only_layers"});
  const auto dense = dense_field ? layer_list(r, dense_field, layers) : std::vector<std::int64_t>{};
  std::vector<bool> mask(static_cast<size_t>(layers));
  for (std::int64_t i = 0; i < layers; ++i) {
    mask[static_cast<size_t>(i)] = (i + 1) % step == 0 && (i + 1) % interleave == 0 && i >= first_moe &&
                                   i % freq == 0 && std::find(dense.begin(), dense.end(), i) == dense.end();
  }
  if (const Field listed = r.field({"moe_layers"})) {
    const auto moe = layer_list(r, listed, layers);
    for (std::int64_t i = 0; i < layers; ++i) {
      mask[static_cast<size_t>(i)] = std::find(moe.begin(), moe.end(), i) != moe.end();
    }
  }
  return mask;
}

MoeSpec read_moe_spec(Reader& r, std::int64_t experts, const FamilyTraits& t) {
  MoeSpec moe;
  moe.num_experts = static_cast<int>(experts);
  moe.experts_per_token = static_cast<int>(r.required(experts_per_token_keys, max_of("moe.experts_per_token")));
  moe.expert_ffn_size =
      static_cast<int>(r.required({"moe_intermediate_size", "intermediate_size"}, max_of("moe.expert_ffn_size")));
  moe.shared_expert_ffn_size = moe.expert_ffn_size;
  if (auto shared = r.count({"n_shared_experts", "num_shared_experts"}, 0, max_of("moe.num_shared_experts"))) {
    moe.num_shared_experts = static_cast<int>(*shared);
  } else if (auto width = r.count({"shared_expert_intermediate_size", "shared_intermediate_size"}, 0,
                                  max_of("moe.shared_expert_ffn_size"));
             width && *width > 0) {
    moe.num_shared_experts = 1;
    moe.shared_expert_ffn_size = static_cast<int>(*width);
  } else if (t.shared_expert) {
    moe.num_shared_experts = 1;
  }
  moe.router_bias = t.router_bias || r.flag({"use_routing_bias"}, false) || r.text({"topk_method"}) == "noaux_tc";
  moe.expert_bias = t.expert_bias;
  return moe;
}

void read_ffn(Reader& r, ModelSpec& m, const FamilyTraits& t) {
  const std::int64_t experts =
      r.count({"n_routed_experts", "num_local_experts", "num_experts"}, 0, max_of("moe.num_experts")).value_or(0);
  m.layer_is_moe.assign(static_cast<size_t>(m.num_layers), false);
  if (experts > 0) {
    m.moe = read_moe_spec(r, experts, t);
    m.layer_is_moe = moe_layer_mask(r, m.num_layers);
  }
  const bool any_dense = !m.moe || std::count(m.layer_is_moe.begin(), m.layer_is_moe.end(), false) > 0;
  if (!any_dense) return;
  if (auto dense_width = r.count({"intermediate_size_mlp"}, 1, max_of("ffn_size")); dense_width && m.moe) {
    m.ffn_size = static_cast<int>(*dense_width);  // Llama 4: intermediate_size is the expert width
  } else {
    m.ffn_size = static_cast<int>(r.required({"intermediate_size"}, max_of("ffn_size")));
  }
}

}  // namespace

ModelSpec import_hf_config(const std::string& json_text, const std::string& file) {
  const Json root = hf::parse_json(json_text, file);
  Reader r(root, json_text, file);
  const FamilyTraits traits = family_traits(r.model_type(true));
  ModelSpec model;
  read_identity(r, file, model);
  read_core(r, model, traits);
  read_attention(r, model, traits);
  read_layer_kinds(r, model, traits);
  read_ffn(r, model, traits);
  r.throw_if_missing();
  hf::read_precision(r, model);
  validate_model(model, [&](const std::string& path, const std::string& message) {
    // The model/1 field the check names, as the config.json keys it was read from (the key lists of
    // the read_* functions above), so that the error points at the line to fix.
    const Field source = path == "num_kv_heads"               ? r.field({"num_key_value_heads"})
                         : path == "attention.sliding_window" ? r.field({"sliding_window"})
                         : path == "ffn_size"                 ? r.field({"intermediate_size"})
                         : path == "moe.experts_per_token"    ? r.field(experts_per_token_keys)
                         : path == "moe.dense_layers"
                             ? r.field({"first_k_dense_replace", "mlp_only_layers", "moe_layers", "decoder_sparse_step",
                                        "moe_layer_freq", "interleave_moe_layer_step"})
                             : Field{};
    if (source) throw r.error(source.path, message);
    throw ConfigError(file, 0, 0, path, message);
  });
  return model;
}

ModelSpec import_hf_config_file(const std::string& path) {
  return import_hf_config(read_file(path), path);
}

}  // namespace llmsizer
