// estimator/admission.hpp — how much KV an engine reserves for a request it admits (admit
// in serving.cpp; docs/methodology.md#kv-limited-batch), for the explanations that report the batch
// the KV headroom buys (estimator/explain.cpp), how many requests it runs at once at most, and how
// long the requests it cannot admit wait.
#pragma once

#include <cstdint>

#include <algorithm>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/memory_fit.hpp"

namespace llmsizer {

/// Tokens of KV one running request holds for admission: isl + f·osl, f the engine's
/// kv_reserved_output_fraction (1: TensorRT-LLM's no-evict reservation; 0.5: the mean occupancy).
[[nodiscard]] std::int64_t reserved_context(const Workload& workload, const EfficiencyParams& efficiency);

/// The most requests `deployment` runs at once: the engine's max batch (max running requests) on
/// each attention-DP rank of each replica. Requests beyond it queue whatever the KV room.
[[nodiscard]] inline std::int64_t engine_batch_room(const Deployment& deployment, const EfficiencyParams& efficiency) {
  return efficiency.engine.max_batch * attention_ranks(deployment);
}

/// The part of `in_flight` that is resident on `deployment` when its KV room is not the limit: at most
/// engine_batch_room sequences, the rest waiting in the engine's queue (docs/methodology.md#layout).
[[nodiscard]] inline Residency admitted_residency(const Residency& in_flight, const Deployment& deployment,
                                                  const EfficiencyParams& efficiency) {
  return Residency{in_flight.context_tokens, std::min(in_flight.sequences, engine_batch_room(deployment, efficiency))};
}

/// The wait of the `queued` requests beyond the `running` ones the KV cache (or max batch) holds, in
/// a closed loop served first come, first served: a slot frees once per running request's cycle, so
/// by Little's law the running batch serves `running` requests per `running_cycle_s` and each queued
/// request waits queued / running cycles before its prefill starts (docs/methodology.md#kv-limited-batch).
[[nodiscard]] inline double queued_wait_s(std::int64_t queued, std::int64_t running, double running_cycle_s) {
  return running > 0 ? static_cast<double>(queued) / static_cast<double>(running) * running_cycle_s : 0.0;
}

}  // namespace llmsizer
