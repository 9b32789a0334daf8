// request/prepared_deployments.hpp — the prepared deployments of a batch of scenarios
// (`estimate --scenarios`): rows that differ only in what they ask (prompt and output length,
// concurrency, phase) share one prepared deployment (estimator/prepared_deployment.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "estimator/prepared_deployment.hpp"
#include "estimator/serving.hpp"
#include "request/resolved_estimate.hpp"

namespace llmsizer {

/// A small cache of prepared deployments keyed by everything prepare_deployment reads: the model, the
/// GPU, the deployment, the efficiency (calibration, engine, memory utilisation) and the price. Owned
/// by one batch (no global state); not for use from two threads at once.
class PreparedDeployments {
 public:
  /// Entries kept; a new key at a full cache replaces the oldest entry.
  static constexpr std::size_t capacity = 64;

  /// The prepared deployment of `resolved`'s co-located deployment, prepared on a miss.
  [[nodiscard]] const PreparedDeployment& of(const ScenarioResolver::Resolved& resolved);
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] std::size_t misses() const { return misses_; }

 private:
  struct Entry {
    std::shared_ptr<const ModelSpec> spec;  // what `prepared` points into, kept alive
    std::shared_ptr<const PreparedModel> model;
    EfficiencyParams efficiency;
    PreparedDeployment prepared;  // points at model, efficiency and the catalog's GPU
  };
  std::vector<std::unique_ptr<Entry>> entries_;  // entries never move: `prepared` points into them
  std::size_t oldest_ = 0;
  std::size_t misses_ = 0;
};

/// estimate_resolved(resolved), its co-located deployment prepared at most once per key in `cache`;
/// the same Estimate.
[[nodiscard]] Estimate estimate_resolved(const ScenarioResolver::Resolved& resolved, PreparedDeployments& cache);

}  // namespace llmsizer
