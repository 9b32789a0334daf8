// The sweep's search axes beyond layout and weights (estimator/sweep.hpp, docs/methodology.md#sweep):
// KV precision (and why BF16 KV is pruned where FP8 runs), MTP depth with its stopping rule, and the
// concurrency bisection between powers of two.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "estimator/sweep.hpp"
#include "request/scenario_fields.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

struct Searched {
  std::unique_ptr<ModelSpec> model;  // PreparedModel points into it
  PreparedModel prepared;
  GpuSpec gpu;
  SweepRequest request;
  SweepResult result;
};

SweepRequest base_request(int max_gpus) {
  SweepRequest r;
  r.isl = 1000;
  r.osl = 1000;
  r.max_gpus = max_gpus;
  r.slo.tpot = milliseconds(50);
  for (std::int64_t c = 1; c <= 1024; c *= 2) r.concurrencies.push_back(c);
  r.mtp_acceptance = default_mtp_acceptance;
  r.mtp_acceptance_decay = default_mtp_acceptance_decay;
  return r;
}

/// The sweep of `model` on `gpu` with the shipped calibration; with `max_batch`, that engine max batch
/// (running requests per attention-DP rank) instead of the calibration's.
std::unique_ptr<Searched> run(const std::string& model, const std::string& gpu, const SweepRequest& request,
                              std::int64_t max_batch = 0) {
  auto s = std::make_unique<Searched>();
  const Catalog catalog = test::shipped_catalog();
  s->model = std::make_unique<ModelSpec>(*catalog.find_model(model));
  s->prepared = prepare(*s->model);
  s->gpu = *catalog.find_gpu(gpu);
  s->request = request;
  SweepTarget target{&s->gpu, catalog.calibration().resolve(s->gpu.generation, ""), 2.0, {}, "user"};
  if (max_batch > 0) target.efficiency.engine.max_batch = max_batch;
  s->result = sweep(s->prepared, {target}, s->request);
  return s;
}

using RowKey = std::tuple<int, int, int, int, Precision, Precision, int, std::int64_t>;
RowKey key_without_kv(const SweepRow& r) {
  const Deployment& d = r.deployment;
  return {d.parallel.tp, d.parallel.pp, d.parallel.dp,        d.parallel.ep,
          d.weights,     d.experts,     d.speculative_tokens, r.concurrency};
}

