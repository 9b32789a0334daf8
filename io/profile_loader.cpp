#include "io/profile_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace llmsizer {
namespace {

constexpr std::int64_t max_count = 1'000'000'000;

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

/// The keys of a profile and, for keys holding a map, the keys of that map; a `sources` field may
/// name either ("dense_tflops" or "dense_tflops.bf16").
struct ProfileKeys {
  std::vector<std::string_view> top;
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> children;
};

/// nullopt when a `sources` field names a field of the profile (or is "*"); otherwise the end of
/// the error message ("" or a did-you-mean).
std::optional<std::string> unknown_source_field(const std::string& field, const ProfileKeys& keys) {
  if (field == "*") return std::nullopt;
  const size_t dot = field.find('.');
  const std::string top = field.substr(0, dot);
  if (std::find(keys.top.begin(), keys.top.end(), top) == keys.top.end()) {
    const std::string suggestion = closest_match(top, keys.top);
    return suggestion.empty() ? std::string() : fmt::format("; did you mean '{}'?", suggestion);
  }
  if (dot == std::string::npos) return std::nullopt;
  const std::string sub = field.substr(dot + 1);
  for (const auto& [parent, children] : keys.children) {
    if (parent != top) continue;
    if (std::find(children.begin(), children.end(), sub) != children.end()) return std::nullopt;
    const std::string suggestion = closest_match(sub, children);
    return suggestion.empty() ? std::string() : fmt::format("; did you mean '{}.{}'?", top, suggestion);
  }
  return fmt::format("; {} has no sub-fields", top);
}

std::vector<Citation> parse_sources(const MapReader& doc, const ProfileKeys& keys) {
  const YAML::Node list = doc.require("sources");
  if (!list.IsSequence() || list.size() == 0) {
    throw doc.error("sources", "expected a non-empty list of {fields, cite}");
  }
  std::vector<Citation> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const MapReader entry(list[i], fmt::format("sources[{}]", i), doc.source(), {"fields", "cite"});
    Citation c{entry.string_list("fields"), entry.string("cite")};
    if (c.fields.empty()) throw entry.error("fields", "list the fields this source covers (or \"*\")");
    for (size_t f = 0; f < c.fields.size(); ++f) {
      const std::optional<std::string> why = unknown_source_field(c.fields[f], keys);
      if (!why) continue;
      throw entry.error_at(entry.get("fields")[f], fmt::format("sources[{}].fields[{}]", i, f),
                           fmt::format("'{}' is not a field of this profile{}", c.fields[f], *why));
    }
    out.push_back(std::move(c));
  }
  return out;
}

/// The header every profile kind carries (name, display_name, aliases, notes, sources) and its file,
/// written into `spec` (a GpuSpec or ModelSpec).
template <class Spec>
void parse_header(const MapReader& doc, const ProfileKeys& keys, Spec& spec) {
  spec.name = doc.string("name");
  if (!valid_name(spec.name)) {
    throw doc.error("name", "must be lower-case letters, digits, '-', '_' or '.' (it is the file name)");
  }
  const std::string stem = std::filesystem::path(doc.source().file).stem().string();
  if (!doc.source().file.empty() && doc.source().file != "-" && stem != spec.name) {
    throw doc.error("name", fmt::format("'{}' does not match the file name '{}.yaml'", spec.name, stem));
  }
  spec.display_name = doc.string_or("display_name", spec.name);
  spec.aliases = doc.string_list("aliases");
  spec.notes = doc.string_or("notes", "");
  spec.sources = parse_sources(doc, keys);
  spec.file = doc.source().file;
}

bool covered(const std::vector<Citation>& sources, const std::string& key) {
  for (const Citation& c : sources) {
    for (const std::string& f : c.fields) {
      if (f == "*" || f == key || f.rfind(key + ".", 0) == 0) return true;
    }
  }
  return false;
}

void require_sources_for(const MapReader& doc, const std::vector<Citation>& sources,
                         const std::vector<std::string_view>& numeric_keys) {
  for (std::string_view key : numeric_keys) {
    if (doc.has(key) && !covered(sources, std::string(key))) {
      throw doc.error(key, "no entry in sources covers this field; every number needs a source");
    }
  }
}

