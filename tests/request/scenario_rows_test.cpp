// request/scenario_rows: a batch's rows resolved with their shared part worked out once give what
// ScenarioResolver::resolve and estimate_resolved give for each row alone — the same Resolved, the
// same Estimate, the same first error — and rows that differ only in id, isl, osl and concurrency
// share one shared part.
#include "request/scenario_rows.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

ScenarioInput scenario_input(const std::string& model, const std::string& gpu, std::int64_t isl, std::int64_t osl) {
  ScenarioInput in;
  in.model = model;
  in.gpu = gpu;
  in.isl = isl;
  in.osl = osl;
  return in;
}

void check_same_rows(const ScenarioResolver::Resolved& a, const ScenarioResolver::Resolved& b) {
  CHECK(a.model->name == b.model->name);
  CHECK(a.gpu == b.gpu);
  CHECK(a.deployment == b.deployment);
  CHECK(a.pools.has_value() == b.pools.has_value());
  CHECK(a.workload.isl == b.workload.isl);
  CHECK(a.workload.osl == b.workload.osl);
  CHECK(a.workload.concurrency == b.workload.concurrency);
  CHECK(a.workload.phase == b.workload.phase);
  CHECK(a.efficiency == b.efficiency);
  CHECK(a.usd_per_gpu_hour == b.usd_per_gpu_hour);
  CHECK(a.price_label == b.price_label);
  CHECK(a.price_basis == b.price_basis);
  CHECK(a.engine == b.engine);
  CHECK(a.warnings == b.warnings);
  CHECK(a.error_bands == b.error_bands);
}

void check_same_rows(const Estimate& a, const Estimate& b) {
  CHECK(a.fits == b.fits);
  CHECK(a.concurrency == b.concurrency);
  CHECK(a.running == b.running);
  CHECK(a.ttft.value == b.ttft.value);
  CHECK(a.tpot.value == b.tpot.value);
  CHECK(a.output_tok_s == b.output_tok_s);
  CHECK(a.usd_per_mtok_output == b.usd_per_mtok_output);
  CHECK(a.memory.need.total().value == b.memory.need.total().value);
  CHECK(a.notes == b.notes);
  CHECK(a.reasons == b.reasons);
  CHECK((a.disaggregated != nullptr) == (b.disaggregated != nullptr));
}

