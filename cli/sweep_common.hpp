// cli/sweep_common.hpp — the option checks, labels and output schema shared by `sweep` and `compare`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "estimator/model_spec.hpp"
#include "estimator/sweep.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/result_table.hpp"

namespace llmsizer::cli {

/// A request with --isl, --osl and --max-gpus checked and set; the caller fills the rest.
/// Throws ConfigError naming the option that is out of range.
[[nodiscard]] SweepRequest sized_request(std::int64_t isl, std::int64_t osl, int max_gpus);
/// The SLO of --ttft-ms and --tpot-ms (each optional). Throws ConfigError when one is out of range.
[[nodiscard]] ServiceLevel slo_targets(const std::optional<double>& ttft_ms, const std::optional<double>& tpot_ms);
/// Concurrency levels 1, 2, 4, ..., 1024.
[[nodiscard]] std::vector<std::int64_t> default_concurrencies();
/// "SLO TTFT <= 500 ms, TPOT <= 50 ms", or "no SLO".
[[nodiscard]] std::string slo_text(const SweepRequest& request);

/// One configuration of a sweep as the writers see it; `row` nullptr when nothing fits, and every
/// column but model and GPU is then null.
struct SweepRowRef {
  const ModelSpec* model = nullptr;
  const GpuSpec* gpu = nullptr;
  const SweepRow* row = nullptr;
};

/// The one column schema of sweep rows: `sweep`'s table, CSV, JSON and XLSX, and the per-row
/// columns of `compare`, read it.
[[nodiscard]] const Schema<SweepRowRef>& sweep_schema();

/// The rows shown for one GPU type: its frontier by tok/s per user, then the cheapest SLO row if a
/// TTFT target kept it off the frontier.
[[nodiscard]] std::vector<std::size_t> shown_rows(const SweepResult& result, const SweepTargetResult& target);

/// The shown rows of every target, in target order, under sweep_schema().
[[nodiscard]] ResultTable sweep_table(const ModelSpec& model, const SweepResult& result,
                                      const std::vector<SweepTarget>& targets);

}  // namespace llmsizer::cli
