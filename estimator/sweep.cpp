#include "estimator/sweep.hpp"

#include <algorithm>

#include "estimator/pareto.hpp"
#include "estimator/plan.hpp"
#include "estimator/realism.hpp"
#include "estimator/sweep_search.hpp"
#include "estimator/sweep_disaggregated.hpp"

namespace llmsizer {

namespace {

bool allowed(const Parallelism& p, const LayoutHints& only) {
  return (!only.tp || *only.tp == p.tp) && (!only.pp || *only.pp == p.pp) && (!only.dp || *only.dp == p.dp) &&
         (!only.ep || *only.ep == p.ep);
}

}  // namespace

std::vector<Parallelism> sweep_layouts(const ModelSpec& model, const GpuSpec& gpu, int gpus, const LayoutHints& only) {
  std::vector<Parallelism> layouts;
  auto add = [&](Parallelism p) {
    if (p.pp > model.num_layers || !allowed(p, only) || !layout_problem(model, gpu, p, gpus).empty()) return;
    layouts.push_back(p);
  };
  const int domain = std::max(1, gpu.scale_up.domain_gpus);
  for (int tp = 1; tp <= std::min(domain, gpus); tp *= 2) {
    if (model.num_heads % tp != 0 || gpus % tp != 0) continue;
    const int rest = gpus / tp;
    add({tp, rest, 1, 1});
    if (!model.moe) continue;
    if (tp > 1) add({tp, rest, 1, tp});
    if (rest > 1) add({tp, 1, rest, tp * rest});
    const int dp_in_domain = domain / tp;
    if (dp_in_domain > 1 && dp_in_domain < rest && rest % dp_in_domain == 0) {
      add({tp, rest / dp_in_domain, dp_in_domain, tp * dp_in_domain});
    }
  }
  return layouts;
}

SweepRow sweep_row(int target, const GpuSpec& gpu, const Deployment& d, const EstimateFigures& e,
                   const ServiceLevel& slo) {
  SweepRow row;
  row.target = target;
  row.deployment = d;
  row.concurrency = e.concurrency;
  row.ttft = e.ttft;
  row.tpot = e.tpot;
  row.output_tok_s = e.output_tok_s;
  row.output_tok_s_per_gpu = e.output_tok_s_per_gpu;
  row.tok_s_per_user = e.tok_s_per_user;
  row.usd_per_mtok_output = e.usd_per_mtok_output;
  row.joules_per_output_token = e.joules_per_output_token;
  row.weights_per_gpu = e.memory.need.weights;
  row.memory_per_gpu = e.memory.need.total();
  row.meets_slo = slo.met_by(e.ttft, e.tpot);
  row.realistic = is_realistic(gpu, d.parallel, e.tok_s_per_user);
  return row;
}

namespace {

/// Ranks rows of one GPU type: lower $/Mtok (or higher tok/s per GPU when unpriced), then on the
/// frontier, then fewer GPUs, then earlier.
bool better_value(const SweepRow& a, const SweepRow& b) {
  if (a.usd_per_mtok_output && b.usd_per_mtok_output && *a.usd_per_mtok_output != *b.usd_per_mtok_output) {
    return *a.usd_per_mtok_output < *b.usd_per_mtok_output;
  }
  if (a.output_tok_s_per_gpu != b.output_tok_s_per_gpu) return a.output_tok_s_per_gpu > b.output_tok_s_per_gpu;
  if (a.on_frontier != b.on_frontier) return a.on_frontier;
  return a.total_gpus() < b.total_gpus();
}

/// better_value, after the fewest fleet GPUs for the peak when one is given.
bool better_for(const SweepRequest& request, const SweepRow& a, const SweepRow& b) {
  if (request.peak_output_tok_s) {
    const std::int64_t fleet_a = replicas_for_peak(*request.peak_output_tok_s, a.output_tok_s) * a.total_gpus();
    const std::int64_t fleet_b = replicas_for_peak(*request.peak_output_tok_s, b.output_tok_s) * b.total_gpus();
    if (fleet_a != fleet_b) return fleet_a < fleet_b;
  }
  return better_value(a, b);
}

/// The best SLO-meeting rows by better_for: among the realistic ones, and among all (one scan).
struct BestRows {
  std::optional<std::size_t> realistic;
  std::optional<std::size_t> any;
};

BestRows best_rows(const SweepResult& result, const SweepTargetResult& t, const SweepRequest& request) {
  BestRows best;
  for (std::size_t i = t.first_row; i < t.end_row; ++i) {
    const SweepRow& row = result.rows[i];
    if (!row.meets_slo || row.output_tok_s <= 0) continue;
    if (!best.any || better_for(request, row, result.rows[*best.any])) best.any = i;
    if (row.realistic && (!best.realistic || better_for(request, row, result.rows[*best.realistic]))) {
      best.realistic = i;
    }
  }
  return best;
}

void rank_target(SweepResult& result, SweepTargetResult& t, const SweepRequest& request) {
  t.frontier = t.running_frontier.indices();
  for (std::size_t i : t.frontier) result.rows[i].on_frontier = true;
  const BestRows best = best_rows(result, t, request);
  t.best = request.allow_unrealistic ? best.any : best.realistic;
  if (best.any != t.best) t.best_if_unrealistic = best.any;  // the best of a superset: unrealistic and better
  for (std::size_t i = t.first_row; i < t.end_row; ++i) {
    const SweepRow& row = result.rows[i];
    if (!t.fastest) {
      t.fastest = i;
      continue;
    }
    const SweepRow& fastest = result.rows[*t.fastest];
    // A realistic row beats any unrealistic one: the fallback is still something one would run.
    if (row.realistic != fastest.realistic ? row.realistic : row.tok_s_per_user > fastest.tok_s_per_user) t.fastest = i;
  }
  if (t.best && result.rows[*t.best].usd_per_mtok_output) result.rows[*t.best].cheapest = true;
}

}  // namespace

namespace {

/// At most the rows of the first pass (every layout x precision x KV x concurrency), with room for
/// the second: reserved once, the rows are never copied to a larger buffer, and the pages of the
/// buffers a doubling vector would leave behind are never touched (page faults were a fifth of an
/// all-GPU sweep's time; docs/performance.md). Pages reserved and not filled cost nothing.
std::size_t rows_bound(const PreparedModel& model, const std::vector<SweepTarget>& targets,
                       const std::vector<std::vector<int>>& counts, const SweepRequest& request) {
  std::size_t bound = 0;
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const SweepTarget& t = targets[ti];
    const std::size_t weights = t.weights.empty() ? default_weight_choices(*model.spec, *t.gpu).size() : t.weights.size();
    std::size_t layouts = 0;
    for (int gpus : counts[ti]) layouts += sweep_layouts(*model.spec, *t.gpu, gpus, request.only).size();
    bound += layouts * weights * sweep_kv_choices(*t.gpu, request).size() * request.concurrencies.size();
  }
  return bound + bound / 4;
}

}  // namespace

