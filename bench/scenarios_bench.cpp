// bench/scenarios_bench.cpp — `llmsizer estimate --scenarios FILE.csv --csv` end to end in process:
// profile loading, CSV parsing, resolving each row, estimating it and writing the CSV answer.
// LLMSIZER_BENCH_ROWS sets the row count (default 100000; the ctest smoke run uses 2000).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "cli/command.hpp"

namespace llmsizer::bench {
namespace {

/// Discards everything written to it (counting nothing, so the output cost is formatting only).
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

/// A scenarios file of `rows` rows cycling through dense and MoE models, GPUs, layouts, precisions,
/// engines and workloads (every row valid).
std::filesystem::path write_scenarios(long rows) {
  struct Base {
    const char* model;
    const char* gpu;
    int gpus;
    int tp;
    const char* weights;
  };
  static const Base bases[] = {
      {"llama-3.1-8b", "h100-sxm", 1, 1, "bf16"},  {"llama-3.1-70b", "h100-sxm", 4, 4, "bf16"},
      {"llama-3.1-70b", "h200-sxm", 2, 2, "fp8"},  {"qwen3-32b", "l40s", 2, 2, "fp8"},
      {"deepseek-v3", "h200-sxm", 8, 8, "fp8"},    {"qwen3-235b-a22b", "b200", 4, 4, "fp8"},
      {"gpt-oss-120b", "h100-sxm", 1, 1, "mxfp4"}, {"mixtral-8x7b", "a100-80gb-sxm", 2, 2, "bf16"},
  };
  static const char* engines[] = {"", "vllm", "sglang", "trtllm"};
  static const int isls[] = {128, 1000, 4000, 8000};
  static const int osls[] = {128, 500, 1000, 2000};
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("llmsizer-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto path = dir / "scenarios.csv";
  std::ofstream out(path);
  out << "id,model,gpu,gpus,tp,weights,engine,isl,osl,concurrency\n";
  for (long i = 0; i < rows; ++i) {
    const Base& b = bases[i % 8];
    out << fmt::format("r{},{},{},{},{},{},{},{},{},{}\n", i, b.model, b.gpu, b.gpus, b.tp, b.weights,
                       engines[(i / 8) % 4], isls[(i / 32) % 4], osls[(i / 128) % 4], 1 << ((i / 512) % 8));
  }
  return path;
}

void BM_estimate_scenarios_100k(benchmark::State& state) {
  const long rows = env_or("LLMSIZER_BENCH_ROWS", 100000);
  const std::filesystem::path file = write_scenarios(rows);
  const std::vector<std::string> args = {"--profiles",  profiles_dir().string(), "estimate",
                                         "--scenarios", file.string(),           "--csv"};
  NullBuffer null_buffer;
  std::ostream null_out(&null_buffer);
  std::ostringstream err;
  int code = 0;
  for (auto _ : state) {
    code = cli::run_cli(args, null_out, err);
  }
  std::filesystem::remove_all(file.parent_path());
  if (code != 0) state.SkipWithError(("estimate --scenarios failed: " + err.str().substr(0, 500)).c_str());
  state.counters["rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * rows);  // rows per second
}
BENCHMARK(BM_estimate_scenarios_100k)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace llmsizer::bench
