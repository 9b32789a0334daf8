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
#include <cmath>
#include <filesystem>

#include "base/ascii.hpp"
#include "io/config_error.hpp"
#include "io/hf_keys.hpp"
#include "io/hf_moe.hpp"
#include "io/hf_precision.hpp"
#include "io/hf_reader.hpp"
#include "io/hf_vision.hpp"
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

// What a family's modeling code fixes rather than its config spelling out.
struct FamilyTraits {
  bool qkv_bias = false;            // Qwen2 family: q/k/v projections always carry biases
  bool qk_norm = false;             // Qwen3 family, EXAONE 4: RMSNorm on each query and key head
  bool bias_only_qkv = false;       // GLM-4 MoE: attention_bias covers q/k/v but not o_proj
  bool weightless_qk_norm = false;  // Llama 4: use_qk_norm is an L2 norm without weights
  hf::MoeTraits moe;                // what the family fixes about its experts (io/hf_moe.hpp)
  bool output_gate = false;         // Qwen3-Next: q_proj doubled, half of it gating the attention output
  bool tied_by_default = false;     // Gemma: configs omit tie_word_embeddings (PretrainedConfig's true)
  std::int64_t sliding_period = 0;  // Gemma 2: even layers slide, odd layers are full
  bool slides_every_layer = false;  // Mistral, Mixtral: sliding_window alone applies to every layer
  // Gemma 3: max_position_embeddings (131,072) is already the reach of its rope_scaling (linear factor
  // 8 over the 32K pre-training window, Gemma 3 report arXiv 2503.19786 §2.1), not a window to stretch.
  bool rope_scaling_included = false;
};

FamilyTraits family_traits(std::string_view type) {
  FamilyTraits t;
  t.qkv_bias = type.starts_with("qwen2");
  t.qk_norm = type.starts_with("qwen3") || type.starts_with("gemma3") || type == "exaone4";
  t.bias_only_qkv = type == "glm4_moe";
  t.moe.router_bias = type == "glm4_moe" || type == "gpt_oss";
  t.moe.expert_bias = type == "gpt_oss";
  t.moe.shared_expert = type.starts_with("llama4");
  t.moe.shortcut_moe = type.starts_with("longcat_flash");
  t.weightless_qk_norm = type.starts_with("llama4");
  t.output_gate = type == "qwen3_next";
  t.tied_by_default = type.starts_with("gemma");
  t.sliding_period = type.starts_with("gemma2") ? 2 : 0;
  t.slides_every_layer = type == "mistral" || type == "mixtral";
  t.rope_scaling_included = type.starts_with("gemma3");
  return t;
}

std::string sanitized_name(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    c = ascii_lower(c);
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
      static_cast<int>(r.count({"num_nextn_predict_layers", "num_mtp_modules", "mtp_num_hidden_layers"}, 0, max_of("mtp_layers")).value_or(0));
}

int head_dim(const Reader& r, const ModelSpec& m) {
  if (auto dim = r.count({"head_dim", "attention_head_dim"}, 1, max_of("head_dim"))) return static_cast<int>(*dim);
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
  const bool bias = r.flag({"attention_bias", "use_bias"}, false);  // ERNIE 4.5: use_bias
  m.qkv_bias = t.qkv_bias || bias;
  m.o_bias = bias && !t.bias_only_qkv;
  m.qk_norm = !t.weightless_qk_norm && r.flag({"use_qk_norm"}, t.qk_norm);
  m.output_gate = r.flag({"attn_output_gate"}, t.output_gate);
}