const SweepRow& add_sweep_row(SweepResult& result, SweepRow row) {
  const std::size_t index = result.rows.size();
  const SweepRow& added = result.rows.emplace_back(std::move(row));
  SweepTargetResult& t = result.targets.back();
  t.running_frontier.add({added.output_tok_s_per_gpu, added.tok_s_per_user}, index);
  if (added.meets_slo && added.realistic) {
    // After the rows with as much tok/s per GPU or more: std::upper_bound keeps earlier rows first.
    const auto at = std::upper_bound(t.top_rows.begin(), t.top_rows.end(), added.output_tok_s_per_gpu,
                                     [&](double x, std::size_t i) { return x > result.rows[i].output_tok_s_per_gpu; });
    if (at - t.top_rows.begin() < static_cast<std::ptrdiff_t>(refined_deployments)) {
      t.top_rows.insert(at, index);
      if (t.top_rows.size() > refined_deployments) t.top_rows.pop_back();
    }
  }
  return added;
}

SweepResult sweep(const PreparedModel& model, const std::vector<SweepTarget>& targets, const SweepRequest& request,
                  const SweepProgress& progress) {
  SweepResult result;
  std::vector<std::vector<int>> counts;
  std::size_t total = 0;
  for (const SweepTarget& t : targets) {
    counts.push_back(candidate_gpu_counts(*t.gpu, request.max_gpus));
    total += counts.back().size();
  }
  result.rows.reserve(rows_bound(model, targets, counts, request));
  std::size_t done = 0;
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const SweepTarget& t = targets[ti];
    SweepTargetResult& r = result.targets.emplace_back();
    r.first_row = result.rows.size();
    r.weights = t.weights.empty() ? default_weight_choices(*model.spec, *t.gpu) : t.weights;
    r.min_gpus.assign(r.weights.size(), std::nullopt);
    PoolCandidates pools;  // the pool sides of disaggregated deployments (request.disaggregated)
    for (int gpus : counts[ti]) {
      for (const Parallelism& layout : sweep_layouts(*model.spec, *t.gpu, gpus, request.only)) {
        for (std::size_t wi = 0; wi < r.weights.size(); ++wi) {
          Deployment d;
          d.parallel = layout;
          d.weights = r.weights[wi].weights;
          d.experts = r.weights[wi].experts;
          const bool fitted = sweep_search_axes(model, t, static_cast<int>(ti), d, request, result);
          if (fitted && !r.min_gpus[wi]) r.min_gpus[wi] = gpus;
          if (request.disaggregated) collect_pool_sides(model, t, d, request, pools);
        }
      }
      if (progress) progress(++done, total);
    }
    search_promising(model, t, static_cast<int>(ti), request, r.first_row, result);
    if (request.disaggregated) add_disaggregated_rows(model, t, static_cast<int>(ti), request, pools, result);
    r.end_row = result.rows.size();
  }
  for (SweepTargetResult& t : result.targets) rank_target(result, t, request);
  return result;
}

}  // namespace llmsizer
