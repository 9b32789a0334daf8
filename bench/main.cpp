// bench/main.cpp — Google Benchmark's main for llmsizer-bench (one *_bench.cpp per hot path).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
