// io/model_yaml.cpp — a ModelSpec written as a model/1 profile that parse_model reads back to the
// same spec (used by `import-hf -o`).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>

#include "io/hf_import.hpp"
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

void emit_attention(YAML::Emitter& out, const ModelSpec& m) {
  out << YAML::Key << "attention" << YAML::Value << YAML::BeginMap;
  put(out, "kind", m.is_mla() ? "mla" : "gqa");
  put(out, "qkv_bias", m.qkv_bias);
  put(out, "o_bias", m.o_bias);
  put(out, "qk_norm", m.qk_norm);
  if (const auto* mla = std::get_if<MlaAttention>(&m.attention)) {
    put(out, "q_lora_rank", mla->q_lora_rank);
    put(out, "kv_lora_rank", mla->kv_lora_rank);
    put(out, "qk_nope_head_dim", mla->qk_nope_head_dim);
    put(out, "qk_rope_head_dim", mla->qk_rope_head_dim);
    put(out, "v_head_dim", mla->v_head_dim);
  }
  const auto& kinds = m.layer_attention;
  if (std::any_of(kinds.begin(), kinds.end(), [](LayerAttention k) { return k != LayerAttention::full; })) {
    out << YAML::Key << "layer_pattern" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (size_t i = 0; i < pattern_period(kinds); ++i) out << layer_kind_name(kinds[i]);
    out << YAML::EndSeq;
  }
  if (m.sliding_window > 0) put(out, "sliding_window", m.sliding_window);
  out << YAML::EndMap;
}

void emit_moe(YAML::Emitter& out, const ModelSpec& m) {
  const MoeSpec& moe = *m.moe;
  out << YAML::Key << "moe" << YAML::Value << YAML::BeginMap;
  put(out, "num_experts", moe.num_experts);
  put(out, "experts_per_token", moe.experts_per_token);
  put(out, "num_shared_experts", moe.num_shared_experts);
  put(out, "expert_ffn_size", moe.expert_ffn_size);
  put(out, "shared_expert_ffn_size", moe.shared_expert_ffn_size);
  std::vector<int> dense;
  for (size_t layer = 0; layer < m.layer_is_moe.size(); ++layer) {
    if (!m.layer_is_moe[layer]) dense.push_back(static_cast<int>(layer));
  }
  if (!dense.empty()) out << YAML::Key << "dense_layers" << YAML::Value << YAML::Flow << dense;
  put(out, "expert_bias", moe.expert_bias);
  put(out, "router_bias", moe.router_bias);
  out << YAML::EndMap;
}

void emit_dimensions(YAML::Emitter& out, const ModelSpec& m) {
  put(out, "family", m.family);
  put(out, "num_layers", m.num_layers);
  put(out, "hidden_size", m.hidden_size);
  put(out, "num_heads", m.num_heads);
  if (const auto* gqa = std::get_if<GqaAttention>(&m.attention)) {
    put(out, "num_kv_heads", gqa->num_kv_heads);
    put(out, "head_dim", gqa->head_dim);
  }
  if (m.ffn_size > 0) put(out, "ffn_size", m.ffn_size);
  put(out, "ffn_gated", m.ffn_gated);
  put(out, "vocab_size", m.vocab_size);
  put(out, "tied_embeddings", m.tied_embeddings);
  put(out, "max_context", m.max_context);
}

void emit_precision_and_params(YAML::Emitter& out, const ModelSpec& m) {
  out << YAML::Key << "precision" << YAML::Value << YAML::Flow << YAML::BeginMap;
  put(out, "weights", std::string(name(m.weights_precision)));
  if (m.experts_precision != m.weights_precision) put(out, "experts", std::string(name(m.experts_precision)));
  out << YAML::EndMap;
  if (!m.official_total_params) return;
  // fmt's shortest round-trip form, so the counts load back bit-identical.
  out << YAML::Key << "params_official" << YAML::Value << YAML::Flow << YAML::BeginMap;
  put(out, "total", fmt::format("{}", *m.official_total_params));
  if (m.official_active_params) put(out, "active", fmt::format("{}", *m.official_active_params));
  put(out, "source", m.official_params_source);
  out << YAML::EndMap;
}

}  // namespace

std::string model_to_yaml(const ModelSpec& model) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  put(out, "schema", "model/1");
  put(out, "name", model.name);
  put(out, "display_name", model.display_name);
  if (!model.aliases.empty()) out << YAML::Key << "aliases" << YAML::Value << YAML::Flow << model.aliases;
  if (!model.hf_repo.empty()) put(out, "hf_repo", model.hf_repo);
  emit_dimensions(out, model);
  emit_attention(out, model);
  if (model.moe) emit_moe(out, model);
  put(out, "mtp_layers", model.mtp_layers);
  emit_precision_and_params(out, model);
  if (!model.notes.empty()) put(out, "notes", model.notes);
  out << YAML::Key << "sources" << YAML::Value << YAML::BeginSeq;
  for (const Citation& source : model.sources) {
    out << YAML::BeginMap;
    out << YAML::Key << "fields" << YAML::Value << YAML::Flow << source.fields;
    put(out, "cite", source.cite);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace llmsizer
