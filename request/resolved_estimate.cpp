#include "request/resolved_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "estimator/realism.hpp"
#include "io/table.hpp"

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
  note_saturated_layout(e, r);
}

void note_saturated_layout(Estimate& e, const ScenarioResolver::Resolved& r) {
  // A default layout that queues is the saturated case of default_layout (estimator/layout.hpp): no
  // realistic layout runs every request at once, so it is the one with the most output per GPU.
  if (!r.layout_chosen || !e.fits || e.queued <= 0) return;
  e.notes.push_back(fmt::format(
      "layout chosen for output per GPU: no layout runs all {} requests at once, so the default is the one with "
      "the most output tok/s per GPU; --gpus N lays out N GPUs as replicas for them (plan sizes a fleet)",
      with_commas(static_cast<double>(e.concurrency))));
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
