// Host cost of steps that carry prompt tokens (docs/methodology.md#prefill-launch): each MoE layer
// pays `prefill_expert_overhead` per routed expert a token picks, only in steps with prompt tokens;
// decode-only steps and dense layers do not. Checked on the step and on the TTFT it feeds.
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "estimator/serving.hpp"
#include "estimator/step_time.hpp"
#include "tests/estimator/loaded_model.hpp"

namespace llmsizer {
namespace {

using test::rel;

using test::tp_layout;

constexpr double slot_seconds = 200e-6;  // a round value, not the calibrated one

/// The step's overhead with the per-slot cost at `slot_seconds` minus the same step without it.
double added_overhead(const test::Loaded& l, const Deployment& d, const StepShape& shape) {
  EfficiencyParams with = l.efficiency;
  EfficiencyParams without = l.efficiency;
  with.engine.prefill_expert_overhead = seconds(slot_seconds);
  without.engine.prefill_expert_overhead = seconds(0);
  return stage_step_time(l.prepared, l.gpu, d, with, shape).overhead.value -
         stage_step_time(l.prepared, l.gpu, d, without, shape).overhead.value;
}

}  // namespace

TEST_SUITE("serving") {

TEST_CASE("a step with prompt tokens pays the host cost per MoE layer and routed expert slot") {
  // DeepSeek-R1: 58 MoE layers of 61, k = 8 routed experts per token, so 58 x 8 x 200 us = 92.8 ms
  // whatever the prompt length; a decode-only step pays nothing, a mixed step pays it once.
  const test::Loaded r1 = test::load("deepseek-r1", "b200", "trtllm");
  const Deployment d = tp_layout(Precision::fp8, 8);
  CHECK(added_overhead(r1, d, StepShape{0, 0, 1, 1024, 512, 1}) == rel(58 * 8 * slot_seconds, 1e-9));
  CHECK(added_overhead(r1, d, StepShape{0, 0, 1, 8192, 4096, 1}) == rel(58 * 8 * slot_seconds, 1e-9));
  CHECK(added_overhead(r1, d, StepShape{8, 2048, 1, 0, 0, 0}) == 0.0);
  CHECK(added_overhead(r1, d, StepShape{8, 2048, 1, 1024, 512, 1}) == rel(58 * 8 * slot_seconds, 1e-9));
  // gpt-oss-120b: 36 MoE layers, k = 4: 28.8 ms. A dense model pays nothing.
  const test::Loaded oss = test::load("gpt-oss-120b", "b200", "trtllm");
  CHECK(added_overhead(oss, tp_layout(Precision::mxfp4, 1), StepShape{0, 0, 1, 1024, 512, 1}) ==
        rel(36 * 4 * slot_seconds, 1e-9));
  const test::Loaded llama = test::load("llama-3.1-70b", "b200", "trtllm");
  CHECK(added_overhead(llama, tp_layout(Precision::fp8, 1), StepShape{0, 0, 1, 1024, 512, 1}) == 0.0);
}

TEST_CASE("the prefill host cost is in a lone MoE request's TTFT once per prompt chunk, not in its TPOT") {
  // Concurrency 1: TTFT = prefill alone + step / 2 + request overhead; a 1,024-token prompt is one
  // chunk, a 16,384-token prompt two of the 8,192-token budget.
  test::Loaded r1 = test::load("deepseek-r1", "b200", "trtllm");
  const Deployment d = tp_layout(Precision::fp8, 8);
  auto ttft_tpot = [&](int isl, double slot) {
    r1.efficiency.engine.prefill_expert_overhead = seconds(slot);
    const Estimate e = estimate(r1.prepared, r1.gpu, d, Workload{isl, 256, 1, Phase::mixed}, r1.efficiency, {});
    REQUIRE(e.fits);
    return std::pair{e.ttft.value, e.tpot.value};
  };
  for (const auto& [isl, chunks] : {std::pair{1024, 1}, std::pair{16384, 2}}) {
    CAPTURE(isl);
    const auto [ttft_without, tpot_without] = ttft_tpot(isl, 0);
    const auto [ttft_with, tpot_with] = ttft_tpot(isl, slot_seconds);
    CHECK(ttft_with - ttft_without == rel(chunks * 58 * 8 * slot_seconds, 1e-6));
    CHECK(tpot_with == tpot_without);
  }
  // The shipped calibration fits a non-zero cost for the engines that graph only decode batches.
  CHECK(test::load("deepseek-r1", "b200", "trtllm").efficiency.engine.prefill_expert_overhead.value > 0);
  CHECK(test::load("deepseek-r1", "b200", "sglang").efficiency.engine.prefill_expert_overhead.value > 0);
}

}  // TEST_SUITE("serving")

}  // namespace llmsizer
