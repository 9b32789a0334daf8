// --emit (io/launch_script.hpp): the exact script of each engine for a dense configuration and for a
// MoE one with expert parallelism, attention data parallelism and MTP; settings an engine has no flag
// for are comment lines; bad engine names are usage errors with a did-you-mean.
#include <doctest/doctest.h>

#include <string>

#include "io/config_error.hpp"
#include "io/launch_script.hpp"

namespace llmsizer {
namespace {

/// Llama-3.1-70B (BF16 checkpoint) at FP8 weights and KV on 4 GPUs, tp4, 32 requests at once.
LaunchConfig dense() {
  LaunchConfig c;
  c.label = "llama-3.1-70b on 4 x h100-sxm";
  c.model_path = "meta-llama/Meta-Llama-3.1-70B";
  c.deployment.parallel = Parallelism{4, 1, 1, 1};
  c.deployment.weights = c.deployment.experts = Precision::fp8;
  c.deployment.kv = Precision::fp8;
  c.running = 32;
  c.chunk_tokens = 8192;
  c.max_model_len = 2560;
  return c;
}

/// DeepSeek-R1 (FP8 checkpoint) on 8 GPUs: attention DP 8 (tp1 each), EP 8, BF16 KV, one MTP
/// draft token, 256 requests at once.
LaunchConfig moe() {
  LaunchConfig c;
  c.label = "deepseek-r1 on 8 x h200-sxm";
  c.model_path = "deepseek-ai/DeepSeek-R1";
  c.deployment.parallel = Parallelism{1, 1, 8, 8};
  c.deployment.weights = c.deployment.experts = Precision::fp8;
  c.native_weights = c.native_experts = Precision::fp8;
  c.deployment.kv = Precision::bf16;
  c.deployment.speculative_tokens = 1;
  c.running = 256;
  c.chunk_tokens = 8192;
  c.max_model_len = 3072;
  return c;
}

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE("--emit vllm: dense and MoE with EP, attention DP and MTP") {
    CHECK(launch_script(LaunchEngine::vllm, dense()) ==
          "# llmsizer --emit vllm: llama-3.1-70b on 4 x h100-sxm, tp4 pp1 dp1 ep1, weights FP8, KV FP8, 32 requests at once\n"
          "vllm serve meta-llama/Meta-Llama-3.1-70B \\\n"
          "  --tensor-parallel-size 4 \\\n"
          "  --pipeline-parallel-size 1 \\\n"
          "  --quantization fp8 \\\n"
          "  --kv-cache-dtype fp8 \\\n"
          "  --max-num-seqs 32 \\\n"
          "  --max-num-batched-tokens 8192 \\\n"
          "  --max-model-len 2560\n");
    CHECK(launch_script(LaunchEngine::vllm, moe()) ==
          "# llmsizer --emit vllm: deepseek-r1 on 8 x h200-sxm, tp1 pp1 dp8 ep8, weights FP8, KV BF16, 256 requests at once\n"
          "# weights FP8: the checkpoint's own precision, read from its config\n"
          "# max running requests: 256 per instance, 32 on each of its 8 attention-DP ranks (this engine limits each rank)\n"
          "vllm serve deepseek-ai/DeepSeek-R1 \\\n"
          "  --tensor-parallel-size 1 \\\n"
          "  --pipeline-parallel-size 1 \\\n"
          "  --data-parallel-size 8 \\\n"
          "  --enable-expert-parallel \\\n"
          "  --kv-cache-dtype auto \\\n"
          "  --max-num-seqs 32 \\\n"
          "  --max-num-batched-tokens 8192 \\\n"
          "  --speculative-config '{\"method\": \"mtp\", \"num_speculative_tokens\": 1}' \\\n"
          "  --max-model-len 3072\n");
  }

  TEST_CASE("--emit sglang: tp spans the attention-DP groups, the batch is the instance's") {
    CHECK(launch_script(LaunchEngine::sglang, dense()) ==
          "# llmsizer --emit sglang: llama-3.1-70b on 4 x h100-sxm, tp4 pp1 dp1 ep1, weights FP8, KV FP8, 32 requests at once\n"
          "python3 -m sglang.launch_server --model-path meta-llama/Meta-Llama-3.1-70B \\\n"
          "  --tp-size 4 \\\n"
          "  --pp-size 1 \\\n"
          "  --quantization fp8 \\\n"
          "  --kv-cache-dtype fp8_e4m3 \\\n"
          "  --max-running-requests 32 \\\n"
          "  --chunked-prefill-size 8192 \\\n"
          "  --context-length 2560\n");
    CHECK(launch_script(LaunchEngine::sglang, moe()) ==
          "# llmsizer --emit sglang: deepseek-r1 on 8 x h200-sxm, tp1 pp1 dp8 ep8, weights FP8, KV BF16, 256 requests at once\n"
          "# weights FP8: the checkpoint's own precision, read from its config\n"
          "# chunked prefill: 8192 prompt tokens per step on each of the 8 attention-DP ranks (this engine splits "
          "the instance's budget over them)\n"
          "python3 -m sglang.launch_server --model-path deepseek-ai/DeepSeek-R1 \\\n"
          "  --tp-size 8 \\\n"
          "  --pp-size 1 \\\n"
          "  --dp-size 8 \\\n"
          "  --enable-dp-attention \\\n"
          "  --ep-size 8 \\\n"
          "  --kv-cache-dtype auto \\\n"
          "  --max-running-requests 256 \\\n"
          "  --chunked-prefill-size 65536 \\\n"
          "  --speculative-algorithm EAGLE \\\n"
          "  --speculative-num-steps 1 \\\n"
          "  --speculative-eagle-topk 1 \\\n"
          "  --speculative-num-draft-tokens 2 \\\n"
          "  --context-length 3072\n");
  }