// ---------------------------------------------------------------- gpu/1

const std::vector<std::string_view> gpu_keys = {"schema",
                                                "name",
                                                "display_name",
                                                "aliases",
                                                "vendor",
                                                "generation",
                                                "launch_year",
                                                "memory_gb",
                                                "memory_visible_gib",
                                                "memory_bw_gbps",
                                                "dense_tflops",
                                                "scale_up",
                                                "scale_out_bw_gbps_per_dir",
                                                "gpus_per_node",
                                                "tdp_w",
                                                "prices",
                                                "notes",
                                                "sources"};
const std::vector<std::string_view> dense_tflops_keys(compute_type_names.begin(), compute_type_names.end());
const std::vector<std::string_view> scale_up_keys = {"kind", "domain_gpus", "bw_gbps_per_dir", "latency_us"};
const ProfileKeys gpu_profile_keys = {gpu_keys, {{"dense_tflops", dense_tflops_keys}, {"scale_up", scale_up_keys}}};

LinkSpec parse_scale_up(const MapReader& doc) {
  const MapReader link = doc.map("scale_up", scale_up_keys);
  LinkSpec spec;
  spec.kind = link.string("kind");
  spec.domain_gpus = static_cast<int>(link.integer("domain_gpus", 1, 100000));
  spec.bandwidth_per_direction =
      gigabytes_per_second(link.number("bw_gbps_per_dir", {0.1, 20000, false, "GB/s", "MB/s", "TB/s"}));
  if (auto latency = link.optional_number("latency_us", {0, 1000, true, "us"})) spec.latency = microseconds(*latency);
  return spec;
}

std::vector<PricePoint> parse_prices(const MapReader& doc) {
  std::vector<PricePoint> prices;
  if (!doc.has("prices")) return prices;
  const YAML::Node list = doc.get("prices");
  if (!list.IsSequence()) throw doc.error("prices", "expected a list of {label, usd_per_gpu_hour, source, date}");
  for (size_t i = 0; i < list.size(); ++i) {
    const MapReader p(list[i], fmt::format("prices[{}]", i), doc.source(),
                      {"label", "usd_per_gpu_hour", "source", "date"});
    PricePoint price{p.string("label"), usd(p.number("usd_per_gpu_hour", {0, 1000, true, "$/GPU-hour"})),
                     p.string("source"), p.string("date")};
    for (const PricePoint& other : prices) {
      if (edit_distance(other.label, price.label) == 0) throw p.error("label", "duplicate price label");
    }
    prices.push_back(std::move(price));
  }
  return prices;
}

}  // namespace

ProfileKind profile_kind(const YAML::Node& root) {
  if (!root.IsMap()) return ProfileKind::unknown;
  const YAML::Node schema = root["schema"];
  if (!schema.IsDefined() || !schema.IsScalar()) return ProfileKind::unknown;
  const std::string kind = schema.Scalar().substr(0, schema.Scalar().find('/'));
  if (kind == "gpu") return ProfileKind::gpu;
  if (kind == "model") return ProfileKind::model;
  if (kind == "calibration") return ProfileKind::calibration;
  if (kind == "measurements") return ProfileKind::measurements;
  return ProfileKind::unknown;
}

