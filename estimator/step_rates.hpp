// estimator/step_rates.hpp — what every iteration of one deployment shares: the GPU's achievable
// roofs and link rates under the calibration, and how the layout shards the model. An estimate runs
// four to five iterations (decode, prefill alone, prefill mixed into decode, the start-up burst,
// drafting) of the same deployment, so it resolves these once and passes them in
// (docs/performance.md).
#pragma once

#include "estimator/placement.hpp"
#include "estimator/step_time.hpp"

namespace llmsizer {

struct StepRates {
  Roofs roofs;
  LinkRates links;
  CollectiveLatency latency;
  Sharding sharding;
};

/// The rates of `deployment` of `model` on `gpu` under `efficiency`.
[[nodiscard]] StepRates step_rates(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                   const EfficiencyParams& efficiency);

/// stage_step_time (estimator/step_time.hpp) with `rates` = step_rates(model, gpu, deployment,
/// efficiency) resolved by the caller; the same result.
[[nodiscard]] StepTime stage_step_time(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                       const EfficiencyParams& efficiency, const StepRates& rates,
                                       const StepShape& shape, OperatorBreakdown* breakdown = nullptr);

}  // namespace llmsizer
