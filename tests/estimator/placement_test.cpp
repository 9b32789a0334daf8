// The placement (estimator/placement.hpp): per-GPU weights by kind and KV by hand for Llama-3.1-70B,
// agreement of the whole-model figures with the placement on one GPU for every shipped model, step
// time reading its sharding from the placement, and the sweep pruning exactly what estimate() does
// not fit (it once compared against the GPU's vendor memory instead of the usable capacity).
#include "estimator/placement.hpp"

#include <doctest/doctest.h>

#include <set>
#include <tuple>

#include "estimator/layout.hpp"
#include "estimator/roofline.hpp"
#include "estimator/sweep.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

Deployment layout(int tp, int pp = 1, int dp = 1, int ep = 1) {
  Deployment d;
  d.parallel = Parallelism{tp, pp, dp, ep};
  return d;
}

/// (gpus, tp, pp, dp, ep, weights, experts, concurrency) of one configuration of one GPU type.
using ConfigKey = std::tuple<int, int, int, int, int, int, int, std::int64_t, int>;

ConfigKey key_of(int target, const Deployment& d, std::int64_t concurrency) {
  const Parallelism& p = d.parallel;
  return {target,      p.tp,          p.pp, p.dp, p.ep, static_cast<int>(d.weights), static_cast<int>(d.experts),
          concurrency, d.total_gpus()};
}

/// Sweeps `model_name` on `gpu_names` and checks that its rows are exactly the configurations whose
/// fit_memory fits: none pruned that fits, none kept that does not.
void check_sweep_keeps_what_fits(const Catalog& catalog, const std::string& model_name,
                                 const std::vector<std::string>& gpu_names,
                                 const std::vector<std::int64_t>& concurrencies, int max_gpus) {
  const ModelSpec& model = *catalog.find_model(model_name);
  const PreparedModel prepared = prepare(model);
  std::vector<SweepTarget> targets;
  for (const std::string& name : gpu_names) {
    const GpuSpec& gpu = *catalog.find_gpu(name);
    targets.push_back(SweepTarget{&gpu, catalog.calibration().resolve(gpu.generation, ""), std::nullopt, {}, {}});
  }
  SweepRequest request;
  request.isl = 1000;
  request.osl = 1000;
  request.concurrencies = concurrencies;
  request.max_gpus = max_gpus;
  const SweepResult result = sweep(prepared, targets, request);
  std::set<ConfigKey> kept;
  for (const SweepRow& row : result.rows) kept.insert(key_of(row.target, row.deployment, row.concurrency));
  std::set<ConfigKey> fitting;
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const GpuSpec& gpu = *targets[ti].gpu;
    for (int gpus : candidate_gpu_counts(gpu, max_gpus)) {
      for (const Parallelism& p : sweep_layouts(model, gpu, gpus)) {
        for (const WeightChoice& w : result.targets[ti].weights) {
          Deployment d;
          d.parallel = p;
          d.weights = w.weights;
          d.experts = w.experts;
          for (std::int64_t c : concurrencies) {
            const MemoryFit fit = fit_memory(prepared, gpu, d, Residency{2000, c}, targets[ti].efficiency);
            if (fit.fits) fitting.insert(key_of(static_cast<int>(ti), d, c));
          }
        }
      }
    }
  }
  INFO(model_name);
  CHECK(kept.size() == fitting.size());
  CHECK(kept == fitting);
}

}  // namespace