GpuSpec parse_gpu(const YAML::Node& root, const SourceText& source) {
  const MapReader doc(root, "", source, gpu_keys);
  if (doc.string("schema") != "gpu/1") throw doc.error("schema", "expected 'gpu/1'");
  GpuSpec gpu;
  parse_header(doc, gpu_profile_keys, gpu);
  gpu.vendor = doc.string("vendor");
  gpu.generation = doc.string("generation");
  gpu.launch_year = static_cast<int>(doc.integer("launch_year", 1990, 2100));
  gpu.memory = gigabytes(doc.number("memory_gb", {1, 2000, false, "GB", "MB", "TB"}));
  if (auto visible = doc.optional_number("memory_visible_gib", {1, 2000, false, "GiB", "MiB", "TiB"})) {
    gpu.memory_visible = gibibytes(*visible);
    // The runtime cannot see more than is installed. Vendors quote HBM in binary units ("80 GB" is
    // 80 GiB of HBM), so the installed figure read as GiB is the upper bound.
    const double installed_gb = in_gigabytes(gpu.memory);
    if (*visible > installed_gb) {
      throw doc.error("memory_visible_gib",
                      fmt::format("{} GiB is more than the {} GB installed (memory_gb)", *visible, installed_gb));
    }
  }
  gpu.memory_bandwidth = gigabytes_per_second(doc.number("memory_bw_gbps", {10, 50000, false, "GB/s", "MB/s", "TB/s"}));
  const MapReader tflops = doc.map("dense_tflops", dense_tflops_keys);
  bool any = false;
  for (int i = 0; i < compute_type_count; ++i) {
    if (auto value = tflops.optional_number(compute_type_names[i], {0.1, 100000, false, "TFLOPS", "GFLOPS", "PFLOPS"})) {
      gpu.dense_throughput[i] = teraflops_per_second(*value);
      any = true;
    }
  }
  if (!any) throw doc.error("dense_tflops", "at least one data type needs a dense TFLOPS figure");
  gpu.scale_up = parse_scale_up(doc);
  gpu.scale_out_bandwidth_per_direction =
      gigabytes_per_second(doc.number("scale_out_bw_gbps_per_dir", {0.1, 10000, false, "GB/s", "MB/s", "TB/s"}));
  gpu.gpus_per_node = static_cast<int>(doc.integer("gpus_per_node", 1, 1024));
  gpu.tdp = watts(doc.number("tdp_w", {1, 10000, false, "W", "mW", "kW"}));
  gpu.prices = parse_prices(doc);
  require_sources_for(doc, gpu.sources,
                      {"launch_year", "memory_gb", "memory_visible_gib", "memory_bw_gbps", "dense_tflops", "scale_up",
                       "scale_out_bw_gbps_per_dir", "gpus_per_node", "tdp_w"});
  if (gpu.scale_up.domain_gpus > 1 && gpu.scale_up.domain_gpus < gpu.gpus_per_node &&
      gpu.gpus_per_node % gpu.scale_up.domain_gpus != 0) {
    throw doc.error("scale_up", fmt::format("domain_gpus ({}) must divide gpus_per_node ({})", gpu.scale_up.domain_gpus,
                                            gpu.gpus_per_node));
  }
  return gpu;
}

GpuSpec load_gpu_file(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText source = make_source(path, text);
  return parse_gpu(parse_yaml(text, source), source);
}

ModelSpec load_model_file(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText source = make_source(path, text);
  return parse_model(parse_yaml(text, source), source);
}

}  // namespace llmsizer

// ---------------------------------------------------------------- model/1
namespace llmsizer {
namespace {

const std::vector<std::string_view> model_keys = {
    "schema",     "name",        "display_name",    "aliases",      "hf_repo",   "family",
    "num_layers", "hidden_size", "num_heads",       "num_kv_heads", "head_dim",  "ffn_size",
    "ffn_gated",  "vocab_size",  "tied_embeddings", "max_context",  "attention", "moe",
    "mtp_layers", "precision",   "params_official", "notes",        "sources"};
const std::vector<std::string_view> attention_keys = {
    "kind",        "qkv_bias",      "o_bias",           "qk_norm",
    "q_lora_rank", "kv_lora_rank",  "qk_nope_head_dim", "qk_rope_head_dim",
    "v_head_dim",  "layer_pattern", "sliding_window"};
const std::vector<std::string_view> moe_keys = {
    "num_experts",  "experts_per_token", "num_shared_experts", "expert_ffn_size", "shared_expert_ffn_size",
    "dense_layers", "expert_bias",       "router_bias"};
const std::vector<std::string_view> precision_keys = {"weights", "experts"};
const std::vector<std::string_view> params_official_keys = {"total", "active", "source"};
const ProfileKeys model_profile_keys = {model_keys,
                                        {{"attention", attention_keys},
                                         {"moe", moe_keys},
                                         {"precision", precision_keys},
                                         {"params_official", params_official_keys}}};

Precision parse_precision_field(const MapReader& m, std::string_view key) {
  const std::string text = m.string(key);
  if (auto p = parse_precision(text)) return *p;
  const std::string suggestion = closest_match(text, precision_vocabulary);
  std::string names;
  for (std::string_view n : precision_vocabulary) names += (names.empty() ? "" : ", ") + std::string(n);
  throw m.error(key, fmt::format("unknown precision '{}' (expected one of {}){}", text, names,
                                 suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion)));
}

LayerAttention parse_layer_kind(const YAML::Node& node, const std::string& path, const SourceText& source) {
  const std::string text = scalar_string(node, path, source);
  if (text == "full") return LayerAttention::full;
  if (text == "sliding") return LayerAttention::sliding;
  if (text == "linear") return LayerAttention::linear;
  if (text == "none") return LayerAttention::none;
  const std::string suggestion = closest_match(text, std::vector<std::string>{"full", "sliding", "linear", "none"});
  throw located_error(node, source, path,
                      fmt::format("unknown layer kind '{}' (expected full, sliding, linear or none){}", text,
                                  suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion)));
}

