// request/prepared_deployments: scenario rows that share a deployment share its preparation, every
// field of the key separates entries, and a cached answer is the answer estimate() gives.
#include "request/prepared_deployments.hpp"

#include <doctest/doctest.h>

#include <string>

#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

ScenarioInput input(const std::string& model, const std::string& gpu, std::int64_t isl, std::int64_t concurrency) {
  ScenarioInput in;
  in.model = model;
  in.gpu = gpu;
  in.gpus = 4;
  in.isl = isl;
  in.osl = 500;
  in.concurrency = concurrency;
  return in;
}

void check_same(const Estimate& cached, const Estimate& fresh) {
  CHECK(cached.fits == fresh.fits);
  CHECK(cached.ttft.value == fresh.ttft.value);
  CHECK(cached.tpot.value == fresh.tpot.value);
  CHECK(cached.output_tok_s == fresh.output_tok_s);
  CHECK(cached.usd_per_mtok_output == fresh.usd_per_mtok_output);
  CHECK(cached.memory.need.total().value == fresh.memory.need.total().value);
  CHECK(cached.notes == fresh.notes);
  CHECK(cached.reasons == fresh.reasons);
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("prepared deployments: rows of one deployment share it; each key field makes a new entry") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver resolver(catalog);
    PreparedDeployments cache;
    auto answer = [&](const ScenarioInput& in) {
      const ScenarioResolver::Resolved r = resolver.resolve(in);
      const Estimate cached = estimate_resolved(r, cache);
      check_same(cached, estimate_resolved(r));
      return cached;
    };
    // Requests differ (prompt, concurrency, a queue beyond the KV cache): one preparation.
    for (std::int64_t isl : {128, 2'000, 8'000}) {
      for (std::int64_t concurrency : {1, 32, 4'000}) answer(input("llama-3.1-70b", "h100-sxm", isl, concurrency));
    }
    CHECK(cache.misses() == 1);
    // Each of these changes something the preparation reads: engine (efficiency), price, precision,
    // memory utilisation, GPU, model.
    ScenarioInput in = input("llama-3.1-70b", "h100-sxm", 1'000, 8);
    in.engine = "sglang";
    answer(in);
    CHECK(cache.misses() == 2);
    in.usd_per_gpu_hour = 1.5;
    answer(in);
    CHECK(cache.misses() == 3);
    in.weights = "fp8";
    answer(in);
    CHECK(cache.misses() == 4);
    in.memory_utilization = 0.8;
    answer(in);
    CHECK(cache.misses() == 5);
    answer(input("llama-3.1-70b", "h200-sxm", 1'000, 8));
    answer(input("qwen3-32b", "h200-sxm", 1'000, 8));
    CHECK(cache.misses() == 7);
    // Back to the first deployment: still cached.
    answer(input("llama-3.1-70b", "h100-sxm", 3'000, 2));
    CHECK(cache.misses() == 7);
    CHECK(cache.size() == 7);
  }

  TEST_CASE("prepared deployments: a full cache replaces its oldest entry and answers the same") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver resolver(catalog);
    PreparedDeployments cache;
    // More distinct prices than entries: each row is a new key.
    const std::size_t keys = PreparedDeployments::capacity + 5;
    for (std::size_t i = 0; i < keys; ++i) {
      ScenarioInput in = input("llama-3.1-8b", "h100-sxm", 1'000, 16);
      in.usd_per_gpu_hour = 1.0 + static_cast<double>(i) / 100.0;
      const ScenarioResolver::Resolved r = resolver.resolve(in);
      check_same(estimate_resolved(r, cache), estimate_resolved(r));
    }
    CHECK(cache.size() == PreparedDeployments::capacity);
    CHECK(cache.misses() == keys);
    // The first keys were replaced (a miss again); the latest are still there.
    ScenarioInput first = input("llama-3.1-8b", "h100-sxm", 1'000, 16);
    first.usd_per_gpu_hour = 1.0;
    check_same(estimate_resolved(resolver.resolve(first), cache), estimate_resolved(resolver.resolve(first)));
    CHECK(cache.misses() == keys + 1);
    ScenarioInput last = first;
    last.usd_per_gpu_hour = 1.0 + static_cast<double>(keys - 1) / 100.0;
    check_same(estimate_resolved(resolver.resolve(last), cache), estimate_resolved(resolver.resolve(last)));
    CHECK(cache.misses() == keys + 1);
  }

}  // TEST_SUITE
}  // namespace llmsizer
