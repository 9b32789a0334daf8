#include "estimator/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "estimator/pareto.hpp"
#include "estimator/plan.hpp"
#include "estimator/realism.hpp"
#include "estimator/sweep_disaggregated.hpp"
#include "estimator/sweep_search.hpp"

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

/// At most the rows of one GPU type's first pass (every layout x precision x KV x concurrency), with
/// room for the second: reserved once, the rows are never copied to a larger buffer, and the pages of
/// the buffers a doubling vector would leave behind are never touched (page faults were a fifth of an
/// all-GPU sweep's time; docs/performance.md). Pages reserved and not filled cost nothing.
std::size_t rows_bound(const PreparedModel& model, const SweepTarget& t, const std::vector<int>& counts,
                       const SweepRequest& request) {
  const std::size_t weights = t.weights.empty() ? default_weight_choices(*model.spec, *t.gpu).size() : t.weights.size();
  std::size_t layouts = 0;
  for (int gpus : counts) layouts += sweep_layouts(*model.spec, *t.gpu, gpus, request.only).size();
  const std::size_t bound = layouts * weights * sweep_kv_choices(*t.gpu, request).size() * request.concurrencies.size();
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

namespace {

/// Called by the workers of one sweep: counts the (GPU type, count) pairs done and reports each to
/// the caller's callback, one call at a time.
class SharedProgress {
 public:
  SharedProgress(const SweepProgress& progress, std::size_t total) : progress_(progress), total_(total) {}
  void step() {
    if (!progress_) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    progress_(++done_, total_);
  }

 private:
  const SweepProgress& progress_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::mutex mutex_;
};

/// One GPU type swept alone: `part` gets its rows (from index 0, into the buffer `part.rows` already
/// has) and its target result, ranked.
void sweep_target(const PreparedModel& model, const SweepTarget& t, int ti, const std::vector<int>& counts,
                  std::size_t bound, const SweepRequest& request, SharedProgress& progress, SweepResult& part) {
  part.rows.clear();
  part.rows.reserve(bound);
  SweepTargetResult& r = part.targets.emplace_back();
  r.weights = t.weights.empty() ? default_weight_choices(*model.spec, *t.gpu) : t.weights;
  r.min_gpus.assign(r.weights.size(), std::nullopt);
  PoolCandidates pools;  // the pool sides of disaggregated deployments (request.disaggregated)
  for (int gpus : counts) {
    for (const Parallelism& layout : sweep_layouts(*model.spec, *t.gpu, gpus, request.only)) {
      for (std::size_t wi = 0; wi < r.weights.size(); ++wi) {
        Deployment d;
        d.parallel = layout;
        d.overlap = request.overlap;
        d.weights = r.weights[wi].weights;
        d.experts = r.weights[wi].experts;
        const bool fitted = sweep_search_axes(model, t, ti, d, request, part);
        if (fitted && !r.min_gpus[wi]) r.min_gpus[wi] = gpus;
        if (request.disaggregated) collect_pool_sides(model, t, d, request, pools);
      }
    }
    progress.step();
  }
  search_promising(model, t, ti, request, 0, part);
  if (request.disaggregated) add_disaggregated_rows(model, t, ti, request, pools, part);
  r.end_row = r.fitted = part.rows.size();
  rank_target(part, r, request);
  r.running_frontier = {};
  r.top_rows.clear();
}

/// The rows of one GPU type's rows[0, t.end_row) that `keep` keeps, ascending.
std::vector<std::size_t> kept_rows(const SweepTargetResult& t, SweepRows keep) {
  std::vector<std::size_t> kept;
  if (keep == SweepRows::all) {
    kept.resize(t.end_row);
    std::iota(kept.begin(), kept.end(), std::size_t{0});
    return kept;
  }
  kept = t.frontier;
  for (const std::optional<std::size_t>& i : {t.best, t.best_if_unrealistic, t.fastest}) {
    if (i) kept.push_back(*i);
  }
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  return kept;
}

/// Appends the kept rows of `part` (one ranked GPU type, its rows from index 0) to `result`, and its
/// target result with row indices into `result`.
void join_target(SweepResult& result, const SweepResult& part, SweepRows keep) {
  SweepTargetResult t = part.targets.front();
  const std::vector<std::size_t> kept = kept_rows(t, keep);
  const std::size_t offset = result.rows.size();
  const auto at = [&](std::size_t i) {
    return offset + static_cast<std::size_t>(std::lower_bound(kept.begin(), kept.end(), i) - kept.begin());
  };
  for (std::size_t i : kept) result.rows.push_back(part.rows[i]);
  for (std::size_t& i : t.frontier) i = at(i);
  for (std::optional<std::size_t>* i : {&t.best, &t.best_if_unrealistic, &t.fastest}) {
    if (*i) *i = at(**i);
  }
  t.first_row = offset;
  t.end_row = result.rows.size();
  result.targets.push_back(std::move(t));
  result.configs_evaluated += part.configs_evaluated;
  result.configs_pruned += part.configs_pruned;
}

/// The GPU types of one sweep as the workers take them: each one's GPU counts and a bound on its rows
/// (rows_bound), handed out largest bound first, so that the last GPU type a worker takes is a small
/// one and the workers finish close together. The result does not depend on the order: each GPU type
/// is swept alone, into its own part.
class TargetQueue {
 public:
  TargetQueue(const PreparedModel& model, const std::vector<SweepTarget>& targets, const SweepRequest& request) {
    for (const SweepTarget& t : targets) {
      counts_.push_back(candidate_gpu_counts(*t.gpu, request.max_gpus));
      bounds_.push_back(rows_bound(model, t, counts_.back(), request));
      steps_ += counts_.back().size();
    }
    order_.resize(targets.size());
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return bounds_[a] > bounds_[b]; });
  }
  /// The next target to sweep, or nullopt when every one is taken.
  [[nodiscard]] std::optional<std::size_t> take() {
    const std::size_t i = next_++;
    return i < order_.size() ? std::optional(order_[i]) : std::nullopt;
  }
  [[nodiscard]] const std::vector<int>& counts(std::size_t ti) const { return counts_[ti]; }
  [[nodiscard]] std::size_t bound(std::size_t ti) const { return bounds_[ti]; }
  [[nodiscard]] std::size_t steps() const { return steps_; }  // (GPU type, count) pairs

 private:
  std::vector<std::vector<int>> counts_;
  std::vector<std::size_t> bounds_;
  std::vector<std::size_t> order_;
  std::size_t steps_ = 0;
  std::atomic<std::size_t> next_{0};
};