  TEST_CASE("--emit trtllm: options without a flag go to the extra-options YAML; weight precision is a comment") {
    CHECK(launch_script(LaunchEngine::trtllm, dense()) ==
          "# llmsizer --emit trtllm: llama-3.1-70b on 4 x h100-sxm, tp4 pp1 dp1 ep1, weights FP8, KV FP8, 32 requests at once\n"
          "# weights FP8: no flag of this engine quantizes the BF16 checkpoint to that; serve a checkpoint stored in it "
          "(the engine reads the format from its config)\n"
          "cat > llmsizer-trtllm-options.yaml <<'EOF'\n"
          "kv_cache_config:\n"
          "  dtype: fp8\n"
          "enable_chunked_prefill: true\n"
          "EOF\n"
          "trtllm-serve meta-llama/Meta-Llama-3.1-70B \\\n"
          "  --tp_size 4 \\\n"
          "  --pp_size 1 \\\n"
          "  --max_batch_size 32 \\\n"
          "  --max_num_tokens 8192 \\\n"
          "  --max_seq_len 2560 \\\n"
          "  --extra_llm_api_options llmsizer-trtllm-options.yaml\n");
    CHECK(launch_script(LaunchEngine::trtllm, moe()) ==
          "# llmsizer --emit trtllm: deepseek-r1 on 8 x h200-sxm, tp1 pp1 dp8 ep8, weights FP8, KV BF16, 256 requests at once\n"
          "# weights FP8: the checkpoint's own precision, read from its config\n"
          "# max running requests: 256 per instance, 32 on each of its 8 attention-DP ranks (this engine limits each rank)\n"
          "cat > llmsizer-trtllm-options.yaml <<'EOF'\n"
          "enable_attention_dp: true\n"
          "kv_cache_config:\n"
          "  dtype: auto\n"
          "enable_chunked_prefill: true\n"
          "speculative_config:\n"
          "  decoding_type: MTP\n"
          "  num_nextn_predict_layers: 1\n"
          "EOF\n"
          "trtllm-serve deepseek-ai/DeepSeek-R1 \\\n"
          "  --tp_size 8 \\\n"
          "  --pp_size 1 \\\n"
          "  --ep_size 8 \\\n"
          "  --max_batch_size 32 \\\n"
          "  --max_num_tokens 8192 \\\n"
          "  --max_seq_len 3072 \\\n"
          "  --extra_llm_api_options llmsizer-trtllm-options.yaml\n");
  }

  TEST_CASE("--emit: what an engine cannot express is said in a comment, not a flag") {
    LaunchConfig c = moe();
    c.deployment.parallel = Parallelism{2, 1, 4, 4};  // ep4 over tp2 x dp4 = 8 GPUs
    const std::string vllm = launch_script(LaunchEngine::vllm, c);
    CHECK(vllm.find("# expert parallel 4: this engine spreads the experts over all tp x dp = 8 GPUs of a stage when EP "
                    "is on; ep4 has no flag\n") != std::string::npos);
    const std::string trtllm = launch_script(LaunchEngine::trtllm, c);
    CHECK(trtllm.find("# attention DP 4 with tp2 per DP rank: this engine's attention DP runs one attention rank per "
                      "GPU, so tp within a DP rank has no setting\n") != std::string::npos);
    c = dense();
    c.deployment.weights = c.deployment.experts = Precision::int4;
    c.deployment.kv = Precision::nvfp4;
    c.deployment.replicas = 3;
    c.deployment.parallel = Parallelism{8, 2, 1, 1};
    c.running = 96;
    const std::string sglang = launch_script(LaunchEngine::sglang, c);
    CHECK(sglang.find("# weights INT4: no flag of this engine quantizes the BF16 checkpoint to that") != std::string::npos);
    CHECK(sglang.find("# KV cache NVFP4: this engine has no KV dtype for it\n") != std::string::npos);
    CHECK(sglang.find("--quantization") == std::string::npos);
    CHECK(sglang.find("--kv-cache-dtype") == std::string::npos);
    CHECK(sglang.find("# 3 replicas: run this command once per replica, on 16 GPUs each\n") != std::string::npos);
    CHECK(sglang.find("# one instance spans 2 nodes of 8 GPUs") != std::string::npos);
    CHECK(sglang.find("--max-running-requests 32 \\\n") != std::string::npos);  // 96 over 3 replicas
  }

  TEST_CASE("--emit: an unknown engine is a usage error with a did-you-mean") {
    CHECK(parse_launch_engine("trtllm", "--emit") == LaunchEngine::trtllm);
    try {
      static_cast<void>(parse_launch_engine("vlm", "--emit"));
      FAIL("no error");
    } catch (const ConfigError& e) {
      CHECK(e.path() == "--emit");
      CHECK(e.message() == "unknown engine 'vlm' (expected vllm, sglang or trtllm); did you mean 'vllm'?");
    }
  }

  TEST_CASE("--emit: two-batch overlap is switched on where the engine has a switch, and said where not") {
    LaunchConfig c = moe();
    c.deployment.overlap = Overlap::two_batch;
    CHECK(launch_script(LaunchEngine::sglang, c).find("  --enable-two-batch-overlap \\\n") != std::string::npos);
    CHECK(launch_script(LaunchEngine::vllm, c).find(
              "# two-batch overlap was estimated, but this engine's launch options have no switch for it\n") !=
          std::string::npos);
    CHECK(launch_script(LaunchEngine::sglang, moe()).find("two-batch") == std::string::npos);
  }
}
}  // namespace llmsizer
