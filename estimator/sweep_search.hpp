// estimator/sweep_search.hpp — the sweep's search within one (GPU type, count, layout, weights):
// memory-checked estimates over concurrency (the first pass, every configuration), then, on the
// deployments that can matter (the first pass's frontier and best SLO-meeting rows), deeper MTP
// drafts and a bisection of concurrency between powers of two (docs/methodology.md#sweep).
// Internal to estimator/sweep.cpp.
#pragma once

#include <cstddef>

#include "estimator/sweep.hpp"

namespace llmsizer {

/// First pass over one (GPU, count, layout, weights): each KV precision of sweep_kv_choices at
/// MTP depth 0 (or the one depth the user fixed), every concurrency level until memory runs out.
/// Appends rows to `out`; returns whether anything fitted.
bool sweep_search_axes(const PreparedModel& model, const SweepTarget& target, int target_index, Deployment deployment,
                       const SweepRequest& request, SweepResult& out);

/// Second pass over one GPU type's rows [first_row, end): MTP depths 1.. on the deployments of the
/// frontier and of the best SLO-meeting rows, each depth stopping where it is dominated by one
/// draft fewer; then, with refine_concurrency, the bisection on the deployments of the
/// refined_deployments best SLO-meeting rows. Appends rows to `out`.
void search_promising(const PreparedModel& model, const SweepTarget& target, int target_index,
                      const SweepRequest& request, std::size_t first_row, SweepResult& out);

}  // namespace llmsizer
