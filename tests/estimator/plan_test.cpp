// Fleet arithmetic (estimator/plan.hpp) by hand, the plan search over the sweep, its targets, ranking, and the per-operator
// roofline breakdown (estimator/roofline.hpp) against stage_step_time's totals.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "estimator/layout.hpp"
#include "estimator/plan.hpp"
#include "estimator/realism.hpp"
#include "estimator/sweep.hpp"
#include "estimator/roofline.hpp"
#include "estimator/step_time.hpp"
#include "io/calibration_loader.hpp"
#include "request/scenario_fields.hpp"
#include "tests/test_support.hpp"
#include "tests/estimator/loaded_model.hpp"

namespace llmsizer {
namespace {

using test::Loaded;
using test::load;

Deployment native(const ModelSpec& model) {
  Deployment d;
  d.weights = model.weights_precision;
  d.experts = model.experts_precision;
  return d;
}

}  // namespace

TEST_SUITE("decisions") {

TEST_CASE("fleet arithmetic by hand: 2e9 output tokens/day at peak 2 on 1,000 tok/s replicas of 8 GPUs") {
  const Demand demand{2e9, 2e9, 2.0};
  // Average 2e9 / 86,400 = 23,148.15 tok/s; peak x2 = 46,296.30 tok/s.
  CHECK(demand.average_output_tok_s() == doctest::Approx(23'148.148148));
  CHECK(demand.peak_output_tok_s() == doctest::Approx(46'296.296296));
  const ReplicaUnit unit{1000.0, 8, 8, 2.0, 700.0, 0.7};
  const Fleet f = size_fleet(demand, unit);
  CHECK(f.replicas == 47);     // ceil(46,296.3 / 1,000)
  CHECK(f.gpus == 376);        // 47 x 8
  CHECK(f.nodes == 47);        // 376 / 8
  CHECK(f.capacity_output_tok_s == doctest::Approx(47'000.0));
  CHECK(f.utilization == doctest::Approx(23'148.148148 / 47'000.0));  // 49.3%
  REQUIRE(f.usd_per_month);
  CHECK(*f.usd_per_month == doctest::Approx(548'960.0));  // 376 GPUs x $2 x 730 h
  // 2e9 x 730 / 24 = 60,833,333,333 tokens/month; $548,960 / 60,833.33 Mtok = $9.024/Mtok.
  REQUIRE(f.usd_per_mtok_served);
  CHECK(*f.usd_per_mtok_served == doctest::Approx(9.024));
  CHECK(f.power_kw == doctest::Approx(184.24));               // 376 x 700 W x 0.7 / 1000
  CHECK(f.energy_mwh_per_month == doctest::Approx(134.4952));  // 184.24 kW x 730 h / 1000
}

TEST_CASE("fleet arithmetic: partial nodes round up, exact fits do not, no price gives no cost") {
  const Demand demand{2e9, 2e9, 2.0};
  // 12-GPU replicas: 47 x 12 = 564 GPUs = 70.5 nodes -> 71.
  const Fleet partial = size_fleet(demand, ReplicaUnit{1000.0, 12, 8, std::nullopt, 400.0, 0.7});
  CHECK(partial.gpus == 564);
  CHECK(partial.nodes == 71);
  CHECK_FALSE(partial.usd_per_month);
  CHECK_FALSE(partial.usd_per_mtok_served);
  CHECK(partial.power_kw == doctest::Approx(157.92));  // 564 x 400 x 0.7 / 1000
  // A replica of exactly the peak demand: one replica, utilisation 1 / peak-to-average = 50%.
  const Fleet exact = size_fleet(demand, ReplicaUnit{demand.peak_output_tok_s(), 8, 8, 1.0, 700.0, 0.7});
  CHECK(exact.replicas == 1);
  CHECK(exact.utilization == doctest::Approx(0.5));
}

TEST_CASE("ranking: priced by $/month, then unpriced by GPUs, then options with no configuration") {
  const std::vector<RankKey> keys = {
      {true, std::nullopt, 40}, {true, 9000.0, 64}, {false, std::nullopt, 0}, {true, 5000.0, 96}, {true, std::nullopt, 16}};
  const std::vector<size_t> order = rank_options(keys);
  CHECK(order == std::vector<size_t>{3, 1, 4, 0, 2});
}

TEST_CASE("SLOs: an estimate meets them when it fits and both times are within their targets") {
  Estimate e;
  e.fits = true;
  e.ttft = milliseconds(800);
  e.tpot = milliseconds(40);
  CHECK(meets_slo(e, ServiceLevel{}));
  CHECK(meets_slo(e, ServiceLevel{milliseconds(800), milliseconds(40)}));  // equal is within
  CHECK_FALSE(meets_slo(e, ServiceLevel{milliseconds(799), std::nullopt}));
  CHECK_FALSE(meets_slo(e, ServiceLevel{std::nullopt, milliseconds(39)}));
  e.fits = false;
  CHECK_FALSE(meets_slo(e, ServiceLevel{}));
}

TEST_CASE("concurrency ladder: powers of two up to the most sequences that fit, then that maximum") {
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  std::string problem;
  const auto d = layout_for(*l.model, l.gpu, 4, LayoutHints{}, native(*l.model), &problem);
  REQUIRE(d);
  const Workload w{1000, 1000, 1, Phase::mixed};
  const auto ladder = concurrency_ladder(l.prepared, l.gpu, *d, w, l.efficiency);
  const std::int64_t most = std::min(max_resident_sequences(l.prepared, l.gpu, *d, 2000, l.efficiency),
                                     l.efficiency.engine.max_batch);
  REQUIRE(ladder.size() >= 2);
  CHECK(ladder.front() == 1);
  CHECK(ladder.back() == most);
  for (size_t i = 1; i + 1 < ladder.size(); ++i) CHECK(ladder[i] == 2 * ladder[i - 1]);
  CHECK(ladder[ladder.size() - 2] < most);
  // A layout that cannot hold the weights has nothing to try: 70B in BF16 (141 GB) on one H100.
  const auto one = layout_for(*l.model, l.gpu, 1, LayoutHints{}, native(*l.model), &problem);
  REQUIRE(one);
  CHECK(concurrency_ladder(l.prepared, l.gpu, *one, w, l.efficiency).empty());
}

/// The plan search for one model on one GPU: the sweep ranked for `demand`, then plan_replica.
struct PlanRun {
  SweepTarget target;
  SweepRequest request;
  SweepResult result;
  ReplicaChoice choice;
};

PlanRun plan_run(const Loaded& l, const Demand& demand, const ServiceLevel& slo, int max_gpus, bool allow_unrealistic = false,
                 std::vector<WeightChoice> weights = {}) {
  PlanRun run;
  run.target = SweepTarget{&l.gpu, l.efficiency, 2.0, std::move(weights), "user"};
  run.request.isl = 1000;
  run.request.osl = 1000;
  run.request.max_gpus = max_gpus;
  run.request.slo = slo;
  for (std::int64_t c = 1; c <= 1024; c *= 2) run.request.concurrencies.push_back(c);
  run.request.peak_output_tok_s = demand.peak_output_tok_s();
  run.request.allow_unrealistic = allow_unrealistic;
  // plan's search axes (cli/sweep_common.cpp sized_request): FP8 KV, MTP depths, concurrency bisection.
  run.request.search_kv = true;
  run.request.search_mtp = true;
  run.request.mtp_acceptance = default_mtp_acceptance;
  run.request.mtp_acceptance_decay = default_mtp_acceptance_decay;
  run.request.refine_concurrency = true;
  run.result = sweep(l.prepared, {run.target}, run.request);
  run.choice = plan_replica(run.result, 0, run.target, run.request, demand);
  return run;
}

TEST_CASE("plan search: the sweep's SLO-meeting row with the fewest fleet GPUs, sized into whole replicas") {
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  const Demand demand{2e9, 2e9, 2.0};
  const ServiceLevel slo{std::nullopt, milliseconds(50)};
  const PlanRun run = plan_run(l, demand, slo, 16);
  const ReplicaChoice& c = run.choice;
  REQUIRE(c.deployment);
  CHECK(c.configs_evaluated > 10);
  CHECK(c.row.meets_slo);
  CHECK(c.row.realistic);
  CHECK(c.row.tpot <= milliseconds(50));
  const Fleet expected = size_fleet(demand, ReplicaUnit{c.row.output_tok_s, c.deployment->total_gpus(), 8, 2.0,
                                                        l.gpu.tdp.value, l.efficiency.power_utilization});
  CHECK(c.fleet.gpus == expected.gpus);
  CHECK(c.fleet.replicas * c.deployment->total_gpus() == c.fleet.gpus);
  // No other SLO-meeting realistic row of the sweep needs fewer fleet GPUs.
  for (const SweepRow& row : run.result.rows) {
    if (!row.meets_slo || !row.realistic) continue;
    CHECK(replicas_for_peak(demand.peak_output_tok_s(), row.output_tok_s) * row.deployment.total_gpus() >= c.fleet.gpus);
  }
  // The search covers the precisions: the chosen FP8 replica beats every BF16 one for this demand.
  CHECK(c.deployment->weights == Precision::fp8);
}

TEST_CASE("plan search: why there is no replica — the closest row to the SLOs, or nothing fits") {
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  const Demand demand{2e9, 2e9, 2.0};
  const PlanRun impossible = plan_run(l, demand, ServiceLevel{std::nullopt, milliseconds(1)}, 16);
  CHECK_FALSE(impossible.choice.deployment);
  CHECK(impossible.choice.why_none.rfind("no configuration up to 16 GPUs per replica meets TPOT <= 1 ms; closest: ", 0) == 0);
  const Loaded big = load("llama-3.1-405b", "h100-sxm");
  const PlanRun too_small = plan_run(big, demand, ServiceLevel{std::nullopt, milliseconds(50)}, 1);
  CHECK_FALSE(too_small.choice.deployment);
  CHECK(too_small.choice.why_none == "does not fit in up to 1 GPUs per replica");
}

TEST_CASE("plan search: unrealistic layouts are kept out unless allowed, and the plan says what they would save") {
  // Llama-3.1-405B at BF16 (810 GB) on 24 GB RTX 4090s over PCIe needs ~40 GPUs: tp8 and 5+ stages.
  const Loaded l = load("llama-3.1-405b", "rtx-4090");
  const Demand demand{1e8, 1e8, 2.0};
  const std::vector<WeightChoice> bf16{{Precision::bf16, Precision::bf16}};
  const PlanRun strict = plan_run(l, demand, ServiceLevel{}, 128, false, bf16);
  const PlanRun allowed = plan_run(l, demand, ServiceLevel{}, 128, true, bf16);
  REQUIRE(allowed.choice.deployment);
  CHECK_FALSE(allowed.choice.row.realistic);
  if (strict.choice.deployment) {
    CHECK(strict.choice.row.realistic);
    CHECK(strict.choice.deployment->parallel.pp <= max_practical_pipeline_stages);
  } else {
    CHECK(strict.choice.why_none.find("only unrealistic configurations fit: the best, ") != std::string::npos);
    CHECK(strict.choice.why_none.find("pass --allow-unrealistic") != std::string::npos);
  }
  CHECK(allowed.choice.unrealistic_note.empty());
}

TEST_CASE("plan target: catalog MoE models at 2e9 tokens/day and TPOT <= 50 ms need at most 1.1 x peak / the "
          "frontier's best tok/s per GPU, plus one replica") {
  const Catalog catalog = test::shipped_catalog();
  const Demand demand{2e9, 2e9, 2.0};
  const ServiceLevel slo{std::nullopt, milliseconds(50)};
  int checked = 0;
  for (const ModelSpec& model : catalog.models) {
    if (!model.is_moe()) continue;
    for (const char* gpu_name : {"h20", "h200-sxm", "b200"}) {
      CAPTURE(model.name);
      CAPTURE(gpu_name);
      Loaded l;
      l.model = std::make_unique<ModelSpec>(model);
      l.prepared = prepare(*l.model);
      l.gpu = *catalog.find_gpu(gpu_name);
      l.efficiency = catalog.calibration().resolve(l.gpu.generation, "");
      const PlanRun run = plan_run(l, demand, slo, 64);
      // The frontier's best throughput per GPU among realistic SLO-meeting rows, as sweep ranks it.
      double best_tok_s_per_gpu = 0;
      for (const SweepRow& row : run.result.rows) {
        if (row.meets_slo && row.realistic) best_tok_s_per_gpu = std::max(best_tok_s_per_gpu, row.output_tok_s_per_gpu);
      }
      if (best_tok_s_per_gpu == 0) {
        CHECK_FALSE(run.choice.deployment);
        continue;
      }
      REQUIRE(run.choice.deployment);
      const double bound = 1.1 * demand.peak_output_tok_s() / best_tok_s_per_gpu + run.choice.deployment->total_gpus();
      CHECK(static_cast<double>(run.choice.fleet.gpus) <= bound);
      ++checked;
    }
  }
  CHECK(checked >= 12);
}

TEST_CASE("plan target: DeepSeek-R1 on H200 meets TPOT <= 50 ms beyond the highest searched concurrency, and the "
          "search goes there: fewer fleet GPUs than any row up to that level needs") {
  const Loaded l = load("deepseek-r1", "h200-sxm");
  const Demand demand{2e9, 2e9, 2.0};
  const PlanRun run = plan_run(l, demand, ServiceLevel{std::nullopt, milliseconds(50)}, 8);
  REQUIRE(run.choice.deployment);
  const std::int64_t highest = run.request.concurrencies.back();
  std::int64_t fewest_within = std::numeric_limits<std::int64_t>::max();
  for (const SweepRow& row : run.result.rows) {
    if (!row.meets_slo || !row.realistic || row.concurrency > highest) continue;
    fewest_within =
        std::min(fewest_within, replicas_for_peak(demand.peak_output_tok_s(), row.output_tok_s) * row.total_gpus());
  }
  CAPTURE(run.choice.row.concurrency);
  CHECK(run.choice.row.concurrency > highest);
  CHECK(run.choice.fleet.gpus < fewest_within);
}

TEST_CASE("plan target: Kimi K2 on H200 is served by wide expert parallelism across nodes") {
  const Loaded l = load("kimi-k2", "h200-sxm");
  const PlanRun run = plan_run(l, Demand{2e9, 2e9, 2.0}, ServiceLevel{std::nullopt, milliseconds(50)}, 64);
  REQUIRE(run.choice.deployment);
  const Parallelism& p = run.choice.deployment->parallel;
  CAPTURE(p.tp);
  CAPTURE(p.dp);
  CAPTURE(p.ep);
  CHECK(p.ep > 8);  // experts spread beyond one 8-GPU node
  CHECK(run.choice.fleet.gpus < 216);  // the tp8 pp3 native-precision plan this search replaces
}

TEST_CASE("roofline breakdown: operator kinds add up to the step's FLOPs and bytes, and their times to its roofline time") {
  struct Case {
    const char* model;
    const char* gpu;
    int gpus;
  };
  for (const Case& k : {Case{"llama-3.1-70b", "h100-sxm", 4}, Case{"glm-4.5", "h20", 16}, Case{"deepseek-r1", "h200-sxm", 8}}) {
    CAPTURE(k.model);
    const Loaded l = load(k.model, k.gpu);
    std::string problem;
    const auto d = layout_for(*l.model, l.gpu, k.gpus, LayoutHints{}, native(*l.model), &problem);
    REQUIRE(d);
    for (const StepShape& shape : {StepShape{32, 1500, 1, 0, 0, 0}, StepShape{0, 0, 1, 1000, 500, 1}, StepShape{16, 1200, 1, 512, 256, 0.5}}) {
      const StepTime step = stage_step_time(l.prepared, l.gpu, *d, l.efficiency, shape);
      const OperatorBreakdown ops = operator_breakdown(l.prepared, l.gpu, *d, l.efficiency, shape);
      double flops = 0, bytes = 0, time = 0;
      for (const OperatorLoad& op : ops) {
        flops += op.flops.value;
        bytes += op.bytes.value;
        time += op.time.value;
      }
      CHECK(flops == doctest::Approx(step.flops.value).epsilon(1e-9));
      CHECK(bytes == doctest::Approx(step.bytes.value).epsilon(1e-9));
      CHECK(time == doctest::Approx((step.compute_bound + step.memory_bound).value).epsilon(1e-9));
      // Asking for the breakdown must not change the step (sweeps call it without one) beyond
      // rounding: with one the operators are placed group by group, without one over the operators
      // merged across groups (StepRates::merged).
      OperatorBreakdown filled{};
      const StepTime with_breakdown = stage_step_time(l.prepared, l.gpu, *d, l.efficiency, shape, &filled);
      CHECK(with_breakdown.total.value == doctest::Approx(step.total.value).epsilon(1e-14));
      CHECK(with_breakdown.flops.value == doctest::Approx(step.flops.value).epsilon(1e-14));
      CHECK(filled[static_cast<int>(OperatorKind::lm_head)].flops.value == ops[static_cast<int>(OperatorKind::lm_head)].flops.value);
    }
  }
}

TEST_CASE("smoothed roofline: the max far from the ridge, 2^(1/k) times it at the ridge") {
  CHECK(smooth_max(1.0, 0.0, 3.0) == doctest::Approx(1.0));
  CHECK(smooth_max(1.0, 1.0, 3.0) == doctest::Approx(1.259921));  // 2^(1/3): 26% at the ridge
  CHECK(smooth_max(1.0, 1.0 / 3.0, 3.0) == doctest::Approx(1.012196));  // (1 + 1/27)^(1/3)
  CHECK(smooth_max(0.0, 0.0, 3.0) == 0.0);
}

TEST_CASE("roofline breakdown: decode projections are memory-bound at batch 1, prefill ones compute-bound") {
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  std::string problem;
  const auto d = layout_for(*l.model, l.gpu, 4, LayoutHints{}, native(*l.model), &problem);
  REQUIRE(d);
  const Roofs roofs = achievable_roofs(l.gpu, *d, l.efficiency);
  const auto proj = static_cast<int>(OperatorKind::attention_projections);
  const OperatorBreakdown decode = operator_breakdown(l.prepared, l.gpu, *d, l.efficiency, StepShape{1, 1000, 1, 0, 0, 0});
  // One token: 2 FLOPs per 2-byte BF16 weight = 1 FLOP/byte; attained = 1 x achievable bandwidth
  // (the ridge is ~250 FLOP/byte, so the smoothed roofline costs (1 + 250^-k)^(1/k) - 1 < 1e-4 for k >= 2).
  CHECK(decode[proj].flop_per_byte() == doctest::Approx(1.0));
  CHECK(decode[proj].attained_flops_per_s() == doctest::Approx(roofs.bandwidth.value).epsilon(1e-4));
  const OperatorBreakdown prefill = operator_breakdown(l.prepared, l.gpu, *d, l.efficiency, StepShape{0, 0, 1, 4096, 2048, 1});
  CHECK(prefill[proj].flop_per_byte() == doctest::Approx(4096.0));
  // 4,096 FLOP/byte is 16x the ridge (~250): the smoothed roofline is within 1% of the compute roof
  // for any sharpness k >= 2 ((1 + 16^-2)^(1/2) = 1.002).
  CHECK(prefill[proj].attained_flops_per_s() == doctest::Approx(roofs.weight_matmul.value).epsilon(0.01));
  CHECK(std::string(operator_kind_name(OperatorKind::lm_head)) == "LM head");
}

}  // TEST_SUITE

}  // namespace llmsizer
