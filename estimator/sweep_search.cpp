#include "estimator/sweep_search.hpp"

#include <algorithm>
#include <cassert>
#include <optional>

#include "estimator/pareto.hpp"
#include "estimator/realism.hpp"

namespace llmsizer {

std::vector<Precision> sweep_kv_choices(const GpuSpec& gpu, const SweepRequest& request) {
  if (request.search_kv && gpu.supports(ComputeType::fp8)) return {Precision::fp8};
  return {request.kv};
}

std::vector<int> sweep_mtp_depths(const ModelSpec& model, const SweepRequest& request) {
  if (request.mtp_tokens) return {*request.mtp_tokens};
  if (!request.search_mtp || model.mtp_layers == 0) return {0};
  std::vector<int> depths;
  for (int depth = 0; depth <= max_searched_mtp_tokens; ++depth) depths.push_back(depth);
  return depths;
}

namespace {

/// What one concurrency of a deployment gave: the figures an MTP depth is compared with.
struct Outcome {
  bool fitted = false;
  bool passed = false;  // fitted and meets the SLO
  double tok_s_per_gpu = 0;
  double tok_s_per_user = 0;
};

/// Evaluates one deployment at each concurrency asked for, after the memory check, which is
/// fit_memory's: the same placement, formula and usable capacity, so a configuration passes here
/// exactly when estimate() fits it. The deployment is prepared once (estimator/prepared_deployment.hpp)
/// and so is its prompt, the same at every concurrency: each level evaluates only what the number of
/// requests changes (the decode, mixed and burst iterations and the closed loop).
class DeploymentProbe {
 public:
  DeploymentProbe(const PreparedModel& m, const SweepTarget& t, int target, const Deployment& d,
                  const SweepRequest& request, SweepResult& out)
      : t_(t),
        target_(target),
        request_(request),
        out_(out),
        prepared_(prepare_deployment(m, *t.gpu, d, t.efficiency, t.usd_per_gpu_hour)) {}

  /// The most requests the deployment runs at once (engine_batch_room).
  [[nodiscard]] std::int64_t batch_room() const { return prepared_.batch_room; }

  [[nodiscard]] bool weights_fit() const {
    return prepared_.memory.placement.weights.total() <= prepared_.memory.usable_per_gpu;
  }

  /// Whether an estimate ran, and what it gave.
  std::pair<bool, Outcome> operator()(std::int64_t concurrency) {
    const DeploymentMemory& memory = prepared_.memory;
    const std::int64_t sequences = sequences_on_busiest_rank(prepared_.deployment, concurrency);
    const MemoryPerGpu need =
        memory_per_gpu(memory.placement, memory.activations, sequences, request_.isl + request_.osl);
    if ((memory.usable_per_gpu - need.total()).value < 0) return {false, {}};
    if (!prompt_) prompt_ = prepare_prompt(prepared_, request_.isl);
    const Workload workload{request_.isl, request_.osl, concurrency, Phase::mixed};
    const EstimateFigures e = evaluate(prepared_, *prompt_, workload);
    ++out_.configs_evaluated;
    if (!e.fits) return {true, {}};
    const SweepRow& row = add_sweep_row(out_, sweep_row(target_, *t_.gpu, prepared_.deployment, e, request_.slo));
    return {true, {true, row.meets_slo, row.output_tok_s_per_gpu, row.tok_s_per_user}};
  }

