#include "io/model_schema.hpp"

#include <array>
#include <cassert>
#include <type_traits>

namespace llmsizer {
namespace {

// Limits shared by several rows. Head and rank widths bound what a layer can hold; the counts bound
// what an int can index. They are checks against typos, not claims about any real model.
constexpr std::int64_t max_head_width = 1 << 16;
constexpr std::int64_t max_rank = 1 << 20;
constexpr std::int64_t max_ffn_width = 1 << 24;
constexpr std::int64_t max_expert_count = 1 << 20;
constexpr std::int64_t max_token_count = 1'000'000'000;
constexpr std::int64_t max_parameters = 100'000'000'000'000;  // 1e14

template <class T>
struct MemberOf;
template <class Owner, class Value>
struct MemberOf<Value Owner::*> {
  using owner = Owner;
  using value = Value;
};

// The struct a member pointer reads from, inside a ModelSpec (const or not).
template <class Owner, class Spec>
auto& owner_in(Spec& model) {
  if constexpr (std::is_same_v<Owner, ModelSpec>) {
    return model;
  } else if constexpr (std::is_same_v<Owner, MoeSpec>) {
    return *model.moe;
  } else {
    return std::get<Owner>(model.attention);
  }
}

template <auto Member>
std::int64_t read(const ModelSpec& model) {
  using Traits = MemberOf<decltype(Member)>;
  return static_cast<std::int64_t>(owner_in<typename Traits::owner>(model).*Member);
}

template <auto Member>
void write(ModelSpec& model, std::int64_t value) {
  using Traits = MemberOf<decltype(Member)>;
  owner_in<typename Traits::owner>(model).*Member = static_cast<typename Traits::value>(value);
}

template <auto Member>
const std::string& read_text(const ModelSpec& model) {
  return model.*Member;
}

template <auto Member>
void write_text(ModelSpec& model, std::string value) {
  model.*Member = std::move(value);
}

template <std::int64_t Value>
std::int64_t constant(const ModelSpec&) {
  return Value;
}

// A shared expert is as wide as a routed one unless the profile says otherwise.
std::int64_t routed_expert_width(const ModelSpec& model) {
  return model.moe->expert_ffn_size;
}

using F = FieldType;
using A = Applies;
using E = Emit;
using M = ModelSpec;

// One row a key, kept one field group a line: the table reads as a schema, not as code.
// clang-format off
const std::array fields = {
    ModelField{.key = "schema", .type = F::custom, .required = true, .description = "profile kind and version: model/1"},
    ModelField{.key = "name", .type = F::custom, .required = true, .description = "identifier, equal to the file stem"},
    ModelField{.key = "display_name", .type = F::custom, .description = "name shown in tables (default: name)"},
    ModelField{.key = "aliases", .type = F::custom, .description = "other names the model is found by"},
    ModelField{.key = "hf_repo", .type = F::text, .description = "Hugging Face repository id", .yaml = E::unless_default,
               .json_path = "hf_repo", .json = E::always, .get_text = read_text<&M::hf_repo>,
               .set_text = write_text<&M::hf_repo>},
    ModelField{.key = "family", .type = F::text, .required = true, .description = "architecture family (model_type)",
               .json_path = "family", .json = E::always, .get_text = read_text<&M::family>,
               .set_text = write_text<&M::family>},
    ModelField{.key = "num_layers", .required = true, .min = 1, .max = 10000, .unit = "layers",
               .description = "transformer blocks", .needs_source = true, .json_path = "num_layers", .json = E::always,
               .get = read<&M::num_layers>, .set = write<&M::num_layers>},
    ModelField{.key = "hidden_size", .required = true, .min = 1, .max = 1 << 20, .unit = "elements",
               .description = "width of the residual stream", .needs_source = true, .json_path = "hidden_size",
               .json = E::always, .get = read<&M::hidden_size>, .set = write<&M::hidden_size>},
    ModelField{.key = "num_heads", .required = true, .min = 1, .max = max_head_width, .unit = "heads",
               .description = "query heads per layer", .needs_source = true, .json_path = "num_heads",
               .json = E::always, .get = read<&M::num_heads>, .set = write<&M::num_heads>},
    ModelField{.key = "num_kv_heads", .required = true, .applies = A::gqa, .min = 1, .max = max_head_width,
               .unit = "heads", .description = "key/value heads per layer (GQA)", .needs_source = true,
               .json_path = "attention.num_kv_heads", .json = E::always, .get = read<&GqaAttention::num_kv_heads>,
               .set = write<&GqaAttention::num_kv_heads>},
    ModelField{.key = "head_dim", .required = true, .applies = A::gqa, .min = 1, .max = max_head_width,
               .unit = "elements", .description = "width of one attention head (GQA)", .needs_source = true,
               .json_path = "attention.head_dim", .json = E::always, .get = read<&GqaAttention::head_dim>,
               .set = write<&GqaAttention::head_dim>},
    ModelField{.key = "ffn_size", .min = 1, .max = max_ffn_width, .unit = "elements",
               .description = "dense FFN intermediate width (required when a layer is dense)", .needs_source = true,
               .yaml = E::unless_default, .json_path = "ffn_size", .json = E::always, .get = read<&M::ffn_size>,
               .set = write<&M::ffn_size>, .fallback = constant<0>},
    ModelField{.key = "ffn_gated", .type = F::boolean, .description = "gated (SwiGLU) FFN: three matrices, not two",
               .get = read<&M::ffn_gated>, .set = write<&M::ffn_gated>, .fallback = constant<1>},
    ModelField{.key = "vocab_size", .required = true, .min = 1, .max = max_token_count, .unit = "tokens",
               .description = "vocabulary entries", .needs_source = true, .json_path = "vocab_size", .json = E::always,
               .get = read<&M::vocab_size>, .set = write<&M::vocab_size>},
    ModelField{.key = "tied_embeddings", .type = F::boolean, .required = true,
               .description = "the LM head shares the embedding matrix", .json_path = "tied_embeddings",
               .json = E::always, .get = read<&M::tied_embeddings>, .set = write<&M::tied_embeddings>},
    ModelField{.key = "max_context", .required = true, .min = 1, .max = 1LL << 34, .unit = "tokens",
               .description = "longest supported sequence", .needs_source = true, .json_path = "max_context",
               .json = E::always, .get = read<&M::max_context>, .set = write<&M::max_context>},
    ModelField{.key = "attention", .type = F::section, .required = true, .description = "token mixer",
               .needs_source = true},
    ModelField{.section = "attention", .key = "kind", .type = F::custom, .required = true,
               .description = "gqa (grouped-query) or mla (multi-head latent)"},
    ModelField{.section = "attention", .key = "qkv_bias", .type = F::boolean,
               .description = "q/k/v projections carry biases", .get = read<&M::qkv_bias>, .set = write<&M::qkv_bias>,
               .fallback = constant<0>},
    ModelField{.section = "attention", .key = "o_bias", .type = F::boolean,
               .description = "the output projection carries a bias", .get = read<&M::o_bias>,
               .set = write<&M::o_bias>, .fallback = constant<0>},
    ModelField{.section = "attention", .key = "qk_norm", .type = F::boolean,
               .description = "RMSNorm on each query and key head", .get = read<&M::qk_norm>,
               .set = write<&M::qk_norm>, .fallback = constant<0>},
    ModelField{.section = "attention", .key = "q_lora_rank", .applies = A::mla, .min = 0, .max = max_rank,
               .unit = "elements", .description = "query compression rank (0: not compressed)",
               .json_path = "attention.q_lora_rank", .json = E::always, .get = read<&MlaAttention::q_lora_rank>,
               .set = write<&MlaAttention::q_lora_rank>, .fallback = constant<0>},
    ModelField{.section = "attention", .key = "kv_lora_rank", .required = true, .applies = A::mla, .min = 1,
               .max = max_rank, .unit = "elements", .description = "shared K/V latent width",
               .json_path = "attention.kv_lora_rank", .json = E::always, .get = read<&MlaAttention::kv_lora_rank>,
               .set = write<&MlaAttention::kv_lora_rank>},
    ModelField{.section = "attention", .key = "qk_nope_head_dim", .required = true, .applies = A::mla, .min = 1,
               .max = max_head_width, .unit = "elements", .description = "per-head query/key width without RoPE",
               .json_path = "attention.qk_nope_head_dim", .json = E::always,
               .get = read<&MlaAttention::qk_nope_head_dim>, .set = write<&MlaAttention::qk_nope_head_dim>},
    ModelField{.section = "attention", .key = "qk_rope_head_dim", .required = true, .applies = A::mla, .min = 1,
               .max = max_head_width, .unit = "elements", .description = "decoupled RoPE key width",
               .json_path = "attention.qk_rope_head_dim", .json = E::always,
               .get = read<&MlaAttention::qk_rope_head_dim>, .set = write<&MlaAttention::qk_rope_head_dim>},
    ModelField{.section = "attention", .key = "v_head_dim", .required = true, .applies = A::mla, .min = 1,
               .max = max_head_width, .unit = "elements", .description = "per-head value width",
               .json_path = "attention.v_head_dim", .json = E::always, .get = read<&MlaAttention::v_head_dim>,
               .set = write<&MlaAttention::v_head_dim>},
    ModelField{.section = "attention", .key = "layer_pattern", .type = F::custom,
               .description = "full, sliding, linear or none per layer, repeated from layer 0"},
    ModelField{.section = "attention", .key = "sliding_window", .min = 1, .max = 1LL << 40, .unit = "tokens",
               .description = "tokens a sliding layer keeps", .yaml = E::unless_default,
               .json_path = "attention.sliding_window", .json = E::unless_default, .get = read<&M::sliding_window>,
               .set = write<&M::sliding_window>, .fallback = constant<0>},
    ModelField{.key = "moe", .type = F::section, .description = "mixture of experts (absent: dense)",
               .needs_source = true},
    ModelField{.section = "moe", .key = "num_experts", .required = true, .min = 1, .max = max_expert_count,
               .unit = "experts", .description = "routed experts per MoE layer", .json_path = "moe.num_experts",
               .json = E::always, .get = read<&MoeSpec::num_experts>, .set = write<&MoeSpec::num_experts>},
    ModelField{.section = "moe", .key = "experts_per_token", .required = true, .min = 1, .max = max_expert_count,
               .unit = "experts", .description = "routed experts each token uses (top-k)",
               .json_path = "moe.experts_per_token", .json = E::always, .get = read<&MoeSpec::experts_per_token>,
               .set = write<&MoeSpec::experts_per_token>},
    ModelField{.section = "moe", .key = "num_shared_experts", .min = 0, .max = 1024, .unit = "experts",
               .description = "experts every token uses", .json_path = "moe.num_shared_experts", .json = E::always,
               .get = read<&MoeSpec::num_shared_experts>, .set = write<&MoeSpec::num_shared_experts>,
               .fallback = constant<0>},
    ModelField{.section = "moe", .key = "expert_ffn_size", .required = true, .min = 1, .max = max_ffn_width,
               .unit = "elements", .description = "intermediate width of a routed expert",
               .json_path = "moe.expert_ffn_size", .json = E::always, .get = read<&MoeSpec::expert_ffn_size>,
               .set = write<&MoeSpec::expert_ffn_size>},
    ModelField{.section = "moe", .key = "shared_expert_ffn_size", .min = 1, .max = max_ffn_width, .unit = "elements",
               .description = "intermediate width of one shared expert (default: expert_ffn_size)",
               .get = read<&MoeSpec::shared_expert_ffn_size>, .set = write<&MoeSpec::shared_expert_ffn_size>,
               .fallback = routed_expert_width},
    ModelField{.section = "moe", .key = "dense_layers", .type = F::custom,
               .description = "layer indices with a dense FFN instead of experts"},
    ModelField{.section = "moe", .key = "expert_bias", .type = F::boolean,
               .description = "expert linear layers carry biases", .get = read<&MoeSpec::expert_bias>,
               .set = write<&MoeSpec::expert_bias>, .fallback = constant<0>},
    ModelField{.section = "moe", .key = "router_bias", .type = F::boolean, .description = "the router carries a bias",
               .get = read<&MoeSpec::router_bias>, .set = write<&MoeSpec::router_bias>, .fallback = constant<0>},
    ModelField{.key = "mtp_layers", .min = 0, .max = 64, .unit = "layers",
               .description = "multi-token-prediction modules", .needs_source = true, .json_path = "mtp_layers",
               .json = E::always, .get = read<&M::mtp_layers>, .set = write<&M::mtp_layers>,
               .fallback = constant<0>},
    ModelField{.key = "precision", .type = F::section, .required = true, .description = "native storage of weights"},
    ModelField{.section = "precision", .key = "weights", .type = F::custom, .required = true,
               .description = "linear weights (bf16, fp8, ...)"},
    ModelField{.section = "precision", .key = "experts", .type = F::custom,
               .description = "routed experts (default: weights)"},
    ModelField{.key = "params_official", .type = F::section, .description = "published parameter counts",
               .needs_source = true},
    ModelField{.section = "params_official", .key = "total", .type = F::custom, .required = true, .min = 0,
               .max = max_parameters, .unit = "parameters", .description = "published total"},
    ModelField{.section = "params_official", .key = "active", .type = F::custom, .min = 0, .max = max_parameters,
               .unit = "parameters", .description = "published active per token (MoE)"},
    ModelField{.section = "params_official", .key = "source", .type = F::custom, .required = true,
               .description = "where the counts are published"},
    ModelField{.key = "notes", .type = F::custom, .description = "free text"},
    ModelField{.key = "sources", .type = F::custom, .required = true,
               .description = "citations: {fields, cite}, covering every number"},
};
// clang-format on

}  // namespace

std::string ModelField::path() const {
  return section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
}

std::span<const ModelField> model_fields() {
  return fields;
}

const ModelField& model_field(std::string_view path) {
  for (const ModelField& field : fields) {
    if (field.path() == path) return field;
  }
  assert(false && "no such model/1 field");
  return fields.front();
}

std::vector<std::string_view> model_keys(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const ModelField& field : fields) {
    if (field.section == section) keys.push_back(field.key);
  }
  return keys;
}

bool applies_to(const ModelField& field, const ModelSpec& model) {
  if (field.section == "moe" && !model.is_moe()) return false;
  switch (field.applies) {
    case Applies::always:
      return true;
    case Applies::gqa:
      return !model.is_mla();
    case Applies::mla:
      return model.is_mla();
  }
  return true;
}

bool shown_for(const ModelField& field, Emit emit, const ModelSpec& model) {
  if (emit == Emit::never || !field.generic() || !applies_to(field, model)) return false;
  if (emit == Emit::always) return true;
  if (field.type == FieldType::text) return !field.get_text(model).empty();
  return field.get(model) != field.fallback(model);
}

}  // namespace llmsizer
