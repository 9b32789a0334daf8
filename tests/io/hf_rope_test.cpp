// RoPE scaling: the importer records how far a config's scaling reaches beyond
// max_position_embeddings, and a request between the two runs with a warning naming the scaling
// while one beyond both is an error naming the numbers.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/yaml_reader.hpp"
#include "tests/io/hf_fixture.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

// The public Qwen2.5-72B-Instruct config.json with the model card's long-context rope_scaling added.
std::string qwen_with_yarn() {
  nlohmann::json config =
      nlohmann::json::parse(read_file(test::source_path("tests/data/hf/qwen2.5-72b.json").string()));
  config["rope_scaling"] = {{"factor", 4.0}, {"original_max_position_embeddings", 32768}, {"type", "yarn"}};
  return config.dump(2);
}

using test::import_fixture;

}  // namespace

TEST_SUITE("hf_import") {
  TEST_CASE("rope_scaling: a reach beyond max_position_embeddings is recorded with its factor") {
    const ModelSpec qwen = import_hf_config(qwen_with_yarn(), "qwen.json");
    CHECK(qwen.max_context == 32768);
    CHECK(qwen.rope_extended_context == 131072);
    CHECK(qwen.rope_scaling == "yarn factor 4");
    CHECK(qwen.warnings.empty());
    // Without original_max_position_embeddings the factor stretches max_position_embeddings.
    nlohmann::json linear = nlohmann::json::parse(qwen_with_yarn());
    linear["rope_scaling"] = {{"factor", 2}, {"rope_type", "linear"}};
    const ModelSpec stretched = import_hf_config(linear.dump(), "linear.json");
    CHECK(stretched.rope_extended_context == 65536);
    CHECK(stretched.rope_scaling == "linear factor 2");
  }

  TEST_CASE("rope_scaling that max_position_embeddings already covers records nothing") {
    // DeepSeek-V3: yarn factor 40 over 4,096 = its 163,840 max_position_embeddings.
    const ModelSpec v3 = import_fixture("deepseek-v3");
    CHECK(v3.max_context == 163840);
    CHECK(v3.rope_extended_context == 0);
    CHECK(v3.rope_scaling.empty());
    // Llama 3.1: llama3 factor 8 over 8,192 = 65,536, inside its 131,072.
    CHECK(import_fixture("llama-3.1-8b").rope_extended_context == 0);
    // The "default" type and a factor of 1 scale nothing.
    nlohmann::json config = nlohmann::json::parse(qwen_with_yarn());
    config["rope_scaling"] = {{"factor", 4}, {"rope_type", "default"}};
    CHECK(import_hf_config(config.dump(), "c.json").rope_extended_context == 0);
    config["rope_scaling"] = {{"factor", 1}, {"rope_type", "yarn"}};
    CHECK(import_hf_config(config.dump(), "c.json").rope_extended_context == 0);
  }

  TEST_CASE("rope_scaling: a factor that is not a number is an error at its line") {
    nlohmann::json config = nlohmann::json::parse(qwen_with_yarn());
    config["rope_scaling"]["factor"] = "four";
    try {
      (void)import_hf_config(config.dump(2), "bad.json");
      FAIL("expected a ConfigError");
    } catch (const ConfigError& e) {
      CHECK(e.path() == "rope_scaling.factor");
      CHECK(e.line() > 0);
      CHECK(std::string(e.what()).find("expected a number") != std::string::npos);
    }
  }

  TEST_CASE("a request within the RoPE-scaled reach warns; beyond it is an error naming both numbers") {
    // The catalog's qwen2.5-72b carries the model card's YaRN reach (131,072 over 32,768).
    const Run within = run(
        {"estimate", "--model", "qwen2.5-72b", "--gpu", "h200-sxm", "--gpus", "4", "--isl", "100000", "--osl", "1000"});
    CHECK(within.code == 0);
    CHECK(within.err ==
          "warning: --isl: 100000 prompt + 1000 output = 101000 tokens exceed the 32768-token native "
          "context window of qwen2.5-72b; its RoPE scaling (yarn factor 4) reaches 131072 tokens, so "
          "the estimate assumes the engine runs with that scaling enabled\n");
    const Run beyond = run(
        {"estimate", "--model", "qwen2.5-72b", "--gpu", "h200-sxm", "--gpus", "4", "--isl", "140000", "--osl", "1000"});
    CHECK(beyond.code == 2);
    CHECK(beyond.err ==
          "error: --isl: 140000 prompt + 1000 output = 141000 tokens exceed the 32768-token context "
          "window of qwen2.5-72b (its RoPE scaling, yarn factor 4, reaches 131072)\n");
    const Run native = run(
        {"estimate", "--model", "qwen2.5-72b", "--gpu", "h200-sxm", "--gpus", "4", "--isl", "30000", "--osl", "1000"});
    CHECK(native.code == 0);
    CHECK(native.err.empty());
  }

  TEST_CASE("fit --context beyond the window: a warning within the RoPE reach, an error beyond it") {
    const Run within = run({"fit", "--model", "qwen2.5-72b", "--gpu", "h200-sxm", "--context", "65536"});
    CHECK(within.code == 0);
    CHECK(within.err.find("warning: --context: 65536 tokens exceed the 32768-token native context window") !=
          std::string::npos);
    const Run beyond = run({"fit", "--model", "llama-3.1-8b", "--gpu", "h200-sxm", "--context", "200000"});
    CHECK(beyond.code == 2);
    CHECK(beyond.err == "error: --context: 200000 tokens exceed the 131072-token context window of llama-3.1-8b\n");
  }
}

}  // namespace llmsizer