 private:
  const SweepTarget& t_;
  int target_;
  const SweepRequest& request_;
  SweepResult& out_;
  PreparedDeployment prepared_;
  std::optional<PreparedPrompt> prompt_;  // prepared at the first level that passes the memory check
};

/// The outcomes of one deployment by concurrency, ascending (a handful of levels: a sorted vector).
class Outcomes {
 public:
  using Entry = std::pair<std::int64_t, Outcome>;
  /// Sets the outcome at `concurrency`, replacing one already there.
  void set(std::int64_t concurrency, const Outcome& o) {
    const auto at = std::lower_bound(entries_.begin(), entries_.end(), concurrency,
                                     [](const Entry& e, std::int64_t c) { return e.first < c; });
    if (at != entries_.end() && at->first == concurrency) {
      at->second = o;
    } else {
      entries_.insert(at, {concurrency, o});
    }
  }
  [[nodiscard]] const Outcome* find(std::int64_t concurrency) const {
    const auto at = std::lower_bound(entries_.begin(), entries_.end(), concurrency,
                                     [](const Entry& e, std::int64_t c) { return e.first < c; });
    return at != entries_.end() && at->first == concurrency ? &at->second : nullptr;
  }
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] auto begin() const { return entries_.begin(); }
  [[nodiscard]] auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

/// Dominated by a row with one draft fewer (same deployment, any concurrency): no better in both
/// tok/s per GPU and per user.
bool no_gain(const Outcome& with, const Outcomes& fewer) {
  return std::any_of(fewer.begin(), fewer.end(), [&](const auto& f) {
    return with.tok_s_per_gpu <= f.second.tok_s_per_gpu && with.tok_s_per_user <= f.second.tok_s_per_user;
  });
}

/// Every concurrency level of one deployment until memory runs out; with `fewer` (the outcomes of
/// one draft fewer), only levels it reached, stopping after the first level dominated by one of
/// them. Returns the outcomes of the levels that fitted.
Outcomes sweep_deployment(const PreparedModel& m, const SweepTarget& t, int target, const Deployment& d,
                          const SweepRequest& request, const Outcomes* fewer, SweepResult& out) {
  const std::size_t n = request.concurrencies.size();
  DeploymentProbe probe(m, t, target, d, request, out);
  Outcomes outcomes;
  if (!probe.weights_fit()) {
    out.configs_pruned += static_cast<std::int64_t>(n);
    return outcomes;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (fewer && !fewer->find(request.concurrencies[i])) {  // one draft fewer stopped before this level
      out.configs_pruned += static_cast<std::int64_t>(n - i);
      break;
    }
    const auto [evaluated, o] = probe(request.concurrencies[i]);
    if (!o.fitted) {
      out.configs_pruned += static_cast<std::int64_t>(n - i - (evaluated ? 1 : 0));  // more requests only need more KV
      break;
    }
    outcomes.set(request.concurrencies[i], o);
    if (fewer && no_gain(o, *fewer)) {  // compute-bound from here: drafts cost more than they save
      out.configs_pruned += static_cast<std::int64_t>(n - i - 1);
      break;
    }
  }
  return outcomes;
}

bool same_deployment(const Deployment& a, const Deployment& b) {
  return a.parallel.tp == b.parallel.tp && a.parallel.pp == b.parallel.pp && a.parallel.dp == b.parallel.dp &&
         a.parallel.ep == b.parallel.ep && a.weights == b.weights && a.experts == b.experts && a.kv == b.kv &&
         a.speculative_tokens == b.speculative_tokens;
}

/// One row of each distinct deployment among the current target's rows: the deployments of its
/// best SLO-meeting rows by tok/s per GPU (SweepTargetResult::top_rows), and with `frontier` also
/// those on its Pareto frontier so far — both kept up to date as rows were added, so nothing is
/// sorted here.
std::vector<std::size_t> promising(const SweepResult& out, bool frontier) {
  const SweepTargetResult& t = out.targets.back();
  std::vector<std::size_t> rows = t.top_rows;
  if (frontier) rows.insert(rows.end(), t.running_frontier.indices().begin(), t.running_frontier.indices().end());
  std::vector<std::size_t> distinct;
  for (std::size_t i : rows) {
    const auto seen = [&](std::size_t j) { return same_deployment(out.rows[i].deployment, out.rows[j].deployment); };
    if (std::none_of(distinct.begin(), distinct.end(), seen)) distinct.push_back(i);
  }
  return distinct;
}

/// The outcomes of the deployment of row `row`, a row among [first, end). A deployment's rows are
/// contiguous until its concurrency is bisected: each (count, layout, precisions, MTP depth) is
/// swept once, all its levels in a row, and the bisection (which appends at the end) reads a
/// deployment's outcomes before it adds to them and bisects each deployment once. So the rows
/// next to `row` are all of them.
Outcomes outcomes_of(const SweepResult& out, std::size_t first, std::size_t end, std::size_t row) {
  const Deployment& d = out.rows[row].deployment;
  std::size_t from = row;
  while (from > first && same_deployment(out.rows[from - 1].deployment, d)) --from;
  Outcomes by_concurrency;
  std::size_t to = from;
  for (; to < end && same_deployment(out.rows[to].deployment, d); ++to) {
    const SweepRow& r = out.rows[to];
    by_concurrency.set(r.concurrency, {true, r.meets_slo, r.output_tok_s_per_gpu, r.tok_s_per_user});
  }
  // The contiguity above is what makes this read all of them (checked in the sanitizer build).
  assert(std::none_of(out.rows.begin() + static_cast<std::ptrdiff_t>(first),
                      out.rows.begin() + static_cast<std::ptrdiff_t>(end), [&](const SweepRow& other) {
                        const auto at = static_cast<std::size_t>(&other - out.rows.data());
                        return (at < from || at >= to) && same_deployment(other.deployment, d);
                      }));
  return by_concurrency;
}

/// MTP depths beyond the first pass's on the deployment of row `row` (depth 0), each against the one
/// before.
void deepen_mtp(const PreparedModel& m, const SweepTarget& t, int target, std::size_t row, const SweepRequest& request,
                std::size_t first, SweepResult& out) {
  Deployment d = out.rows[row].deployment;
  Outcomes fewer = outcomes_of(out, first, out.rows.size(), row);
  for (int depth : sweep_mtp_depths(*m.spec, request)) {
    if (depth == 0) continue;
    d.speculative_tokens = depth;
    d.speculative_acceptance = request.mtp_acceptance;
    d.speculative_acceptance_decay = request.mtp_acceptance_decay;
    fewer = sweep_deployment(m, t, target, d, request, &fewer, out);
    if (fewer.empty()) return;
  }
}

/// The levels beyond the searched ones on a deployment that met the SLO at the highest: doubling
/// from `low` (that level) while each meets it, up to the most requests the deployment runs at once
/// (its engine batch room; a level whose KV does not fit fails the probe's memory check): beyond
/// either, more requests only queue. Returns the first level that missed, or nullopt when the
/// deployment ran out of room still meeting the SLO; `low` becomes the last level that met it.
std::optional<std::int64_t> extend_concurrency(DeploymentProbe& probe, std::int64_t& low) {
  const std::int64_t room = probe.batch_room();
  while (low < room) {
    const std::int64_t next = std::min(2 * low, room);
    if (!probe(next).second.passed) return next;
    low = next;
  }
  return std::nullopt;
}

/// Bisects the concurrency of row `row`'s deployment between its last level that met the SLO and the
/// next level; when that was the highest searched level, between the last and first level of
/// extend_concurrency's doubling beyond it.
void refine_concurrency(const PreparedModel& m, const SweepTarget& t, int target, std::size_t row,
                        const SweepRequest& request, std::size_t first, SweepResult& out) {
  const Deployment d = out.rows[row].deployment;
  const Outcomes seen = outcomes_of(out, first, out.rows.size(), row);
  const std::vector<std::int64_t>& levels = request.concurrencies;
  std::size_t last_pass = levels.size();
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const Outcome* o = seen.find(levels[i]);
    if (o && o->passed) last_pass = i;
  }
  if (last_pass == levels.size()) return;  // nothing passed
  DeploymentProbe probe(m, t, target, d, request, out);
  std::int64_t low = levels[last_pass];
  std::optional<std::int64_t> high;
  if (last_pass + 1 < levels.size()) {
    high = levels[last_pass + 1];
  } else {
    high = extend_concurrency(probe, low);
  }
  if (!high) return;
  for (int step = 0; step < concurrency_refinement_steps; ++step) {
    const std::int64_t mid = low + (*high - low) / 2;
    if (mid == low) return;
    (probe(mid).second.passed ? low : *high) = mid;
  }
}

}  // namespace

