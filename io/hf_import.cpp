// io/hf_import.cpp — a Hugging Face config.json as a ModelSpec (the writer is io/model_yaml.cpp).
//
// Which keys are read per family, and what the importer approximates, is documented in
// docs/profiles.md#hugging-face-import.
#include "io/hf_import.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "io/config_error.hpp"
#include "io/profile_loader.hpp"
#include "io/spec_json.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {
namespace {

using Json = nlohmann::json;
using Keys = std::initializer_list<std::string_view>;

// The model/1 loader's limits (profile_loader.cpp), so that every import loads back.
constexpr std::int64_t max_layers = 10000;
constexpr std::int64_t max_hidden = 1 << 20;
constexpr std::int64_t max_heads = 1 << 16;
constexpr std::int64_t max_ffn = 1 << 24;
constexpr std::int64_t max_rank = 1 << 20;
constexpr std::int64_t max_experts = 1 << 20;
constexpr std::int64_t max_shared_experts = 1024;
constexpr std::int64_t max_vocab = 1'000'000'000;
constexpr std::int64_t max_context = 1LL << 34;
constexpr std::int64_t max_window = 1LL << 40;
constexpr std::int64_t max_mtp = 64;

// Keys read in one place and named again when a cross-field check points back at the config.
const Keys experts_per_token_keys = {"num_experts_per_tok", "experts_per_token"};

struct Position {
  int line = 0;
  int column = 0;
};

// 1-based line and byte column of `offset`; the end of input points just past the last visible character.
Position position_of(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  if (offset == text.size()) {
    while (offset > 0 && std::isspace(static_cast<unsigned char>(text[offset - 1]))) --offset;
  }
  const size_t newline = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  const size_t line_start = newline == std::string::npos ? 0 : newline + 1;
  const auto lines_before = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return {static_cast<int>(lines_before) + 1, static_cast<int>(offset - line_start) + 1};
}

ConfigError error_at_offset(const std::string& text, const std::string& file, size_t offset,
                            const std::string& message) {
  const Position at = position_of(text, offset);
  return ConfigError(file, at.line, at.column, "", message, make_source(file, text).line(at.line));
}

// "a.b[2]" → {"a", "b", "[2]"}
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts(1);
  for (char c : path) {
    if ((c == '.' || c == '[') && !parts.back().empty()) parts.emplace_back();
    if (c != '.') parts.back() += c;
  }
  return parts;
}

YAML::Mark mark_of(const YAML::Node& node, const std::vector<std::string>& parts, size_t i) {
  if (i == parts.size()) return node.Mark();
  const std::string& part = parts[i];
  if (part.front() == '[') {
    size_t index = 0;
    std::from_chars(part.data() + 1, part.data() + part.size(), index);
    if (!node.IsSequence() || index >= node.size()) return node.Mark();
    return mark_of(node[index], parts, i + 1);
  }
  if (!node.IsMap() || !node[part].IsDefined()) return node.Mark();
  return mark_of(node[part], parts, i + 1);
}

// nlohmann::json keeps no source positions. JSON is YAML flow syntax, so on the error path the text is
// read again with yaml-cpp, whose nodes carry marks; when that fails the error simply has no line.
Position locate(const std::string& text, const std::string& path) {
  try {
    const YAML::Node root = YAML::Load(text);
    const YAML::Mark mark = mark_of(root, split_path(path), 0);
    if (mark.line >= 0) return {mark.line + 1, mark.column + 1};
  } catch (const YAML::Exception&) {
  }
  return {};
}

// "[json.exception.parse_error.101] parse error at line 2, column 7: syntax error ..." → "syntax error ..."
std::string json_reason(const std::string& what) {
  std::string reason = what.substr(std::min(what.size(), what.find("] ") + 2));
  if (reason.rfind("parse error", 0) == 0 && reason.find(": ") != std::string::npos) {
    reason = reason.substr(reason.find(": ") + 2);
  }
  return reason;
}

// A value as quoted in messages; containers by kind only (dumping them recurses, and may be huge).
std::string shown(const Json& value) {
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t max_shown = 60;
  return text.size() > max_shown ? text.substr(0, max_shown) + "..." : text;
}

