#include "estimator/plan.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "estimator/layout.hpp"

namespace llmsizer {

Fleet size_fleet(const Demand& demand, const ReplicaUnit& unit) {
  assert(unit.output_tok_s > 0 && unit.gpus > 0 && unit.gpus_per_node > 0);
  Fleet f;
  const double average = demand.average_output_tok_s();
  // A demand that needs a fraction of one replica still needs that replica: the fleet is never
  // empty, so its capacity, utilization and power are defined (docs/methodology.md#plan).
  f.replicas = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(demand.peak_output_tok_s() / unit.output_tok_s)));
  f.gpus = f.replicas * unit.gpus;
  f.nodes = (f.gpus + unit.gpus_per_node - 1) / unit.gpus_per_node;
  f.capacity_output_tok_s = static_cast<double>(f.replicas) * unit.output_tok_s;
  f.utilization = f.capacity_output_tok_s > 0 ? average / f.capacity_output_tok_s : 0.0;
  const double gpus = static_cast<double>(f.gpus);
  if (unit.usd_per_gpu_hour) {
    f.usd_per_month = gpus * *unit.usd_per_gpu_hour * hours_per_month;
    // Per token served: a demand of no tokens has no cost per token (not inf, not 0/0).
    const double mtok_per_month = demand.output_tokens_per_month() / 1e6;
    if (mtok_per_month > 0) f.usd_per_mtok_output = *f.usd_per_month / mtok_per_month;
  }
  f.power_kw = gpus * unit.tdp_w * unit.power_utilization / 1000.0;
  f.energy_mwh_per_month = f.power_kw * hours_per_month / 1000.0;
  return f;
}

bool meets_slo(const Estimate& e, const ServiceLevel& slo) {
  return e.fits && slo.met_by(e.ttft, e.tpot);
}

std::string describe_slo(const ServiceLevel& slo) {
  std::string text;
  if (slo.ttft) text += fmt::format("TTFT <= {:g} ms", in_milliseconds(*slo.ttft));
  if (slo.tpot) text += fmt::format("{}TPOT <= {:g} ms", text.empty() ? "" : ", ", in_milliseconds(*slo.tpot));
  return text.empty() ? "none" : text;
}

std::vector<std::int64_t> concurrency_ladder(const PreparedModel& model, const GpuSpec& gpu, const Deployment& d,
                                             const Workload& w, const EfficiencyParams& e) {
  const std::int64_t fit = max_resident_sequences(model, gpu, d, w.isl + w.osl, e);
  const std::int64_t cap = e.engine.max_batch * d.parallel.dp * d.replicas;
  const std::int64_t most = std::min(fit, cap);
  std::vector<std::int64_t> ladder;
  for (std::int64_t c = 1; c < most; c *= 2) ladder.push_back(c);
  if (most >= 1) ladder.push_back(most);
  return ladder;
}

namespace {

/// How far an estimate is from the SLOs: the larger ratio of measured to target (<= 1 meets them).
double slo_excess(const Estimate& e, const ServiceLevel& slo) {
  double worst = 0;
  if (slo.ttft) worst = std::max(worst, e.ttft / *slo.ttft);
  if (slo.tpot) worst = std::max(worst, e.tpot / *slo.tpot);
  return worst;
}

bool better(const Fleet& f, const Estimate& e, const Deployment& d, const ReplicaChoice& best) {
  if (!best.deployment) return true;
  if (f.gpus != best.fleet.gpus) return f.gpus < best.fleet.gpus;
  if (e.output_tok_s_per_gpu != best.estimate.output_tok_s_per_gpu) {
    return e.output_tok_s_per_gpu > best.estimate.output_tok_s_per_gpu;
  }
  return d.total_gpus() < best.deployment->total_gpus();
}

struct Closest {
  double excess = std::numeric_limits<double>::infinity();
  Estimate estimate;
  Deployment deployment;
};

std::string why_none(bool any_fit, const Closest& closest, const ReplicaSearch& search) {
  if (!any_fit) return fmt::format("does not fit in up to {} GPUs per replica", search.max_gpus_per_replica);
  const Parallelism& p = closest.deployment.parallel;
  return fmt::format("no configuration up to {} GPUs per replica meets {}; closest: TTFT {:.0f} ms, TPOT {:.1f} ms "
                     "on {} GPUs (tp{} pp{}) with {} request{} in flight",
                     search.max_gpus_per_replica, describe_slo(search.slo), in_milliseconds(closest.estimate.ttft),
                     in_milliseconds(closest.estimate.tpot), p.gpus(), p.tp, p.pp, closest.estimate.concurrency,
                     closest.estimate.concurrency == 1 ? "" : "s");
}

}  // namespace

ReplicaChoice choose_replica(const PreparedModel& model, const GpuSpec& gpu, const Deployment& precisions,
                             const Workload& workload, const EfficiencyParams& efficiency,
                             std::optional<double> usd_per_gpu_hour, const Demand& demand, const ReplicaSearch& search) {
  ReplicaChoice best;
  Closest closest;
  bool any_fit = false;
  for (int count : candidate_gpu_counts(gpu, search.max_gpus_per_replica)) {
    const std::optional<Deployment> d = layout_for(*model.spec, gpu, count, LayoutHints{}, precisions, nullptr);
    if (!d || d->replicas != 1) continue;
    Workload w = workload;
    for (std::int64_t concurrency : concurrency_ladder(model, gpu, *d, w, efficiency)) {
      w.concurrency = concurrency;
      const Estimate e = estimate(model, gpu, *d, w, efficiency, usd_per_gpu_hour);
      ++best.configs_evaluated;
      if (!e.fits || e.output_tok_s <= 0) continue;
      any_fit = true;
      if (!meets_slo(e, search.slo)) {
        const double excess = slo_excess(e, search.slo);
        if (excess < closest.excess) closest = {excess, e, *d};
        continue;
      }
      const ReplicaUnit unit{e.output_tok_s, d->total_gpus(), std::max(1, gpu.gpus_per_node), usd_per_gpu_hour,
                             gpu.tdp.value, efficiency.power_utilization};
      const Fleet fleet = size_fleet(demand, unit);
      if (better(fleet, e, *d, best)) {
        best.deployment = *d;
        best.estimate = e;
        best.fleet = fleet;
      }
    }
  }
  if (!best.deployment) best.why_none = why_none(any_fit, closest, search);
  return best;
}

std::vector<size_t> rank_options(const std::vector<RankKey>& keys) {
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto tier = [&](size_t i) { return !keys[i].feasible ? 2 : keys[i].usd_per_month ? 0 : 1; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tier(a) != tier(b)) return tier(a) < tier(b);
    if (tier(a) == 0 && *keys[a].usd_per_month != *keys[b].usd_per_month) {
      return *keys[a].usd_per_month < *keys[b].usd_per_month;
    }
    return tier(a) < 2 && keys[a].gpus < keys[b].gpus;
  });
  return order;
}

}  // namespace llmsizer
