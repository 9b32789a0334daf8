// Hugging Face config.json import (io/hf_import.hpp): each bad config with its exact message — missing
// and mistyped fields with their key path, line and caret, layer lists, quantization and cross-field
// rules, JSON syntax — and hostile input that must never crash.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/hf_import.hpp"
#include "io/yaml_reader.hpp"
#include "tests/io/hf_fixture.hpp"

namespace llmsizer {
namespace {

using test::catalog_model;
using test::fixture_path;
using test::import_error;
using test::import_fixture;
using test::import_small;
using test::small_config;

}  // namespace

TEST_SUITE("hf_import") {
  TEST_CASE("missing required fields are named together, at their object's opening brace") {
    const auto first_line = [](const std::string& error) { return error.substr(0, error.find('\n')); };
    CHECK(import_error(R"({"architectures": ["FooForCausalLM"], "model_type": "foo", "num_attention_heads": 8,
                          "vocab_size": 1000, "max_position_embeddings": 2048, "intermediate_size": 1024})") ==
          "bad.json:1:1: error: cannot import architecture 'FooForCausalLM' (model_type 'foo'): missing hidden_size, "
          "num_hidden_layers\n"
          "{\"architectures\": [\"FooForCausalLM\"], \"model_type\": \"foo\", \"num_attention_heads\": 8,\n"
          "^");
    CHECK(first_line(import_error(small_config({{"num_local_experts", 8}, {"model_type", nullptr}}))) ==
          "bad.json:1:1: error: cannot import this config: missing num_experts_per_tok");
    CHECK(import_error(R"({"model_type": "llava", "text_config": {"hidden_size": null}})") ==
          "bad.json:1:40: error: cannot import model_type 'llava': missing text_config.hidden_size, "
          "text_config.num_hidden_layers, text_config.num_attention_heads, text_config.vocab_size, "
          "text_config.max_position_embeddings, text_config.intermediate_size\n"
          "{\"model_type\": \"llava\", \"text_config\": {\"hidden_size\": null}}\n"
          "                                       ^");
    CHECK(first_line(import_error(small_config({{"kv_lora_rank", 512}}))) ==
          "bad.json:1:1: error: cannot import model_type 'llama': missing qk_nope_head_dim, qk_rope_head_dim, "
          "v_head_dim");
    CHECK(first_line(import_error(small_config(
              {{"layer_types", {"sliding_attention", "full_attention", "full_attention", "full_attention"}}}))) ==
          "bad.json:1:1: error: cannot import model_type 'llama': missing sliding_window");
  }

  TEST_CASE("a misspelt key whose real key is absent is an error at the misspelling, with a did-you-mean") {
    // Read without it, a MoE would import as dense (num_expert), the attention heads as KV heads
    // (num_key_value_head), and a required key would be reported missing with no hint.
    CHECK(import_error(small_config({{"num_expert", 128}, {"num_experts_per_tok", 8}}))
              .find("error: num_expert: unknown key; did you mean 'num_experts'?\n") != std::string::npos);
    CHECK(import_error(small_config({{"num_key_value_head", 8}, {"num_key_value_heads", nullptr}}))
              .find("error: num_key_value_head: unknown key; did you mean 'num_key_value_heads'?\n") !=
          std::string::npos);
    CHECK(import_error("{\"model_type\": \"llama\",\n  \"max_position_embedings\": 4096}") ==
          "bad.json:2:29: error: max_position_embedings: unknown key; did you mean 'max_position_embeddings'?\n"
          "  \"max_position_embedings\": 4096}\n"
          "                            ^");
    CHECK(import_error(R"({"model_type": "llava", "text_config": {"hidden_sise": 64}})")
              .find("error: text_config.hidden_sise: unknown key; did you mean 'hidden_size'?") != std::string::npos);
  }

  TEST_CASE("wrong types and values name the key path, with line and caret") {
    CHECK(
        import_error("{\n  \"model_type\": \"llava\",\n  \"text_config\": {\n    \"num_attention_heads\": -3\n  }\n}\n",
                     "vlm.json") ==
        "vlm.json:4:28: error: text_config.num_attention_heads: expected a positive integer, got -3\n"
        "    \"num_attention_heads\": -3\n"
        "                           ^");
    CHECK(import_error(R"({"hidden_size": "4096"})") ==
          "bad.json:1:17: error: hidden_size: expected a positive integer, got \"4096\"\n"
          "{\"hidden_size\": \"4096\"}\n"
          "                ^");
    CHECK(import_error(R"({"hidden_size": 4096.5})").find("hidden_size: expected a positive integer, got 4096.5\n") !=
          std::string::npos);
    CHECK(import_error(R"({"hidden_size": 0})").find("hidden_size: expected a positive integer, got 0\n") !=
          std::string::npos);
    CHECK(import_error(R"({"hidden_size": 1e30})").find("hidden_size: 1e+30 is too large (at most 1048576)\n") !=
          std::string::npos);
    CHECK(import_error(small_config({{"tie_word_embeddings", "false"}}))
              .find("tie_word_embeddings: expected true or false, got \"false\"") != std::string::npos);
    CHECK(
        import_error(small_config({{"first_k_dense_replace", -1}, {"n_routed_experts", 4}, {"num_experts_per_tok", 2}}))
            .find("first_k_dense_replace: expected a non-negative integer, got -1") != std::string::npos);
    CHECK(import_error(R"({"text_config": [1]})") ==
          "bad.json:1:17: error: text_config: expected an object, got an array\n{\"text_config\": [1]}\n"
          "                ^");
  }

