#include "estimator/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

#include "estimator/admission.hpp"

namespace llmsizer {

std::int64_t replicas_for_peak(double peak_tok_s, double replica_tok_s) {
  assert(replica_tok_s > 0);
  // A demand that needs a fraction of one replica still needs that replica: the fleet is never
  // empty, so its capacity, utilization and power are defined (docs/methodology.md#plan).
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(peak_tok_s / replica_tok_s)));
}

Fleet size_fleet(const Demand& demand, const ReplicaUnit& unit) {
  assert(unit.output_tok_s > 0 && unit.gpus > 0 && unit.gpus_per_node > 0);
  Fleet f;
  const double average = demand.average_output_tok_s();
  f.replicas = replicas_for_peak(demand.peak_output_tok_s(), unit.output_tok_s);
  f.gpus = f.replicas * unit.gpus;
  f.nodes = (f.gpus + unit.gpus_per_node - 1) / unit.gpus_per_node;
  f.capacity_output_tok_s = static_cast<double>(f.replicas) * unit.output_tok_s;
  f.utilization = f.capacity_output_tok_s > 0 ? average / f.capacity_output_tok_s : 0.0;
  const double gpus = static_cast<double>(f.gpus);
  if (unit.usd_per_gpu_hour) {
    f.usd_per_month = gpus * *unit.usd_per_gpu_hour * hours_per_month;
    // Per token served: a demand of no tokens has no cost per token (not inf, not 0/0).
    const double mtok_per_month = demand.output_tokens_per_month() / 1e6;
    if (mtok_per_month > 0) f.usd_per_mtok_served = *f.usd_per_month / mtok_per_month;
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
  const std::int64_t most = std::min(fit, engine_batch_room(d, e));
  std::vector<std::int64_t> ladder;
  for (std::int64_t c = 1; c < most; c *= 2) ladder.push_back(c);
  if (most >= 1) ladder.push_back(most);
  return ladder;
}

namespace {

/// How far a row is from the SLOs: the larger ratio of measured to target (<= 1 meets them).
double slo_excess(const SweepRow& row, const ServiceLevel& slo) {
  double worst = 0;
  if (slo.ttft) worst = std::max(worst, row.ttft / *slo.ttft);
  if (slo.tpot) worst = std::max(worst, row.tpot / *slo.tpot);
  return worst;
}

std::string describe_row(const SweepRow& row) {
  const Deployment& d = row.deployment;
  const Parallelism& p = d.parallel;
  const std::string layout =
      row.pools ? pools_label(*row.pools) : fmt::format("tp{} pp{} dp{} ep{}", p.tp, p.pp, p.dp, p.ep);
  return fmt::format("{} GPUs ({}, {} weights, KV {}{}) with {} request{} in flight", row.total_gpus(), layout,
                     name(d.experts), name(d.kv),
                     d.speculative_tokens > 0 ? fmt::format(", MTP {}", d.speculative_tokens) : "", row.concurrency,
                     row.concurrency == 1 ? "" : "s");
}

std::string why_none(const SweepResult& result, const SweepTargetResult& t, const SweepTarget& target,
                     const SweepRequest& request) {
  if (t.nothing_fits()) return fmt::format("does not fit in up to {} GPUs per replica", request.max_gpus);
  if (t.best_if_unrealistic) {
    const SweepRow& row = result.rows[*t.best_if_unrealistic];
    const bool slo = request.slo.ttft || request.slo.tpot;
    return fmt::format(
        "only unrealistic configurations {}: the best, {}, is flagged: {}; pass --allow-unrealistic "
        "to use it",
        slo ? "meet " + describe_slo(request.slo) : std::string("fit"), describe_row(row),
        unrealistic_reason(*target.gpu, row));
  }
  std::size_t closest = t.first_row;
  for (std::size_t i = t.first_row; i < t.end_row; ++i) {
    if (slo_excess(result.rows[i], request.slo) < slo_excess(result.rows[closest], request.slo)) closest = i;
  }
  const SweepRow& row = result.rows[closest];
  return fmt::format(
      "no configuration up to {} GPUs per replica meets {}; closest: TTFT {:.0f} ms, TPOT {:.1f} ms on {}",
      request.max_gpus, describe_slo(request.slo), in_milliseconds(row.ttft), in_milliseconds(row.tpot),
      describe_row(row));
}

}  // namespace

ReplicaChoice plan_replica(const SweepResult& result, std::size_t target, const SweepTarget& t,
                           const SweepRequest& request, const Demand& demand) {
  const SweepTargetResult& r = result.targets[target];
  ReplicaChoice choice;
  choice.configs_evaluated = static_cast<std::int64_t>(r.fitted);
  if (!r.best) {
    choice.why_none = why_none(result, r, t, request);
    return choice;
  }
  choice.row = result.rows[*r.best];
  choice.deployment = choice.row.deployment;
  const GpuSpec& gpu = *t.gpu;
  const ReplicaUnit unit{choice.row.output_tok_s, choice.row.total_gpus(), std::max(1, gpu.gpus_per_node),
                         t.usd_per_gpu_hour,      gpu.tdp.value,           t.efficiency.power_utilization};
  choice.fleet = size_fleet(demand, unit);
  choice.unit = unit;
  if (r.best_if_unrealistic) {
    const SweepRow& row = result.rows[*r.best_if_unrealistic];
    const ReplicaUnit flagged{row.output_tok_s,      row.total_gpus(), unit.gpus_per_node,
                              unit.usd_per_gpu_hour, unit.tdp_w,       unit.power_utilization};
    choice.unrealistic_note = fmt::format(
        "{} GPUs in replicas of {} would do, but it is not realistic: {}; pass --allow-unrealistic to use it",
        size_fleet(demand, flagged).gpus, describe_row(row), unrealistic_reason(gpu, row));
  }
  return choice;
}

RowRange row_range(const ErrorBands* bands, bool moe, const std::string& generation, const std::string& engine,
                   const SweepRow& row, const ServiceLevel& slo) {
  RowRange range;
  if (bands == nullptr || row.pools) return range;
  const Regime regime = regime_of(moe, generation, engine, row.concurrency);
  const auto of = [&](BandMetric metric, double value) -> std::optional<PercentileRange> {
    const std::optional<Band> band = find_band(*bands, metric, regime);
    if (!band) return std::nullopt;
    range.wide = range.wide || band->wide;
    return PercentileRange{value * band->low_factor(), value * band->high_factor()};
  };
  range.ttft_s = of(BandMetric::ttft, row.ttft.value);
  range.tpot_s = of(BandMetric::tpot, row.tpot.value);
  range.output_tok_s = of(BandMetric::output_tok_s, row.output_tok_s);
  const bool needs_ttft = slo.ttft.has_value(), needs_tpot = slo.tpot.has_value();
  if ((needs_ttft || needs_tpot) && (!needs_ttft || range.ttft_s) && (!needs_tpot || range.tpot_s)) {
    range.meets_slo_at_p90 =
        slo.met_by(Seconds{range.ttft_s ? range.ttft_s->p90 : 0.0}, Seconds{range.tpot_s ? range.tpot_s->p90 : 0.0});
  }
  return range;
}

std::optional<FleetRange> fleet_range(const Demand& demand, const ReplicaUnit& unit, const RowRange& range) {
  if (!range.output_tok_s || !(range.output_tok_s->p10 > 0)) return std::nullopt;
  // Throughput at its band's ends, the replica's other figures unchanged (the same size_fleet).
  ReplicaUnit at = unit;
  at.output_tok_s = range.output_tok_s->p90;
  const Fleet optimistic = size_fleet(demand, at);
  at.output_tok_s = range.output_tok_s->p10;
  return FleetRange{optimistic, size_fleet(demand, at)};
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