Json parse_json(const std::string& text, const std::string& file) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw error_at_offset(text, file, e.byte == 0 ? 0 : e.byte - 1, "JSON syntax: " + json_reason(e.what()));
  } catch (const Json::exception& e) {  // out_of_range.406: "number overflow parsing '1e400'"
    const std::string reason = json_reason(e.what());
    const size_t quote = reason.find('\'');
    const std::string literal =
        quote == std::string::npos ? "" : reason.substr(quote + 1, reason.rfind('\'') - quote - 1);
    const size_t offset = literal.empty() ? std::string::npos : text.find(literal);
    if (offset == std::string::npos) throw ConfigError(file, 0, 0, "", "JSON syntax: " + reason);
    throw error_at_offset(text, file, offset, "JSON syntax: " + reason);
  }
  if (!root.is_object()) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    throw error_at_offset(text, file, first == std::string::npos ? 0 : first,
                          "expected a JSON object (the text of a config.json), got " + shown(root));
  }
  return root;
}

struct Field {
  const Json* value = nullptr;
  std::string path;
  explicit operator bool() const { return value != nullptr; }
};

// Reads the text model's fields: those of `text_config` when present (multimodal configs), with the
// top level filling gaps. Every value is checked for type and range; missing required fields are
// collected so that one error names them all.
class Reader {
 public:
  Reader(const Json& root, const std::string& text, const std::string& file)
      : root_(root), text_model_(&root), json_text_(text), file_(file) {
    if (const Field nested = child(Field{&root, ""}, "text_config")) {
      if (!nested.value->is_object()) throw error(nested.path, "expected an object, got " + shown(*nested.value));
      text_model_ = nested.value;
      prefix_ = "text_config.";
    }
  }

  [[nodiscard]] const Json& root() const { return root_; }

  [[nodiscard]] Field child(const Field& parent, std::string_view key) const {
    const auto it = parent.value->find(key);
    if (it == parent.value->end() || it->is_null()) return {};
    return {&*it, parent.path.empty() ? std::string(key) : parent.path + "." + std::string(key)};
  }

  /// The first of `keys` present (and not null), in the text model, then at the top level.
  [[nodiscard]] Field field(Keys keys) const {
    for (std::string_view key : keys) {
      if (const Field f = child(Field{text_model_, prefix_.empty() ? "" : "text_config"}, key)) return f;
      if (text_model_ != &root_) {
        if (const Field f = child(Field{&root_, ""}, key)) return f;
      }
    }
    return {};
  }

  [[nodiscard]] std::int64_t integer_at(const Field& f, std::int64_t min, std::int64_t max) const {
    const char* expected = min > 0 ? "a positive integer" : "a non-negative integer";
    const Json& v = *f.value;
    const double x = v.is_number() ? v.get<double>() : 0.0;
    if (!v.is_number() || !std::isfinite(x) || std::floor(x) != x || x < static_cast<double>(min)) {
      throw error(f.path, fmt::format("expected {}, got {}", expected, shown(v)));
    }
    if (x > static_cast<double>(max)) throw error(f.path, fmt::format("{} is too large (at most {})", shown(v), max));
    return static_cast<std::int64_t>(x);
  }

  [[nodiscard]] std::string string_at(const Field& f) const {
    if (!f.value->is_string()) throw error(f.path, "expected a string, got " + shown(*f.value));
    return f.value->get<std::string>();
  }

  [[nodiscard]] bool bool_at(const Field& f) const {
    if (!f.value->is_boolean()) throw error(f.path, "expected true or false, got " + shown(*f.value));
    return f.value->get<bool>();
  }

  [[nodiscard]] std::optional<std::int64_t> count(Keys keys, std::int64_t min, std::int64_t max) const {
    const Field f = field(keys);
    if (!f) return std::nullopt;
    return integer_at(f, min, max);
  }

  /// A positive integer; when absent, the first key is recorded as missing and 0 returned.
  std::int64_t required(Keys keys, std::int64_t max) {
    if (auto value = count(keys, 1, max)) return *value;
    const std::string name = prefix_ + std::string(*keys.begin());
    if (std::find(missing_.begin(), missing_.end(), name) == missing_.end()) missing_.push_back(name);
    return 0;
  }

  [[nodiscard]] bool flag(Keys keys, bool fallback) const {
    const Field f = field(keys);
    return f ? bool_at(f) : fallback;
  }

  [[nodiscard]] std::string text(Keys keys) const {
    const Field f = field(keys);
    return f ? string_at(f) : std::string();
  }

