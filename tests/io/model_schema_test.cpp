// The model/1 schema table (io/model_schema.hpp) against its four users: the keys the loader accepts
// are the table's rows, every key the writer emits loads back to the same values, and the Hugging
// Face importer rejects a value just past a limit where the loader does, naming the same limit.
#include "io/model_schema.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/profile_loader.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;

// A document that uses every row of the table once: MLA attention (with the GQA keys an MLA profile
// may keep), sliding layers, experts with a dense layer, both precisions and the official counts.
const char* const every_key_document = R"(schema: model/1
name: every-key
display_name: Every Key
aliases: [every]
hf_repo: org/every-key
family: test
num_layers: 4
hidden_size: 256
num_heads: 8
num_kv_heads: 8
head_dim: 32
ffn_size: 512
ffn_gated: false
vocab_size: 1000
tied_embeddings: false
max_context: 4096
rope_extended_context: 16384
rope_scaling: yarn factor 4
attention:
  kind: mla
  qkv_bias: true
  o_bias: true
  qk_norm: true
  output_gate: true
  q_lora_rank: 64
  kv_lora_rank: 32
  qk_nope_head_dim: 32
  qk_rope_head_dim: 16
  v_head_dim: 32
  layer_pattern: [sliding, full]
  sliding_window: 128
  chunk_size: 64
linear_attention:
  num_key_heads: 4
  num_value_heads: 8
  key_head_dim: 32
  value_head_dim: 32
  conv_kernel: 4
sparse_attention:
  index_heads: 4
  index_head_dim: 32
  index_topk: 64
moe:
  num_experts: 8
  experts_per_token: 2
  num_shared_experts: 1
  expert_ffn_size: 128
  shared_expert_ffn_size: 256
  dense_layers: [0]
  expert_bias: true
  router_bias: true
  zero_experts: 2
mtp_layers: 1
vision_params: 1000
estimated: true
precision:
  weights: bf16
  experts: fp8
params_official:
  total: 1000000
  active: 500000
  source: a test
notes: every key of the schema
sources:
  - fields: ["*"]
    cite: a test
)";

ModelSpec load_text(const std::string& name, const std::string& yaml) {
  const SourceText source = make_source(name + ".yaml", yaml);
  return parse_model(parse_yaml(yaml, source), source);
}

