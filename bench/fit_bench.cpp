// bench/fit_bench.cpp — memory fit of one deployment, and the smallest GPU count that holds a model.
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"
#include "estimator/layout.hpp"
#include "estimator/memory_fit.hpp"

namespace llmsizer::bench {
namespace {

/// DeepSeek-V3 in FP8 on 8 H200 SXM (tp 8, ep 8) holding 64 sequences of 2000 tokens.
void BM_fit_memory(benchmark::State& state) {
  const Model m = model("deepseek-v3");
  const GpuSpec& gpu = catalog().gpu("h200-sxm");
  const EfficiencyParams eff = efficiency(gpu);
  Deployment d;
  d.parallel = Parallelism{8, 1, 1, 8};
  d.weights = d.experts = Precision::fp8;
  const Residency residency{2000, 64};
  for (auto _ : state) {
    MemoryFit fit = fit_memory(m.prepared, gpu, d, residency, eff);
    benchmark::DoNotOptimize(fit);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fit_memory);

/// Smallest H100 SXM count holding DeepSeek-V3 in BF16 with 64 sequences of 2000 tokens (tries
/// 1, 2, 4, 8, then whole nodes).
void BM_minimum_gpus(benchmark::State& state) {
  const Model m = model("deepseek-v3");
  const GpuSpec& gpu = catalog().gpu("h100-sxm");
  const EfficiencyParams eff = efficiency(gpu);
  Deployment precisions;
  precisions.weights = precisions.experts = Precision::bf16;
  const Residency residency{2000, 64};
  for (auto _ : state) {
    MinimumGpus found = minimum_gpus(m.prepared, gpu, precisions, residency, eff);
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_minimum_gpus);

}  // namespace
}  // namespace llmsizer::bench
