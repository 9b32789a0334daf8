#include "io/model_schema.hpp"

#include <fmt/format.h>

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
  } else if constexpr (std::is_same_v<Owner, LinearAttentionSpec>) {
    return *model.linear_attention;
  } else if constexpr (std::is_same_v<Owner, SparseAttentionSpec>) {
    return *model.sparse_attention;
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

using F = FieldType;
using A = Applies;
using E = Emit;
using M = ModelSpec;

// One row a key, kept one field group a line: the table reads as a schema, not as code.
// clang-format off
const std::array fields = {
    ModelField{.key = "schema", .type = F::custom, .required = true, .unit = "`model/1`", .description = "profile kind and version"},
    ModelField{.key = "name", .type = F::custom, .required = true, .unit = "string", .description = "the file name without .yaml; lower-case, [a-z0-9._-]"},
    ModelField{.key = "display_name", .type = F::custom, .unit = "string", .description = "name shown in tables (default: name)"},
    ModelField{.key = "aliases", .type = F::custom, .unit = "list of strings", .description = "other names the lookup accepts (case-insensitive)"},
    ModelField{.key = "hf_repo", .type = F::text, .unit = "string", .description = "Hugging Face repo id (lookup accepts it)", .yaml = E::unless_default,
               .json_path = "hf_repo", .json = E::always, .get_text = read_text<&M::hf_repo>,
               .set_text = write_text<&M::hf_repo>},
    ModelField{.key = "family", .type = F::text, .required = true, .unit = "string", .description = "architecture family, the HF `model_type` (`llama`, `qwen3_moe`, `deepseek_v3`, ...)",
               .json_path = "family", .json = E::always, .get_text = read_text<&M::family>,
               .set_text = write_text<&M::family>},
    ModelField{.key = "num_layers", .required = true, .min = 1, .max = 10000, .unit = "layers",
               .description = "decoder layers (MTP layers excluded)", .needs_source = true, .json_path = "num_layers", .json = E::always,
               .get = read<&M::num_layers>, .set = write<&M::num_layers>},
    ModelField{.key = "hidden_size", .required = true, .min = 1, .max = 1 << 20, .unit = "elements",
               .description = "width of the residual stream", .needs_source = true, .json_path = "hidden_size",
               .json = E::always, .get = read<&M::hidden_size>, .set = write<&M::hidden_size>},
    ModelField{.key = "num_heads", .required = true, .min = 1, .max = max_head_width, .unit = "heads",
               .description = "attention (query) heads", .needs_source = true, .json_path = "num_heads",
               .json = E::always, .get = read<&M::num_heads>, .set = write<&M::num_heads>},
    ModelField{.key = "num_kv_heads", .required = true, .applies = A::gqa, .min = 1, .max = max_head_width,
               .unit = "heads", .description = "KV heads (= num_heads for MHA); an MLA profile may keep it, checked and unused", .needs_source = true,
               .json_path = "attention.num_kv_heads", .json = E::always, .get = read<&GqaAttention::num_kv_heads>,
               .set = write<&GqaAttention::num_kv_heads>},
    ModelField{.key = "head_dim", .required = true, .applies = A::gqa, .min = 1, .max = max_head_width,
               .unit = "elements", .description = "width of one attention head; an MLA profile may keep it, checked and unused", .needs_source = true,
               .json_path = "attention.head_dim", .json = E::always, .get = read<&GqaAttention::head_dim>,
               .set = write<&GqaAttention::head_dim>},
    ModelField{.key = "ffn_size", .min = 1, .max = max_ffn_width, .unit = "elements",
               .description = "dense FFN intermediate size; required unless every layer is MoE", .needs_source = true,
               .yaml = E::unless_default, .json_path = "ffn_size", .json = E::always, .get = read<&M::ffn_size>,
               .set = write<&M::ffn_size>},
    ModelField{.key = "ffn_gated", .type = F::boolean, .unit = "bool", .description = "SwiGLU-style gate+up+down (3 matrices) vs up+down (2)",
               .get = read<&M::ffn_gated>, .set = write<&M::ffn_gated>, .fallback = 1},
    ModelField{.key = "vocab_size", .required = true, .min = 1, .max = max_token_count, .unit = "tokens",
               .description = "vocabulary entries (embedding rows)", .needs_source = true, .json_path = "vocab_size", .json = E::always,
               .get = read<&M::vocab_size>, .set = write<&M::vocab_size>},
    ModelField{.key = "tied_embeddings", .type = F::boolean, .required = true,
               .unit = "bool", .description = "LM head shares the input embedding", .json_path = "tied_embeddings",
               .json = E::always, .get = read<&M::tied_embeddings>, .set = write<&M::tied_embeddings>},
    ModelField{.key = "max_context", .required = true, .min = 1, .max = 1LL << 34, .unit = "tokens",
               .description = "longest supported sequence (prompt + output)", .needs_source = true, .json_path = "max_context",
               .json = E::always, .get = read<&M::max_context>, .set = write<&M::max_context>},
    ModelField{.key = "rope_extended_context", .min = 0, .max = 1LL << 34, .unit = "tokens",
               .description = "longest context RoPE scaling reaches beyond max_context (0: none); requests up to it warn instead of failing",
               .needs_source = true, .yaml = E::unless_default, .json_path = "rope_extended_context", .json = E::unless_default,
               .get = read<&M::rope_extended_context>, .set = write<&M::rope_extended_context>},
    ModelField{.key = "rope_scaling", .type = F::text, .unit = "string", .description = "the RoPE scaling that reaches rope_extended_context (`yarn factor 4`)",
               .yaml = E::unless_default, .json_path = "rope_scaling", .json = E::unless_default,
               .get_text = read_text<&M::rope_scaling>, .set_text = write_text<&M::rope_scaling>},
    ModelField{.key = "attention", .type = F::section, .required = true, .unit = "map", .description = "the token mixer",
               .needs_source = true},
    ModelField{.section = "attention", .key = "kind", .type = F::custom, .required = true,
               .unit = "`gqa` or `mla`", .description = "grouped-query (MHA, MQA) or multi-head latent attention"},
    ModelField{.section = "attention", .key = "qkv_bias", .type = F::boolean,
               .unit = "bool", .description = "q/k/v projections carry biases", .get = read<&M::qkv_bias>, .set = write<&M::qkv_bias>},
    ModelField{.section = "attention", .key = "o_bias", .type = F::boolean,
               .unit = "bool", .description = "the output projection carries a bias", .get = read<&M::o_bias>,
               .set = write<&M::o_bias>},
    ModelField{.section = "attention", .key = "qk_norm", .type = F::boolean,
               .unit = "bool", .description = "RMSNorm on each query and key head", .get = read<&M::qk_norm>,
               .set = write<&M::qk_norm>},
    ModelField{.section = "attention", .key = "output_gate", .type = F::boolean,
               .unit = "bool", .description = "q_proj also yields a gate on the attention output (Qwen3-Next)", .yaml = E::unless_default,
               .get = read<&M::output_gate>, .set = write<&M::output_gate>},
    ModelField{.section = "attention", .key = "q_lora_rank", .applies = A::mla, .min = 0, .max = max_rank,
               .unit = "elements", .description = "query compression rank (0 = no Q compression)",
               .json_path = "attention.q_lora_rank", .json = E::always, .get = read<&MlaAttention::q_lora_rank>,
               .set = write<&MlaAttention::q_lora_rank>},
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
               .unit = "list of `full`, `sliding`, `chunked`, `linear`, `none`", .description = "repeated over the layers from layer 0 (e.g. `[sliding, full]`), or exactly `num_layers` entries (default: all `full`)"},
    ModelField{.section = "attention", .key = "sliding_window", .min = 1, .max = 1LL << 40, .unit = "tokens",
               .description = "tokens a sliding layer keeps; required if any layer is `sliding`", .yaml = E::unless_default,
               .json_path = "attention.sliding_window", .json = E::unless_default, .get = read<&M::sliding_window>,
               .set = write<&M::sliding_window>},
    ModelField{.section = "attention", .key = "chunk_size", .min = 1, .max = 1LL << 40, .unit = "tokens",
               .description = "a `chunked` layer attends within aligned chunks of this many tokens (Llama 4); required if any layer is `chunked`", .yaml = E::unless_default,
               .json_path = "attention.chunk_size", .json = E::unless_default, .get = read<&M::attention_chunk>,
               .set = write<&M::attention_chunk>},
    ModelField{.key = "linear_attention", .type = F::section, .unit = "map",
               .description = "Gated DeltaNet projections and state of the `linear` layers (absent: they are lightning attention, MiniMax: q, k, v and an output gate for every head)",
               .needs_source = true},
    ModelField{.section = "linear_attention", .key = "num_key_heads", .required = true, .min = 1, .max = max_head_width,
               .unit = "heads", .description = "query/key heads", .json_path = "linear_attention.num_key_heads", .json = E::always,
               .get = read<&LinearAttentionSpec::num_key_heads>, .set = write<&LinearAttentionSpec::num_key_heads>},
    ModelField{.section = "linear_attention", .key = "num_value_heads", .required = true, .min = 1, .max = max_head_width,
               .unit = "heads", .description = "value heads, each with a key_head_dim x value_head_dim state", .json_path = "linear_attention.num_value_heads",
               .json = E::always, .get = read<&LinearAttentionSpec::num_value_heads>, .set = write<&LinearAttentionSpec::num_value_heads>},
    ModelField{.section = "linear_attention", .key = "key_head_dim", .required = true, .min = 1, .max = max_head_width,
               .unit = "elements", .description = "width of one query/key head", .json_path = "linear_attention.key_head_dim", .json = E::always,
               .get = read<&LinearAttentionSpec::key_head_dim>, .set = write<&LinearAttentionSpec::key_head_dim>},
    ModelField{.section = "linear_attention", .key = "value_head_dim", .required = true, .min = 1, .max = max_head_width,
               .unit = "elements", .description = "width of one value head", .json_path = "linear_attention.value_head_dim", .json = E::always,
               .get = read<&LinearAttentionSpec::value_head_dim>, .set = write<&LinearAttentionSpec::value_head_dim>},
    ModelField{.section = "linear_attention", .key = "conv_kernel", .required = true, .min = 1, .max = 1024,
               .unit = "taps", .description = "causal convolution over q, k and v", .json_path = "linear_attention.conv_kernel", .json = E::always,
               .get = read<&LinearAttentionSpec::conv_kernel>, .set = write<&LinearAttentionSpec::conv_kernel>},
    ModelField{.key = "sparse_attention", .type = F::section, .unit = "map",
               .description = "DeepSeek Sparse Attention's lightning indexer (absent: attention reads the whole context)", .needs_source = true},
    ModelField{.section = "sparse_attention", .key = "index_heads", .required = true, .min = 1, .max = max_head_width,
               .unit = "heads", .description = "indexer heads", .json_path = "sparse_attention.index_heads", .json = E::always,
               .get = read<&SparseAttentionSpec::index_heads>, .set = write<&SparseAttentionSpec::index_heads>},
    ModelField{.section = "sparse_attention", .key = "index_head_dim", .required = true, .min = 1, .max = max_head_width,
               .unit = "elements", .description = "width of an indexer head and of the key it caches per token", .json_path = "sparse_attention.index_head_dim",
               .json = E::always, .get = read<&SparseAttentionSpec::index_head_dim>, .set = write<&SparseAttentionSpec::index_head_dim>},
    ModelField{.section = "sparse_attention", .key = "index_topk", .required = true, .min = 1, .max = max_token_count,
               .unit = "tokens", .description = "context tokens each query attends to once the context is longer", .json_path = "sparse_attention.index_topk",
               .json = E::always, .get = read<&SparseAttentionSpec::index_topk>, .set = write<&SparseAttentionSpec::index_topk>},
    ModelField{.key = "moe", .type = F::section, .unit = "map", .description = "mixture of experts (absent: a dense model)",
               .needs_source = true},
    ModelField{.section = "moe", .key = "num_experts", .required = true, .min = 1, .max = max_expert_count,
               .unit = "experts", .description = "routed experts per MoE layer", .json_path = "moe.num_experts",
               .json = E::always, .get = read<&MoeSpec::num_experts>, .set = write<&MoeSpec::num_experts>},
    ModelField{.section = "moe", .key = "experts_per_token", .required = true, .min = 1, .max = max_expert_count,
               .unit = "experts", .description = "top-k: routed experts each token uses",
               .json_path = "moe.experts_per_token", .json = E::always, .get = read<&MoeSpec::experts_per_token>,
               .set = write<&MoeSpec::experts_per_token>},
    ModelField{.section = "moe", .key = "num_shared_experts", .min = 0, .max = 1024, .unit = "experts",
               .description = "experts every token uses, besides the routed ones", .json_path = "moe.num_shared_experts", .json = E::always,
               .get = read<&MoeSpec::num_shared_experts>, .set = write<&MoeSpec::num_shared_experts>},
    ModelField{.section = "moe", .key = "expert_ffn_size", .required = true, .min = 1, .max = max_ffn_width,
               .unit = "elements", .description = "routed expert intermediate size",
               .json_path = "moe.expert_ffn_size", .json = E::always, .get = read<&MoeSpec::expert_ffn_size>,
               .set = write<&MoeSpec::expert_ffn_size>},
    ModelField{.section = "moe", .key = "shared_expert_ffn_size", .min = 1, .max = max_ffn_width, .unit = "elements",
               .description = "intermediate size of one shared expert",
               .get = read<&MoeSpec::shared_expert_ffn_size>, .set = write<&MoeSpec::shared_expert_ffn_size>,
               .fallback_row = "moe.expert_ffn_size"},
    ModelField{.section = "moe", .key = "dense_layers", .type = F::custom,
               .unit = "list of layer indices", .description = "layers with a dense FFN instead of MoE (default: none)"},
    ModelField{.section = "moe", .key = "expert_bias", .type = F::boolean,
               .unit = "bool", .description = "experts' linear layers have biases (gpt-oss)", .get = read<&MoeSpec::expert_bias>,
               .set = write<&MoeSpec::expert_bias>},
    ModelField{.section = "moe", .key = "router_bias", .type = F::boolean, .unit = "bool", .description = "router has a bias/correction vector",
               .get = read<&MoeSpec::router_bias>, .set = write<&MoeSpec::router_bias>},
    ModelField{.section = "moe", .key = "zero_experts", .min = 0, .max = max_expert_count, .unit = "experts",
               .description = "router slots that return their input: no weights, no FLOPs (LongCat-Flash)", .yaml = E::unless_default,
               .json_path = "moe.zero_experts", .json = E::unless_default, .get = read<&MoeSpec::zero_experts>,
               .set = write<&MoeSpec::zero_experts>},
    ModelField{.key = "mtp_layers", .min = 0, .max = 64, .unit = "layers",
               .description = "multi-token-prediction modules (each a full decoder layer + projection)", .needs_source = true, .json_path = "mtp_layers",
               .json = E::always, .get = read<&M::mtp_layers>, .set = write<&M::mtp_layers>},
    ModelField{.key = "vision_params", .min = 0, .max = max_parameters, .unit = "parameters",
               .description = "a multimodal checkpoint's vision tower (encoder and projector): 16-bit weights on the first pipeline stage, split over tp; in the total, not in per-token cost (0: none)",
               .needs_source = true, .yaml = E::unless_default, .json_path = "vision_params", .json = E::unless_default,
               .get = read<&M::vision_params>, .set = write<&M::vision_params>},
    ModelField{.key = "estimated", .type = F::boolean, .unit = "bool",
               .description = "the architecture is not published: an approximation from what is (`notes` says which); every command warns",
               .yaml = E::unless_default, .json_path = "estimated", .json = E::unless_default, .get = read<&M::estimated>,
               .set = write<&M::estimated>},
    ModelField{.key = "precision", .type = F::section, .required = true, .unit = "map", .description = "native storage precisions"},
    ModelField{.section = "precision", .key = "weights", .type = F::custom, .required = true,
               .unit = "precision", .description = "native storage of linear weights"},
    ModelField{.section = "precision", .key = "experts", .type = F::custom,
               .unit = "precision", .description = "routed experts' storage (gpt-oss: `mxfp4`; default: as weights)"},
    ModelField{.key = "params_official", .type = F::section, .unit = "map", .description = "official parameter counts",
               .needs_source = true},
    ModelField{.section = "params_official", .key = "total", .type = F::custom, .required = true, .min = 0,
               .max = max_parameters, .unit = "parameters", .description = "official total"},
    ModelField{.section = "params_official", .key = "active", .type = F::custom, .min = 0, .max = max_parameters,
               .unit = "parameters", .description = "official active per token (MoE)"},
    ModelField{.section = "params_official", .key = "source", .type = F::custom, .required = true,
               .unit = "string", .description = "where the counts are published"},
    ModelField{.key = "notes", .type = F::custom, .unit = "string", .description = "free text"},
    ModelField{.key = "sources", .type = F::custom, .required = true,
               .unit = "list of {fields, cite}", .description = "where every number comes from (see above)"},
};
// clang-format on

