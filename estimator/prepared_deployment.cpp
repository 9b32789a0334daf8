#include "estimator/prepared_deployment.hpp"

#include "estimator/serving.hpp"

namespace llmsizer {

PreparedDeployment prepare_deployment(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                      const EfficiencyParams& efficiency, std::optional<double> usd_per_gpu_hour) {
  PreparedDeployment p;
  p.model = &model;
  p.gpu = &gpu;
  p.efficiency = &efficiency;
  p.deployment = deployment;
  p.usd_per_gpu_hour = usd_per_gpu_hour;
  p.memory = deployment_memory(model, gpu, deployment, efficiency);
  p.rates = step_rates(model, gpu, deployment, efficiency);
  p.batch_room = efficiency.engine.max_batch * deployment.parallel.dp * deployment.replicas;
  p.tokens_per_decode_step = expected_tokens_per_step(deployment.speculative_tokens, deployment.speculative_acceptance,
                                                      deployment.speculative_acceptance_decay);
  return p;
}

}  // namespace llmsizer
