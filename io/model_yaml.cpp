// io/model_yaml.cpp — a ModelSpec written as a model/1 profile that parse_model reads back to the
// same spec (used by `import-hf -o`). Keys and their order come from the schema table
// (io/model_schema.hpp); only lists, precisions and the header are written here by name.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>

#include "io/hf_import.hpp"
#include "io/model_schema.hpp"
#include "io/spec_json.hpp"

namespace llmsizer {

namespace {

template <class T>
void put(YAML::Emitter& out, const char* key, const T& value) {
  out << YAML::Key << key << YAML::Value << value;
}

// The shortest prefix that, repeated from layer 0, gives every layer's kind (the loader's rule).
size_t pattern_period(const std::vector<LayerAttention>& kinds) {
  for (size_t period = 1; period < kinds.size(); ++period) {
    bool repeats = true;
    for (size_t i = period; i < kinds.size() && repeats; ++i) repeats = kinds[i] == kinds[i - period];
    if (repeats) return period;
  }
  return kinds.size();
}

void emit_layer_pattern(YAML::Emitter& out, const ModelSpec& m) {
  const auto& kinds = m.layer_attention;
  if (std::none_of(kinds.begin(), kinds.end(), [](LayerAttention k) { return k != LayerAttention::full; })) return;
  out << YAML::Key << "layer_pattern" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (size_t i = 0; i < pattern_period(kinds); ++i) out << layer_kind_name(kinds[i]);
  out << YAML::EndSeq;
}

void emit_dense_layers(YAML::Emitter& out, const ModelSpec& m) {
  std::vector<int> dense;
  for (size_t layer = 0; layer < m.layer_is_moe.size(); ++layer) {
    if (!m.layer_is_moe[layer]) dense.push_back(static_cast<int>(layer));
  }
  if (!dense.empty()) out << YAML::Key << "dense_layers" << YAML::Value << YAML::Flow << dense;
}

void emit_precision(YAML::Emitter& out, const ModelSpec& m) {
  out << YAML::Key << "precision" << YAML::Value << YAML::Flow << YAML::BeginMap;
  put(out, "weights", std::string(name(m.weights_precision)));
  if (m.experts_precision != m.weights_precision) put(out, "experts", std::string(name(m.experts_precision)));
  out << YAML::EndMap;
}

void emit_official_params(YAML::Emitter& out, const ModelSpec& m) {
  if (!m.official_total_params) return;
  // fmt's shortest round-trip form, so the counts load back bit-identical.
  out << YAML::Key << "params_official" << YAML::Value << YAML::Flow << YAML::BeginMap;
  put(out, "total", fmt::format("{}", *m.official_total_params));
  if (m.official_active_params) put(out, "active", fmt::format("{}", *m.official_active_params));
  put(out, "source", m.official_params_source);
  out << YAML::EndMap;
}

void emit_sources(YAML::Emitter& out, const ModelSpec& m) {
  out << YAML::Key << "sources" << YAML::Value << YAML::BeginSeq;
  for (const Citation& source : m.sources) {
    out << YAML::BeginMap;
    out << YAML::Key << "fields" << YAML::Value << YAML::Flow << source.fields;
    put(out, "cite", source.cite);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// The rows the table cannot write by accessor, by path; sections write their own maps.
void emit_custom(YAML::Emitter& out, const ModelField& field, const ModelSpec& m) {
  const std::string path = field.path();
  if (path == "schema") put(out, "schema", "model/1");
  if (path == "name") put(out, "name", m.name);
  if (path == "display_name") put(out, "display_name", m.display_name);
  if (path == "aliases" && !m.aliases.empty()) out << YAML::Key << "aliases" << YAML::Value << YAML::Flow << m.aliases;
  if (path == "attention.kind") put(out, "kind", m.is_mla() ? "mla" : "gqa");
  if (path == "attention.layer_pattern") emit_layer_pattern(out, m);
  if (path == "moe.dense_layers") emit_dense_layers(out, m);
  if (path == "precision") emit_precision(out, m);
  if (path == "params_official") emit_official_params(out, m);
  if (path == "notes" && !m.notes.empty()) put(out, "notes", m.notes);
  if (path == "sources") emit_sources(out, m);
}

void emit_generic(YAML::Emitter& out, const ModelField& field, const ModelSpec& m) {
  if (!shown_for(field, field.yaml, m)) return;
  if (field.type == FieldType::text) put(out, field.key.data(), field.get_text(m));
  if (field.type == FieldType::integer) put(out, field.key.data(), field.get(m));
  if (field.type == FieldType::boolean) put(out, field.key.data(), field.get(m) != 0);
}

// The rows of `section` in table order; a section row opens a block map of its own rows, except
// precision and params_official, written whole as flow maps.
void emit_rows(YAML::Emitter& out, std::string_view section, const ModelSpec& m) {
  for (const ModelField& field : model_fields()) {
    if (field.section != section) continue;
    const bool block_section = field.key == "attention" || field.key == "moe" || field.key == "linear_attention" ||
                               field.key == "sparse_attention";
    if (field.type == FieldType::section && block_section) {
      if (field.key == "moe" && !m.moe) continue;
      if (field.key == "linear_attention" && !m.linear_attention) continue;
      if (field.key == "sparse_attention" && !m.sparse_attention) continue;
      out << YAML::Key << field.key.data() << YAML::Value << YAML::BeginMap;
      emit_rows(out, field.key, m);
      out << YAML::EndMap;
    } else if (field.generic()) {
      emit_generic(out, field, m);
    } else {
      emit_custom(out, field, m);
    }
  }
}

}  // namespace

std::string model_to_yaml(const ModelSpec& model) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  emit_rows(out, "", model);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace llmsizer
