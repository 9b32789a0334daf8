#include "request/resolved_estimate.hpp"

#include <algorithm>
#include <limits>

#include "estimator/realism.hpp"

namespace llmsizer {

Estimate estimate_resolved(const ScenarioResolver::Resolved& r) {
  Estimate e = r.pools
                   ? estimate_disaggregated(*r.prepared, *r.gpu, *r.pools, r.workload, r.efficiency, r.usd_per_gpu_hour)
                   : estimate(*r.prepared, *r.gpu, r.deployment, r.workload, r.efficiency, r.usd_per_gpu_hour);
  add_resolved_notes(e, r);
  return e;
}

void add_resolved_notes(Estimate& e, const ScenarioResolver::Resolved& r) {
  note_unrealistic(e, r);
  note_overlap(e, r);
}

Overlap applied_overlap(const ScenarioResolver::Resolved& r) {
  return r.pools ? r.pools->applied_overlap() : r.deployment.applied_overlap();
}

std::optional<std::string> overlap_note(Overlap stated, Overlap applied) {
  if (stated != Overlap::two_batch || applied == Overlap::two_batch) return std::nullopt;
  // The split hides an expert all-to-all (docs/methodology.md#two-batch-overlap); with ep 1 there is
  // none to hide and the estimate runs one batch (estimator/layer_costs.cpp).
  return "two-batch overlap hides the expert all-to-all, and this deployment has none (ep 1): not applied, "
         "the estimate runs one batch; engines split the batch only with expert parallelism";
}

void note_overlap(Estimate& e, const ScenarioResolver::Resolved& r) {
  if (auto note = overlap_note(r.deployment.overlap, applied_overlap(r))) e.notes.push_back(std::move(*note));
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
