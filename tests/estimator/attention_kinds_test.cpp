// Attention core cost by layer kind (estimator/step_time.cpp, add_attention): DeepSeek Sparse
// Attention bounded by index_topk once the context exceeds it, Gated DeltaNet layers whose cost
// does not grow with the context, and Llama 4's chunked layers bounded by the chunk. Models come from the config fixtures of tests/data/hf/.
#include <doctest/doctest.h>

#include <string>

#include "estimator/step_time.hpp"
#include "io/calibration_loader.hpp"
#include "io/hf_import.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

ModelSpec fixture(const std::string& name) {
  return import_hf_config_file(test::source_path("tests/data/hf/" + name + ".json").string());
}

struct Core {
  double flops = 0;
  double bytes = 0;
};

// The attention core of one decode step of `sequences` sequences at `context` tokens, on one H200.
Core decode_core(const ModelSpec& model, double sequences, double context) {
  const Calibration calibration = load_calibration_file(test::source_path("profiles/calibration/default.yaml").string());
  const GpuSpec gpu = test::shipped_gpu("h200-sxm");
  const EfficiencyParams e = calibration.resolve(gpu.generation, "");
  Deployment d;
  d.parallel = Parallelism{8, 1, 1, 1};
  OperatorBreakdown breakdown{};
  (void)stage_step_time(prepare(model), gpu, d, e, StepShape{sequences, context, 1, 0, 0, 0}, &breakdown);
  const OperatorLoad& core = breakdown[static_cast<int>(OperatorKind::attention_core)];
  return {core.flops.value, core.bytes.value};
}

}  // namespace

TEST_SUITE("performance") {
  TEST_CASE("DeepSeek Sparse Attention: below index_topk it costs V3's attention plus the indexer") {
    const ModelSpec v32 = fixture("deepseek-v3.2-exp");
    const ModelSpec v3 = fixture("deepseek-v3");
    // 1,000 tokens < index_topk 2,048: attention as V3 (absorbed MLA, 2·128·(2·512 + 64) = 278,528
    // FLOPs a pair, over tp 8), plus the indexer's 2·64·128 = 16,384 a pair on every rank; 61 layers.
    const Core sparse = decode_core(v32, 1, 1000);
    const Core dense = decode_core(v3, 1, 1000);
    CHECK(sparse.flops == doctest::Approx(dense.flops + 61 * 1000 * 16384.0));
    // Bytes: the same latent reads, plus 128 indexer elements per token per layer (BF16 KV).
    CHECK(sparse.bytes == doctest::Approx(dense.bytes + 61 * 1000 * 128 * 2.0));
  }

  TEST_CASE("DeepSeek Sparse Attention: past index_topk attention reads only the top-k tokens") {
    const ModelSpec v32 = fixture("deepseek-v3.2-exp");
    const ModelSpec v3 = fixture("deepseek-v3");
    // At 100,000 tokens V3 attends to all of them; V3.2 to 2,048, plus the indexer over all.
    const double v3_flops = decode_core(v3, 1, 100000).flops;
    const double attention_pair_flops = 2.0 * 128 * (2 * 512 + 64) / 8;
    CHECK(v3_flops == doctest::Approx(61 * 100000 * attention_pair_flops));
    CHECK(decode_core(v32, 1, 100000).flops ==
          doctest::Approx(61 * (2048 * attention_pair_flops + 100000 * 16384.0)));
    CHECK(decode_core(v32, 1, 100000).bytes < decode_core(v3, 1, 100000).bytes / 3);
  }

  TEST_CASE("Gated DeltaNet layers cost the same at any context; only the 12 full layers grow") {
    const ModelSpec m = fixture("qwen3-next-80b-a3b");
    const Core short_ctx = decode_core(m, 1, 1000);
    const Core long_ctx = decode_core(m, 1, 101000);
    // Full layers: 4·16·256 = 16,384 FLOPs a (token, context) pair over tp 8; 100,000 more pairs.
    CHECK(long_ctx.flops - short_ctx.flops == doctest::Approx(12 * 100000 * 16384.0 / 8));
    // KV read grows by 100,000 tokens x 12 layers x 2 (K, V) x 2 KV heads x 256 x 2 B, the 2 KV
    // heads over tp 8 (each rank keeps one head: half of a layer's KV).
    CHECK(long_ctx.bytes - short_ctx.bytes == doctest::Approx(100000 * 12 * 2 * 2 * 256 * 2.0 / 2));
  }

  TEST_CASE("Llama 4 chunked layers cost at most one chunk; only the 12 NoPE layers grow past it") {
    const ModelSpec m = fixture("llama-4-scout-17b-16e");
    // GQA: 4·40·128 = 20,480 FLOPs a (token, context) pair over tp 8. Within a chunk all 48 layers see
    // the whole context.
    const double pair_flops = 4.0 * 40 * 128 / 8;
    CHECK(decode_core(m, 1, 8000).flops == doctest::Approx(48 * 8000 * pair_flops));
    // At 100,000 tokens the 36 chunked layers stop at the 8,192-token chunk.
    const Core long_ctx = decode_core(m, 1, 100000);
    CHECK(long_ctx.flops == doctest::Approx((12 * 100000.0 + 36 * 8192.0) * pair_flops));
    // KV read: 2 (K, V) x 128 x 2 B per KV head, 8 KV heads over tp 8 (one a rank).
    CHECK(long_ctx.bytes == doctest::Approx((12 * 100000.0 + 36 * 8192.0) * 2 * 128 * 2.0));
  }
}

}  // namespace llmsizer
