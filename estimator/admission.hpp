// estimator/admission.hpp — how much KV an engine reserves for a request it admits (admit
// in serving.cpp; docs/methodology.md#kv-limited-batch), for the explanations that report the batch
// the KV headroom buys (estimator/explain.cpp).
#pragma once

#include <cstdint>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"

namespace llmsizer {

/// Tokens of KV one running request holds for admission: isl + f·osl, f the engine's
/// kv_reserved_output_fraction (1: TensorRT-LLM's no-evict reservation; 0.5: the mean occupancy).
[[nodiscard]] std::int64_t reserved_context(const Workload& workload, const EfficiencyParams& efficiency);

}  // namespace llmsizer
