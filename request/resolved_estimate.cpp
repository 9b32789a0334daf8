#include "request/resolved_estimate.hpp"

#include <limits>

#include "estimator/realism.hpp"

namespace llmsizer {

Estimate estimate_resolved(const ScenarioResolver::Resolved& r) {
  Estimate e = r.pools
                   ? estimate_disaggregated(*r.prepared, *r.gpu, *r.pools, r.workload, r.efficiency, r.usd_per_gpu_hour)
                   : estimate(*r.prepared, *r.gpu, r.deployment, r.workload, r.efficiency, r.usd_per_gpu_hour);
  note_unrealistic(e, r);
  return e;
}

void note_unrealistic(Estimate& e, const ScenarioResolver::Resolved& r) {
  if (!e.fits) return;
  // Where no token follows the first (the prefill side) there is no per-user speed to floor.
  const double tok_s_per_user = e.has_tpot ? e.tok_s_per_user : std::numeric_limits<double>::infinity();
  std::string note = unrealistic_note(*r.gpu, r.pools ? r.pools->decode.parallel : r.deployment.parallel,
                                      r.pools ? &r.pools->prefill.parallel : nullptr, tok_s_per_user);
  if (!note.empty()) e.notes.push_back(std::move(note));
}

}  // namespace llmsizer