std::string load_error(const std::string& name, const std::string& yaml) {
  try {
    (void)load_text(name, yaml);
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

std::string import_error(const nlohmann::json& config) {
  try {
    (void)import_hf_config(config.dump(1), "limits.json");
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

bool in_table(const std::string& path) {
  const auto rows = model_fields();
  return std::any_of(rows.begin(), rows.end(), [&](const ModelField& row) { return row.path() == path; });
}

// The key paths of a document: top-level keys and the keys of the section maps.
std::set<std::string> key_paths(const YAML::Node& root) {
  std::set<std::string> paths;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    paths.insert(key);
    if (!it->second.IsMap()) continue;
    for (auto child = it->second.begin(); child != it->second.end(); ++child) {
      paths.insert(key + "." + child->first.Scalar());
    }
  }
  return paths;
}

// Every row the table can read back compares equal, and so do the members only custom code writes.
void check_same_values(const ModelSpec& a, const ModelSpec& b) {
  for (const ModelField& row : model_fields()) {
    CAPTURE(row.path());
    REQUIRE(applies_to(row, a) == applies_to(row, b));
    if (!row.generic() || !applies_to(row, a)) continue;
    if (row.type == FieldType::text) {
      CHECK(row.get_text(a) == row.get_text(b));
    } else {
      CHECK(row.get(a) == row.get(b));
    }
  }
  CHECK(a.name == b.name);
  CHECK(a.display_name == b.display_name);
  CHECK(a.aliases == b.aliases);
  CHECK(a.is_mla() == b.is_mla());
  CHECK(a.layer_attention == b.layer_attention);
  CHECK(a.layer_is_moe == b.layer_is_moe);
  CHECK(a.weights_precision == b.weights_precision);
  CHECK(a.experts_precision == b.experts_precision);
  CHECK(a.official_total_params == b.official_total_params);
  CHECK(a.official_active_params == b.official_active_params);
  CHECK(a.official_params_source == b.official_params_source);
  CHECK(a.notes == b.notes);
  CHECK(a.sources.size() == b.sources.size());
}

std::vector<ModelSpec> shipped_and_imported() {
  std::vector<ModelSpec> models;
  for (const auto& entry : fs::directory_iterator(test::source_path("profiles/models"))) {
    models.push_back(load_model_file(entry.path().string()));
  }
  for (const auto& entry : fs::directory_iterator(test::source_path("tests/data/hf"))) {
    if (entry.path().extension() == ".json") models.push_back(import_hf_config_file(entry.path().string()));
  }
  return models;
}

// A small dense GQA config and a small MLA + MoE one, valid as they stand.
nlohmann::json gqa_config() {
  return {{"model_type", "llama"},    {"hidden_size", 256},
          {"num_hidden_layers", 4},   {"num_attention_heads", 8},
          {"num_key_value_heads", 2}, {"intermediate_size", 512},
          {"vocab_size", 1000},       {"max_position_embeddings", 4096}};
}

nlohmann::json mla_moe_config() {
  nlohmann::json config = gqa_config();
  config.update({{"q_lora_rank", 64},
                 {"kv_lora_rank", 32},
                 {"qk_nope_head_dim", 32},
                 {"qk_rope_head_dim", 16},
                 {"v_head_dim", 32},
                 {"n_routed_experts", 8},
                 {"num_experts_per_tok", 2},
                 {"moe_intermediate_size", 128}});
  config.erase("num_key_value_heads");
  return config;
}

struct ImportedLimit {
  const char* config_key;  // as config.json spells it
  const char* schema_path;
  bool mla_moe;  // read from the MLA + MoE config, else the dense GQA one
};

// Each config.json key the importer checks against a model/1 limit, with the row it lands in.
const std::vector<ImportedLimit> imported_limits = {
    {"hidden_size", "hidden_size", false},
    {"num_hidden_layers", "num_layers", false},
    {"num_attention_heads", "num_heads", false},
    {"num_key_value_heads", "num_kv_heads", false},
    {"head_dim", "head_dim", false},
    {"intermediate_size", "ffn_size", false},
    {"vocab_size", "vocab_size", false},
    {"max_position_embeddings", "max_context", false},
    {"num_nextn_predict_layers", "mtp_layers", false},
    {"sliding_window", "attention.sliding_window", false},
    {"q_lora_rank", "attention.q_lora_rank", true},
    {"kv_lora_rank", "attention.kv_lora_rank", true},
    {"qk_nope_head_dim", "attention.qk_nope_head_dim", true},
    {"qk_rope_head_dim", "attention.qk_rope_head_dim", true},
    {"v_head_dim", "attention.v_head_dim", true},
    {"n_routed_experts", "moe.num_experts", true},
    {"num_experts_per_tok", "moe.experts_per_token", true},
    {"moe_intermediate_size", "moe.expert_ffn_size", true},
    {"n_shared_experts", "moe.num_shared_experts", true},
    {"shared_expert_intermediate_size", "moe.shared_expert_ffn_size", true},
};

// The every-key document with the value at `path` replaced.
std::string with_value(const std::string& path, std::int64_t value) {
  YAML::Node root = YAML::Load(every_key_document);
  const size_t dot = path.find('.');
  YAML::Node target = dot == std::string::npos ? root[path] : root[path.substr(0, dot)][path.substr(dot + 1)];
  target = std::to_string(value);
  return YAML::Dump(root) + "\n";
}

constexpr std::string_view table_begin = "<!-- model/1 keys: generated from io/model_schema.cpp -->\n";
constexpr std::string_view table_end = "<!-- end of model/1 keys -->\n";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("docs/profiles.md shows the model/1 table as the schema states it") {
    const fs::path doc = test::source_path("docs/profiles.md");
    std::string text = read_text(doc);
    const size_t begin = text.find(table_begin);
    const size_t end = text.find(table_end);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    const size_t table_start = begin + table_begin.size();
    const std::string documented = text.substr(table_start, end - table_start);
    if (std::getenv("LLMSIZER_UPDATE_GOLDEN") != nullptr && documented != model_schema_markdown()) {
      text.replace(table_start, end - table_start, model_schema_markdown());
      std::ofstream(doc) << text;
      MESSAGE("rewrote the model/1 table in docs/profiles.md");
      return;
    }
    CHECK(documented == model_schema_markdown());  // LLMSIZER_UPDATE_GOLDEN=1 rewrites it
  }

  TEST_CASE("the every-key document loads and uses each row of the table exactly once") {
    const ModelSpec model = load_text("every-key", every_key_document);
    CHECK(model.is_mla());
    CHECK(model.moe->shared_expert_ffn_size == 256);
    std::set<std::string> rows;
    for (const ModelField& row : model_fields()) rows.insert(row.path());
    CHECK(key_paths(YAML::Load(every_key_document)) == rows);
  }

  TEST_CASE("a key outside the table is unknown in every map of the document") {
    for (const std::string section :
         {"", "attention", "linear_attention", "sparse_attention", "moe", "precision", "params_official"}) {
      CAPTURE(section);
      YAML::Node root = YAML::Load(every_key_document);
      YAML::Node map = section.empty() ? root : root[section];
      map["not_a_key"] = 1;
      const std::string path = section.empty() ? "not_a_key" : section + ".not_a_key";
      CHECK(load_error("every-key", YAML::Dump(root)).find(path + ": unknown key") != std::string::npos);
    }
  }

  TEST_CASE("every key the writer emits is a row, and the profile loads back to the same values") {
    for (const ModelSpec& model : shipped_and_imported()) {
      CAPTURE(model.file);
      const std::string yaml = model_to_yaml(model);
      for (const std::string& path : key_paths(YAML::Load(yaml))) {
        CAPTURE(path);
        CHECK(in_table(path));
      }
      check_same_values(model, load_text(model.name, yaml));
    }
    const ModelSpec every = load_text("every-key", every_key_document);
    check_same_values(every, load_text("every-key", model_to_yaml(every)));
  }

  TEST_CASE("the table's limits: each integer row accepts its maximum and rejects one more") {
    for (const ModelField& row : model_fields()) {
      if (row.type != FieldType::integer) continue;
      CAPTURE(row.path());
      const std::string error = load_error("every-key", with_value(row.path(), row.max + 1));
      // yaml_reader formats limits with {:g}, so 2^34 reads 1.71799e+10 there.
      CHECK(error.find(fmt::format("{}: {} is out of range (must be >= {:g} and <= {:g})", row.path(), row.max + 1,
                                   static_cast<double>(row.min), static_cast<double>(row.max))) != std::string::npos);
    }
    // At the maximum only cross-field rules may object (64 MTP layers, a 2^40-token window).
    CHECK(load_text("every-key", with_value("mtp_layers", model_field("mtp_layers").max)).mtp_layers == 64);
    CHECK(load_text("every-key", with_value("attention.sliding_window", model_field("attention.sliding_window").max))
              .sliding_window == 1LL << 40);
  }
}

TEST_SUITE("hf_import") {
  TEST_CASE("the importer's limits are the loader's: one past the maximum fails in both") {
    for (const ImportedLimit& limit : imported_limits) {
      CAPTURE(limit.config_key);
      const ModelField& row = model_field(limit.schema_path);
      nlohmann::json config = limit.mla_moe ? mla_moe_config() : gqa_config();
      CHECK(import_error(config) == "(no error)");
      config[limit.config_key] = row.max + 1;
      CHECK(import_error(config).find(fmt::format("{}: {} is too large (at most {})", limit.config_key, row.max + 1,
                                                  row.max)) != std::string::npos);
      CHECK(load_error("every-key", with_value(limit.schema_path, row.max + 1))
                .find(fmt::format("and <= {:g})", static_cast<double>(row.max))) != std::string::npos);
    }
  }
}

}  // namespace llmsizer
