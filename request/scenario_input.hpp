// request/scenario_input.hpp — one estimate request as the user states it: names as text and
// optional numbers, before anything is looked up. The fields are declared once, with their parsers,
// ranges and help, in request/scenario_fields.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace llmsizer {

struct ScenarioInput {
  std::string id;
  std::string model;
  std::string gpu;
  std::optional<int> gpus, tp, pp, dp, ep;
  std::string weights;  // empty: the model's native precisions
  std::string experts;  // routed experts' precision when it differs (empty: as weights)
  std::string kv;       // empty: the engine's default for the checkpoint (default_kv_precision)
  std::string engine;   // empty: the calibration's default
  std::string phase;    // mixed (default), decode or prefill (disaggregated serving)
  std::optional<std::int64_t> isl, osl, concurrency;  // concurrency 0: as many as fit
  std::optional<int> mtp;                              // speculative tokens
  std::optional<double> mtp_acceptance;
  std::string overlap;  // empty / none, or two-batch
  std::string price;  // price label
  std::optional<double> usd_per_gpu_hour;
  std::optional<double> memory_utilization;
  std::optional<std::int64_t> prefill_chunk_tokens;  // empty: the engine's token budget from the calibration
  // Prefill/decode-disaggregated serving (xPyD): any of these makes the request two pools, each with
  // its worker count, layout and batch per worker (request/scenario_fields.cpp).
  std::optional<int> prefill_workers, prefill_tp, prefill_pp, prefill_dp, prefill_ep;
  std::optional<std::int64_t> prefill_batch;
  std::optional<int> decode_workers, decode_tp, decode_pp, decode_dp, decode_ep;
  std::optional<std::int64_t> decode_batch;
  /// Every field equal (a batch compares what rows share, request/scenario_rows.hpp).
  bool operator==(const ScenarioInput&) const = default;
  [[nodiscard]] bool disaggregated() const {
    return prefill_workers || prefill_tp || prefill_pp || prefill_dp || prefill_ep || prefill_batch ||
           decode_workers || decode_tp || decode_pp || decode_dp || decode_ep || decode_batch;
  }
};

}  // namespace llmsizer