  [[nodiscard]] std::string architecture() const {
    const auto it = root_.find("architectures");
    if (it == root_.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return {};
    return (*it)[0].get<std::string>();
  }

  /// The top-level model_type (for multimodal configs the whole checkpoint's), else the text model's.
  [[nodiscard]] std::string model_type(bool text_first) const {
    const Json* first = text_first ? text_model_ : &root_;
    for (const Json* config : {first, text_first ? &root_ : text_model_}) {
      const auto it = config->find("model_type");
      if (it != config->end() && it->is_string()) return it->get<std::string>();
    }
    return {};
  }

  [[nodiscard]] std::string describe() const {
    const std::string arch = architecture();
    const std::string type = model_type(false);
    if (arch.empty()) return type.empty() ? "this config" : fmt::format("model_type '{}'", type);
    return type.empty() ? fmt::format("architecture '{}'", arch)
                        : fmt::format("architecture '{}' (model_type '{}')", arch, type);
  }

  void throw_if_missing() const {
    if (missing_.empty()) return;
    std::string list;
    for (const std::string& name : missing_) list += (list.empty() ? "" : ", ") + name;
    throw ConfigError(file_, 0, 0, "", fmt::format("cannot import {}: missing {}", describe(), list));
  }

  [[nodiscard]] ConfigError error(const std::string& path, const std::string& message) const {
    constexpr size_t max_located_bytes = 16u << 20;  // re-reading a huge text for a line number is not worth it
    const Position at = json_text_.size() <= max_located_bytes ? locate(json_text_, path) : Position{};
    return ConfigError(file_, at.line, at.column, path, message, make_source(file_, json_text_).line(at.line));
  }

 private:
  const Json& root_;
  const Json* text_model_;
  std::string prefix_;
  const std::string& json_text_;
  const std::string& file_;
  std::vector<std::string> missing_;
};

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
  m.hidden_size = static_cast<int>(r.required({"hidden_size"}, max_hidden));
  m.num_layers = static_cast<int>(r.required({"num_hidden_layers", "num_layers"}, max_layers));
  m.num_heads = static_cast<int>(r.required({"num_attention_heads"}, max_heads));
  m.vocab_size = r.required({"vocab_size"}, max_vocab);
  m.max_context = r.required({"max_position_embeddings", "seq_length", "max_sequence_length"}, max_context);
  m.tied_embeddings = r.flag({"tie_word_embeddings"}, t.tied_by_default);
  m.mtp_layers = static_cast<int>(r.count({"num_nextn_predict_layers", "num_mtp_modules"}, 0, max_mtp).value_or(0));
}

int head_dim(const Reader& r, const ModelSpec& m) {
  if (auto dim = r.count({"head_dim"}, 1, max_heads)) return static_cast<int>(*dim);
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
    mla.q_lora_rank = static_cast<int>(r.count({"q_lora_rank"}, 0, max_rank).value_or(0));
    mla.kv_lora_rank = static_cast<int>(r.required({"kv_lora_rank"}, max_rank));
    mla.qk_nope_head_dim = static_cast<int>(r.required({"qk_nope_head_dim"}, max_heads));
    mla.qk_rope_head_dim = static_cast<int>(r.required({"qk_rope_head_dim"}, max_heads));
    mla.v_head_dim = static_cast<int>(r.required({"v_head_dim"}, max_heads));
    m.attention = mla;
  } else {
    GqaAttention gqa;
    gqa.num_kv_heads = static_cast<int>(r.count({"num_key_value_heads"}, 1, max_heads).value_or(m.num_heads));
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
  if (r.count({"sliding_window"}, 0, max_window).value_or(0) == 0) return kinds;
  std::int64_t first_sliding = 0;
  std::int64_t period = t.sliding_period;
  if (const Field use = r.field({"use_sliding_window"})) {
    if (!r.bool_at(use)) return kinds;
    first_sliding = r.count({"max_window_layers"}, 0, max_layers).value_or(0);
  } else if (auto pattern = r.count({"sliding_window_pattern"}, 1, max_layers)) {
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
    m.sliding_window = r.required({"sliding_window"}, max_window);
  }
}

std::vector<std::int64_t> layer_list(const Reader& r, const Field& f, int layers) {
  if (!f.value->is_array()) throw r.error(f.path, "expected a list of layer indices, got " + shown(*f.value));
  std::vector<std::int64_t> out;
  for (size_t i = 0; i < f.value->size(); ++i) {
    out.push_back(
        r.integer_at(Field{&(*f.value)[i], fmt::format("{}[{}]", f.path, i)}, 0, layers > 0 ? layers - 1 : max_layers));
  }
  return out;
}

