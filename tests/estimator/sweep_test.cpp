// The sweep core (estimator/sweep.hpp, estimator/pareto.hpp): the Pareto frontier by hand, then
// real sweeps of shipped models checked for non-domination, SLO marking, memory pruning, the
// cheapest row and the bookkeeping of evaluated vs pruned configurations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "estimator/layout.hpp"
#include "estimator/pareto.hpp"
#include "estimator/sweep.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// A sweep of one model over some shipped GPUs with the default calibration and each GPU's first price.
struct SweepFixture {
  Catalog catalog = test::shipped_catalog();
  ModelSpec model;
  PreparedModel prepared;
  std::vector<SweepTarget> targets;
  SweepRequest request;
  SweepResult result;

  SweepFixture(const std::string& model_name, const std::vector<std::string>& gpus, ServiceLevel slo, int max_gpus = 32)
      : model(*catalog.find_model(model_name)), prepared(prepare(model)) {
    for (const std::string& name : gpus) {
      const GpuSpec& gpu = *catalog.find_gpu(name);
      SweepTarget t{&gpu, catalog.calibration().resolve(gpu.generation, ""), std::nullopt, {}, {}};
      if (!gpu.prices.empty()) t.usd_per_gpu_hour = gpu.prices.front().per_gpu_hour.value;
      targets.push_back(t);
    }
    request.isl = 1000;
    request.osl = 1000;
    request.max_gpus = max_gpus;
    request.slo = slo;
    for (std::int64_t c = 1; c <= 1024; c *= 2) request.concurrencies.push_back(c);
    result = sweep(prepared, targets, request);
  }
};

ParetoPoint point_of(const SweepRow& r) { return {r.output_tok_s_per_gpu, r.tok_s_per_user}; }

}  // namespace

