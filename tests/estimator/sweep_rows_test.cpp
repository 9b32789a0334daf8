// The rows a sweep keeps and the threads it runs on (SweepRequest::keep, SweepRequest::threads): keeping
// only the shown rows, or sweeping GPU types on two threads, changes no frontier, best, fastest or
// unrealistic-best row, no flag on them and no count — checked against the all-rows sweep on one
// thread, with MTP, KV, concurrency refinement, SLOs, a peak demand and disaggregated pools searched,
// and a GPU type where nothing fits.
#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include "estimator/sweep.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// A sweep of one model over shipped GPUs as `llmsizer sweep` asks it (MTP, FP8 KV and refined
/// concurrency searched), each GPU at its first price.
struct Sweeps {
  Catalog catalog = test::shipped_catalog();
  std::unique_ptr<ModelSpec> model;
  PreparedModel prepared;
  std::vector<SweepTarget> targets;
  SweepRequest request;

  Sweeps(const std::string& model_name, const std::vector<std::string>& gpus, std::int64_t isl, std::int64_t osl)
      : model(std::make_unique<ModelSpec>(*catalog.find_model(model_name))), prepared(prepare(*model)) {
    for (const std::string& name : gpus) {
      const GpuSpec& gpu = *catalog.find_gpu(name);
      SweepTarget t{&gpu, catalog.calibration().resolve(gpu.generation, ""), std::nullopt, {}, {}};
      if (!gpu.prices.empty()) t.usd_per_gpu_hour = gpu.prices.front().per_gpu_hour.value;
      targets.push_back(t);
    }
    request.isl = isl;
    request.osl = osl;
    request.max_gpus = 32;
    request.search_kv = true;
    request.search_mtp = true;
    request.mtp_acceptance = 0.7;
    request.mtp_acceptance_decay = 0.8;
    request.refine_concurrency = true;
    for (std::int64_t c = 1; c <= 1024; c *= 2) request.concurrencies.push_back(c);
  }
  [[nodiscard]] SweepResult run(SweepRows keep, unsigned threads) const {
    SweepRequest r = request;
    r.keep = keep;
    r.threads = threads;
    return sweep(prepared, targets, r);
  }
};

bool same_pools(const SweepRow& a, const SweepRow& b) {
  if (!a.pools || !b.pools) return !a.pools && !b.pools;
  return a.pools->prefill == b.pools->prefill && a.pools->decode == b.pools->decode &&
         a.pools->prefill_batch == b.pools->prefill_batch && a.pools->decode_batch == b.pools->decode_batch;
}

/// Every field of two rows equal (exactly: the same arithmetic must have made them).
bool same_row(const SweepRow& a, const SweepRow& b) {
  return a.deployment == b.deployment && a.concurrency == b.concurrency && a.ttft.value == b.ttft.value &&
         a.tpot.value == b.tpot.value && a.output_tok_s == b.output_tok_s &&
         a.output_tok_s_per_gpu == b.output_tok_s_per_gpu && a.tok_s_per_user == b.tok_s_per_user &&
         a.usd_per_mtok_output == b.usd_per_mtok_output && a.joules_per_output_token == b.joules_per_output_token &&
         a.weights_per_gpu.value == b.weights_per_gpu.value && a.memory_per_gpu.value == b.memory_per_gpu.value &&
         a.meets_slo == b.meets_slo && a.realistic == b.realistic && a.on_frontier == b.on_frontier &&
         a.cheapest == b.cheapest && a.target == b.target && same_pools(a, b);
}

void check_same_pick(const SweepResult& a, const std::optional<std::size_t>& i, const SweepResult& b,
                     const std::optional<std::size_t>& j) {
  REQUIRE(i.has_value() == j.has_value());
  if (i) CHECK(same_row(a.rows[*i], b.rows[*j]));
}