// HF modeling code: Qwen2/3-MoE (decoder_sparse_step, mlp_only_layers), DeepSeek/GLM/Kimi
// (first_k_dense_replace, moe_layer_freq), Llama 4 (interleave_moe_layer_step, or moe_layers listed).
std::vector<bool> moe_layer_mask(const Reader& r, int layers) {
  const std::int64_t step = r.count({"decoder_sparse_step"}, 1, max_layers).value_or(1);
  const std::int64_t interleave = r.count({"interleave_moe_layer_step"}, 1, max_layers).value_or(1);
  const std::int64_t first_moe = r.count({"first_k_dense_replace"}, 0, max_layers).value_or(0);
  const std::int64_t freq = r.count({"moe_layer_freq"}, 1, max_layers).value_or(1);
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
  moe.experts_per_token = static_cast<int>(r.required(experts_per_token_keys, max_experts));
  moe.expert_ffn_size = static_cast<int>(r.required({"moe_intermediate_size", "intermediate_size"}, max_ffn));
  moe.shared_expert_ffn_size = moe.expert_ffn_size;
  if (auto shared = r.count({"n_shared_experts", "num_shared_experts"}, 0, max_shared_experts)) {
    moe.num_shared_experts = static_cast<int>(*shared);
  } else if (auto width = r.count({"shared_expert_intermediate_size", "shared_intermediate_size"}, 0, max_ffn);
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
      r.count({"n_routed_experts", "num_local_experts", "num_experts"}, 0, max_experts).value_or(0);
  m.layer_is_moe.assign(static_cast<size_t>(m.num_layers), false);
  if (experts > 0) {
    m.moe = read_moe_spec(r, experts, t);
    m.layer_is_moe = moe_layer_mask(r, m.num_layers);
  }
  const bool any_dense = !m.moe || std::count(m.layer_is_moe.begin(), m.layer_is_moe.end(), false) > 0;
  if (!any_dense) return;
  if (auto dense_width = r.count({"intermediate_size_mlp"}, 1, max_ffn); dense_width && m.moe) {
    m.ffn_size = static_cast<int>(*dense_width);  // Llama 4: intermediate_size is the expert width
  } else {
    m.ffn_size = static_cast<int>(r.required({"intermediate_size"}, max_ffn));
  }
}

Precision dtype_precision(const Reader& r) {
  const Field f = r.field({"torch_dtype", "dtype"});
  if (!f) return Precision::bf16;  // documented default: almost every released checkpoint is BF16
  std::string dtype = r.string_at(f);
  if (dtype.rfind("torch.", 0) == 0) dtype = dtype.substr(6);
  if (dtype == "bfloat16") return Precision::bf16;
  if (dtype == "float16" || dtype == "half") return Precision::fp16;
  if (dtype == "float32" || dtype == "float") return Precision::fp32;
  if (dtype.rfind("float8", 0) == 0) return Precision::fp8;
  throw r.error(f.path, fmt::format("unknown dtype '{}' (expected bfloat16, float16 or float32)", dtype));
}

Field required_child(const Reader& r, const Field& parent, std::string_view key) {
  const Field f = r.child(parent, key);
  if (!f) throw r.error(parent.path, fmt::format("missing {}", key));
  return f;
}

Precision bits_precision(const Reader& r, const Field& q, const std::string& method) {
  const Field bits = required_child(r, q, "bits");
  const std::int64_t n = r.integer_at(bits, 1, 64);
  if (n == 4) return Precision::int4;
  if (n == 8) return Precision::int8;
  throw r.error(bits.path, fmt::format("{}-bit {} is not supported (expected 4 or 8)", n, method));
}

Precision modelopt_precision(const Reader& r, const Field& q) {
  const Field algo = required_child(r, q, "quant_algo");
  const std::string name = r.string_at(algo);
  if (name == "NVFP4" || name == "NVFP4_AWQ") return Precision::nvfp4;
  if (name == "FP8" || name == "FP8_BLOCK_SCALES") return Precision::fp8;
  if (name == "W4A16_AWQ" || name == "W4A8_AWQ") return Precision::int4;
  throw r.error(algo.path, fmt::format("unsupported ModelOpt algorithm '{}' (expected NVFP4, FP8, W4A16_AWQ or "
                                       "W4A8_AWQ)",
                                       name));
}

// The first quantization group's weight scheme (approximation: later groups are ignored).
Precision compressed_tensors_precision(const Reader& r, const Field& q) {
  const Field groups = required_child(r, q, "config_groups");
  if (!groups.value->is_object() || groups.value->empty()) {
    throw r.error(groups.path, "expected a non-empty object of quantization groups");
  }
  const Field group{&groups.value->begin().value(), groups.path + "." + groups.value->begin().key()};
  if (!group.value->is_object()) throw r.error(group.path, "expected an object");
  const Field weights = required_child(r, group, "weights");
  if (!weights.value->is_object()) throw r.error(weights.path, "expected an object");
  const std::int64_t bits = r.integer_at(required_child(r, weights, "num_bits"), 1, 64);
  const std::string type = r.string_at(required_child(r, weights, "type"));
  if (type == "float" && bits == 8) return Precision::fp8;
  if (type == "float" && bits == 4) return Precision::nvfp4;
  if (type == "int" && bits == 8) return Precision::int8;
  if (type == "int" && bits == 4) return Precision::int4;
  throw r.error(weights.path, fmt::format("unsupported weight scheme {} {}-bit (expected float 8, float 4, int 8 or "
                                          "int 4)",
                                          type, bits));
}

Precision quant_precision(const Reader& r, const Field& q, const Field& method_field) {
  const std::string method = r.string_at(method_field);
  if (method == "fp8" || method == "fbgemm_fp8") return Precision::fp8;
  if (method == "mxfp4") return Precision::mxfp4;
  if (method == "modelopt") return modelopt_precision(r, q);
  if (method == "awq" || method == "gptq") return bits_precision(r, q, method);
  if (method == "compressed-tensors") return compressed_tensors_precision(r, q);
  if (method == "bitsandbytes") {
    if (const Field four = r.child(q, "load_in_4bit"); four && r.bool_at(four)) return Precision::int4;
    if (const Field eight = r.child(q, "load_in_8bit"); eight && r.bool_at(eight)) return Precision::int8;
    throw r.error(q.path, "bitsandbytes without load_in_4bit or load_in_8bit");
  }
  throw r.error(method_field.path, fmt::format("unsupported quantization method '{}' (expected fp8, fbgemm_fp8, mxfp4, "
                                               "modelopt, awq, gptq, compressed-tensors or bitsandbytes)",
                                               method));
}

// Checkpoints that quantize only the experts list the attention modules as not converted.
bool attention_not_converted(const Reader& r, const Field& q) {
  for (std::string_view key : {"modules_to_not_convert", "ignore"}) {
    const Field list = r.child(q, key);
    if (!list || !list.value->is_array()) continue;
    for (const Json& item : *list.value) {
      if (!item.is_string()) continue;
      const std::string& module = item.get_ref<const std::string&>();
      if (module.find("attn") != std::string::npos || module.find("attention") != std::string::npos) return true;
    }
  }
  return false;
}

void read_precision(const Reader& r, ModelSpec& m) {
  m.weights_precision = dtype_precision(r);
  m.experts_precision = m.weights_precision;
  const Field q = r.field({"quantization_config"});
  if (!q) return;
  if (!q.value->is_object()) throw r.error(q.path, "expected an object, got " + shown(*q.value));
  const Field method = required_child(r, q, "quant_method");
  const Precision quantized = quant_precision(r, q, method);
  m.experts_precision = quantized;
  const bool experts_only = r.string_at(method) == "mxfp4" || (m.is_moe() && attention_not_converted(r, q));
  if (!experts_only) m.weights_precision = quantized;
}

}  // namespace

ModelSpec import_hf_config(const std::string& json_text, const std::string& file) {
  const Json root = parse_json(json_text, file);
  Reader r(root, json_text, file);
  const FamilyTraits traits = family_traits(r.model_type(true));
  ModelSpec model;
  read_identity(r, file, model);
  read_core(r, model, traits);
  read_attention(r, model, traits);
  read_layer_kinds(r, model, traits);
  read_ffn(r, model, traits);
  r.throw_if_missing();
  read_precision(r, model);
  validate_model(model, [&](const std::string& path, const std::string& message) {
    // The model/1 field the check names, as the config.json keys it was read from (the key lists of
    // the read_* functions above), so that the error points at the line to fix.
    const Field source = path == "num_kv_heads"               ? r.field({"num_key_value_heads"})
                         : path == "attention.sliding_window" ? r.field({"sliding_window"})
                         : path == "ffn_size"                 ? r.field({"intermediate_size"})
                         : path == "moe.experts_per_token"    ? r.field(experts_per_token_keys)
                         : path == "moe.dense_layers"         ? r.field({"first_k_dense_replace", "mlp_only_layers",
                                                                         "moe_layers", "decoder_sparse_step",
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
