// cli/sweep_common.hpp — the option checks and labels shared by `sweep` and `compare`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "estimator/sweep.hpp"

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

}  // namespace llmsizer::cli