/// Sweeps the targets `queue` hands out into `parts`, reusing one row buffer when only the shown rows
/// are kept. A target that throws leaves its exception in `failures[target]` and the worker goes on,
/// so which error sweep() reports (the first target's in target order) does not depend on the threads.
void sweep_targets(const PreparedModel& model, const std::vector<SweepTarget>& targets, const SweepRequest& request,
                   TargetQueue& queue, SharedProgress& progress, std::vector<SweepResult>& parts,
                   std::vector<std::exception_ptr>& failures) {
  std::vector<SweepRow> buffer;
  for (std::optional<std::size_t> ti = queue.take(); ti; ti = queue.take()) {
    try {
      SweepResult& part = parts[*ti];
      part.rows = std::move(buffer);
      sweep_target(model, targets[*ti], static_cast<int>(*ti), queue.counts(*ti), queue.bound(*ti), request, progress,
                   part);
      if (request.keep == SweepRows::shown) {
        SweepResult shown;
        join_target(shown, part, SweepRows::shown);
        buffer = std::move(part.rows);
        part = std::move(shown);
      }
    } catch (...) {
      failures[*ti] = std::current_exception();
    }
  }
}

}  // namespace

SweepResult sweep(const PreparedModel& model, const std::vector<SweepTarget>& targets, const SweepRequest& request,
                  const SweepProgress& progress) {
  TargetQueue queue(model, targets, request);
  SharedProgress shared(progress, queue.steps());
  std::vector<SweepResult> parts(targets.size());
  const std::size_t threads = std::clamp<std::size_t>(request.threads, 1, std::max<std::size_t>(1, targets.size()));
  std::vector<std::exception_ptr> failures(targets.size());  // per target, written by its worker only
  {
    std::vector<std::jthread> workers;
    for (std::size_t w = 1; w < threads; ++w) {
      workers.emplace_back([&] { sweep_targets(model, targets, request, queue, shared, parts, failures); });
    }
    sweep_targets(model, targets, request, queue, shared, parts, failures);
  }  // joins the workers
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  SweepResult result;
  std::size_t rows = 0;
  for (const SweepResult& part : parts) rows += part.rows.size();
  result.rows.reserve(rows);
  for (SweepResult& part : parts) {
    join_target(result, part, SweepRows::all);  // a shown part holds only its kept rows already
    part = {};
  }
  return result;
}

std::string unrealistic_reason(const GpuSpec& gpu, const SweepRow& r) {
  return unrealistic_reason(gpu, r.deployment.parallel, r.pools ? &r.pools->prefill.parallel : nullptr,
                            r.tok_s_per_user);
}

}  // namespace llmsizer