TEST_SUITE("decisions") {

TEST_CASE("pareto_frontier: hand-made points") {
  // (4,1) (3,3) (1,4) are the frontier; (2,2) is dominated by (3,3); (3,2) by (3,3) (equal x, lower
  // y); the second (3,3) is a duplicate; NaN is never on it.
  const std::vector<ParetoPoint> points = {{2, 2}, {4, 1}, {3, 3}, {1, 4}, {3, 2}, {3, 3}, {std::nan(""), 9}};
  const std::vector<std::size_t> frontier = pareto_frontier(points);
  CHECK(frontier == std::vector<std::size_t>{1, 2, 3});  // by x descending
  CHECK(dominates({3, 3}, {2, 2}));
  CHECK(dominates({3, 3}, {3, 2}));
  CHECK_FALSE(dominates({3, 3}, {3, 3}));
  CHECK_FALSE(dominates({4, 1}, {1, 4}));
  CHECK(pareto_frontier(std::vector<ParetoPoint>{}).empty());
}

TEST_CASE("ParetoFrontier: adding points one at a time gives pareto_frontier of them, ties and NaN included") {
  // The hand-made points first, then 400 points near the line x + y = 7 on a grid (many ties in x,
  // in y and whole duplicates, and a frontier of several points) with a NaN or infinity now and
  // then, checked after every add.
  std::vector<ParetoPoint> points = {{2, 2}, {4, 1}, {3, 3}, {1, 4}, {3, 2}, {3, 3}, {std::nan(""), 9}};
  unsigned state = 12345;
  const auto next = [&state] { return (state = state * 1103515245u + 12345u) >> 16; };
  for (int i = 0; i < 400; ++i) {
    const double x = next() % 8;
    const double y = 7 - x + next() % 2;
    const unsigned odd = next() % 50;
    points.push_back({odd == 0 ? std::nan("") : x, odd == 1 ? std::numeric_limits<double>::infinity() : y});
  }
  ParetoFrontier running;
  for (std::size_t i = 0; i < points.size(); ++i) {
    running.add(points[i], i);
    REQUIRE(running.indices() == pareto_frontier(std::span(points).first(i + 1)));
  }
  CHECK(running.indices().size() >= 4);
}

TEST_CASE("sweep_layouts: tp within the domain dividing the heads, pp filling, attention-DP only for MoE") {
  const Catalog catalog = test::shipped_catalog();
  const GpuSpec& h100 = *catalog.find_gpu("h100-sxm");
  const ModelSpec& dense = *catalog.find_model("llama-3.1-70b");  // 64 heads
  // 16 GPUs, domain 8: tp 1, 2, 4, 8 with pp 16, 8, 4, 2.
  const auto layouts = sweep_layouts(dense, h100, 16);
  REQUIRE(layouts.size() == 4);
  for (const Parallelism& p : layouts) {
    CHECK(p.gpus() == 16);
    CHECK(p.dp == 1);
    CHECK(p.ep == 1);
    CHECK(p.tp <= 8);
  }
  const ModelSpec& moe = *catalog.find_model("deepseek-v3");  // 128 heads, 256 experts
  bool has_dp = false;
  for (const Parallelism& p : sweep_layouts(moe, h100, 16)) {
    CHECK(p.gpus() == 16);
    CHECK(p.tp <= 8);
    CHECK((p.ep == 1 || p.ep == p.tp * p.dp));
    if (p.dp > 1) has_dp = true;
  }
  CHECK(has_dp);
  // tp 8, dp 2, one stage, experts over all 16; and dp filling the 8-GPU domain with 2 stages.
  const auto moe16 = sweep_layouts(moe, h100, 16);
  auto has = [&](int tp, int pp, int dp, int ep) {
    return std::any_of(moe16.begin(), moe16.end(),
                       [&](const Parallelism& p) { return p.tp == tp && p.pp == pp && p.dp == dp && p.ep == ep; });
  };
  CHECK(has(8, 1, 2, 16));
  CHECK(has(1, 2, 8, 8));
  CHECK(has(8, 2, 1, 8));
}

TEST_CASE("default_weight_choices: native, then fp8 and nvfp4 only where the GPU computes them") {
  const Catalog catalog = test::shipped_catalog();
  const ModelSpec& llama = *catalog.find_model("llama-3.1-70b");  // native bf16
  using W = std::vector<WeightChoice>;
  CHECK(default_weight_choices(llama, *catalog.find_gpu("a100-80gb-sxm")) == W{{Precision::bf16, Precision::bf16}});
  CHECK(default_weight_choices(llama, *catalog.find_gpu("h20")) ==
        W{{Precision::bf16, Precision::bf16}, {Precision::fp8, Precision::fp8}});
  CHECK(default_weight_choices(llama, *catalog.find_gpu("b200")) ==
        W{{Precision::bf16, Precision::bf16}, {Precision::fp8, Precision::fp8}, {Precision::nvfp4, Precision::nvfp4}});
  const ModelSpec& v3 = *catalog.find_model("deepseek-v3");  // native fp8: no duplicate
  CHECK(default_weight_choices(v3, *catalog.find_gpu("h100-sxm")) == W{{Precision::fp8, Precision::fp8}});
}

TEST_CASE("sweep: no frontier row is dominated by any row of its GPU type, and every row is covered") {
  const SweepFixture f("glm-4.5", {"h20", "h100-sxm"}, {});
  REQUIRE(f.result.targets.size() == 2);
  for (const SweepTargetResult& t : f.result.targets) {
    REQUIRE(t.frontier.size() >= 3);
    for (std::size_t i : t.frontier) {
      CHECK(f.result.rows[i].on_frontier);
      for (std::size_t j = t.first_row; j < t.end_row; ++j) {
        CHECK_FALSE(dominates(point_of(f.result.rows[j]), point_of(f.result.rows[i])));
      }
    }
    // Completeness: each row is on the frontier or weakly dominated by a frontier row.
    for (std::size_t j = t.first_row; j < t.end_row; ++j) {
      const ParetoPoint p = point_of(f.result.rows[j]);
      CHECK(std::any_of(t.frontier.begin(), t.frontier.end(), [&](std::size_t i) {
        const ParetoPoint q = point_of(f.result.rows[i]);
        return q.x >= p.x && q.y >= p.y;
      }));
    }
    // Ordered by tok/s per user ascending.
    for (std::size_t k = 1; k < t.frontier.size(); ++k) {
      CHECK(f.result.rows[t.frontier[k - 1]].tok_s_per_user < f.result.rows[t.frontier[k]].tok_s_per_user);
    }
  }
}

TEST_CASE("sweep: meets_slo matches the TTFT and TPOT thresholds exactly") {
  const ServiceLevel slo{milliseconds(500), milliseconds(30)};
  const SweepFixture f("llama-3.1-70b", {"h100-sxm"}, slo, 16);
  int meeting = 0, missing = 0;
  for (const SweepRow& r : f.result.rows) {
    const bool expected = in_milliseconds(r.ttft) <= 500 && in_milliseconds(r.tpot) <= 30;
    CHECK(r.meets_slo == expected);
    (expected ? meeting : missing)++;
  }
  CHECK(meeting > 0);  // the thresholds split the rows, so both branches are exercised
  CHECK(missing > 0);
  const SweepFixture none("llama-3.1-70b", {"h100-sxm"}, {}, 8);
  CHECK(std::all_of(none.result.rows.begin(), none.result.rows.end(), [](const SweepRow& r) { return r.meets_slo; }));
}

TEST_CASE("sweep: configurations that cannot hold the weights contribute no rows") {
  // Llama-3.1-405B in BF16 is 811.7 GB; an H100 holds 80 x 0.9 = 72 GB usable, so fewer than
  // 12 GPUs cannot hold it (the candidates are 1, 2, 4, 8, 16, ...): nothing below 16 in BF16.
  const SweepFixture f("llama-3.1-405b", {"h100-sxm"}, {}, 16);
  int bf16_rows = 0;
  for (const SweepRow& r : f.result.rows) {
    if (r.deployment.weights != Precision::bf16) continue;
    ++bf16_rows;
    CHECK(r.deployment.total_gpus() == 16);
  }
  CHECK(bf16_rows > 0);
  // Each row fits, and each pruned-by-weights layout would not have fitted.
  const EfficiencyParams& e = f.targets[0].efficiency;
  // Against the capacity the runtime sees, as fit_memory checks (not the vendor figure).
  for (const SweepRow& r : f.result.rows) CHECK(r.memory_per_gpu <= usable_memory_per_gpu(*f.targets[0].gpu, e));
  for (int gpus : {1, 2, 4, 8}) {
    for (const Parallelism& p : sweep_layouts(f.model, *f.targets[0].gpu, gpus)) {
      Deployment d;
      d.parallel = p;
      CHECK_FALSE(fit_memory(f.prepared, *f.targets[0].gpu, d, Residency{2000, 1}, e).fits);
    }
  }
  // Min fit per precision: BF16 16 GPUs, FP8 (406 GB) 8.
  REQUIRE(f.result.targets[0].weights.size() == 2);
  CHECK(f.result.targets[0].min_gpus[0] == 16);
  CHECK(f.result.targets[0].min_gpus[1] == 8);
}

TEST_CASE("sweep: once a concurrency does not fit, no larger one appears; evaluated + pruned is the whole space") {
  const SweepFixture f("llama-3.1-70b", {"h20", "l40s"}, {}, 16);
  using Key = std::tuple<int, int, int, int, int, int, Precision>;
  std::map<Key, std::vector<std::int64_t>> by_deployment;
  for (const SweepRow& r : f.result.rows) {
    const Parallelism& p = r.deployment.parallel;
    by_deployment[{r.target, p.tp, p.pp, p.dp, p.ep, r.deployment.total_gpus(), r.deployment.weights}].push_back(r.concurrency);
  }
  const auto& levels = f.request.concurrencies;
  for (const auto& [key, concurrencies] : by_deployment) {
    REQUIRE(concurrencies.size() <= levels.size());
    CHECK(std::equal(concurrencies.begin(), concurrencies.end(), levels.begin()));  // a prefix of the levels
  }
  std::int64_t space = 0;
  for (std::size_t t = 0; t < f.targets.size(); ++t) {
    for (int gpus : candidate_gpu_counts(*f.targets[t].gpu, f.request.max_gpus)) {
      space += static_cast<std::int64_t>(sweep_layouts(f.model, *f.targets[t].gpu, gpus).size() *
                                         f.result.targets[t].weights.size() * levels.size());
    }
  }
  CHECK(f.result.configs_evaluated == static_cast<std::int64_t>(f.result.rows.size()));  // nothing estimated in vain
  CHECK(f.result.configs_evaluated + f.result.configs_pruned == space);
  CHECK(f.result.configs_pruned > 0);
}

TEST_CASE("sweep: the cheapest row meets the SLO and no SLO-meeting row of its GPU type is cheaper") {
  const SweepFixture f("glm-4.5", {"h100-sxm", "h200-sxm", "h20"}, {std::nullopt, milliseconds(40)});
  for (std::size_t t = 0; t < f.targets.size(); ++t) {
    const SweepTargetResult& r = f.result.targets[t];
    std::vector<std::size_t> cheapest;
    for (std::size_t i = r.first_row; i < r.end_row; ++i) {
      if (f.result.rows[i].cheapest) cheapest.push_back(i);
    }
    if (!f.targets[t].usd_per_gpu_hour) {  // h20 has no price: a best row but no cheapest
      CHECK(cheapest.empty());
      CHECK(r.best.has_value());
      continue;
    }
    REQUIRE(cheapest.size() == 1);
    CHECK(r.best == cheapest[0]);
    const SweepRow& best = f.result.rows[cheapest[0]];
    CHECK(best.meets_slo);
    CHECK(best.on_frontier);  // with only a TPOT target the cheapest is always on the frontier
    for (std::size_t i = r.first_row; i < r.end_row; ++i) {
      const SweepRow& row = f.result.rows[i];
      if (row.meets_slo) CHECK(*best.usd_per_mtok_output <= *row.usd_per_mtok_output);
    }
  }
}

TEST_CASE("sweep: with a TTFT target the cheapest row may sit off the frontier, and is still the cheapest") {
  const SweepFixture f("glm-4.5", {"h100-sxm"}, {milliseconds(300), milliseconds(50)});
  const SweepTargetResult& r = f.result.targets[0];
  REQUIRE(r.best.has_value());
  const SweepRow& best = f.result.rows[*r.best];
  CHECK(best.cheapest);
  CHECK(best.meets_slo);
  double lowest = std::numeric_limits<double>::infinity();
  for (const SweepRow& row : f.result.rows) {
    if (row.meets_slo) lowest = std::min(lowest, *row.usd_per_mtok_output);
  }
  CHECK(*best.usd_per_mtok_output == lowest);
}

TEST_CASE("sweep: nothing fits is an empty answer, not an error") {
  const SweepFixture f("deepseek-v3", {"l4"}, {}, 2);  // 671B parameters on two 24 GB cards
  CHECK(f.result.rows.empty());
  CHECK(f.result.configs_evaluated == 0);
  CHECK(f.result.configs_pruned > 0);
  CHECK_FALSE(f.result.targets[0].best.has_value());
  CHECK_FALSE(f.result.targets[0].fastest.has_value());
  CHECK_FALSE(f.result.targets[0].min_gpus[0].has_value());
}

}  // TEST_SUITE

}  // namespace llmsizer