bool sweep_search_axes(const PreparedModel& m, const SweepTarget& t, int target, Deployment d,
                       const SweepRequest& request, SweepResult& out) {
  bool fitted = false;
  const std::vector<int> depths = sweep_mtp_depths(*m.spec, request);
  d.speculative_tokens = request.mtp_tokens ? depths.front() : 0;  // searched depths come in the second pass
  d.speculative_acceptance = d.speculative_tokens > 0 ? request.mtp_acceptance : 0.0;
  d.speculative_acceptance_decay = d.speculative_tokens > 0 ? request.mtp_acceptance_decay : 1.0;
  for (Precision kv : sweep_kv_choices(*t.gpu, request)) {
    d.kv = kv;
    fitted = !sweep_deployment(m, t, target, d, request, nullptr, out).empty() || fitted;
  }
  return fitted;
}

void search_promising(const PreparedModel& m, const SweepTarget& t, int target, const SweepRequest& request,
                      std::size_t first, SweepResult& out) {
  if (!request.mtp_tokens && sweep_mtp_depths(*m.spec, request).size() > 1) {
    for (std::size_t row : promising(out, true)) deepen_mtp(m, t, target, row, request, first, out);
  }
  if (!request.refine_concurrency) return;
  for (std::size_t row : promising(out, false)) refine_concurrency(m, t, target, row, request, first, out);
}

}  // namespace llmsizer
