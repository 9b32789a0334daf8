#include "estimator/prepared_deployment.hpp"

#include "estimator/admission.hpp"
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
                            engine_batch_room(deployment, efficiency),
                            expected_tokens_per_step(deployment.speculative_tokens, deployment.speculative_acceptance,
                                                     deployment.speculative_acceptance_decay)};
}

PreparedDeployment with_replicas(PreparedDeployment prepared, int replicas) {
  // Replicas only share out the requests: the placement, activations and step rates are per GPU and
  // stay; the rank count and the batch room follow the replicas.
  prepared.deployment.replicas = replicas;
  prepared.memory.ranks = attention_ranks(prepared.deployment);
  prepared.batch_room = engine_batch_room(prepared.deployment, *prepared.efficiency);
  return prepared;
}

}  // namespace llmsizer
