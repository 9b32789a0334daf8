// io/measurements.hpp — published (or the user's own) measured deployments, for `validate` and
// `calibrate`. Reads the project's measurement schema (validation/measurements.yaml): a top-level
// `measurements:` list whose rows name the model, hardware, precision, engine, parallelism,
// workload and metrics. Parallelism and workload fields that sources state as prose (e.g.
// "Attention-DP16 + MoE-EP16") are interpreted; rows that lack inputs the estimator needs are kept
// with a skip reason instead of a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/config_error.hpp"

namespace llmsizer {

/// The bounds a measured run's fields keep, in the YAML schema and in serving CSV alike: lengths
/// and concurrency within the CLI's bound, parallel degrees and GPU counts far beyond any deployment.
inline constexpr std::int64_t max_measured_tokens = std::int64_t{1} << 31;
inline constexpr std::int64_t max_measured_degree = 1 << 20;
inline constexpr std::int64_t max_measured_gpus = 100000;

struct Measurement {
  std::string id;
  std::string file;
  int line = 0;
  std::string source;       // source.name
  std::string source_path;  // source.path
  std::string quality;      // A, B, C ... as stated
  // Inputs, as an estimate scenario.
  std::string model;        // model_ref (catalog id)
  std::string gpu;
  int gpus = 0;
  std::optional<int> tp, pp, dp, ep;
  std::string weights;      // bf16, fp8, nvfp4, ... (empty: native)
  std::string experts;      // when experts differ from other weights
  std::string kv;
  std::string engine;       // trtllm, vllm, sglang, or "" (generic)
  std::string phase;        // mixed, decode, prefill
  std::optional<std::int64_t> isl, osl, concurrency;  // concurrency 0: unbounded (max throughput)
  std::optional<int> mtp;   // speculative (MTP) tokens per step
  // Measured metrics (means).
  std::optional<double> tpot_ms, ttft_ms, output_tok_s_per_gpu, input_tok_s_per_gpu;
  std::string skip_reason;  // non-empty: not enough inputs to estimate
};

/// Loads a measurements file; structural errors (not a list, a row that is not a map, a metric that
/// is not a number, unknown keys) are ConfigError at file:line:col. Prose that cannot be interpreted
/// marks the row skipped, it is not an error. With `errors` (check), every row's field errors and
/// each row's first other error are appended there instead of the first being thrown.
[[nodiscard]] std::vector<Measurement> load_measurements(const std::string& path,
                                                         std::vector<ConfigError>* errors = nullptr);

}  // namespace llmsizer