void parse_attention(const MapReader& doc, ModelSpec& model) {
  const MapReader a = doc.map("attention", attention_keys);
  const std::string kind = a.string("kind");
  model.qkv_bias = a.boolean_or("qkv_bias", false);
  model.o_bias = a.boolean_or("o_bias", false);
  model.qk_norm = a.boolean_or("qk_norm", false);
  if (kind == "mla") {
    MlaAttention mla;
    mla.q_lora_rank = static_cast<int>(a.integer_or("q_lora_rank", 0, 0, 1 << 20));
    mla.kv_lora_rank = static_cast<int>(a.integer("kv_lora_rank", 1, 1 << 20));
    mla.qk_nope_head_dim = static_cast<int>(a.integer("qk_nope_head_dim", 1, 1 << 16));
    mla.qk_rope_head_dim = static_cast<int>(a.integer("qk_rope_head_dim", 1, 1 << 16));
    mla.v_head_dim = static_cast<int>(a.integer("v_head_dim", 1, 1 << 16));
    model.attention = mla;
  } else if (kind == "gqa") {
    GqaAttention gqa;
    gqa.num_kv_heads = static_cast<int>(doc.integer("num_kv_heads", 1, 1 << 16));
    gqa.head_dim = static_cast<int>(doc.integer("head_dim", 1, 1 << 16));
    model.attention = gqa;
  } else {
    throw a.error("kind", fmt::format("unknown attention kind '{}' (expected gqa or mla)", kind));
  }
  model.sliding_window = a.integer_or("sliding_window", 0, 1, 1LL << 40);
  model.layer_attention.assign(static_cast<size_t>(model.num_layers), LayerAttention::full);
  if (a.has("layer_pattern")) {
    const YAML::Node pattern = a.get("layer_pattern");
    if (!pattern.IsSequence() || pattern.size() == 0) throw a.error("layer_pattern", "expected a non-empty list");
    const size_t n = pattern.size();
    if (n > static_cast<size_t>(model.num_layers)) {
      throw a.error("layer_pattern", fmt::format("{} entries for {} layers", n, model.num_layers));
    }
    std::vector<LayerAttention> kinds;
    for (size_t i = 0; i < n; ++i) {
      kinds.push_back(parse_layer_kind(pattern[i], fmt::format("attention.layer_pattern[{}]", i), doc.source()));
    }
    for (size_t layer = 0; layer < model.layer_attention.size(); ++layer)
      model.layer_attention[layer] = kinds[layer % n];
  }
}

void parse_moe(const MapReader& doc, ModelSpec& model) {
  model.layer_is_moe.assign(static_cast<size_t>(model.num_layers), false);
  if (!doc.has("moe")) return;
  const MapReader m = doc.map("moe", moe_keys);
  MoeSpec moe;
  moe.num_experts = static_cast<int>(m.integer("num_experts", 1, 1 << 20));
  moe.experts_per_token = static_cast<int>(m.integer("experts_per_token", 1, 1 << 20));
  moe.num_shared_experts = static_cast<int>(m.integer_or("num_shared_experts", 0, 0, 1024));
  moe.expert_ffn_size = static_cast<int>(m.integer("expert_ffn_size", 1, 1 << 24));
  moe.shared_expert_ffn_size =
      static_cast<int>(m.integer_or("shared_expert_ffn_size", moe.expert_ffn_size, 1, 1 << 24));
  moe.expert_bias = m.boolean_or("expert_bias", false);
  moe.router_bias = m.boolean_or("router_bias", false);
  model.moe = moe;
  model.layer_is_moe.assign(static_cast<size_t>(model.num_layers), true);
  const auto dense = m.integer_list("dense_layers", 0, model.num_layers - 1);
  for (std::int64_t layer : dense) model.layer_is_moe[static_cast<size_t>(layer)] = false;
}