// `layer_types` (full_attention, sliding_attention, linear_attention) or MiniMax's `attn_type_list`
// (0 = lightning, i.e. linear, attention; 1 = softmax attention).
std::vector<LayerAttention> kinds_from_list(const Reader& r, const Field& f, int layers) {
  const bool minimax = f.path.ends_with("attn_type_list");
  const std::vector<std::pair<Json, LayerAttention>> names =
      minimax ? std::vector<std::pair<Json, LayerAttention>>{{0, LayerAttention::linear}, {1, LayerAttention::full}}
              : std::vector<std::pair<Json, LayerAttention>>{{"full_attention", LayerAttention::full},
                                                             {"sliding_attention", LayerAttention::sliding},
                                                             {"chunked_attention", LayerAttention::chunked},
                                                             {"linear_attention", LayerAttention::linear}};
  const char* expected = minimax ? "0 (linear) or 1 (full)"
                                 : "full_attention, sliding_attention, chunked_attention or linear_attention";
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

// EXAONE 4's sliding_window_pattern written as letters, "LLLG": L a local (sliding) layer, G a
// global (full) one, repeated from layer 0.
std::vector<LayerAttention> kinds_from_letters(const Reader& r, const Field& f, int layers) {
  const std::string letters = r.string_at(f);
  if (letters.empty() || letters.find_first_not_of("LG") != std::string::npos) {
    throw r.error(f.path, fmt::format("expected a number or letters L (local) and G (global), got {}", shown(*f.value)));
  }
  std::vector<LayerAttention> kinds(static_cast<size_t>(layers));
  for (size_t i = 0; i < kinds.size(); ++i) {
    kinds[i] = letters[i % letters.size()] == 'L' ? LayerAttention::sliding : LayerAttention::full;
  }
  return kinds;
}

// Qwen3-Next's full_attention_interval N: every N-th layer is full attention, the others Gated
// DeltaNet (HF Qwen3NextConfig: layer_types from (i + 1) % N).
std::vector<LayerAttention> kinds_from_interval(std::int64_t interval, int layers) {
  std::vector<LayerAttention> kinds(static_cast<size_t>(layers), LayerAttention::linear);
  for (std::int64_t i = interval - 1; i < layers; i += interval) kinds[static_cast<size_t>(i)] = LayerAttention::full;
  return kinds;
}

// Without layer_types: Qwen2 opts in with use_sliding_window (layers >= max_window_layers slide),
// Gemma makes every sliding_window_pattern-th layer full (Gemma 2: every second), Mistral slides in
// every layer. A family not known to slide everywhere gets Mistral's reading with a warning.
std::vector<LayerAttention> kinds_from_sliding_window(const Reader& r, int layers, const FamilyTraits& t,
                                                      std::vector<std::string>& warnings) {
  std::vector<LayerAttention> kinds(static_cast<size_t>(layers), LayerAttention::full);
  const std::int64_t window = r.count({"sliding_window"}, 0, max_of("attention.sliding_window")).value_or(0);
  if (window == 0) return kinds;
  std::int64_t first_sliding = 0;
  std::int64_t period = t.sliding_period;
  if (const Field use = r.field({"use_sliding_window"})) {
    if (!r.bool_at(use)) return kinds;
    first_sliding = r.count({"max_window_layers"}, 0, max_of("num_layers")).value_or(0);
  } else if (const Field pattern = r.field({"sliding_window_pattern"}); pattern && pattern.value->is_string()) {
    return kinds_from_letters(r, pattern, layers);
  } else if (pattern) {
    period = r.integer_at(pattern, 1, max_of("num_layers"));
  } else if (period == 0 && !t.slides_every_layer) {
    warnings.push_back(fmt::format(
        "{}sliding_window ({}) was applied to every layer, as Mistral does: model_type '{}' is not known to, and "
        "no layer_types, use_sliding_window or sliding_window_pattern says which layers slide; if only some do, "
        "the KV cache is larger than estimated",
        r.text_prefix(), window, r.model_type(true).empty() ? "(none)" : r.model_type(true)));
  }
  for (std::int64_t i = first_sliding; i < layers; ++i) {
    if (period == 0 || (i + 1) % period != 0) kinds[static_cast<size_t>(i)] = LayerAttention::sliding;
  }
  return kinds;
}

// Llama 4: with attention_chunk_size, the RoPE layers attend within chunks and the NoPE layers
// (no_rope_layers[i] == 0; by default every no_rope_layer_interval-th, 4) attend to everything (HF
// Llama4TextConfig: an empty or absent no_rope_layers takes the default).
std::vector<LayerAttention> kinds_from_chunks(const Reader& r, int layers) {
  std::vector<LayerAttention> kinds(static_cast<size_t>(layers), LayerAttention::chunked);
  const Field rope = r.field({"no_rope_layers"});
  if (rope && !(rope.value->is_array() && rope.value->empty())) {
    if (!rope.value->is_array() || rope.value->size() != static_cast<size_t>(layers)) {
      const std::string got =
          rope.value->is_array() ? fmt::format("{} entries", rope.value->size()) : shown(*rope.value);
      throw r.error(rope.path, fmt::format("expected a list of {} entries (1: RoPE and chunked, 0: NoPE and full), "
                                           "got {}", layers, got));
    }
    for (size_t i = 0; i < kinds.size(); ++i) {
      if (r.integer_at(Field{&(*rope.value)[i], fmt::format("{}[{}]", rope.path, i)}, 0, 1) == 0) {
        kinds[i] = LayerAttention::full;
      }
    }
    return kinds;
  }
  constexpr std::int64_t default_nope_interval = 4;  // Llama4TextConfig.no_rope_layer_interval
  const std::int64_t interval =
      r.count({"no_rope_layer_interval"}, 1, max_of("num_layers")).value_or(default_nope_interval);
  for (std::int64_t i = interval - 1; i < layers; i += interval) kinds[static_cast<size_t>(i)] = LayerAttention::full;
  return kinds;
}

void read_layer_kinds(Reader& r, ModelSpec& m, const FamilyTraits& t) {
  if (const Field types = r.field({"layer_types", "attn_type_list"})) {
    m.layer_attention = kinds_from_list(r, types, m.num_layers);
  } else if (r.count({"attention_chunk_size"}, 0, max_of("attention.chunk_size")).value_or(0) > 0) {
    m.layer_attention = kinds_from_chunks(r, m.num_layers);
  } else if (auto interval = r.count({"full_attention_interval"}, 1, max_of("num_layers"))) {
    m.layer_attention = kinds_from_interval(*interval, m.num_layers);
  } else {
    m.layer_attention = kinds_from_sliding_window(r, m.num_layers, t, m.warnings);
  }
  if (std::count(m.layer_attention.begin(), m.layer_attention.end(), LayerAttention::sliding) > 0) {
    m.sliding_window = r.required({"sliding_window"}, max_of("attention.sliding_window"));
  }
  if (std::count(m.layer_attention.begin(), m.layer_attention.end(), LayerAttention::chunked) > 0) {
    m.attention_chunk = r.required({"attention_chunk_size"}, max_of("attention.chunk_size"));
  }
}

// Gated DeltaNet layers (Qwen3-Next): their own heads and convolution. Without these keys linear
// layers keep the softmax attention's shape (MiniMax's lightning attention).
void read_linear_attention(Reader& r, ModelSpec& m) {
  const bool any_linear = std::count(m.layer_attention.begin(), m.layer_attention.end(), LayerAttention::linear) > 0;
  if (!any_linear || !r.field({"linear_num_value_heads", "linear_num_key_heads"})) return;
  LinearAttentionSpec la;
  la.num_key_heads = static_cast<int>(r.required({"linear_num_key_heads"}, max_of("linear_attention.num_key_heads")));
  la.num_value_heads = static_cast<int>(r.required({"linear_num_value_heads"}, max_of("linear_attention.num_value_heads")));
  la.key_head_dim = static_cast<int>(r.required({"linear_key_head_dim"}, max_of("linear_attention.key_head_dim")));
  la.value_head_dim = static_cast<int>(r.required({"linear_value_head_dim"}, max_of("linear_attention.value_head_dim")));
  la.conv_kernel = static_cast<int>(r.required({"linear_conv_kernel_dim"}, max_of("linear_attention.conv_kernel")));
  m.linear_attention = la;
}

// DeepSeek-V3.2's lightning indexer (index_n_heads, index_head_dim, index_topk).
void read_sparse_attention(Reader& r, ModelSpec& m) {
  if (!r.field({"index_topk"})) return;
  SparseAttentionSpec sa;
  sa.index_heads = static_cast<int>(r.required({"index_n_heads"}, max_of("sparse_attention.index_heads")));
  sa.index_head_dim = static_cast<int>(r.required({"index_head_dim"}, max_of("sparse_attention.index_head_dim")));
  sa.index_topk = r.required({"index_topk"}, max_of("sparse_attention.index_topk"));
  m.sparse_attention = sa;
}

// RoPE scaling (`rope_scaling`, or `rope_parameters` in newer configs): YaRN, linear and dynamic NTK
// stretch positions by `factor` over the pre-training window, `original_max_position_embeddings`
// when the config names it (DeepSeek-V3: 4,096 x 40 = its 163,840 max_position_embeddings), else
// max_position_embeddings (Qwen2.5's model card adds YaRN factor 4 to a 32,768-token config). Only
// a reach beyond max_position_embeddings is recorded: that is what a request may use with a warning.
void read_rope_scaling(const Reader& r, ModelSpec& m, const FamilyTraits& t) {
  if (t.rope_scaling_included) return;
  const Field scaling = r.field({"rope_scaling", "rope_parameters"});
  if (!scaling || !scaling.value->is_object()) return;
  const Field factor = r.child(scaling, "factor");
  if (!factor) return;
  Field kind = r.child(scaling, "rope_type");
  if (!kind) kind = r.child(scaling, "type");
  const std::string type = kind ? r.string_at(kind) : "rope";
  const double stretch = r.number_at(factor, 0.0, static_cast<double>(max_of("max_context")));
  if (type == "default" || stretch <= 1.0) return;
  const Field original = r.child(scaling, "original_max_position_embeddings");
  const std::int64_t window = original ? r.integer_at(original, 1, max_of("max_context")) : m.max_context;
  const auto reach = static_cast<std::int64_t>(std::floor(static_cast<double>(window) * stretch));
  if (reach <= m.max_context) return;
  m.rope_extended_context = std::min(reach, max_of("rope_extended_context"));
  m.rope_scaling = fmt::format("{} factor {:g}", type, stretch);
}

}  // namespace