/// The message of resolving `in` with `resolve`, or "" when it resolves.
template <class Resolve>
std::string resolve_error_of(Resolve resolve) {
  try {
    resolve();
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "";
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("scenario rows: each row answers as resolve() and estimate_resolved() answer it alone") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver alone(catalog);
    ScenarioResolver batch_resolver(catalog);
    ScenarioRows rows(batch_resolver);
    std::vector<ScenarioInput> inputs;
    // Layout given by degrees (shared), by GPU count alone and not at all (both read the workload),
    // several engines, prices and precisions, a RoPE-stretched context (a warning), a disaggregated
    // deployment, and rows that fail: in their shared part (unknown GPU, a bad precision behind a
    // context error that resolve() reports first), and in their own (context window, layout).
    for (const std::int64_t isl : {128, 4'000}) {
      for (const std::int64_t concurrency : {1, 64, 0}) {
        ScenarioInput in = scenario_input("llama-3.1-70b", "h100-sxm", isl, 500);
        in.concurrency = concurrency;
        in.tp = 4;
        inputs.push_back(in);
        in.tp.reset();
        in.gpus = 8;
        inputs.push_back(in);
        in.gpus.reset();
        inputs.push_back(in);
        in.engine = "vllm";
        in.weights = "fp8";
        in.usd_per_gpu_hour = 2.5;
        inputs.push_back(in);
      }
    }
    ScenarioInput moe = scenario_input("deepseek-v3", "h200-sxm", 1'000, 1'000);
    moe.tp = 8;
    moe.mtp = 1;
    inputs.push_back(moe);
    inputs.push_back(scenario_input("qwen3-32b", "h100-sxm", 60'000, 1'000));     // beyond the native window: warning
    inputs.push_back(scenario_input("qwen3-32b", "h100-sxm", 30'000, 1'000));     // the same part, no warning
    inputs.push_back(scenario_input("qwen3-32b", "h100-sxm", 200'000, 1'000));    // beyond any reach: error
    inputs.push_back(scenario_input("llama-3.1-8b", "h100-sxmm", 1'000, 1'000));  // unknown GPU
    inputs.push_back(scenario_input("llama-3.1-8b", "h100-sxmm", 1'000, 1'000));  // the same, again
    ScenarioInput both = scenario_input("llama-3.1-8b", "h100-sxm", 2'000'000, 1'000);  // context before precision
    both.weights = "fp9";
    inputs.push_back(both);
    both.isl = 1'000;  // now the precision
    inputs.push_back(both);
    ScenarioInput bad_layout = scenario_input("llama-3.1-70b", "h100-sxm", 1'000, 1'000);
    bad_layout.tp = 3;
    inputs.push_back(bad_layout);
    ScenarioInput pools = scenario_input("llama-3.1-70b", "h100-sxm", 1'000, 1'000);
    pools.prefill_workers = 1;
    pools.decode_workers = 1;
    inputs.push_back(pools);
    ScenarioInput missing = scenario_input("llama-3.1-70b", "h100-sxm", 1'000, 1'000);
    missing.osl.reset();
    inputs.push_back(missing);

    int errors = 0;
    for (ScenarioInput& in : inputs) {
      CAPTURE(in.model);
      CAPTURE(in.gpu);
      CAPTURE(*in.isl);
      const ScenarioInput before = in;
      const std::string expected = resolve_error_of([&] { (void)alone.resolve(in); });
      const std::string got = resolve_error_of([&] { (void)rows.resolve(in); });
      CHECK(got == expected);
      CHECK(in == before);  // the row's own fields are put back, also after an error
      if (!expected.empty()) {
        ++errors;
        continue;
      }
      const ScenarioResolver::Resolved fresh = alone.resolve(in);
      const ScenarioResolver::Resolved& shared = rows.resolve(in);
      check_same_rows(shared, fresh);
      check_same_rows(rows.estimate(), estimate_resolved(fresh));
    }
    CHECK(errors == 7);
  }

  TEST_CASE("scenario rows: rows that differ only in id, isl, osl and concurrency share one part") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver resolver(catalog);
    ScenarioRows rows(resolver);
    for (const std::int64_t isl : {128, 1'000, 8'000}) {
      for (const std::int64_t concurrency : {1, 32}) {
        ScenarioInput in = scenario_input("llama-3.1-70b", "h100-sxm", isl, 500);
        in.id = "r" + std::to_string(isl);
        in.tp = 4;
        in.concurrency = concurrency;
        (void)rows.resolve(in);
        (void)rows.estimate();
        in.model = "qwen3-32b";  // another deployment in between
        (void)rows.resolve(in);
      }
    }
    CHECK(rows.shared_misses() == 2);
    ScenarioInput in = scenario_input("llama-3.1-70b", "h100-sxm", 1'000, 500);
    in.tp = 4;
    in.price = "on-demand";  // any other field is another shared part
    (void)rows.resolve(in);
    CHECK(rows.shared_misses() == 3);
  }

  TEST_CASE("scenario rows: a full cache replaces its oldest part and answers the same") {
    const Catalog catalog = test::shipped_catalog();
    ScenarioResolver resolver(catalog);
    ScenarioRows rows(resolver);
    ScenarioInput in = scenario_input("llama-3.1-8b", "h100-sxm", 1'000, 500);
    in.tp = 1;
    for (std::size_t i = 0; i <= ScenarioRows::capacity; ++i) {
      in.usd_per_gpu_hour = 1.0 + static_cast<double>(i) / 100;
      (void)rows.resolve(in);
    }
    CHECK(rows.shared_misses() == ScenarioRows::capacity + 1);
    in.usd_per_gpu_hour = 1.0;  // replaced: worked out again
    const ScenarioResolver::Resolved& again = rows.resolve(in);
    CHECK(rows.shared_misses() == ScenarioRows::capacity + 2);
    check_same_rows(again, resolver.resolve(in));
    check_same_rows(rows.estimate(), estimate_resolved(resolver.resolve(in)));
  }
}

}  // namespace llmsizer
