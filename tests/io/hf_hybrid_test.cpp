// Hybrid and sparse attention from the keys configs state them with: Qwen3-Next's
// full_attention_interval and Gated DeltaNet keys, EXAONE 4's lettered sliding_window_pattern,
// DeepSeek-V3.2's indexer. qwen3-next-80b-a3b.json is the public Qwen3-Next-80B-A3B-Instruct
// config.json; deepseek-v3.2-exp.json is deepseek-v3.json plus V3.2-Exp's index_* keys.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "estimator/model_stats.hpp"
#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "tests/io/hf_fixture.hpp"

namespace llmsizer {
namespace {

using test::import_fixture;

int layers_of_kind(const ModelSpec& m, LayerAttention kind) {
  return static_cast<int>(std::count(m.layer_attention.begin(), m.layer_attention.end(), kind));
}

}  // namespace

TEST_SUITE("hf_import") {
  TEST_CASE("Qwen3-Next: full_attention_interval 4 is 12 full layers and 36 Gated DeltaNet layers") {
    const ModelSpec m = import_fixture("qwen3-next-80b-a3b");
    CHECK(m.warnings.empty());
    CHECK(layers_of_kind(m, LayerAttention::full) == 12);
    CHECK(layers_of_kind(m, LayerAttention::linear) == 36);
    CHECK(m.layer_attention[3] == LayerAttention::full);
    CHECK(m.layer_attention[0] == LayerAttention::linear);
    CHECK(m.output_gate);
    REQUIRE(m.linear_attention);
    CHECK(m.linear_attention->num_key_heads == 16);
    CHECK(m.linear_attention->num_value_heads == 32);
    CHECK(m.linear_attention->key_head_dim == 128);
    CHECK(m.linear_attention->value_head_dim == 128);
    CHECK(m.linear_attention->conv_kernel == 4);
    // KV only in the 12 full layers: 2 (K, V) x 2 KV heads x 256 x 12 x 2 B (the issue's figure).
    CHECK(kv_bytes_per_token(m, Precision::bf16) == 24576.0);
    // Gated DeltaNet per layer: in_proj_qkvz 2048 x (2 x 2048 + 2 x 4096) = 25,165,824, in_proj_ba
    // 2048 x 64 = 131,072, conv1d 8192 x 4 = 32,768, dt_bias + A_log 64, norm 128, out_proj 4096 x
    // 2048 = 8,388,608: 33,718,464.
    CHECK(linear_attention_params_per_layer(m) == 33'718'464.0);
    // State per layer: 32 x 128 x 128 = 524,288 plus the convolution's 3 last inputs of 8192
    // channels, 24,576: 548,864 FP32 elements, 2,195,456 B; 36 layers 79,036,416 B per sequence.
    CHECK(kv_bytes_per_sequence(m, Precision::bf16, 1000).value == 24576.0 * 1000 + 79'036'416.0);
    const ParamCounts p = count_params(m);
    CHECK(std::abs(p.total / 80e9 - 1.0) <= 0.03);  // Qwen: 80B total
  }

  TEST_CASE("EXAONE 4 written as letters: sliding_window_pattern \"LLLG\"") {
    nlohmann::json config = nlohmann::json::parse(
        R"({"model_type": "exaone4", "hidden_size": 256, "num_hidden_layers": 8, "num_attention_heads": 8,
            "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 1000,
            "max_position_embeddings": 4096, "sliding_window": 128, "sliding_window_pattern": "LLLG"})");
    const ModelSpec m = import_hf_config(config.dump(), "exaone-small.json");
    CHECK(m.layer_attention == std::vector<LayerAttention>{LayerAttention::sliding, LayerAttention::sliding,
                                                           LayerAttention::sliding, LayerAttention::full,
                                                           LayerAttention::sliding, LayerAttention::sliding,
                                                           LayerAttention::sliding, LayerAttention::full});
    config["sliding_window_pattern"] = "LLXG";
    CHECK_THROWS_WITH_AS((void)import_hf_config(config.dump(), "x.json"),
                         doctest::Contains("expected a number or letters L (local) and G "
                                           "(global), got \"LLXG\""),
                         ConfigError);
  }

  TEST_CASE("DeepSeek-V3.2: the indexer's parameters and cached key, top-k kept") {
    const ModelSpec m = import_fixture("deepseek-v3.2-exp");
    CHECK(m.warnings.empty());
    REQUIRE(m.sparse_attention);
    CHECK(m.sparse_attention->index_heads == 64);
    CHECK(m.sparse_attention->index_head_dim == 128);
    CHECK(m.sparse_attention->index_topk == 2048);
    // wq_b 1536 x 64 x 128 = 12,582,912, wk 7168 x 128 = 917,504, LayerNorm 256, weights_proj
    // 7168 x 64 = 458,752: 13,959,424 per layer.
    CHECK(indexer_params_per_layer(m) == 13'959'424.0);
    const ModelSpec v3 = import_fixture("deepseek-v3");
    CHECK(count_params(m).total - count_params(v3).total == 61 * 13'959'424.0);
    // (512 + 64 + 128) x 61 layers x 2 B
    CHECK(kv_bytes_per_token(m, Precision::bf16) == 85888.0);
    CHECK(std::abs(count_params(m).total / 671e9 - 1.0) <= 0.03);
    CHECK(std::abs(count_params(m).active / 37e9 - 1.0) <= 0.06);
  }
}

}  // namespace llmsizer
