// io/spec_json.hpp — profiles and their derived facts as JSON (for list/show --json).
#pragma once

#include <nlohmann/json.hpp>

#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// A model's profile plus derived facts: params_total, params_active (counts), weights_bytes (native
/// precision), kv_bytes_per_token (BF16 KV), a breakdown by component, and the import `warnings`.
[[nodiscard]] nlohmann::json model_json(const ModelSpec& model);
/// A GPU's profile in profile units (memory_gb, memory_bw_gbps, dense_tflops, ...).
[[nodiscard]] nlohmann::json gpu_json(const GpuSpec& gpu);

[[nodiscard]] std::string layer_kind_name(LayerAttention kind);

}  // namespace llmsizer