/// What `sweep`, `compare`, `report` and `plan` read of a result is the same in `got` as in `all`.
void check_same_answer(const SweepResult& all, const SweepResult& got, SweepRows kept) {
  CHECK(got.configs_evaluated == all.configs_evaluated);
  CHECK(got.configs_pruned == all.configs_pruned);
  REQUIRE(got.targets.size() == all.targets.size());
  for (std::size_t ti = 0; ti < all.targets.size(); ++ti) {
    CAPTURE(ti);
    const SweepTargetResult& a = all.targets[ti];
    const SweepTargetResult& g = got.targets[ti];
    CHECK(a.fitted == a.end_row - a.first_row);
    CHECK(g.fitted == a.fitted);
    if (kept == SweepRows::shown) {
      CHECK(g.end_row - g.first_row <= a.frontier.size() + 3);  // the frontier and at most three picks
    } else {
      CHECK(g.end_row - g.first_row == a.fitted);
    }
    REQUIRE(g.frontier.size() == a.frontier.size());
    for (std::size_t k = 0; k < a.frontier.size(); ++k)
      CHECK(same_row(all.rows[a.frontier[k]], got.rows[g.frontier[k]]));
    check_same_pick(all, a.best, got, g.best);
    check_same_pick(all, a.best_if_unrealistic, got, g.best_if_unrealistic);
    check_same_pick(all, a.fastest, got, g.fastest);
    CHECK(g.weights == a.weights);
    CHECK(g.min_gpus == a.min_gpus);
    for (std::size_t i = g.first_row; i < g.end_row; ++i) CHECK(got.rows[i].target == static_cast<int>(ti));
  }
}

/// The all-rows sweep on two threads is the one-thread sweep row for row; the shown rows on one or
/// two threads give the same answer.
void check_modes(const Sweeps& s) {
  const SweepResult all = s.run(SweepRows::all, 1);
  REQUIRE_FALSE(all.rows.empty());
  const SweepResult all_two = s.run(SweepRows::all, 2);
  REQUIRE(all_two.rows.size() == all.rows.size());
  for (std::size_t i = 0; i < all.rows.size(); ++i) CHECK(same_row(all.rows[i], all_two.rows[i]));
  check_same_answer(all, all_two, SweepRows::all);
  const SweepResult shown = s.run(SweepRows::shown, 1);
  CHECK(shown.rows.size() < all.rows.size() / 4);
  check_same_answer(all, shown, SweepRows::shown);
  check_same_answer(all, s.run(SweepRows::shown, 2), SweepRows::shown);
  check_same_answer(all, s.run(SweepRows::shown, 8), SweepRows::shown);  // more threads than GPU types
}

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE("sweep keep=shown and threads: the same frontier, best and fastest rows and counts as keeping every row") {
    SUBCASE("DeepSeek-V3 with SLOs, MTP and FP8 KV searched; L4 fits nothing in 32 GPUs") {
      Sweeps s("deepseek-v3", {"h200-sxm", "h20", "l4", "b200"}, 1000, 1000);
      s.request.slo = {milliseconds(2000), milliseconds(50)};
      check_modes(s);
      CHECK(s.run(SweepRows::shown, 2).targets[2].fitted == 0);
    }
    SUBCASE("a peak demand ranks by fleet GPUs; a TPOT only unrealistic layouts meet") {
      Sweeps s("llama-3.1-70b", {"h100-sxm", "a100-80gb-sxm", "l40s"}, 2000, 500);
      s.request.slo.tpot = milliseconds(8);
      s.request.peak_output_tok_s = 50'000;
      check_modes(s);
    }
    SUBCASE("disaggregated pools searched under a tight TPOT") {
      Sweeps s("llama-3.1-70b", {"h100-sxm", "h200-sxm"}, 8'192, 512);
      s.request.slo.tpot = milliseconds(20);
      s.request.disaggregated = true;
      check_modes(s);
    }
  }

}  // TEST_SUITE
}  // namespace llmsizer
