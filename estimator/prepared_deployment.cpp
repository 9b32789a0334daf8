#include "estimator/prepared_deployment.hpp"

#include "estimator/serving.hpp"

namespace llmsizer {

PreparedDeployment prepare_deployment(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                      const EfficiencyParams& efficiency, std::optional<double> usd_per_gpu_hour) {
  // One aggregate built in place: the step rates (a few kB of folded costs) are written once, not copied.
  return PreparedDeployment{&model,
                            &gpu,
                            &efficiency,
                            deployment,
                            usd_per_gpu_hour,
                            deployment_memory(model, gpu, deployment, efficiency),
                            step_rates(model, gpu, deployment, efficiency),
                            efficiency.engine.max_batch * deployment.parallel.dp * deployment.replicas,
                            expected_tokens_per_step(deployment.speculative_tokens, deployment.speculative_acceptance,
                                                     deployment.speculative_acceptance_decay)};
}

}  // namespace llmsizer
