// Prepared deployments (estimator/prepared_deployment.hpp, serving.hpp evaluate): a deployment
// prepared once answers any number of requests exactly as estimate() answers each one afresh, and
// neither the prepared deployment nor an evaluation's figures hold anything that allocates.
#include "estimator/prepared_deployment.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "estimator/serving.hpp"
#include "tests/estimator/loaded_model.hpp"

namespace llmsizer {
namespace {

// No heap, no text: both copy as plain bytes (a std::string or std::vector member would fail this).
static_assert(std::is_trivially_copyable_v<PreparedDeployment>);
static_assert(std::is_trivially_copyable_v<PreparedPrompt>);
static_assert(std::is_trivially_copyable_v<EstimateFigures>);

using test::load;
using test::Loaded;

/// Every figure of two estimates, compared exactly (the same arithmetic must give the same bits).
void check_same(const EstimateFigures& a, const EstimateFigures& b) {
  CHECK(a.fits == b.fits);
  CHECK(a.concurrency == b.concurrency);
  CHECK(a.running == b.running);
  CHECK(a.queued == b.queued);
  CHECK(a.memory.fits == b.memory.fits);
  CHECK(a.memory.need.total().value == b.memory.need.total().value);
  CHECK(a.memory.free_kv_tokens == b.memory.free_kv_tokens);
  CHECK(a.ttft.value == b.ttft.value);
  CHECK(a.tpot.value == b.tpot.value);
  CHECK(a.has_tpot == b.has_tpot);
  CHECK(a.has_ttft == b.has_ttft);
  CHECK(a.prefill_alone.value == b.prefill_alone.value);
  CHECK(a.decode_step.value == b.decode_step.value);
  CHECK(a.decode_detail.total.value == b.decode_detail.total.value);
  CHECK(a.decode_detail.communication.value == b.decode_detail.communication.value);
  CHECK(a.prefill_detail.total.value == b.prefill_detail.total.value);
  CHECK(a.prefill_share == b.prefill_share);
  CHECK(a.tpot_prefill_share == b.tpot_prefill_share);
  CHECK(a.output_tok_s == b.output_tok_s);
  CHECK(a.input_tok_s == b.input_tok_s);
  CHECK(a.tokens_per_decode_step == b.tokens_per_decode_step);
  CHECK(a.usd_per_mtok_output == b.usd_per_mtok_output);
  CHECK(a.usd_per_mtok_input == b.usd_per_mtok_input);
  CHECK(a.joules_per_output_token == b.joules_per_output_token);
}

struct PreparedCase {
  const char* model;
  const char* gpu;
  Deployment deployment;
};

Deployment two_batch(Deployment d) {
  d.overlap = Overlap::two_batch;
  return d;
}

Deployment deployment(Parallelism p, Precision weights, int mtp = 0) {
  Deployment d;
  d.parallel = p;
  d.weights = d.experts = weights;
  d.speculative_tokens = mtp;
  d.speculative_acceptance = mtp > 0 ? 0.8 : 0.0;
  return d;
}

/// `d` with the routed experts at another precision than the rest of the weights (an FP4 expert
/// release beside FP8 attention and shared experts).
Deployment experts_at(Deployment d, Precision experts) {
  d.experts = experts;
  return d;
}

/// Requests that exercise every branch of the evaluation: short and long prompts (one and several
/// chunks), concurrency 1, a queue beyond the KV cache, "as many as fit", and both disaggregated sides.
std::vector<Workload> workload_grid() {
  std::vector<Workload> w;
  for (std::int64_t isl : {128, 1000, 20'000}) {
    for (std::int64_t concurrency : {1, 7, 64, 5'000, 0}) w.push_back({isl, 500, concurrency, Phase::mixed});
  }
  w.push_back({2'000, 1, 16, Phase::mixed});
  w.push_back({2'000, 800, 32, Phase::decode});
  w.push_back({2'000, 1, 8, Phase::prefill});
  return w;
}

}  // namespace

TEST_SUITE("serving") {
  TEST_CASE("prepared deployment: one preparation answers every request exactly as estimate() does") {
    const std::vector<PreparedCase> cases = {
        {"llama-3.1-70b", "h100-sxm", deployment({4, 1, 1, 1}, Precision::bf16)},
        {"llama-3.1-70b", "a100-80gb-sxm", deployment({2, 2, 1, 1}, Precision::fp8)},  // weight-only, pp 2
        {"deepseek-v3", "h200-sxm", deployment({8, 1, 1, 8}, Precision::fp8, 1)},      // MoE, EP, MTP
        {"deepseek-v3", "h200-sxm", deployment({8, 1, 4, 32}, Precision::fp8)},        // EP across nodes
        {"llama-3.1-70b", "l40s", deployment({1, 1, 1, 1}, Precision::bf16)},          // does not fit
    };
    for (const PreparedCase& c : cases) {
      CAPTURE(c.model);
      CAPTURE(c.gpu);
      const Loaded l = load(c.model, c.gpu);
      const PreparedDeployment prepared = prepare_deployment(l.prepared, l.gpu, c.deployment, l.efficiency, 2.0);
      for (const Workload& w : workload_grid()) {
        CAPTURE(w.isl);
        CAPTURE(w.concurrency);
        const Estimate fresh = estimate(l.prepared, l.gpu, c.deployment, w, l.efficiency, 2.0);
        check_same(evaluate(prepared, w), fresh);
        // The prompt prepared once serves every concurrency, as in the sweep.
        const PreparedPrompt prompt = prepare_prompt(prepared, w.isl);
        check_same(evaluate(prepared, prompt, w), fresh);
        // And the sentences are those of estimate(), from the prepared deployment.
        const Estimate described = estimate(prepared, w);
        CHECK(described.notes == fresh.notes);
        CHECK(described.reasons == fresh.reasons);
      }
    }
  }

  TEST_CASE("prepared deployment: an iteration's folded seconds equal its total up to rounding") {
    // stage_step_seconds skips the FLOP and byte sums of the mixed, burst and drafting steps;
    // stage_step_seconds and stage_step_time without a breakdown run over the operators merged
    // across layer groups (StepRates::merged: the weight operators of one roof as one, attention
    // cores of one cost and the routed experts with their layers summed) and read the roofline times
    // folded per deployment (fold_roofs). stage_step_time with a breakdown, the reference, places
    // each operator of each group from its FLOPs and bytes. A coefficient folded with the wrong roof
    // or layer count, an operator or a group left out of the merge, or a change to the operator sums
    // in one mode and not the other moves a figure far beyond the few ulps the reassociation may.
    const std::vector<PreparedCase> cases = {
        {"llama-3.1-70b", "h100-sxm", deployment({4, 1, 1, 1}, Precision::bf16)},
        {"deepseek-v3", "h200-sxm", deployment({8, 1, 4, 32}, Precision::fp8, 2)},         // MoE, MLA, EP, MTP
        {"gpt-oss-120b", "h100-sxm", deployment({2, 2, 1, 2}, Precision::fp8)},            // sliding window, pp 2
        {"minimax-m1", "h200-sxm", deployment({8, 1, 1, 8}, Precision::bf16)},             // linear attention
        {"deepseek-r1", "h20", two_batch(deployment({1, 1, 32, 32}, Precision::fp8, 1))},  // two-batch overlap
        // Experts in FP4 beside FP8 weights: the merge keeps the routed experts' own roof and bytes.
        {"deepseek-v3", "b200", experts_at(deployment({8, 1, 1, 8}, Precision::fp8), Precision::nvfp4)},
        {"qwen3-235b-a22b", "b200", experts_at(deployment({4, 1, 1, 4}, Precision::fp8), Precision::nvfp4)},
    };
    for (const PreparedCase& c : cases) {
      CAPTURE(c.model);
      const Loaded l = load(c.model, c.gpu);
      const PreparedDeployment prepared = prepare_deployment(l.prepared, l.gpu, c.deployment, l.efficiency, 2.0);
      const std::vector<StepShape> shapes = {
          {64, 1'500, 3, 0, 0, 0},          // decode, verifying drafts
          {64, 1'500, 1, 2'048, 500, 0.5},  // a prompt chunk mixed into decode
          {0, 0, 1, 8'192, 4'000, 4},       // a start-up burst step
          {0.5, 30'000, 1, 0, 0, 0},        // below one sequence, long context
      };
      for (const StepShape& s : shapes) {
        CAPTURE(s.prefill_tokens);
        OperatorBreakdown breakdown;
        const StepTime full = stage_step_time(prepared.rates, s, &breakdown);
        CHECK(full.total.value > 0);
        const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-14 * std::abs(b); };
        const StepTime merged = stage_step_time(prepared.rates, s);
        CHECK(close(merged.total.value, full.total.value));
        CHECK(close(merged.flops.value, full.flops.value));
        CHECK(close(merged.bytes.value, full.bytes.value));
        CHECK(close(merged.compute_bound.value, full.compute_bound.value));
        CHECK(close(merged.memory_bound.value, full.memory_bound.value));
        CHECK(close(merged.communication.value, full.communication.value));
        CHECK(close(stage_step_seconds(prepared.rates, s).value, full.total.value));
      }
    }
  }

  TEST_CASE("prepared deployment: layer groups merge into one operator per roof, core cost and the routed experts") {
    // DeepSeek-V3: dense and MoE layers share one MLA core; gpt-oss: sliding-window and full layers
    // keep two cores. Every layer is counted once in the merged weights' and cores' layers.
    const Loaded v3 = load("deepseek-v3", "h200-sxm");
    const PreparedDeployment a =
        prepare_deployment(v3.prepared, v3.gpu, deployment({8, 1, 1, 8}, Precision::fp8), v3.efficiency, 2.0);
    const MergedIteration& m = a.rates.merged;
    REQUIRE(a.rates.costs.group_count == 2);
    CHECK(m.core_count == 1);
    CHECK(m.cores[0].layers == 61.0);
    CHECK(m.moe_layers == 58.0);
    double projections = 0;
    for (int i = 0; i < a.rates.costs.group_count; ++i) {
      projections += a.rates.costs.groups[i].projections.seconds_per_unit;
    }
    CHECK(m.weights.seconds_per_unit > projections);  // the dense FFN and shared experts joined them
    const Loaded oss = load("gpt-oss-120b", "h100-sxm");
    const PreparedDeployment b =
        prepare_deployment(oss.prepared, oss.gpu, deployment({2, 1, 1, 2}, Precision::fp8), oss.efficiency, 2.0);
    CHECK(b.rates.merged.core_count == 2);
    CHECK(b.rates.merged.cores[0].layers + b.rates.merged.cores[1].layers == 36.0);
  }

  TEST_CASE("prepared deployment: the iterations at sharpness 2 agree with the general smooth maximum") {
    // Sharpness 2, the shipped value, is decided once per iteration (a template parameter in
    // step_time.cpp); any other value runs smooth_max_general per operator. Just above 2 the general
    // form must give the same times to well within 1e-9; a path taken for the wrong sharpness, or an
    // operator placed with the sqrt where the general form was due, differs by percents near the ridge.
    const Loaded l = load("deepseek-v3", "h200-sxm");
    const PreparedDeployment prepared =
        prepare_deployment(l.prepared, l.gpu, deployment({8, 1, 1, 8}, Precision::fp8, 1), l.efficiency, 2.0);
    REQUIRE(prepared.rates.sharpness == 2.0);
    StepRates general = prepared.rates;
    general.sharpness = 2.0 * (1.0 + 1e-12);
    StepRates sharper = prepared.rates;
    sharper.sharpness = 3.0;
    for (const StepShape& s : {StepShape{64, 1'500, 2, 0, 0, 0}, StepShape{64, 1'500, 1, 2'048, 500, 0.5}}) {
      CAPTURE(s.prefill_tokens);
      const double two = stage_step_time(prepared.rates, s).total.value;
      CHECK(stage_step_time(general, s).total.value == doctest::Approx(two).epsilon(1e-9));
      CHECK(stage_step_seconds(general, s).value ==
            doctest::Approx(stage_step_seconds(prepared.rates, s).value).epsilon(1e-9));
      CHECK(draft_pass_seconds(general, 64, 1'500).value ==
            doctest::Approx(draft_pass_seconds(prepared.rates, 64, 1'500).value).epsilon(1e-9));
      // (a^3 + b^3)^(1/3) < (a^2 + b^2)^(1/2) for a, b > 0: the sharper roofline is faster.
      CHECK(stage_step_time(sharper, s).total.value < two * (1.0 - 1e-6));
      CHECK(stage_step_seconds(sharper, s).value < stage_step_seconds(prepared.rates, s).value * (1.0 - 1e-6));
    }
  }

  TEST_CASE("prepared deployment: with_replicas answers as a deployment prepared with those replicas") {
    // The disaggregated search prepares one decode worker and pairs it with 1..16 of them: the
    // replicas it sets must change every figure that prepare_deployment with them would (the DP ranks
    // sharing the requests, the engine's batch room), and nothing else.
    const Loaded l = load("deepseek-v3", "h200-sxm");
    const Deployment one = deployment({1, 1, 8, 8}, Precision::fp8);
    const PreparedDeployment worker = prepare_deployment(l.prepared, l.gpu, one, l.efficiency, 2.0);
    for (const int replicas : {1, 3, 16}) {
      CAPTURE(replicas);
      Deployment many = one;
      many.replicas = replicas;
      const PreparedDeployment fresh = prepare_deployment(l.prepared, l.gpu, many, l.efficiency, 2.0);
      const PreparedDeployment scaled = with_replicas(worker, replicas);
      CHECK(scaled.deployment == fresh.deployment);
      CHECK(scaled.batch_room == fresh.batch_room);
      CHECK(scaled.memory.ranks == fresh.memory.ranks);
      for (const Workload& w : workload_grid()) {
        CAPTURE(w.isl);
        CAPTURE(w.concurrency);
        check_same(evaluate(scaled, w), evaluate(fresh, w));
      }
    }
  }

  TEST_CASE("prepared deployment: a request that does not fit is answered with the shortfall, no figures") {
    // Llama-3.1-70B BF16 on one L40S (48 GB): 141 GB of weights do not fit, at any request.
    const Loaded l = load("llama-3.1-70b", "l40s");
    const PreparedDeployment prepared =
        prepare_deployment(l.prepared, l.gpu, deployment({1, 1, 1, 1}, Precision::bf16), l.efficiency, std::nullopt);
    const Workload w{1'000, 1'000, 4, Phase::mixed};
    const EstimateFigures e = evaluate(prepared, w);
    CHECK_FALSE(e.fits);
    CHECK(e.running == 0);
    CHECK(e.output_tok_s == 0);
    const Estimate described = estimate(prepared, w);
    REQUIRE(described.reasons.size() == 1);
    CHECK(described.reasons[0].rfind("needs ", 0) == 0);
  }

  TEST_CASE("prepared deployment: the memory checks it prepares equal the checks from the placement") {
    // deployment_memory keeps the weights, the fixed bytes, the KV per token and the DP ranks once;
    // a check of one request then reads its KV alone. Each must answer as memory_per_gpu over the
    // placement does, for any context and batch.
    const std::vector<PreparedCase> cases = {
        {"llama-3.1-70b", "h100-sxm", deployment({4, 2, 1, 1}, Precision::bf16)},
        {"deepseek-v3", "h200-sxm", deployment({8, 2, 4, 32}, Precision::fp8)},
        {"gpt-oss-120b", "h100-sxm", deployment({1, 2, 2, 2}, Precision::fp8)},
        {"llama-3.1-70b", "l40s", deployment({1, 1, 1, 1}, Precision::bf16)},  // weights alone do not fit
    };
    for (PreparedCase c : cases) {
      c.deployment.replicas = 3;
      CAPTURE(c.model);
      CAPTURE(c.gpu);
      const Loaded l = load(c.model, c.gpu);
      const DeploymentMemory memory = deployment_memory(l.prepared, l.gpu, c.deployment, l.efficiency);
      const Placement& placement = memory.placement;
      CHECK(memory.weights.value == placement.weights.total().value);
      CHECK(memory.kv_bytes_per_token == placement.kv_bytes_per_token());
      CHECK(memory.ranks == c.deployment.parallel.dp * 3);
      for (std::int64_t context : {1, 3'000, 200'000}) {
        CAPTURE(context);
        const MemoryPerGpu one = memory_per_gpu(placement, memory.activations, 1, context);
        const Bytes room = memory.usable_per_gpu - (one.weights + one.activations);
        const std::int64_t per_rank =
            room.value <= 0 ? 0 : static_cast<std::int64_t>(std::floor(room.value / one.kv_cache.value));
        CHECK(max_resident_sequences(memory, c.deployment, context, 256) == per_rank * memory.ranks);
        for (std::int64_t sequences : {1, 5, 4'000}) {
          const MemoryFit fit = fit_figures(memory, c.deployment, Residency{context, sequences});
          const MemoryPerGpu need =
              memory_per_gpu(placement, memory.activations, sequences_on_busiest_rank(c.deployment, sequences), context);
          CHECK(fit.need.total().value == need.total().value);
          CHECK(fit.fits == (need.total() <= memory.usable_per_gpu));
          CHECK(fit.free_kv_tokens ==
                (fit.fits ? (memory.usable_per_gpu - need.total()).value / placement.kv_bytes_per_token() : 0.0));
        }
      }
    }
  }

}  // TEST_SUITE
}  // namespace llmsizer
