// bench/profiles_bench.cpp — loading every shipped profile (GPUs, models, calibrations): the fixed
// start-up cost of each `llmsizer` process, parsed or from the profile cache, and the named subset
// a one-deployment command loads.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/bench_support.hpp"
#include "io/catalog_index.hpp"

namespace llmsizer::bench {
namespace {

/// The profile cache off (LLMSIZER_CACHE=off), or in a fresh temporary directory, for one benchmark.
class CacheSetting {
 public:
  explicit CacheSetting(bool on) {
    if (!on) {
      ::setenv("LLMSIZER_CACHE", "off", 1);
      return;
    }
    dir_ = (std::filesystem::temp_directory_path() / "llmsizer-bench-cache-XXXXXX").string();
    if (::mkdtemp(dir_.data()) == nullptr) dir_.clear();
    ::setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
    ::unsetenv("LLMSIZER_CACHE");
  }
  ~CacheSetting() {
    ::unsetenv("LLMSIZER_CACHE");
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  CacheSetting(const CacheSetting&) = delete;
  CacheSetting& operator=(const CacheSetting&) = delete;

 private:
  std::string dir_;
};

/// Every profile parsed and validated (no cache).
void BM_load_profiles(benchmark::State& state) {
  const CacheSetting off(false);
  std::int64_t files = 0;
  for (auto _ : state) {
    Catalog loaded = load_catalog({profiles_dir()});
    files += static_cast<std::int64_t>(loaded.gpus.size() + loaded.models.size() + loaded.calibrations.size());
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(files);  // profiles per second
}
BENCHMARK(BM_load_profiles)->Unit(benchmark::kMillisecond);

/// Every profile from a warm profile cache: each file read and compared with its cached text, the
/// specs decoded (io/profile_cache.hpp). What `list` and `sweep --all-gpus` load.
void BM_load_profiles_cached(benchmark::State& state) {
  const CacheSetting on(true);
  (void)load_catalog({profiles_dir()});  // fills the cache
  for (auto _ : state) {
    Catalog loaded = load_catalog({profiles_dir()});
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_load_profiles_cached)->Unit(benchmark::kMillisecond);

/// What `estimate --model M --gpu G` loads: every profile's name lines, then only M, G and the
/// calibration and TCO profiles parsed (io/catalog_index.hpp).
void BM_load_named_profiles(benchmark::State& state) {
  const CacheSetting off(false);
  for (auto _ : state) {
    Catalog loaded = load_catalog_for({profiles_dir()}, {"h100-sxm"}, {"llama-3.1-70b"});
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_load_named_profiles)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace llmsizer::bench
