// bench/profiles_bench.cpp — loading every shipped profile (GPUs, models, calibrations): the fixed
// start-up cost of each `llmsizer` process, and the named subset a one-deployment command loads.
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"
#include "io/catalog_index.hpp"

namespace llmsizer::bench {
namespace {

void BM_load_profiles(benchmark::State& state) {
  std::int64_t files = 0;
  for (auto _ : state) {
    Catalog loaded = load_catalog({profiles_dir()});
    files += static_cast<std::int64_t>(loaded.gpus.size() + loaded.models.size() + loaded.calibrations.size());
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(files);  // profiles per second
}
BENCHMARK(BM_load_profiles)->Unit(benchmark::kMillisecond);

/// What `estimate --model M --gpu G` loads: every profile's name lines, then only M, G and the
/// calibration and TCO profiles parsed (io/catalog_index.hpp).
void BM_load_named_profiles(benchmark::State& state) {
  for (auto _ : state) {
    Catalog loaded = load_catalog_for({profiles_dir()}, {"h100-sxm"}, {"llama-3.1-70b"});
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_load_named_profiles)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace llmsizer::bench
