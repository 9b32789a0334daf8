// The layout a request that names none gets (estimator/layout.hpp default_layout, through the
// resolver every command uses): it holds what the engine runs at once, not every request in flight,
// so it grows with concurrency while some layout runs every request; once every layout queues
// (saturated) it is the one with the most output per GPU; realistic whenever a realistic layout runs
// a request (docs/methodology.md#layout).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "estimator/admission.hpp"
#include "estimator/layout.hpp"
#include "estimator/realism.hpp"
#include "estimator/serving.hpp"
#include "request/resolver.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// 1, 3, 10, 30, ... 1e7: every decade and its midpoint.
std::vector<std::int64_t> concurrencies() {
  std::vector<std::int64_t> out;
  for (std::int64_t c = 1; c <= 10'000'000; c *= 10) {
    out.push_back(c);
    if (c < 10'000'000) out.push_back(3 * c);
  }
  return out;
}

ScenarioInput request(const std::string& model, const std::string& gpu, std::int64_t isl, std::int64_t osl,
                      std::int64_t concurrency) {
  ScenarioInput in;
  std::tie(in.model, in.gpu) = std::tie(model, gpu);
  std::tie(in.isl, in.osl, in.concurrency) = std::make_tuple(isl, osl, concurrency);
  return in;
}

/// Whether any realistic layout (tp within the domain, at most 4 stages) of up to 1,024 GPUs holds
/// one request of `context` tokens: the check the default layout must not skip.
bool realistic_one_runs(const ScenarioResolver::Resolved& r, const Deployment& precisions, std::int64_t context) {
  for (int count : candidate_gpu_counts(*r.gpu, 1024)) {
    const auto d = layout_for(*r.model, *r.gpu, count, LayoutHints{}, precisions, nullptr);
    if (d && is_realistic_layout(*r.gpu, d->parallel) &&
        fit_memory(*r.prepared, *r.gpu, *d, Residency{context, 1}, r.efficiency).fits) {
      return true;
    }
  }
  return false;
}

/// Requests `d` runs at once of `context` tokens: its KV room, capped by the engine's max batch.
std::int64_t runs_at_once(const ScenarioResolver::Resolved& r, const Deployment& d, std::int64_t context) {
  return std::min(max_resident_sequences(*r.prepared, *r.gpu, d, context, r.efficiency),
                  engine_batch_room(d, r.efficiency));
}

/// The estimate of `r`'s workload on `d`.
double output_per_gpu(const ScenarioResolver::Resolved& r, const Deployment& d) {
  return estimate(*r.prepared, *r.gpu, d, r.workload, r.efficiency, std::nullopt).output_tok_s_per_gpu;
}

/// Saturated (no realistic layout runs every request in flight): the default serves at least as many
/// output tokens per GPU as every realistic layout that runs one, and no realistic layout runs them all.
void check_saturated_choice(const ScenarioResolver::Resolved& r, std::int64_t context) {
  const double chosen = output_per_gpu(r, r.deployment);
  for (int count : candidate_gpu_counts(*r.gpu, 1024)) {
    const auto d = layout_for(*r.model, *r.gpu, count, LayoutHints{}, r.deployment, nullptr);
    if (!d || !is_realistic_layout(*r.gpu, d->parallel)) continue;
    CAPTURE(count);
    const std::int64_t runs = runs_at_once(r, *d, context);
    CHECK(runs < r.workload.concurrency);
    if (runs >= 1) CHECK(chosen >= output_per_gpu(r, *d));
  }
}