// "yes", "no (0)", "yes for MLA", "yes within `moe`": whether a key must be there, and its default.
std::string requirement(const ModelField& field) {
  std::string text = field.required ? "yes" : "no";
  if (!field.required && !field.fallback_row.empty()) text += fmt::format(" (= `{}`)", field.fallback_row);
  if (!field.required && field.fallback_row.empty() && field.type == FieldType::integer) {
    text += fmt::format(" ({})", field.fallback);
  }
  if (!field.required && field.type == FieldType::boolean) text += field.fallback != 0 ? " (true)" : " (false)";
  if (field.applies == Applies::gqa) text += " for GQA";
  if (field.applies == Applies::mla) text += " for MLA";
  if (field.required && !field.section.empty() && field.section != "attention" && field.section != "precision") {
    text += fmt::format(" within `{}`", field.section);
  }
  return text;
}

std::string range_text(const ModelField& field) {
  if (field.type == FieldType::integer) return fmt::format("{} to {}", field.min, field.max);
  if (field.max > 0) return fmt::format("> {} to {}", field.min, field.max);  // parameter counts: real numbers
  return "";
}

// The description, with the precision names the loader accepts for a precision row.
std::string meaning(const ModelField& field) {
  std::string text(field.description);
  if (field.unit != "precision") return text;
  std::string names;
  for (std::string_view name : precision_vocabulary) names += fmt::format("{}`{}`", names.empty() ? "" : ", ", name);
  return text + "; one of " + names;
}

}  // namespace

std::string model_schema_markdown() {
  std::string out = "| key | unit / type | required | range | meaning |\n|---|---|---|---|---|\n";
  for (const ModelField& field : fields) {
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", field.path(), field.unit, requirement(field),
                       range_text(field), meaning(field));
  }
  return out;
}

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
  if (field.section == "linear_attention" && !model.linear_attention) return false;
  if (field.section == "sparse_attention" && !model.sparse_attention) return false;
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

std::int64_t fallback_value(const ModelField& field, const ModelSpec& model) {
  return field.fallback_row.empty() ? field.fallback : model_field(field.fallback_row).get(model);
}

bool shown_for(const ModelField& field, Emit emit, const ModelSpec& model) {
  if (emit == Emit::never || !field.generic() || !applies_to(field, model)) return false;
  if (emit == Emit::always) return true;
  if (field.type == FieldType::text) return !field.get_text(model).empty();
  return field.get(model) != fallback_value(field, model);
}

}  // namespace llmsizer