bool is_power_of_two(std::int64_t c) {
  return (c & (c - 1)) == 0;
}

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE(
      "search axes: FP8 KV where the GPU computes FP8, else the given KV; MTP depths only where the model has MTP") {
    SweepRequest r = base_request(8);
    const GpuSpec h20 = test::shipped_gpu("h20");
    const GpuSpec a100 = test::shipped_gpu("a100-80gb-sxm");
    CHECK(sweep_kv_choices(h20, r) == std::vector<Precision>{Precision::bf16});  // search off: the given KV
    r.search_kv = true;
    CHECK(sweep_kv_choices(h20, r) == std::vector<Precision>{Precision::fp8});
    CHECK(sweep_kv_choices(a100, r) == std::vector<Precision>{Precision::bf16});  // no FP8 tensor cores

    const ModelSpec deepseek = test::shipped_model("deepseek-v3");
    const ModelSpec llama = test::shipped_model("llama-3.1-70b");
    CHECK(sweep_mtp_depths(deepseek, r) == std::vector<int>{0});  // search off
    r.search_mtp = true;
    CHECK(sweep_mtp_depths(deepseek, r) == std::vector<int>{0, 1, 2, 3});
    CHECK(sweep_mtp_depths(llama, r) == std::vector<int>{0});
    r.mtp_tokens = 2;
    CHECK(sweep_mtp_depths(deepseek, r) == std::vector<int>{2});
  }

  TEST_CASE("KV pruning is sound: at every layout, precision and concurrency FP8 KV is at least as good as BF16 KV") {
    // The sweep estimates FP8 KV only where the GPU computes FP8; this holds it to that claim: every
    // BF16-KV row has an FP8-KV row at the same configuration that is no worse in either metric.
    for (const auto& [model, gpu] : {std::pair{"llama-3.1-70b", "h100-sxm"}, std::pair{"qwen3-235b-a22b", "h20"},
                                     std::pair{"deepseek-v3", "h200-sxm"}}) {
      CAPTURE(model);
      SweepRequest r = base_request(16);
      const auto bf16 = run(model, gpu, r);
      r.kv = Precision::fp8;
      const auto fp8 = run(model, gpu, r);
      std::map<RowKey, const SweepRow*> by_key;
      for (const SweepRow& row : fp8->result.rows) by_key[key_without_kv(row)] = &row;
      REQUIRE(!bf16->result.rows.empty());
      int compared = 0;
      for (const SweepRow& row : bf16->result.rows) {
        const auto found = by_key.find(key_without_kv(row));
        REQUIRE(found != by_key.end());  // what fits with BF16 KV fits with FP8 KV
        CHECK(found->second->output_tok_s_per_gpu >= row.output_tok_s_per_gpu * (1 - 1e-12));
        CHECK(found->second->tok_s_per_user >= row.tok_s_per_user * (1 - 1e-12));
        ++compared;
      }
      CHECK(compared > 20);
    }
  }

  TEST_CASE(
      "MTP search: DeepSeek-V3 on H200 puts MTP rows on the frontier at low concurrency, and each kept depth pays") {
    SweepRequest r = base_request(16);
    r.search_mtp = true;
    const auto s = run("deepseek-v3", "h200-sxm", r);
    const SweepTargetResult& t = s->result.targets.front();
    REQUIRE(t.fastest);
    CHECK(s->result.rows[*t.fastest].deployment.speculative_tokens > 0);  // drafts buy speed per user
    int mtp_on_frontier = 0;
    for (std::size_t i : t.frontier) mtp_on_frontier += s->result.rows[i].deployment.speculative_tokens > 0;
    CHECK(mtp_on_frontier > 0);
    // A depth is only tried where one draft fewer was tried at the same configuration.
    std::map<RowKey, const SweepRow*> by_key;
    for (const SweepRow& row : s->result.rows) by_key[key_without_kv(row)] = &row;
    for (const SweepRow& row : s->result.rows) {
      if (row.deployment.speculative_tokens == 0 || !is_power_of_two(row.concurrency)) continue;
      RowKey fewer = key_without_kv(row);
      std::get<6>(fewer) -= 1;
      CHECK(by_key.count(fewer) == 1);
    }
  }

  TEST_CASE(
      "concurrency refinement: the boundary between the last passing and first failing power of two is bisected") {
    SweepRequest r = base_request(8);
    const auto coarse = run("llama-3.1-70b", "h100-sxm", r);
    r.refine_concurrency = true;
    const auto fine = run("llama-3.1-70b", "h100-sxm", r);
    int between = 0;
    for (const SweepRow& row : fine->result.rows) between += !is_power_of_two(row.concurrency);
    CHECK(between > 0);
    // The powers of two are all still there, so the best SLO-meeting throughput can only rise.
    CHECK(fine->result.rows.size() > coarse->result.rows.size());
    const auto best = [](const Searched& s) {
      return s.result.rows[*s.result.targets.front().best].output_tok_s_per_gpu;
    };
    REQUIRE(coarse->result.targets.front().best);
    REQUIRE(fine->result.targets.front().best);
    CHECK(best(*fine) > best(*coarse));
    // Every refined row sits strictly between two powers of two, one of which met the SLO and fitted.
    for (const SweepRow& row : fine->result.rows) {
      if (is_power_of_two(row.concurrency)) continue;
      std::int64_t low = 1;
      while (low * 2 < row.concurrency) low *= 2;
      const bool low_passed = std::any_of(fine->result.rows.begin(), fine->result.rows.end(), [&](const SweepRow& o) {
        return o.deployment.parallel.tp == row.deployment.parallel.tp &&
               o.deployment.parallel.pp == row.deployment.parallel.pp &&
               o.deployment.weights == row.deployment.weights && o.concurrency == low && o.meets_slo;
      });
      CHECK(low_passed);
    }
  }

  TEST_CASE(
      "concurrency extension: a deployment that meets the SLO at the highest level is doubled beyond it up to its "
      "batch room, and one whose highest level fills that room gets no level beyond it") {
    // Llama-3.1-8B on one H100 with short requests and a loose TPOT: every level fits and meets it,
    // so only the engine's max batch (64 running requests; one rank) ends the search.
    constexpr std::int64_t room = 64;
    SweepRequest r = base_request(1);
    r.isl = r.osl = 200;
    r.slo.tpot = milliseconds(1000);
    r.refine_concurrency = true;
    r.concurrencies = {1, 2, 4, 8, 16};
    const auto extended = run("llama-3.1-8b", "h100-sxm", r, room);
    std::int64_t highest = 0;
    for (const SweepRow& row : extended->result.rows) {
      CHECK(row.concurrency <= room);
      highest = std::max(highest, row.concurrency);
    }
    CHECK(highest == room);  // 32, then 64: the room, where it still meets the SLO
    REQUIRE(extended->result.targets.front().best);
    CHECK(extended->result.rows[*extended->result.targets.front().best].concurrency > r.concurrencies.back());
    // Levels up to the room already: nothing beyond it, and nothing between (every level passed).
    r.concurrencies = {1, 2, 4, 8, 16, 32, 64};
    const auto full = run("llama-3.1-8b", "h100-sxm", r, room);
    REQUIRE_FALSE(full->result.rows.empty());
    for (const SweepRow& row : full->result.rows) {
      CHECK(row.concurrency <= room);
      CHECK(is_power_of_two(row.concurrency));
    }
  }

}  // TEST_SUITE

}  // namespace llmsizer
