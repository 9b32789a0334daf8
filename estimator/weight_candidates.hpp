// estimator/weight_candidates.hpp — which weight precisions to try when the user names none: the
// one rule behind `fit`'s rows, `report`'s fit table and the sweep's precision axis.
#pragma once

#include <vector>

#include "base/precision.hpp"
#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// Storage precision of linear weights and of routed experts.
struct WeightChoice {
  Precision weights = Precision::bf16;
  Precision experts = Precision::bf16;
  friend constexpr bool operator==(WeightChoice, WeightChoice) = default;
};

/// What the candidates are for.
enum class CandidateUse {
  memory,  // how many GPUs hold the model: every common storage format
  speed,   // what the deployment serves: the formats the GPU's tensor cores compute
};

/// `first` (the user's precisions, or the model's native ones), then the common deployment formats
/// bf16, fp8, int8, nvfp4, int4 in that order, each once. For `memory` every format counts: one the
/// GPU cannot compute is still stored, and engines dequantize it for the matmul. For `speed` only
/// fp8 and nvfp4, and only where the GPU has that tensor-core type: those are the formats engines
/// serve at full tensor-core rate by default; a 16-bit or integer variant would add rows that are
/// no faster (integer and weight-only formats run their matmul dequantized) at more sweep time.
[[nodiscard]] std::vector<WeightChoice> weight_candidates(WeightChoice first, const GpuSpec& gpu, CandidateUse use);

/// The model's native precisions, then FP8 and NVFP4 where `gpu` computes them natively
/// (weight_candidates for speed).
[[nodiscard]] std::vector<WeightChoice> default_weight_choices(const ModelSpec& model, const GpuSpec& gpu);

}  // namespace llmsizer