nlohmann::json estimate_json(const std::vector<std::string>& options) {
  std::vector<std::string> args = {"estimate", "--json"};
  args.insert(args.end(), options.begin(), options.end());
  const test::Run r = test::run(args);
  REQUIRE(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  return j.is_array() ? j.at(0) : j;
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("default layout: non-decreasing in GPUs from 1 to 1e7 requests, realistic when one runs") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver resolver(catalog);
    struct Case {
      const char* model;
      const char* gpu;
      std::int64_t isl, osl;
    };
    // Dense and MoE, NVLink, PCIe and 72-GPU NVLink domains, short and long contexts (the long one outgrows every
    // realistic layout before the engine's max batch: its default then stays at the one running most).
    for (const Case& c : {Case{"llama-3.1-8b", "h100-sxm", 1000, 256}, Case{"llama-3.1-70b", "h100-sxm", 1000, 256},
                          Case{"llama-3.1-70b", "l40s", 2000, 500}, Case{"deepseek-r1", "h200-sxm", 1000, 200},
                          Case{"qwen3-235b-a22b", "h20", 4000, 1000}, Case{"llama-3.1-405b", "gb200-nvl72", 1000, 256},
                          Case{"llama-3.1-70b", "h100-sxm", 100'000, 2000}}) {
      CAPTURE(c.model);
      CAPTURE(c.gpu);
      CAPTURE(c.isl);
      int previous = 0;
      for (std::int64_t concurrency : concurrencies()) {
        CAPTURE(concurrency);
        const ScenarioResolver::Resolved r = resolver.resolve(request(c.model, c.gpu, c.isl, c.osl, concurrency));
        const bool realistic = realistic_one_runs(r, r.deployment, c.isl + c.osl);
        if (realistic) CHECK(is_realistic_layout(*r.gpu, r.deployment.parallel));
        if (realistic && runs_at_once(r, r.deployment, c.isl + c.osl) < concurrency) {
          check_saturated_choice(r, c.isl + c.osl);
          continue;
        }
        const int gpus = r.deployment.total_gpus();
        CHECK(gpus >= previous);
        previous = gpus;
        // It holds at least what the engine runs of the requests, up to its max batch, or runs all
        // it can: never more GPUs than the smallest count holding the admitted requests.
        const MinimumGpus smallest =
            minimum_gpus(*r.prepared, *r.gpu, r.deployment, Residency{c.isl + c.osl, concurrency}, r.efficiency);
        if (smallest.gpus && is_realistic_layout(*r.gpu, smallest.deployment.parallel)) CHECK(gpus == *smallest.gpus);
      }
    }
  }

  TEST_CASE("default layout: each pool of a disaggregated deployment grows with concurrency until saturated") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver resolver(catalog);
    for (const char* model : {"llama-3.1-70b", "deepseek-r1"}) {
      CAPTURE(model);
      int previous_decode = 0, previous_prefill = 0;
      for (std::int64_t concurrency : concurrencies()) {
        CAPTURE(concurrency);
        ScenarioInput in = request(model, "h200-sxm", 2000, 500, concurrency);
        in.prefill_workers = 1;
        in.decode_workers = 2;
        const ScenarioResolver::Resolved r = resolver.resolve(in);
        REQUIRE(r.pools);
        const Deployment& decode = r.pools->decode;
        Deployment worker = decode;
        worker.replicas = 1;
        // A decode worker that runs fewer than its share of the requests is saturated: its layout is
        // then the one with the most output per GPU, which may be smaller.
        if (runs_at_once(r, worker, 2000 + 500) >= (concurrency + 1) / 2) CHECK(decode.total_gpus() >= previous_decode);
        CHECK(r.pools->prefill.total_gpus() >= previous_prefill);  // the prefill batch does not move with concurrency
        previous_decode = decode.total_gpus();
        previous_prefill = r.pools->prefill.total_gpus();
        CHECK(is_realistic_layout(*r.gpu, decode.parallel));
        CHECK(is_realistic_layout(*r.gpu, r.pools->prefill.parallel));
      }
    }
  }

  TEST_CASE("default layout: Llama-3.1-70B on H100 at 100,000 requests serves the most output per GPU") {
    // 1,000 + 1,000 tokens: every layout queues most of 100,000 requests (the engine's max batch is
    // 2,048). The smallest layout running the max batch, tp8 pp3 on 24 GPUs, serves fewer output
    // tokens per GPU than tp4: its extra stages and GPUs hold requests, not throughput.
    const std::vector<std::string> workload = {"--model", "llama-3.1-70b", "--gpu", "h100-sxm",      "--isl",
                                               "1000",    "--osl",         "1000",  "--concurrency", "100000"};
    const nlohmann::json chosen = estimate_json(workload);
    CHECK(chosen.at("queued").get<std::int64_t>() > 0);
    const double chosen_per_gpu = chosen.at("output_tok_s").get<double>() / chosen.at("gpus").get<double>();
    const std::pair<const char*, const char*> layouts[] = {{"4", "1"}, {"8", "1"}, {"8", "2"}, {"8", "3"}, {"8", "4"}};
    for (const auto& [tp, pp] : layouts) {
      CAPTURE(tp);
      CAPTURE(pp);
      std::vector<std::string> given = workload;
      given.insert(given.end(), {"--tp", tp, "--pp", pp});
      const nlohmann::json j = estimate_json(given);
      CHECK(chosen_per_gpu >= j.at("output_tok_s").get<double>() / j.at("gpus").get<double>());
      if (std::string(tp) == "8" && std::string(pp) == "3") CHECK(chosen.at("gpus") < j.at("gpus"));
    }
  }

  TEST_CASE("default layout: Llama-3.1-8B on H100 up to its max batch is the smallest layout running all") {
    // KV per token 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 B; the engine's max batch
    // (2,048 running requests per instance) of 1,256-token requests holds 2,048 x 1,256 x 131,072 B
    // = 337 GB of KV: more than tp4's usable memory beside the 16 GB of weights, within tp8's.
    const nlohmann::json j = estimate_json(
        {"--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "256", "--concurrency", "2048"});
    CHECK(j.at("gpus") == 8);
    CHECK(j.at("tp") == 8);
    CHECK(j.at("running") == 2048);
    CHECK(j.at("queued") == 0);
  }
}

}  // namespace llmsizer