TEST_SUITE("memory") {
  TEST_CASE("placement: Llama-3.1-70B weights by kind and KV per GPU, by hand") {
    const ModelSpec m = test::shipped_model("llama-3.1-70b");
    const PreparedModel p = prepare(m);
    // One GPU, BF16: attention 80 x (2 x 8192² + 2 x 8192 x 1024) x 2 B = 24,159,191,040; FFN
    // 80 x 3 x 8192 x 28672 x 2 B = 112,742,891,520; norms (80 x 2 + 1) x 8192 x 2 B = 2,637,824;
    // embedding + LM head 2 x 128256 x 8192 x 2 B = 4,202,692,608. Sum 141,107,412,992 = 2 x 70.55 B.
    const Placement one = place(p, layout(1));
    CHECK(one.weights.attention.value == 24'159'191'040.0);
    CHECK(one.weights.dense_ffn.value == 112'742'891'520.0);
    CHECK(one.weights.norms.value == 2'637'824.0);
    CHECK(one.weights.embedding.value == 4'202'692'608.0);
    CHECK(one.weights.routed_experts.value == 0);
    CHECK(one.weights.total().value == 141'107'412'992.0);
    CHECK(one.kv_bytes_per_token() == 327'680);  // 2 x 80 x 8 x 128 x 2 B
    CHECK(one.kv_bytes_per_sequence(1000) == 327'680'000);
    // tp 8: every tensor split 8 ways except the norms; KV heads 8 / 8 = one per GPU.
    const Placement tp8 = place(p, layout(8));
    CHECK(tp8.weights.attention.value == 24'159'191'040.0 / 8);
    CHECK(tp8.weights.norms.value == 2'637'824.0);
    CHECK(tp8.kv_bytes_per_token() == 40'960);
    // tp 16: q/o split 16 ways, k/v projections and the KV cache stop at the 8 KV heads.
    const Placement tp16 = place(p, layout(16));
    CHECK(tp16.sharding.kv_projection_ranks == 8);
    CHECK(tp16.sharding.kv_cache_fraction == 0.125);
    CHECK(tp16.weights.attention.value == 80.0 * (2.0 * 8192 * 8192 / 16 + 2.0 * 8192 * 1024 / 8) * 2);
    CHECK(tp16.kv_bytes_per_token() == 40'960);
    // pp 3: the busiest stage holds ceil(80/3) = 27 layers.
    CHECK(place(p, layout(1, 3)).layers_on_busiest_stage == doctest::Approx(27));
  }

  TEST_CASE("placement: DeepSeek-R1 experts over ep·moe_tp, MLA latent on every rank, MTP only with speculation") {
    const ModelSpec m = test::shipped_model("deepseek-r1");
    const PreparedModel p = prepare(m);
    const Placement one = place(p, layout(1));
    const Placement ep8 = place(p, layout(8, 1, 1, 8));
    CHECK(ep8.sharding.expert_ranks == 8);
    CHECK(ep8.weights.routed_experts.value == doctest::Approx(one.weights.routed_experts.value / 8));
    CHECK(ep8.kv_bytes_per_token() == one.kv_bytes_per_token());  // the latent is not split
    CHECK(one.weights.mtp.value == 0);
    Deployment speculative = layout(1);
    speculative.speculative_tokens = 1;
    CHECK(place(p, speculative).weights.mtp.value > 0);
    // The router is stored 16-bit and counts its bias: 58 MoE layers x (7168 x 256 + 256) x 2 B.
    CHECK(one.weights.router.value == 58.0 * (7168.0 * 256 + 256) * 2);
  }

  TEST_CASE("placement: the whole-model figures are the placement on one GPU, for every shipped model") {
    const Catalog catalog = test::shipped_catalog();
    for (const ModelSpec& m : catalog.models) {
      INFO(m.name);
      const PreparedModel p = prepare(m);
      CHECK(p.router_params * m.moe_layer_count() == doctest::Approx(p.params.router).epsilon(1e-12));
      Deployment d = layout(1);
      d.weights = Precision::fp8;
      d.experts = Precision::nvfp4;
      CHECK(weight_bytes(m, Precision::fp8, Precision::nvfp4).value == place(p, d).weights.total().value);
      CHECK(kv_bytes_per_token(m, Precision::bf16) == place(p, layout(1)).kv_bytes_per_token());
      CHECK(weight_bytes_per_gpu(p, d).value == place(p, d).weights.total().value);
    }
  }

}  // TEST_SUITE("memory")

TEST_SUITE("performance") {
  TEST_CASE("placement: step time reads its attention sharding and KV share from the placement") {
    const ModelSpec m = test::shipped_model("llama-3.1-70b");
    const PreparedModel p = prepare(m);
    const GpuSpec gpu = test::shipped_gpu("h100-sxm");
    const EfficiencyParams e = test::shipped_catalog().calibration().resolve(gpu.generation, "");
    for (int tp : {1, 4, 8, 16}) {
      INFO("tp ", tp);
      const Deployment d = layout(tp);
      const Placement placement = place(p, d);
      StepShape decode;
      decode.decode_sequences = 1;
      decode.decode_context = 1000;
      const OperatorBreakdown b = operator_breakdown(p, gpu, d, e, decode);
      // One sequence's decode reads its whole KV cache and every attention projection once.
      CHECK(b[static_cast<int>(OperatorKind::attention_core)].bytes.value ==
            doctest::Approx(placement.kv_bytes_per_sequence(1000)).epsilon(1e-12));
      CHECK(b[static_cast<int>(OperatorKind::attention_projections)].bytes.value ==
            doctest::Approx(placement.weights.attention.value).epsilon(1e-12));
    }
  }

}  // TEST_SUITE("performance")

TEST_SUITE("decisions") {
  TEST_CASE("regression: sweep keeps llama-3.1-70b on 2 x H20 (tp 2) at concurrency 48, as estimate fits it") {
    // The sweep used to check memory against the vendor 96 GB instead of the 95.58 GiB the runtime
    // sees (fit_memory's capacity), so it pruned 48 and 56 although estimate fits 48.
    const Catalog catalog = test::shipped_catalog();
    const ModelSpec& model = *catalog.find_model("llama-3.1-70b");
    const PreparedModel prepared = prepare(model);
    const GpuSpec& gpu = *catalog.find_gpu("h20");
    const EfficiencyParams e = catalog.calibration().resolve(gpu.generation, "");
    Deployment d = layout(2);
    const Estimate at48 = estimate(prepared, gpu, d, Workload{1000, 1000, 48, Phase::mixed}, e, std::nullopt);
    const Estimate at56 = estimate(prepared, gpu, d, Workload{1000, 1000, 56, Phase::mixed}, e, std::nullopt);
    REQUIRE(at48.fits);
    SweepRequest request;
    request.isl = 1000;
    request.osl = 1000;
    request.concurrencies = {40, 48, 56};
    request.max_gpus = 2;
    const SweepResult result =
        sweep(prepared, {SweepTarget{&gpu, e, std::nullopt, {{Precision::bf16, Precision::bf16}}, {}}}, request);
    std::set<std::int64_t> kept;
    for (const SweepRow& row : result.rows) {
      if (row.deployment.parallel.tp == 2 && row.deployment.parallel.pp == 1) kept.insert(row.concurrency);
    }
    CHECK(kept.count(40) == 1);
    CHECK(kept.count(48) == 1);
    CHECK(kept.count(56) == (at56.fits ? 1 : 0));
    check_sweep_keeps_what_fits(catalog, "llama-3.1-70b", {"h20"}, {40, 48, 56}, 2);
  }

  TEST_CASE("regression: sweep rows are exactly the configurations fit_memory fits, over models, GPUs and layouts") {
    const Catalog catalog = test::shipped_catalog();
    const std::vector<std::int64_t> concurrencies = {1, 16, 64, 256};
    check_sweep_keeps_what_fits(catalog, "llama-3.1-70b", {"h20", "h100-sxm", "a100-80gb-sxm"}, concurrencies, 8);
    check_sweep_keeps_what_fits(catalog, "deepseek-r1", {"h20", "h200-sxm"}, concurrencies, 16);    // MLA, MoE
    check_sweep_keeps_what_fits(catalog, "qwen3-30b-a3b", {"h100-sxm", "l40s"}, concurrencies, 8);  // GQA MoE
    check_sweep_keeps_what_fits(catalog, "gpt-oss-120b", {"h100-sxm"}, concurrencies, 8);           // sliding window
    check_sweep_keeps_what_fits(catalog, "minimax-m1", {"h20"}, concurrencies, 16);                 // linear attention
  }

}  // TEST_SUITE("decisions")

}  // namespace llmsizer