void parse_official_params(const MapReader& doc, ModelSpec& model) {
  if (!doc.has("params_official")) return;
  const MapReader p = doc.map("params_official", params_official_keys);
  model.official_total_params = p.number("total", {0, 1e14, true, "parameters"});
  model.official_active_params = p.optional_number("active", {0, 1e14, true, "parameters"});
  model.official_params_source = p.string("source");
  if (model.official_active_params && *model.official_active_params > *model.official_total_params) {
    throw p.error("active", "active parameters exceed the total");
  }
}

/// The node a dotted field path names ("moe.experts_per_token"), or its deepest present ancestor:
/// errors about a missing key point at the map that should hold it.
YAML::Node node_at(const YAML::Node& root, const std::string& path) {
  YAML::Node node = root;
  size_t start = 0;
  while (start <= path.size() && node.IsMap()) {
    const size_t end = std::min(path.find('.', start), path.size());
    const std::string key = path.substr(start, end - start);
    // Node::operator= writes through to the tree; reset() only rebinds the handle.
    YAML::Node child(YAML::NodeType::Undefined);
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) child.reset(it->second);
    }
    if (!child.IsDefined() || child.IsNull()) break;
    node.reset(child);
    start = end + 1;
  }
  return node;
}

}  // namespace

ModelSpec parse_model(const YAML::Node& root, const SourceText& source) {
  const MapReader doc(root, "", source, model_keys);
  if (doc.string("schema") != "model/1") throw doc.error("schema", "expected 'model/1'");
  ModelSpec model;
  parse_header(doc, model_profile_keys, model);
  model.hf_repo = doc.string_or("hf_repo", "");
  model.family = doc.string("family");
  model.num_layers = static_cast<int>(doc.integer("num_layers", 1, 10000));
  model.hidden_size = static_cast<int>(doc.integer("hidden_size", 1, 1 << 20));
  model.num_heads = static_cast<int>(doc.integer("num_heads", 1, 1 << 16));
  model.ffn_size = static_cast<int>(doc.integer_or("ffn_size", 0, 1, 1 << 24));
  model.ffn_gated = doc.boolean_or("ffn_gated", true);
  model.vocab_size = doc.integer("vocab_size", 1, max_count);
  model.tied_embeddings = doc.boolean_or("tied_embeddings", false);
  if (!doc.has("tied_embeddings")) (void)doc.require("tied_embeddings");
  model.max_context = doc.integer("max_context", 1, 1LL << 34);
  model.mtp_layers = static_cast<int>(doc.integer_or("mtp_layers", 0, 0, 64));
  parse_attention(doc, model);
  if (model.is_mla()) {
    for (std::string_view key : {"num_kv_heads", "head_dim"}) {
      if (doc.has(key)) (void)doc.integer(key, 1, 1 << 16);  // tolerated for MLA, unused
    }
  }
  parse_moe(doc, model);
  const MapReader precision = doc.map("precision", precision_keys);
  model.weights_precision = parse_precision_field(precision, "weights");
  model.experts_precision =
      precision.has("experts") ? parse_precision_field(precision, "experts") : model.weights_precision;
  parse_official_params(doc, model);
  require_sources_for(doc, model.sources,
                      {"num_layers", "hidden_size", "num_heads", "num_kv_heads", "head_dim", "ffn_size", "vocab_size",
                       "max_context", "attention", "moe", "mtp_layers", "params_official"});
  validate_model(model, [&](const std::string& path, const std::string& message) {
    throw located_error(node_at(root, path), source, path, message);
  });
  return model;
}

}  // namespace llmsizer
