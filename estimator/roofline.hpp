// estimator/roofline.hpp — one iteration split by operator kind: FLOPs, HBM bytes and time per GPU,
// and the achievable roofs each kind runs against (docs/methodology.md#step-time), so a report can
// plot where each layer type sits. The formulas live in layer_costs.cpp (per-deployment coefficients)
// and step_time.cpp (what varies per iteration), which fills the breakdown;
// the sums over kinds equal StepTime::flops and StepTime::bytes (tests/estimator/plan_test.cpp).
// OperatorKind, OperatorLoad and smooth_max are declared in step_time.hpp; Roofs and the
// rates behind them in hardware/achievable.hpp.
#pragma once

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/prepared_model.hpp"
#include "estimator/step_time.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// The compute and memory parts of stage_step_time, by operator kind (no communication or
/// overheads). Index with static_cast<int>(OperatorKind).
[[nodiscard]] OperatorBreakdown operator_breakdown(const PreparedModel& model, const GpuSpec& gpu,
                                                   const Deployment& deployment, const EfficiencyParams& efficiency,
                                                   const StepShape& shape);

}  // namespace llmsizer
