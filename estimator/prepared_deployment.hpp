// estimator/prepared_deployment.hpp — everything an estimate reads that depends only on the
// deployment (model, GPU, layout, precisions, speculation, engine and calibration, price), resolved
// once: the placement and memory check, the roofs, link rates and per-GPU sizes of every layer
// group. The per-request part (prompt and output length, concurrency, phase) is then a closed form
// over it (estimator/serving.hpp `evaluate`); `estimate()` is prepare_deployment + evaluate, so the
// formulas exist once (docs/performance.md#prepared-deployment).
#pragma once

#include <cstdint>
#include <optional>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/memory_fit.hpp"
#include "estimator/prepared_model.hpp"
#include "estimator/step_rates.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// A deployment resolved for estimating. A plain struct: nothing in it allocates or holds text, so
/// it is cheap to keep per configuration of a sweep or per scenario key. It points at the model, GPU
/// and efficiency it was prepared from; they must outlive it.
struct PreparedDeployment {
  const PreparedModel* model = nullptr;
  const GpuSpec* gpu = nullptr;
  const EfficiencyParams* efficiency = nullptr;
  Deployment deployment;
  std::optional<double> usd_per_gpu_hour;
  DeploymentMemory memory;            // placement, activations and capacity per GPU
  StepRates rates;                    // roofs, link rates and per-GPU sizes every iteration shares
  std::int64_t batch_room = 0;        // the engine's max batch over all DP ranks and replicas
  double tokens_per_decode_step = 1;  // expected_tokens_per_step of the deployment's drafts
};

/// `deployment` of `model` on `gpu` under `efficiency`, priced at `usd_per_gpu_hour` (nullopt:
/// unpriced).
[[nodiscard]] PreparedDeployment prepare_deployment(const PreparedModel& model, const GpuSpec& gpu,
                                                    const Deployment& deployment, const EfficiencyParams& efficiency,
                                                    std::optional<double> usd_per_gpu_hour);

/// `prepared` run by `replicas` workers, as prepare_deployment of the same deployment with that many
/// replicas would give, without re-folding the per-GPU figures (the search pairs one decode worker
/// with 1..16 of them).
[[nodiscard]] PreparedDeployment with_replicas(PreparedDeployment prepared, int replicas);

}  // namespace llmsizer
