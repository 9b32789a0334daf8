// bench/estimate_bench.cpp — one estimate (prefill + decode, memory fit, cost and energy) of a
// fixed deployment and workload: the inner loop of sweeps and scenario files.
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"
#include "estimator/serving.hpp"

namespace llmsizer::bench {
namespace {

void run_estimate(benchmark::State& state, const char* model_name, const char* gpu_name, Parallelism parallel,
                  Precision weights, std::int64_t concurrency) {
  const Model m = model(model_name);
  const GpuSpec& gpu = catalog().gpu(gpu_name);
  const EfficiencyParams eff = efficiency(gpu);
  Deployment d;
  d.parallel = parallel;
  d.weights = d.experts = weights;
  const Workload w{1000, 1000, concurrency, Phase::mixed};
  for (auto _ : state) {
    Estimate e = estimate(m.prepared, gpu, d, w, eff, 2.0);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}

/// Llama-3.1-70B (dense, GQA) in BF16 on 4 H100 SXM, tp 4, 64 requests of 1000 + 1000 tokens.
void BM_estimate_dense(benchmark::State& state) {
  run_estimate(state, "llama-3.1-70b", "h100-sxm", Parallelism{4, 1, 1, 1}, Precision::bf16, 64);
}
BENCHMARK(BM_estimate_dense);

/// DeepSeek-V3 (MoE, MLA) in FP8 on 8 H200 SXM, tp 8 ep 8, 64 requests of 1000 + 1000 tokens.
void BM_estimate_moe(benchmark::State& state) {
  run_estimate(state, "deepseek-v3", "h200-sxm", Parallelism{8, 1, 1, 8}, Precision::fp8, 64);
}
BENCHMARK(BM_estimate_moe);

}  // namespace
}  // namespace llmsizer::bench
