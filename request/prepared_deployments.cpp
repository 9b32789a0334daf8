#include "request/prepared_deployments.hpp"

namespace llmsizer {
namespace {

/// Whether `entry`'s prepared deployment is the one `r` asks for. Deployment and EfficiencyParams
/// compare every member (defaulted operator==), so a member added to either joins the key.
bool same_key(const PreparedDeployment& p, const ScenarioResolver::Resolved& r) {
  return p.model == r.prepared.get() && p.gpu == r.gpu && p.deployment == r.deployment &&
         p.usd_per_gpu_hour == r.usd_per_gpu_hour && *p.efficiency == r.efficiency;
}

}  // namespace

const PreparedDeployment& PreparedDeployments::of(const ScenarioResolver::Resolved& r) {
  for (const std::unique_ptr<Entry>& entry : entries_) {
    if (same_key(entry->prepared, r)) return entry->prepared;
  }
  ++misses_;
  auto entry = std::make_unique<Entry>(Entry{r.model, r.prepared, r.efficiency, {}});
  entry->prepared = prepare_deployment(*entry->model, *r.gpu, r.deployment, entry->efficiency, r.usd_per_gpu_hour);
  if (entries_.size() < capacity) return entries_.emplace_back(std::move(entry))->prepared;
  std::unique_ptr<Entry>& replaced = entries_[oldest_];
  oldest_ = (oldest_ + 1) % capacity;
  replaced = std::move(entry);
  return replaced->prepared;
}

Estimate estimate_resolved(const ScenarioResolver::Resolved& r, PreparedDeployments& cache) {
  if (r.pools) return estimate_resolved(r);
  Estimate e = estimate(cache.of(r), r.workload);
  add_resolved_notes(e, r);
  return e;
}

}  // namespace llmsizer
