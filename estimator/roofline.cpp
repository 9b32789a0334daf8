#include "estimator/roofline.hpp"

namespace llmsizer {

OperatorBreakdown operator_breakdown(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d,
                                     const EfficiencyParams& e, const StepShape& s) {
  OperatorBreakdown ops{};
  (void)stage_step_time(m, gpu, d, e, s, &ops);
  return ops;
}

}  // namespace llmsizer
