// bench/sweep_bench.cpp — the design-space sweep of DeepSeek-V3 (GPU count x layout x weight
// precision x concurrency, 1000 + 1000 tokens) on one GPU type and on every GPU in the catalog,
// through the core API (profiles already loaded; `llmsizer sweep` adds loading and printing).
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"
#include "estimator/sweep.hpp"

namespace llmsizer::bench {
namespace {

SweepRequest request() {
  SweepRequest r;
  r.isl = 1000;
  r.osl = 1000;
  for (std::int64_t c = 1; c <= 1024; c *= 2) r.concurrencies.push_back(c);  // as `llmsizer sweep`
  return r;
}

SweepTarget target(const GpuSpec& gpu) {
  SweepTarget t;
  t.gpu = &gpu;
  t.efficiency = efficiency(gpu);
  t.usd_per_gpu_hour = gpu.prices.empty() ? std::nullopt : std::optional<double>(gpu.prices.front().per_gpu_hour.value);
  return t;
}

void run_sweep(benchmark::State& state, const std::vector<SweepTarget>& targets, SweepRows keep = SweepRows::all,
               unsigned threads = 1) {
  const Model m = model("deepseek-v3");
  SweepRequest r = request();
  r.keep = keep;
  r.threads = threads;
  std::int64_t configs = 0;
  for (auto _ : state) {
    SweepResult result = sweep(m.prepared, targets, r);
    configs += result.configs_evaluated + result.configs_pruned;
    state.counters["estimated"] = static_cast<double>(result.configs_evaluated);
    state.counters["pruned"] = static_cast<double>(result.configs_pruned);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(configs);  // configurations considered (estimated or ruled out by memory)
}

void BM_sweep_one_gpu(benchmark::State& state) {
  run_sweep(state, {target(catalog().gpu("h200-sxm"))});
}
BENCHMARK(BM_sweep_one_gpu)->Unit(benchmark::kMillisecond);

std::vector<SweepTarget> all_targets() {
  std::vector<SweepTarget> targets;
  for (const GpuSpec& gpu : catalog().gpus) targets.push_back(target(gpu));
  return targets;
}

void BM_sweep_all_gpus(benchmark::State& state) {
  run_sweep(state, all_targets());
}
BENCHMARK(BM_sweep_all_gpus)->Unit(benchmark::kMillisecond);

// As `llmsizer sweep --all-gpus` keeps them: only the rows it prints (SweepRows::shown).
void BM_sweep_all_gpus_shown_rows(benchmark::State& state) {
  run_sweep(state, all_targets(), SweepRows::shown);
}
BENCHMARK(BM_sweep_all_gpus_shown_rows)->Unit(benchmark::kMillisecond);

// The shown rows, GPU types on two threads: wall time (UseRealTime), as a process sees it.
void BM_sweep_all_gpus_shown_rows_two_threads(benchmark::State& state) {
  run_sweep(state, all_targets(), SweepRows::shown, 2);
}
BENCHMARK(BM_sweep_all_gpus_shown_rows_two_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace llmsizer::bench
