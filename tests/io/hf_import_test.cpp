// Hugging Face config.json import (io/hf_import.hpp) and the model/1 writer. The config fixtures in
// tests/data/hf/ were written from the architecture facts in the catalog (standard HF key names);
// an imported catalog model must count exactly like its hand-written profile.
#include "io/hf_import.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "estimator/model_stats.hpp"
#include "io/profile_loader.hpp"
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

// Loaded as "<name>.yaml", since parse_model checks the name against the file stem.
ModelSpec round_trip(const ModelSpec& model) {
  const std::string yaml = model_to_yaml(model);
  const SourceText source = make_source(model.name + ".yaml", yaml);
  return parse_model(parse_yaml(yaml, source), source);
}

void check_same_architecture(const ModelSpec& a, const ModelSpec& b) {
  const ParamCounts pa = count_params(a);
  const ParamCounts pb = count_params(b);
  CHECK(pa.total == pb.total);
  CHECK(pa.active == pb.active);
  CHECK(pa.mtp == pb.mtp);
  CHECK(kv_bytes_per_token(a, Precision::bf16) == kv_bytes_per_token(b, Precision::bf16));
  CHECK(a.layer_attention == b.layer_attention);
  CHECK(a.layer_is_moe == b.layer_is_moe);
  CHECK(a.sliding_window == b.sliding_window);
  CHECK(a.weights_precision == b.weights_precision);
  CHECK(a.experts_precision == b.experts_precision);
  CHECK(a.max_context == b.max_context);
  CHECK(a.vocab_size == b.vocab_size);
  CHECK(a.tied_embeddings == b.tied_embeddings);
  CHECK(a.mtp_layers == b.mtp_layers);
  CHECK(a.is_mla() == b.is_mla());
  CHECK(a.is_moe() == b.is_moe());
}

// The writer must lose nothing the spec holds.
void check_identical(const ModelSpec& a, const ModelSpec& b) {
  check_same_architecture(a, b);
  CHECK(a.name == b.name);
  CHECK(a.display_name == b.display_name);
  CHECK(a.aliases == b.aliases);
  CHECK(a.hf_repo == b.hf_repo);
  CHECK(a.family == b.family);
  CHECK(a.num_layers == b.num_layers);
  CHECK(a.hidden_size == b.hidden_size);
  CHECK(a.num_heads == b.num_heads);
  CHECK(a.ffn_size == b.ffn_size);
  CHECK(a.ffn_gated == b.ffn_gated);
  CHECK((a.qkv_bias == b.qkv_bias && a.o_bias == b.o_bias && a.qk_norm == b.qk_norm));
  CHECK(attention_params_per_layer(a) == attention_params_per_layer(b));
  CHECK(params_per_expert(a) == params_per_expert(b));
  CHECK(a.official_total_params == b.official_total_params);
  CHECK(a.official_active_params == b.official_active_params);
  CHECK(a.official_params_source == b.official_params_source);
  CHECK(a.notes == b.notes);
  REQUIRE(a.sources.size() == b.sources.size());
  for (size_t i = 0; i < a.sources.size(); ++i) {
    CHECK(a.sources[i].fields == b.sources[i].fields);
    CHECK(a.sources[i].cite == b.sources[i].cite);
  }
}

const std::vector<std::string> catalog_fixtures = {"llama-3.1-8b",    "qwen2.5-72b", "exaone-3.5-32b", "mixtral-8x7b",
                                                   "qwen3-235b-a22b", "deepseek-v3", "kimi-k2",        "glm-4.5",
                                                   "gpt-oss-120b",    "minimax-m2",  "minimax-m1"};

}  // namespace

