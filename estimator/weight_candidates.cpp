#include "estimator/weight_candidates.hpp"

#include <algorithm>
#include <array>

namespace llmsizer {
namespace {

// The formats serving engines ship weights in, widest first.
constexpr std::array<Precision, 5> deployment_formats = {Precision::bf16, Precision::fp8, Precision::int8,
                                                         Precision::nvfp4, Precision::int4};

bool worth_trying(Precision p, const GpuSpec& gpu, CandidateUse use) {
  if (use == CandidateUse::memory) return true;
  const ComputeType compute = info(p).native_compute;
  const bool low_precision_float = compute == ComputeType::fp8 || compute == ComputeType::fp4;
  return low_precision_float && !info(p).weight_only && gpu.supports(compute);
}

}  // namespace

std::vector<WeightChoice> weight_candidates(WeightChoice first, const GpuSpec& gpu, CandidateUse use) {
  std::vector<WeightChoice> choices{first};
  for (Precision p : deployment_formats) {
    const WeightChoice choice{p, p};
    if (!worth_trying(p, gpu, use)) continue;
    if (std::find(choices.begin(), choices.end(), choice) == choices.end()) choices.push_back(choice);
  }
  return choices;
}

std::vector<WeightChoice> default_weight_choices(const ModelSpec& model, const GpuSpec& gpu) {
  return weight_candidates({model.weights_precision, model.experts_precision}, gpu, CandidateUse::speed);
}

}  // namespace llmsizer
