// request/resolved_estimate.hpp — the estimate of a request the resolver (request/resolver.hpp) has
// resolved: the estimator run on its deployment or pools, and the realism note of a layout an engine
// would not run. The resolver chooses what to estimate; this estimates it.
#pragma once

#include <optional>
#include <string>

#include "estimator/serving.hpp"
#include "request/resolver.hpp"

namespace llmsizer {

/// The estimate of a resolved request: estimate() of its deployment, or estimate_disaggregated() of
/// its two pools, with add_resolved_notes.
[[nodiscard]] Estimate estimate_resolved(const ScenarioResolver::Resolved& resolved);

/// The notes every estimate of a resolved request carries beyond the estimator's own, however it was
/// estimated (one request, a scenario row with or without a given layout): note_unrealistic and
/// note_overlap.
void add_resolved_notes(Estimate& estimate, const ScenarioResolver::Resolved& resolved);

/// The overlap `r` runs: its deployment's, or its pools' (Deployment::applied_overlap).
[[nodiscard]] Overlap applied_overlap(const ScenarioResolver::Resolved& r);
/// The note of two-batch overlap stated where none of the answer's layouts runs it (none has expert
/// parallelism: Deployment::applied_overlap); nullopt otherwise. Every command with --overlap says
/// it with this text.
[[nodiscard]] std::optional<std::string> overlap_note(Overlap stated, Overlap applied);
/// Adds overlap_note of `r`'s deployment (or pools) to `e`'s notes.
void note_overlap(Estimate& e, const ScenarioResolver::Resolved& r);

/// The note on a default layout that still queues: chosen for output per GPU, as none runs every
/// request at once.
void note_saturated_layout(Estimate& e, const ScenarioResolver::Resolved& r);

/// Adds the search's note (unrealistic_note, estimator/realism.hpp) to `estimate` of `resolved`
/// when an engine would not run its layout: a layout given by hand is estimated, and flagged as the
/// search would flag it.
void note_unrealistic(Estimate& estimate, const ScenarioResolver::Resolved& resolved);

}  // namespace llmsizer