  TEST_CASE("layer lists, quantization and cross-field rules are checked") {
    CHECK(
        import_error(small_config({{"layer_types", {"full_attention"}}})).find("layer_types: 1 entries for 4 layers") !=
        std::string::npos);
    CHECK(import_error(small_config({{"layer_types", {"full_attention", "full_attention", "chunked", "x"}}}))
              .find("layer_types[2]: unknown layer type \"chunked\" (expected full_attention, sliding_attention, "
                    "chunked_attention or linear_attention)") != std::string::npos);
    CHECK(import_error(small_config({{"attn_type_list", {1, 1, 2, 1}}}))
              .find("attn_type_list[2]: unknown layer type 2 (expected 0 (linear) or 1 (full))") != std::string::npos);
    CHECK(import_error(small_config({{"num_experts", 4}, {"num_experts_per_tok", 1}, {"mlp_only_layers", {9}}}))
              .find("mlp_only_layers[0]: 9 is too large (at most 3)") != std::string::npos);
    CHECK(
        import_error(small_config({{"quantization_config", {{"quant_method", "hqq"}}}}))
            .find("quantization_config.quant_method: unsupported quantization method 'hqq' (expected fp8, fbgemm_fp8, "
                  "mxfp4, modelopt, awq, gptq, compressed-tensors or bitsandbytes)") != std::string::npos);
    CHECK(import_error(small_config({{"quantization_config", {{"quant_method", "gptq"}, {"bits", 3}}}}))
              .find("quantization_config.bits: 3-bit gptq is not supported (expected 4 or 8)") != std::string::npos);
    CHECK(import_error(small_config({{"torch_dtype", "int3"}}))
              .find("torch_dtype: unknown dtype 'int3' (expected bfloat16, float16 or float32)") != std::string::npos);
    CHECK(import_error(small_config({{"num_attention_heads", 6}, {"head_dim", 32}, {"num_key_value_heads", 4}})) ==
          "bad.json:9:26: error: num_key_value_heads: num_heads (6) must be a multiple of num_kv_heads (4)\n"
          "  \"num_key_value_heads\": 4,\n"
          "                         ^");
    CHECK(import_error(
              small_config({{"num_local_experts", 8}, {"num_experts_per_tok", 2}, {"first_k_dense_replace", 99}}))
              .find("error: first_k_dense_replace: all 4 layers are dense, so no layer uses the experts") !=
          std::string::npos);
    CHECK(import_error(small_config({{"num_local_experts", 8}, {"num_experts_per_tok", 9}})) ==
          "bad.json:7:26: error: num_experts_per_tok: 9 experts per token exceed 8 experts\n"
          "  \"num_experts_per_tok\": 9,\n"
          "                         ^");
    CHECK(import_error(small_config({{"num_attention_heads", 7}})) ==
          "bad.json:1:1: error: head_dim: absent, and hidden_size (256) is not a multiple of num_attention_heads (7)\n"
          "{\n^");
  }

  TEST_CASE("JSON syntax errors and non-object documents point at the offending character") {
    CHECK(import_error("{\n  \"hidden_size\": 4096,\n  \"vocab_size\": ,\n}\n") ==
          "bad.json:3:17: error: JSON syntax: syntax error while parsing value - unexpected ','; expected '[', '{', "
          "or a literal\n"
          "  \"vocab_size\": ,\n"
          "                ^");
    CHECK(import_error("{\"hidden_size\": 4096\n") ==
          "bad.json:1:21: error: JSON syntax: syntax error while parsing object - unexpected end of input; expected "
          "'}'\n{\"hidden_size\": 4096\n                    ^");
    CHECK(import_error("[1, 2]") ==
          "bad.json:1:1: error: expected a JSON object (the text of a config.json), got an array\n[1, 2]\n^");
    CHECK(import_error("  \"text\"").find("got \"text\"\n  \"text\"\n  ^") != std::string::npos);
    CHECK(import_error("null").find("got null") != std::string::npos);
    CHECK(import_error("") ==
          "bad.json:1:1: error: JSON syntax: syntax error while parsing value - unexpected end of input; expected "
          "'[', '{', or a literal");
    CHECK(import_error(R"({"hidden_size": 1e400})") ==
          "bad.json:1:17: error: hidden_size: '1e400' is out of range for a number\n{\"hidden_size\": 1e400}\n"
          "                ^");
  }

  TEST_CASE("hostile input never crashes: deep nesting, bad bytes, every key replaced by every type") {
    CHECK(import_error(std::string(100000, '[')).find("JSON syntax") != std::string::npos);
    const std::string deep = "{\"hidden_size\": " + std::string(5000, '[') + std::string(5000, ']') + "}";
    CHECK(import_error(deep) == "bad.json: error: hidden_size: expected a positive integer, got an array");
    CHECK(import_error("{\"model_type\": \"\xff\xfe\"}").find("JSON syntax") != std::string::npos);
    CHECK(import_error(std::string("{\"hidden_size\": \0 4096}", 22)).find("JSON syntax") != std::string::npos);
    using nlohmann::json;
    const std::vector<json> replacements = {nullptr,
                                            -1,
                                            0,
                                            2.5,
                                            1e300,
                                            "x",
                                            json::array(),
                                            json::object(),
                                            true,
                                            json::array({json::object()}),
                                            18446744073709551615ULL};
    for (const char* id : {"deepseek-v3", "gpt-oss-120b", "llava-llama-3.1-8b", "qwen2-moe-sparse"}) {
      const json original = json::parse(read_file(fixture_path(id)));
      for (const auto& item : original.items()) {
        for (const json& value : replacements) {
          json mutated = original;
          mutated[item.key()] = value;
          CAPTURE(item.key());
          try {
            (void)import_hf_config(mutated.dump(2), std::string(id) + ".json");
          } catch (const ConfigError&) {
            // an answer or a ConfigError; anything else escapes and fails the test
          }
        }
      }
    }
  }
}

}  // namespace llmsizer