ModelSpec import_hf_config(const std::string& json_text, const std::string& file) {
  const Json root = hf::parse_json(json_text, file);
  Reader r(root, json_text, file);
  hf::check_misspelt_keys(r);
  const FamilyTraits traits = family_traits(r.model_type(true));
  ModelSpec model;
  read_identity(r, file, model);
  read_core(r, model, traits);
  read_rope_scaling(r, model, traits);
  read_attention(r, model, traits);
  read_layer_kinds(r, model, traits);
  read_linear_attention(r, model);
  read_sparse_attention(r, model);
  hf::read_ffn(r, model, traits.moe);
  r.throw_if_missing();
  hf::read_precision(r, model);
  validate_model(model, [&](const std::string& path, const std::string& message) {
    // The model/1 field the check names, as the config.json keys it was read from (the key lists of
    // the read_* functions above), so that the error points at the line to fix.
    const Field source = path == "num_kv_heads"               ? r.field({"num_key_value_heads"})
                         : path == "attention.sliding_window" ? r.field({"sliding_window"})
                                                              : hf::moe_source_field(r, path);
    if (source) throw r.error(source.path, message);
    throw ConfigError(file, 0, 0, path, message);
  });
  const std::vector<std::string> key_warnings = hf::import_warnings(r);
  model.warnings.insert(model.warnings.begin(), key_warnings.begin(), key_warnings.end());
  hf::VisionTower vision = hf::read_vision_tower(r, model.hidden_size);
  model.vision_params = vision.params;
  model.warnings.insert(model.warnings.end(), vision.warnings.begin(), vision.warnings.end());
  return model;
}

ModelSpec import_hf_config_file(const std::string& path) {
  return import_hf_config(read_file(path), path);
}

}  // namespace llmsizer
