// io/model_loader.cpp — a model/1 profile as a ModelSpec. The keys, their limits and the members
// they fill come from the schema table (io/model_schema.hpp); this file reads the rows in document
// order and adds what a row cannot say: the attention variant, layer lists, precisions, the
// cross-field rules (validate_model).
#include <fmt/format.h>

#include <algorithm>

#include "io/did_you_mean.hpp"
#include "io/model_schema.hpp"
#include "io/profile_loader.hpp"
#include "io/profile_loader_internal.hpp"

namespace llmsizer {
namespace {

profile_detail::ProfileKeys model_profile_keys() {
  profile_detail::ProfileKeys keys{model_keys(""), {}};
  for (const ModelField& field : model_fields()) {
    if (field.type == FieldType::section) keys.children.emplace_back(field.key, model_keys(field.key));
  }
  return keys;
}

/// One generic row from the map `r` holding it; an absent optional key takes the row's fallback.
void read_field(const MapReader& r, const ModelField& field, ModelSpec& model) {
  switch (field.type) {
    case FieldType::integer:
      field.set(model, field.required ? r.integer(field.key, field.min, field.max)
                                      : r.integer_or(field.key, fallback_value(field, model), field.min, field.max));
      return;
    case FieldType::boolean:
      if (field.required && !r.has(field.key)) (void)r.require(field.key);
      field.set(model, r.boolean_or(field.key, fallback_value(field, model) != 0) ? 1 : 0);
      return;
    case FieldType::text:
      field.set_text(model, field.required ? r.string(field.key) : r.string_or(field.key, ""));
      return;
    default:
      return;
  }
}

/// The generic rows of `section` that apply to `model` (whose attention variant is already set).
/// At the top level the variant rows wait for the attention kind (read_variant_fields).
void read_section(const MapReader& r, std::string_view section, ModelSpec& model) {
  for (const ModelField& field : model_fields()) {
    if (field.section != section || !field.generic() || !applies_to(field, model)) continue;
    if (section.empty() && field.applies != Applies::always) continue;
    read_field(r, field, model);
  }
}

/// The top-level rows that depend on the attention variant. A GQA key in an MLA profile is checked
/// and ignored, so a profile converted from GQA may keep it.
void read_variant_fields(const MapReader& doc, ModelSpec& model) {
  for (const ModelField& field : model_fields()) {
    if (!field.section.empty() || !field.generic() || field.applies == Applies::always) continue;
    if (applies_to(field, model)) {
      read_field(doc, field, model);
    } else if (doc.has(field.key)) {
      (void)doc.integer(field.key, field.min, field.max);
    }
  }
}

Precision parse_precision_field(const MapReader& m, std::string_view key) {
  const std::string text = m.string(key);
  if (auto p = parse_precision(text)) return *p;
  std::string names;
  for (std::string_view n : precision_vocabulary) names += (names.empty() ? "" : ", ") + std::string(n);
  if (m.has(key)) {  // under check an absent key has said so; a field error, and check reads on with BF16
    field_error(m.source(), m.error(key, fmt::format("unknown precision '{}' (expected one of {}){}", text, names,
                                                     did_you_mean(text, precision_vocabulary))));
  }
  return Precision::bf16;
}

LayerAttention parse_layer_kind(const YAML::Node& node, const std::string& path, const SourceText& source) {
  const std::string text = scalar_string(node, path, source);
  if (text == "full") return LayerAttention::full;
  if (text == "sliding") return LayerAttention::sliding;
  if (text == "chunked") return LayerAttention::chunked;
  if (text == "linear") return LayerAttention::linear;
  if (text == "none") return LayerAttention::none;
  field_error(source,
              located_error(node, source, path,
                            fmt::format("unknown layer kind '{}' (expected full, sliding, chunked, linear or "
                                        "none){}",
                                        text, did_you_mean(text, {"full", "sliding", "chunked", "linear", "none"}))));
  return LayerAttention::full;  // check reads on
}

void parse_layer_pattern(const MapReader& a, ModelSpec& model) {
  model.layer_attention.assign(static_cast<size_t>(model.num_layers), LayerAttention::full);
  if (!a.has("layer_pattern")) return;
  const YAML::Node pattern = a.get("layer_pattern");
  if (!pattern.IsSequence() || pattern.size() == 0) throw a.error("layer_pattern", "expected a non-empty list");
  const size_t n = pattern.size();
  if (n > static_cast<size_t>(model.num_layers)) {
    throw a.error("layer_pattern", fmt::format("{} entries for {} layers", n, model.num_layers));
  }
  std::vector<LayerAttention> kinds;
  for (size_t i = 0; i < n; ++i) {
    kinds.push_back(parse_layer_kind(pattern[i], fmt::format("attention.layer_pattern[{}]", i), a.source()));
  }
  for (size_t layer = 0; layer < model.layer_attention.size(); ++layer) model.layer_attention[layer] = kinds[layer % n];
}

void parse_attention(const MapReader& doc, ModelSpec& model) {
  const MapReader a = doc.map("attention", model_keys("attention"));
  const std::string kind = a.string("kind");
  if (kind == "mla") {
    model.attention = MlaAttention{};
  } else if (kind == "gqa") {
    model.attention = GqaAttention{};
  } else {
    if (a.has("kind")) field_error(a.source(), a.error("kind", fmt::format("unknown attention kind '{}' (expected gqa or mla)", kind)));
    model.attention = GqaAttention{};  // check reads on
  }
  read_section(a, "attention", model);
  read_variant_fields(doc, model);
  parse_layer_pattern(a, model);
}

void parse_moe(const MapReader& doc, ModelSpec& model) {
  model.layer_is_moe.assign(static_cast<size_t>(model.num_layers), false);
  if (!doc.has("moe")) return;
  const MapReader m = doc.map("moe", model_keys("moe"));
  model.moe = MoeSpec{};
  read_section(m, "moe", model);
  model.layer_is_moe.assign(static_cast<size_t>(model.num_layers), true);
  const auto dense = m.integer_list("dense_layers", 0, model.num_layers - 1);
  for (std::int64_t layer : dense) model.layer_is_moe[static_cast<size_t>(layer)] = false;
}

// The optional blocks of one struct each: present, they are read whole by the schema rows.
void parse_mixer_blocks(const MapReader& doc, ModelSpec& model) {
  if (doc.has("linear_attention")) {
    model.linear_attention = LinearAttentionSpec{};
    read_section(doc.map("linear_attention", model_keys("linear_attention")), "linear_attention", model);
  }
  if (doc.has("sparse_attention")) {
    model.sparse_attention = SparseAttentionSpec{};
    read_section(doc.map("sparse_attention", model_keys("sparse_attention")), "sparse_attention", model);
  }
}

void parse_precision_section(const MapReader& doc, ModelSpec& model) {
  const MapReader precision = doc.map("precision", model_keys("precision"));
  model.weights_precision = parse_precision_field(precision, "weights");
  model.experts_precision =
      precision.has("experts") ? parse_precision_field(precision, "experts") : model.weights_precision;
}

Range parameter_range(std::string_view path) {
  const ModelField& field = model_field(path);
  return {static_cast<double>(field.min), static_cast<double>(field.max), true, field.unit.data()};
}

void parse_official_params(const MapReader& doc, ModelSpec& model) {
  if (!doc.has("params_official")) return;
  const MapReader p = doc.map("params_official", model_keys("params_official"));
  model.official_total_params = p.number("total", parameter_range("params_official.total"));
  model.official_active_params = p.optional_number("active", parameter_range("params_official.active"));
  model.official_params_source = p.string("source");
  if (model.official_active_params && *model.official_active_params > *model.official_total_params) {
    throw p.error("active", "active parameters exceed the total");
  }
}

std::vector<std::string_view> keys_needing_sources() {
  std::vector<std::string_view> keys;
  for (const ModelField& field : model_fields()) {
    if (field.section.empty() && field.needs_source) keys.push_back(field.key);
  }
  return keys;
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
  const MapReader doc(root, "", source, model_keys(""));
  if (doc.string("schema") != "model/1") throw doc.error("schema", "expected 'model/1'");
  ModelSpec model;
  profile_detail::parse_header(doc, model_profile_keys(), model);
  read_section(doc, "", model);
  parse_attention(doc, model);
  parse_mixer_blocks(doc, model);
  parse_moe(doc, model);
  parse_precision_section(doc, model);
  parse_official_params(doc, model);
  profile_detail::require_sources_for(doc, model.sources, keys_needing_sources());
  validate_model(model, [&](const std::string& path, const std::string& message) {
    throw located_error(node_at(root, path), source, path, message);
  });
  if (model.estimated) {
    model.warnings.push_back("an estimated profile (estimated: true): the architecture is not published, so memory, "
                             "latency and cost are approximations; `llmsizer show " + model.name +
                             "` says what is and is not published");
  }
  return model;
}

}  // namespace llmsizer
