// bench/estimate_bench.cpp — one estimate (prefill + decode, memory fit, cost and energy) of a
// fixed deployment and workload: end to end (`estimate()`: prepare the deployment, evaluate, notes),
// and the per-request evaluation on a deployment prepared once (the inner loop of sweeps and
// scenario files; docs/performance.md).
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

/// The request alone on a deployment prepared once: evaluate(prepared, workload), which also
/// prepares the prompt; with `prompt_prepared` the prompt too is prepared once, as a sweep over
/// concurrency does.
void run_prepared(benchmark::State& state, const char* model_name, const char* gpu_name, Parallelism parallel,
                  Precision weights, std::int64_t concurrency, bool prompt_prepared) {
  const Model m = model(model_name);
  const GpuSpec& gpu = catalog().gpu(gpu_name);
  const EfficiencyParams eff = efficiency(gpu);
  Deployment d;
  d.parallel = parallel;
  d.weights = d.experts = weights;
  const Workload w{1000, 1000, concurrency, Phase::mixed};
  const PreparedDeployment prepared = prepare_deployment(m.prepared, gpu, d, eff, 2.0);
  const PreparedPrompt prompt = prepare_prompt(prepared, w.isl);
  for (auto _ : state) {
    EstimateFigures e = prompt_prepared ? evaluate(prepared, prompt, w) : evaluate(prepared, w);
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

void BM_estimate_prepared_dense(benchmark::State& state) {
  run_prepared(state, "llama-3.1-70b", "h100-sxm", Parallelism{4, 1, 1, 1}, Precision::bf16, 64, false);
}
BENCHMARK(BM_estimate_prepared_dense);

void BM_estimate_prepared_moe(benchmark::State& state) {
  run_prepared(state, "deepseek-v3", "h200-sxm", Parallelism{8, 1, 1, 8}, Precision::fp8, 64, false);
}
BENCHMARK(BM_estimate_prepared_moe);

void BM_estimate_prepared_prompt_dense(benchmark::State& state) {
  run_prepared(state, "llama-3.1-70b", "h100-sxm", Parallelism{4, 1, 1, 1}, Precision::bf16, 64, true);
}
BENCHMARK(BM_estimate_prepared_prompt_dense);

void BM_estimate_prepared_prompt_moe(benchmark::State& state) {
  run_prepared(state, "deepseek-v3", "h200-sxm", Parallelism{8, 1, 1, 8}, Precision::fp8, 64, true);
}
BENCHMARK(BM_estimate_prepared_prompt_moe);

}  // namespace
}  // namespace llmsizer::bench
