// Prompt groups of a closed loop (docs/methodology.md#prompt-groups): a later prompt that comes back
// with the others of its start-up step is prefilled in one full-budget step with them, so the share
// `prompt_group_share` of the requests outside the burst pays that step instead of its prompt alone.
// Checked on the TTFT it feeds, and that TPOT and throughput's decode side do not see it.
#include <doctest/doctest.h>

#include "estimator/serving.hpp"
#include "estimator/step_time.hpp"
#include "tests/estimator/loaded_model.hpp"

namespace llmsizer {
namespace {

using test::rel;

using test::tp_layout;

/// The estimate with the group share set to `share` (everything else the shipped calibration).
Estimate with_group_share(const test::Loaded& l, const Deployment& d, const Workload& w, double share) {
  EfficiencyParams e = l.efficiency;
  e.engine.prompt_group_share = share;
  return estimate(l.prepared, l.gpu, d, w, e, std::nullopt);
}

}  // namespace

TEST_SUITE("serving") {

TEST_CASE("a prompt that comes back with its group waits for the group's full-budget step") {
  // Llama-3.1-70B FP8 on 8 x H100 (tp8), TensorRT-LLM, 8 requests of 1,024 + 1,024: the start-up step
  // packs all 8 prompts (8,192 tokens, the budget), so a later prompt's group step is that step,
  // not its own 1,024 tokens. Outside the burst (share 1 - s) a request pays the difference.
  const test::Loaded l = test::load("llama-3.1-70b", "h100-sxm", "trtllm");
  const Deployment d = tp_layout(Precision::fp8, 8);
  const Workload w{1'024, 1'024, 8, Phase::mixed};
  REQUIRE(l.efficiency.engine.prefill_chunk_tokens == 8'192);
  const Estimate alone = with_group_share(l, d, w, 0.0);
  const Estimate grouped = with_group_share(l, d, w, 1.0);
  REQUIRE(grouped.fits);
  const StepTime group_step = stage_step_time(l.prepared, l.gpu, d, l.efficiency, StepShape{0, 0, 1, 8'192, 512, 8});
  const double outside_burst = 1.0 - l.efficiency.engine.startup_burst_share;
  CHECK(grouped.ttft.value - alone.ttft.value ==
        rel(outside_burst * (group_step.total.value - alone.prefill_alone.value), 1e-9));
  CHECK(group_step.total.value > 4 * alone.prefill_alone.value);  // eight prompts' compute, not one
  // Half the requests in groups: half the extra time.
  const Estimate half = with_group_share(l, d, w, 0.5);
  CHECK(half.ttft.value - alone.ttft.value == rel(0.5 * (grouped.ttft.value - alone.ttft.value), 1e-9));
  // The prompts are the same work whoever they arrive with: TPOT does not move.
  CHECK(grouped.tpot.value == alone.tpot.value);
}

TEST_CASE("on a prefill-first engine the whole start-up burst comes back as one group") {
  // Llama-3.1-70B FP8 on 8 x H100, 32 requests of 1,024 + 1,024: the burst is 4 full-budget steps
  // of 8 prompts. TensorRT-LLM mixes prompts into decode steps, so a group is the prompts of one
  // such step; SGLang pauses decoding until every waiting prompt is prefilled, so all 32 decode in
  // lockstep and come back together, and a later prompt waits the burst's mean, 2.5 steps.
  const Deployment d = tp_layout(Precision::fp8, 8);
  const Workload w{1'024, 1'024, 32, Phase::mixed};
  const StepShape full_step{0, 0, 1, 8'192, 512, 8};
  for (const char* engine : {"trtllm", "sglang"}) {
    CAPTURE(engine);
    const test::Loaded l = test::load("llama-3.1-70b", "h100-sxm", engine);
    REQUIRE(l.efficiency.engine.prefill_chunk_tokens == 8'192);
    const Estimate alone = with_group_share(l, d, w, 0.0);
    const Estimate grouped = with_group_share(l, d, w, 1.0);
    REQUIRE(grouped.fits);
    const double step = stage_step_time(l.prepared, l.gpu, d, l.efficiency, full_step).total.value;
    const double group = l.efficiency.engine.prefill_first ? 2.5 * step : step;
    const double outside_burst = 1.0 - l.efficiency.engine.startup_burst_share;
    CHECK(grouped.ttft.value - alone.ttft.value ==
          rel(outside_burst * (group - alone.prefill_alone.value), 1e-9));
  }
}

TEST_CASE("a prompt longer than the token budget comes back alone") {
  // 16,384-token prompts, budget 8,192: each start-up step holds one chunk of one prompt, so the
  // group is the prompt itself and the share changes nothing; one request alone has no group either.
  const test::Loaded l = test::load("llama-3.1-70b", "h100-sxm", "trtllm");
  const Deployment d = tp_layout(Precision::fp8, 8);
  const Workload long_prompts{16'384, 256, 8, Phase::mixed};
  CHECK(with_group_share(l, d, long_prompts, 1.0).ttft.value == with_group_share(l, d, long_prompts, 0.0).ttft.value);
  const Workload one{1'024, 256, 1, Phase::mixed};
  CHECK(with_group_share(l, d, one, 1.0).ttft.value == with_group_share(l, d, one, 0.0).ttft.value);
}

TEST_CASE("with every later prompt in a group, TTFT is still never below one prompt's prefill") {
  const test::Loaded l = test::load("deepseek-r1", "b200", "sglang");
  Deployment d = tp_layout(Precision::fp8, 8);
  for (const std::int64_t concurrency : {1, 4, 32, 256}) {
    const Estimate e = with_group_share(l, d, Workload{1'024, 1'024, concurrency, Phase::mixed}, 1.0);
    REQUIRE(e.fits);
    CHECK(e.ttft.value >= e.prefill_alone.value);
  }
}

}  // TEST_SUITE

}  // namespace llmsizer