TEST_SUITE("hf_import") {
  TEST_CASE("catalog configs import to their profile's parameter count, KV size and layer layout") {
    for (const std::string& id : catalog_fixtures) {
      CAPTURE(id);
      const ModelSpec imported = import_fixture(id);
      check_same_architecture(imported, catalog_model(id));
      CHECK(imported.name == id);
    }
  }

  TEST_CASE("Llama-3.1-8B: dense GQA, head_dim from hidden/heads, repo and name from the file") {
    const ModelSpec m = import_fixture("llama-3.1-8b");
    CHECK(m.name == "llama-3.1-8b");
    CHECK(m.display_name == "Meta-Llama-3.1-8B");
    CHECK(m.hf_repo == "meta-llama/Meta-Llama-3.1-8B");
    CHECK(m.family == "llama");
    CHECK(std::get<GqaAttention>(m.attention).head_dim == 128);  // 4096 / 32, no head_dim key
    CHECK(std::get<GqaAttention>(m.attention).num_kv_heads == 8);
    CHECK_FALSE(m.is_moe());
    CHECK(m.sources.size() == 1);
    CHECK(m.sources[0].fields == std::vector<std::string>{"*"});
    CHECK(m.sources[0].cite == "imported from " + fixture_path("llama-3.1-8b"));
    CHECK(m.file == fixture_path("llama-3.1-8b"));
    // embeddings 2 x 128256 x 4096 = 1,050,673,152; per layer: attention 2 x 4096^2 + 2 x 4096 x 1024
    // = 41,943,040, FFN 3 x 4096 x 14336 = 176,160,768, norms 8192 → 218,112,000 x 32 = 6,979,584,000;
    // final norm 4096. Total 8,030,261,248. KV: 2 x 32 x 8 x 128 x 2 B = 131,072 B per token.
    CHECK(count_params(m).total == 8'030'261'248.0);
    CHECK(kv_bytes_per_token(m, Precision::bf16) == 131072.0);
  }

  TEST_CASE("DeepSeek-V3: MLA, first_k_dense_replace, shared expert, noaux_tc router bias, MTP, fp8") {
    const ModelSpec m = import_fixture("deepseek-v3");
    REQUIRE(m.is_mla());
    const auto& mla = std::get<MlaAttention>(m.attention);
    CHECK(mla.q_lora_rank == 1536);
    CHECK(mla.kv_lora_rank == 512);
    CHECK(mla.qk_nope_head_dim == 128);
    CHECK(mla.qk_rope_head_dim == 64);
    CHECK(mla.v_head_dim == 128);
    REQUIRE(m.is_moe());
    CHECK(m.moe->num_experts == 256);
    CHECK(m.moe->experts_per_token == 8);
    CHECK(m.moe->num_shared_experts == 1);
    CHECK(m.moe->shared_expert_ffn_size == 2048);
    CHECK(m.moe->router_bias);
    CHECK(m.moe_layer_count() == 58);
    CHECK_FALSE(m.layer_is_moe[2]);
    CHECK(m.layer_is_moe[3]);
    CHECK(m.ffn_size == 18432);
    CHECK(m.mtp_layers == 1);
    CHECK(m.weights_precision == Precision::fp8);
    CHECK(m.experts_precision == Precision::fp8);
    CHECK(kv_bytes_per_token(m, Precision::bf16) == 70272.0);  // (512 + 64) x 61 x 2 B
  }

  TEST_CASE("GLM-4.5: attention_bias covers q/k/v only, use_qk_norm, correction-bias router") {
    const ModelSpec m = import_fixture("glm-4.5");
    CHECK(m.qkv_bias);
    CHECK_FALSE(m.o_bias);
    CHECK(m.qk_norm);
    CHECK(m.moe->router_bias);
    CHECK(m.moe_layer_count() == 89);
    CHECK(m.mtp_layers == 1);
  }

  TEST_CASE("gpt-oss-120b: layer_types, mxfp4 experts with BF16 attention, expert and router biases") {
    const ModelSpec m = import_fixture("gpt-oss-120b");
    CHECK(m.layer_attention[0] == LayerAttention::sliding);
    CHECK(m.layer_attention[1] == LayerAttention::full);
    CHECK(m.sliding_window == 128);
    CHECK((m.qkv_bias && m.o_bias));
    CHECK(m.moe->experts_per_token == 4);
    CHECK(m.moe->expert_bias);
    CHECK(m.moe->router_bias);
    CHECK(m.ffn_size == 0);                         // every layer is MoE; intermediate_size is the expert width
    CHECK(m.weights_precision == Precision::bf16);  // no torch_dtype in this config: BF16
    CHECK(m.experts_precision == Precision::mxfp4);
  }

  TEST_CASE("MiniMax attn_type_list: 0 is lightning (linear) attention, 1 is softmax") {
    const ModelSpec m1 = import_fixture("minimax-m1");
    CHECK(std::count(m1.layer_attention.begin(), m1.layer_attention.end(), LayerAttention::linear) == 70);
    CHECK(m1.layer_attention[7] == LayerAttention::full);
    const ModelSpec m2 = import_fixture("minimax-m2");
    CHECK(m2.qk_norm);
    CHECK(m2.moe->router_bias);  // use_routing_bias
    CHECK(m2.mtp_layers == 3);   // num_mtp_modules
    CHECK(m2.weights_precision == Precision::fp8);
  }

  TEST_CASE("Qwen2-MoE interleaving: decoder_sparse_step 2 with mlp_only_layers, one shared expert") {
    const ModelSpec m = import_fixture("qwen2-moe-sparse");
    // MoE iff (i + 1) % 2 == 0 and i not in [3, 5]: layers 1 and 7.
    CHECK(m.layer_is_moe == std::vector<bool>{false, true, false, false, false, false, false, true});
    CHECK(m.moe->num_shared_experts == 1);
    CHECK(m.moe->shared_expert_ffn_size == 1024);
    CHECK(m.qkv_bias);  // Qwen2 family: q/k/v biases are fixed in the modeling code
    CHECK(m.sliding_window == 0);
    // embeddings 2 x 32000 x 1024 = 65,536,000; attention per layer 2 x 1024^2 + 2 x 1024 x 256
    // + biases 1024 + 512 = 2,622,976, x 8 = 20,983,808; norms 8 x 2048 + 1024 = 17,408;
    // 6 dense FFNs 3 x 1024 x 2816 = 8,650,752 each = 51,904,512; 2 MoE layers of 16 experts
    // x 1,572,864 + shared 3,145,728 + router 16,384 = 28,327,936 each = 56,655,872.
    // Total 195,097,600; active drops 12 x 1,572,864 x 2 = 37,748,736.
    CHECK(count_params(m).total == 195'097'600.0);
    CHECK(count_params(m).active == 157'348'864.0);
  }

  TEST_CASE("multimodal config: text_config is the model, top-level fields fill gaps") {
    const ModelSpec m = import_fixture("llava-llama-3.1-8b");
    CHECK(m.family == "llava");
    CHECK(m.vocab_size == 128256);                  // text_config wins over the top-level 128320
    CHECK(m.weights_precision == Precision::fp16);  // torch_dtype only at the top level
    CHECK(m.hidden_size == 4096);                   // not vision_config's 1024
    const ModelSpec llama = import_fixture("llama-3.1-8b");
    // The text model is Llama-3.1-8B's; the CLIP tower (hf_vision_test) adds to the total only.
    CHECK(count_params(m).total == count_params(llama).total + 324'487'168.0);
    CHECK(count_params(m).active == count_params(llama).active);
    CHECK(kv_bytes_per_token(m, Precision::bf16) == kv_bytes_per_token(llama, Precision::bf16));
  }

  TEST_CASE("compressed-tensors int4 (W4A16) config") {
    const ModelSpec m = import_fixture("llama-3.1-8b-w4a16");
    CHECK(m.weights_precision == Precision::int4);
    CHECK(m.experts_precision == Precision::int4);
    CHECK(m.hf_repo == "neuralmagic/Meta-Llama-3.1-8B-quantized.w4a16");
    CHECK(count_params(m).total == count_params(catalog_model("llama-3.1-8b")).total);
  }

  TEST_CASE("quantization_config methods map to storage precisions") {
    using nlohmann::json;
    const auto quantized = [](const json& q, const json& more = json::object()) {
      json extra = more;
      extra["quantization_config"] = q;
      return import_small(extra);
    };
    CHECK(quantized({{"quant_method", "fp8"}}).weights_precision == Precision::fp8);
    CHECK(quantized({{"quant_method", "modelopt"}, {"quant_algo", "NVFP4"}}).weights_precision == Precision::nvfp4);
    CHECK(quantized({{"quant_method", "modelopt"}, {"quant_algo", "FP8"}}).weights_precision == Precision::fp8);
    CHECK(quantized({{"quant_method", "awq"}, {"bits", 4}}).weights_precision == Precision::int4);
    CHECK(quantized({{"quant_method", "gptq"}, {"bits", 8}}).weights_precision == Precision::int8);
    CHECK(quantized({{"quant_method", "bitsandbytes"}, {"load_in_4bit", true}}).weights_precision == Precision::int4);
    const json float8 = {{"group_0", {{"weights", {{"num_bits", 8}, {"type", "float"}}}}}};
    const json float4 = {{"group_0", {{"weights", {{"num_bits", 4}, {"type", "float"}}}}}};
    CHECK(quantized({{"quant_method", "compressed-tensors"}, {"config_groups", float8}}).weights_precision ==
          Precision::fp8);
    CHECK(quantized({{"quant_method", "compressed-tensors"}, {"config_groups", float4}}).weights_precision ==
          Precision::nvfp4);
    CHECK(import_small({{"torch_dtype", "float32"}}).weights_precision == Precision::fp32);
    CHECK(import_small({{"torch_dtype", "float16"}}).weights_precision == Precision::fp16);
    // A MoE checkpoint that leaves attention unconverted: experts quantized, the rest torch_dtype.
    const json moe = {{"num_local_experts", 4}, {"num_experts_per_tok", 2}};
    const ModelSpec experts_only =
        quantized({{"quant_method", "fp8"}, {"modules_to_not_convert", {"model.layers.*.self_attn", "lm_head"}}}, moe);
    CHECK(experts_only.weights_precision == Precision::bf16);
    CHECK(experts_only.experts_precision == Precision::fp8);
  }

  TEST_CASE("sliding windows: Mistral everywhere, Qwen2 opt-in from max_window_layers, Gemma pattern") {
    using LA = LayerAttention;
    const ModelSpec mistral = import_small({{"sliding_window", 4096}});
    CHECK(mistral.layer_attention == std::vector<LA>(4, LA::sliding));
    CHECK(mistral.sliding_window == 4096);
    const ModelSpec qwen_on =
        import_small({{"sliding_window", 1024}, {"use_sliding_window", true}, {"max_window_layers", 2}});
    CHECK(qwen_on.layer_attention == std::vector<LA>{LA::full, LA::full, LA::sliding, LA::sliding});
    const ModelSpec qwen_off = import_small({{"sliding_window", 1024}, {"use_sliding_window", false}});
    CHECK(qwen_off.layer_attention == std::vector<LA>(4, LA::full));
    CHECK(qwen_off.sliding_window == 0);
    const ModelSpec gemma = import_small({{"sliding_window", 512}, {"sliding_window_pattern", 2}});
    CHECK(gemma.layer_attention == std::vector<LA>{LA::sliding, LA::full, LA::sliding, LA::full});
    CHECK(import_small({{"sliding_window", nullptr}}).layer_attention == std::vector<LA>(4, LA::full));
    const ModelSpec gemma2 = import_small({{"model_type", "gemma2"}, {"sliding_window", 4096}});
    CHECK(gemma2.layer_attention == std::vector<LA>{LA::sliding, LA::full, LA::sliding, LA::full});
    CHECK(gemma2.tied_embeddings);  // Gemma configs leave it to PretrainedConfig's default
  }

  TEST_CASE("interleaved MoE: Llama-4 interleave_moe_layer_step, DeepSeek moe_layer_freq") {
    const ModelSpec llama4 = import_small({{"model_type", "llama4_text"},
                                           {"num_local_experts", 16},
                                           {"num_experts_per_tok", 1},
                                           {"interleave_moe_layer_step", 2},
                                           {"intermediate_size_mlp", 1024},
                                           {"use_qk_norm", true}});
    CHECK(llama4.layer_is_moe == std::vector<bool>{false, true, false, true});
    CHECK(llama4.ffn_size == 1024);             // dense layers: intermediate_size_mlp
    CHECK(llama4.moe->expert_ffn_size == 512);  // experts: intermediate_size
    CHECK(llama4.moe->num_shared_experts == 1);
    CHECK_FALSE(llama4.qk_norm);  // Llama 4's q/k norm has no weights
    const ModelSpec freq = import_small({{"n_routed_experts", 8},
                                         {"num_experts_per_tok", 2},
                                         {"moe_intermediate_size", 128},
                                         {"first_k_dense_replace", 1},
                                         {"moe_layer_freq", 2}});
    CHECK(freq.layer_is_moe == std::vector<bool>{false, false, true, false});
  }

  TEST_CASE("the model name comes from the file, or its directory when the file is config.json") {
    const std::string text = small_config();
    CHECK(import_hf_config(text, "/x/Llama-3.1-8B/config.json").name == "llama-3.1-8b");
    CHECK(import_hf_config(text, "/cache/models--Qwen--Qwen3-8B/snapshots/abc123/config.json").name == "qwen3-8b");
    CHECK(import_hf_config(text, "My Model (v2).json").name == "my-model-v2");
    CHECK(import_hf_config(text, "config.json").name == "config");
    const std::string with_repo = small_config({{"_name_or_path", "org/Some-Model"}});
    CHECK(import_hf_config(with_repo, "./config.json").name == "some-model");
    CHECK(import_hf_config(with_repo, "./config.json").hf_repo == "org/Some-Model");
    CHECK(import_small({{"_name_or_path", "/home/me/checkpoints/run1"}}).hf_repo.empty());
  }

  TEST_CASE("model_to_yaml loads back to the same spec: every fixture and every shipped profile") {
    for (const std::string& id : catalog_fixtures) {
      CAPTURE(id);
      const ModelSpec imported = import_fixture(id);
      check_identical(imported, round_trip(imported));
      const ModelSpec profile = catalog_model(id);
      check_identical(profile, round_trip(profile));
    }
    for (const char* id : {"qwen2-moe-sparse", "llava-llama-3.1-8b", "llama-3.1-8b-w4a16", "qwen3-next-80b-a3b",
                           "deepseek-v3.2-exp", "longcat-flash-chat"}) {
      CAPTURE(id);
      const ModelSpec imported = import_fixture(id);
      const ModelSpec loaded = round_trip(imported);
      check_identical(imported, loaded);
      // Linear-attention state, the indexer and zero experts travel in their own model/1 blocks.
      CHECK(kv_bytes_per_sequence(loaded, Precision::bf16, 5000).value ==
            kv_bytes_per_sequence(imported, Precision::bf16, 5000).value);
      CHECK(loaded.output_gate == imported.output_gate);
      CHECK(loaded.linear_attention.has_value() == imported.linear_attention.has_value());
      CHECK(loaded.sparse_attention.has_value() == imported.sparse_attention.has_value());
    }
  }

  TEST_CASE("model_to_yaml writes the shortest repeating layer pattern and quotes free text") {
    CHECK(model_to_yaml(import_fixture("gpt-oss-120b")).find("layer_pattern: [sliding, full]\n") != std::string::npos);
    CHECK(model_to_yaml(import_fixture("minimax-m1"))
              .find("layer_pattern: [linear, linear, linear, linear, linear, linear, linear, full]\n") !=
          std::string::npos);
    const ModelSpec tail =
        import_small({{"sliding_window", 64}, {"use_sliding_window", true}, {"max_window_layers", 3}});
    CHECK(model_to_yaml(tail).find("layer_pattern: [full, full, full, sliding]\n") != std::string::npos);
    ModelSpec odd = import_small(nlohmann::json::object());
    odd.display_name = "odd: \"quoted\" # not a comment\nsecond line";
    odd.notes = "- starts like a list item: {and} [brackets] & *star";
    odd.sources[0].cite = "null";
    odd.official_total_params = 1.5e9;
    odd.official_active_params = 123456789.0;
    odd.official_params_source = "true";
    check_identical(odd, round_trip(odd));
  }

}

}  // namespace llmsizer
