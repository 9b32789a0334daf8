// The search's disaggregated deployments (estimator/sweep_disaggregated.hpp, SweepRequest::
// disaggregated): picked when they serve more per GPU under the SLO (long prompts, tight TPOT), not
// when co-located serving does (short prompts, no SLO); every xPyD row is what estimate() of the same
// pools answers; prefill workers are sized to the decode workers by the pools' rates.
#include <doctest/doctest.h>

#include <memory>

#include "estimator/sweep_disaggregated.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::rel;

/// One GPU type at FP8 weights, $2/GPU-hour, concurrency 1, 2, 4, ..., 1024.
struct Search {
  Catalog catalog = test::shipped_catalog();
  std::unique_ptr<ModelSpec> model;
  PreparedModel prepared;
  SweepTarget target;
  SweepRequest request;

  Search(const std::string& model_name, const std::string& gpu, std::int64_t isl, std::int64_t osl, int max_gpus)
      : model(std::make_unique<ModelSpec>(*catalog.find_model(model_name))), prepared(prepare(*model)) {
    const GpuSpec& g = *catalog.find_gpu(gpu);
    target = SweepTarget{&g, catalog.calibration().resolve(g.generation, ""), 2.0, {{Precision::fp8, Precision::fp8}}, "user"};
    request.isl = isl;
    request.osl = osl;
    request.max_gpus = max_gpus;
    for (std::int64_t c = 1; c <= 1024; c *= 2) request.concurrencies.push_back(c);
  }
  [[nodiscard]] SweepResult run(bool disaggregated) {
    request.disaggregated = disaggregated;
    return sweep(prepared, {target}, request);
  }
};

/// The best co-located row's output tokens/s per GPU among rows meeting the SLO.
double best_co_located(const SweepResult& result) {
  double best = 0;
  for (const SweepRow& row : result.rows) {
    if (!row.pools && row.meets_slo && row.realistic) best = std::max(best, row.output_tok_s_per_gpu);
  }
  return best;
}

}  // namespace

TEST_SUITE("decisions") {

TEST_CASE("search --disagg: long prompts under a tight TPOT pick xPyD, and it serves more per GPU") {
  // Llama-3.1-70B FP8 on H100, 8,192 in + 512 out, TPOT <= 20 ms, up to 32 GPUs: co-located decoding
  // is stretched by other requests' 8k-token prompts and meets 20 ms only at small batches; decode
  // workers free of prompts run larger ones.
  Search s("llama-3.1-70b", "h100-sxm", 8'192, 512, 32);
  s.request.slo.tpot = milliseconds(20);
  const SweepResult without = s.run(false);
  for (const SweepRow& row : without.rows) CHECK_FALSE(row.pools);
  const SweepResult with = s.run(true);
  REQUIRE(with.targets[0].best);
  const SweepRow& best = with.rows[*with.targets[0].best];
  REQUIRE(best.pools);
  CHECK(best.meets_slo);
  CHECK(best.total_gpus() <= 32);
  CHECK(best.output_tok_s_per_gpu > best_co_located(with));
  CHECK(best_co_located(with) == rel(best_co_located(without), 1e-12));  // the co-located rows are unchanged
  CHECK(with.configs_evaluated > without.configs_evaluated);

  // The row is what estimate_disaggregated answers for the same pools and batches.
  const DisaggregatedDeployment& pools = *best.pools;
  const Estimate e = estimate_disaggregated(s.prepared, *s.target.gpu, pools, Workload{8'192, 512, 0, Phase::mixed},
                                            s.target.efficiency, 2.0);
  REQUIRE(e.fits);
  CHECK(best.ttft.value == rel(e.ttft.value, 1e-9));
  CHECK(best.tpot.value == rel(e.tpot.value, 1e-9));
  CHECK(best.output_tok_s == rel(e.output_tok_s, 1e-9));
  CHECK(*best.usd_per_mtok_output == rel(*e.usd_per_mtok_output, 1e-9));
  CHECK(best.concurrency == pools.decode.replicas * pools.decode_batch);

  // Neither pool starves: x is the balanced count for y decode workers, or one more.
  const Disaggregation& x = *e.disaggregated;
  const int balanced = prefill_workers_for(pools.decode.replicas, x.decode.requests_per_s / pools.decode.replicas,
                                           x.prefill.requests_per_s / pools.prefill.replicas);
  CHECK((pools.prefill.replicas == balanced || pools.prefill.replicas == balanced + 1));
}

TEST_CASE("search --disagg: short prompts without an SLO stay co-located") {
  // Llama-3.1-8B FP8 on H100, 128 in + 1,024 out, no SLO, up to 16 GPUs: a 128-token prompt barely
  // stretches decoding, so separate prefill GPUs and a KV transfer cost more than they save.
  Search s("llama-3.1-8b", "h100-sxm", 128, 1'024, 16);
  const SweepResult with = s.run(true);
  bool any_pools = false;
  for (const SweepRow& row : with.rows) any_pools = any_pools || (row.pools != nullptr);
  CHECK(any_pools);  // they were searched
  REQUIRE(with.targets[0].best);
  CHECK_FALSE(with.rows[*with.targets[0].best].pools);
}

}  // TEST_SUITE("decisions")

}  // namespace llmsizer
