#include "cli/sweep_common.hpp"

#include <fmt/format.h>

#include <utility>

#include "estimator/plan.hpp"
#include "io/config_error.hpp"

namespace llmsizer::cli {
namespace {

constexpr std::int64_t max_tokens = 1LL << 31;
constexpr int max_gpu_limit = 4096;
constexpr std::int64_t max_concurrency = 1024;

std::optional<Seconds> latency_target(const std::optional<double>& ms, const char* option) {
  if (!ms) return std::nullopt;
  if (!(*ms > 0 && *ms <= 1e9)) {
    throw ConfigError(option, fmt::format("{} is out of range (must be > 0 and <= 1e9 ms)", *ms));
  }
  return milliseconds(*ms);
}

}  // namespace

SweepRequest sized_request(std::int64_t isl, std::int64_t osl, int max_gpus) {
  for (auto [value, option] : {std::pair{isl, "--isl"}, {osl, "--osl"}}) {
    if (value < 1 || value > max_tokens)
      throw ConfigError(option, fmt::format("{} is out of range (1 to 2^31)", value));
  }
  if (max_gpus < 1 || max_gpus > max_gpu_limit) {
    throw ConfigError("--max-gpus", fmt::format("{} is out of range (1 to {})", max_gpus, max_gpu_limit));
  }
  SweepRequest r;
  r.isl = isl;
  r.osl = osl;
  r.max_gpus = max_gpus;
  return r;
}

ServiceLevel slo_targets(const std::optional<double>& ttft_ms, const std::optional<double>& tpot_ms) {
  return {latency_target(ttft_ms, "--ttft-ms"), latency_target(tpot_ms, "--tpot-ms")};
}

std::vector<std::int64_t> default_concurrencies() {
  std::vector<std::int64_t> levels;
  for (std::int64_t c = 1; c <= max_concurrency; c *= 2) levels.push_back(c);
  return levels;
}

std::string slo_text(const SweepRequest& r) {
  return r.slo.ttft || r.slo.tpot ? "SLO " + describe_slo(r.slo) : "no SLO";
}

}  // namespace llmsizer::cli
