// Never a silent guess: what a config.json says that the importer does not read is a warning on
// the ModelSpec naming the key (io/hf_keys.hpp), and every fixture of a supported family has none.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/hf_import.hpp"
#include "tests/io/hf_fixture.hpp"

namespace llmsizer {
namespace {

ModelSpec import_json(const nlohmann::json& extra) {
  nlohmann::json config = {{"model_type", "llama"},    {"hidden_size", 256},
                           {"num_hidden_layers", 4},   {"num_attention_heads", 8},
                           {"num_key_value_heads", 2}, {"intermediate_size", 512},
                           {"vocab_size", 1000},       {"max_position_embeddings", 4096}};
  config.update(extra);
  return import_hf_config(config.dump(2), "small.json");
}

using test::import_fixture;

}  // namespace

TEST_SUITE("hf_import") {
  TEST_CASE("every fixture of a supported family imports without a warning") {
    for (const char* name : {"deepseek-v3", "ernie-4.5-21b-a3b", "ernie-4.5-300b-a47b", "exaone-3.5-32b",
                             "exaone-4.0-32b", "glm-4.5", "glm-4.6", "gpt-oss-120b", "hunyuan-a13b", "kimi-k2",
                             "llama-3.1-8b-w4a16", "llama-3.1-8b", "longcat-flash-chat", "minimax-m1", "minimax-m2",
                             "mixtral-8x7b", "qwen2-moe-sparse", "qwen2.5-72b", "qwen3-235b-a22b",
                             "llama-4-scout-17b-16e", "llama-4-maverick-17b-128e", "minimax-text-01",
                             "qwen2.5-vl-7b-instruct", "qwen3-vl-8b-instruct", "gemma-3-27b-it", "llava-llama-3.1-8b"}) {
      CAPTURE(name);
      CHECK(import_fixture(name).warnings == std::vector<std::string>{});
    }
  }

  TEST_CASE("a key that is not understood is named with its value; one that turns nothing on is not") {
    const ModelSpec m = import_json({{"use_cla", true}, {"cla_share_factor", 2}, {"mlp_bias", false},
                                     {"fancy_new_layers", {1, 2}}});
    CHECK(m.warnings == std::vector<std::string>{
                            "config key 'fancy_new_layers' (an array) is not understood and was ignored; the "
                            "estimate does not include what it changes",
                            "config key 'use_cla' (true) is not understood and was ignored; the estimate does not "
                            "include what it changes"});
  }

  TEST_CASE("a key one or two edits from a key the importer reads, itself present, is a warning with a did-you-mean") {
    // num_key_value_head beside num_key_value_heads: the real key is read, the near miss named. A near
    // miss is named even when its value turns nothing on; a key further from every read key gets no
    // guess. (With the real key absent, a near miss is an error: hf_import_errors_test.cpp.)
    const ModelSpec m = import_json(
        {{"num_key_value_head", 8}, {"tie_word_embedding", false}, {"tie_word_embeddings", false}, {"use_cla", true}});
    CHECK(m.warnings == std::vector<std::string>{
                            "config key 'num_key_value_head' (8) is not understood and was ignored; the estimate "
                            "does not include what it changes; did you mean 'num_key_value_heads'?",
                            "config key 'tie_word_embedding' (false) is not understood and was ignored; the "
                            "estimate does not include what it changes; did you mean 'tie_word_embeddings'?",
                            "config key 'use_cla' (true) is not understood and was ignored; the estimate does not "
                            "include what it changes"});
  }

  TEST_CASE("an unknown model_type says it was read as a generic decoder") {
    CHECK(import_json({{"model_type", "brand_new"}}).warnings ==
          std::vector<std::string>{"model_type 'brand_new' is not a known family: read as a generic decoder "
                                   "(attention as its keys say, a gated FFN, no biases unless attention_bias)"});
    CHECK(import_json({{"model_type", nullptr}}).warnings ==
          std::vector<std::string>{"model_type '(none)' is not a known family: read as a generic decoder "
                                   "(attention as its keys say, a gated FFN, no biases unless attention_bias)"});
  }

  TEST_CASE("sliding_window read as every layer's is said, unless the family slides everywhere or says which") {
    // Phi-3-style: a family not known to slide in every layer, no key saying which layers do.
    const ModelSpec guessed = import_json({{"model_type", "phi3"}, {"sliding_window", 2047}});
    CHECK(guessed.layer_attention == std::vector<LayerAttention>(4, LayerAttention::sliding));
    REQUIRE(guessed.warnings.size() == 2);  // the generic-decoder warning first, then the window's
    CHECK(guessed.warnings[1] ==
          "sliding_window (2047) was applied to every layer, as Mistral does: model_type 'phi3' is not known to, and "
          "no layer_types, use_sliding_window or sliding_window_pattern says which layers slide; if only some do, "
          "the KV cache is larger than estimated");
    // Mistral's modeling code slides in every layer; use_sliding_window and a pattern say which layers do.
    CHECK(import_json({{"model_type", "mistral"}, {"sliding_window", 4096}}).warnings.empty());
    CHECK(import_json({{"model_type", "phi3"}, {"sliding_window", 2047}, {"use_sliding_window", false}})
              .warnings.size() == 1);
    CHECK(import_json({{"model_type", "phi3"}, {"sliding_window", 2047}, {"sliding_window_pattern", 2}})
              .warnings.size() == 1);
  }

  TEST_CASE("multimodal: text_config keys are named with their path (vision_config's: hf_vision_test)") {
    nlohmann::json text = {{"model_type", "llama"}, {"hidden_size", 256}, {"num_hidden_layers", 4},
                           {"num_attention_heads", 8}, {"intermediate_size", 512}, {"vocab_size", 1000},
                           {"max_position_embeddings", 4096}, {"use_cla", true}};
    const nlohmann::json config = {{"model_type", "llava"}, {"text_config", text}};
    CHECK(import_hf_config(config.dump(), "mm.json").warnings ==
          std::vector<std::string>{"config key 'text_config.use_cla' (true) is not understood and was ignored; the "
                                   "estimate does not include what it changes"});
  }
}

}  // namespace llmsizer
