// bench/profiles_bench.cpp — loading every shipped profile (GPUs, models, calibrations): the fixed
// start-up cost of each `llmsizer` process.
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"

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

}  // namespace
}  // namespace llmsizer::bench
