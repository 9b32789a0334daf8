// Two-batch overlap and the drafting pass (estimator/step_time.cpp, docs/methodology.md
// #two-batch-overlap and #mtp): each checked against its formula rebuilt from the parts the
// estimator reports for one micro-batch, and against its limits.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "estimator/step_rates.hpp"
#include "io/calibration_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::rel;

/// The shipped calibration's Hopper fractions with SGLang's engine terms.
EfficiencyParams sglang_on(const GpuSpec& gpu) {
  const std::string file = test::source_path("profiles/calibration/default.yaml").string();
  return load_calibration_file(file).resolve(gpu.generation, "sglang");
}

Deployment tbo_layout(int ranks, Overlap overlap) {
  Deployment d;
  d.weights = d.experts = Precision::fp8;
  d.parallel = Parallelism{1, 1, ranks, ranks};
  d.overlap = overlap;
  return d;
}

double attention_side(const OperatorBreakdown& b) {
  return b[static_cast<int>(OperatorKind::attention_projections)].time.value +
         b[static_cast<int>(OperatorKind::attention_core)].time.value;
}

}  // namespace

TEST_SUITE("performance") {

TEST_CASE("two-batch overlap: each layer runs max(a,c) + max(d,a) + max(e,d) + max(c,e) over one micro-batch") {
  // DeepSeek-R1 FP8 decode on 32 H100 (DP32 EP32 over 4 nodes), 128 sequences per GPU at 2,000
  // tokens: the step splits into two micro-batches of 64. a and e are one micro-batch's attention
  // and expert sides (its operator breakdown), d and c its dispatch (FP8, 1/3 of the all-to-all
  // bytes) and combine (BF16, 2/3), each with one all-to-all latency. DeepSeek-R1's 3 dense layers
  // have no all-to-all: their slots hold 2a + 2e, the same formula.
  const ModelSpec spec = test::shipped_model("deepseek-r1");
  const PreparedModel model = prepare(spec);
  const GpuSpec gpu = test::shipped_gpu("h100-sxm");
  const EfficiencyParams efficiency = sglang_on(gpu);
  const StepShape full{128, 2000, 1, 0, 0, 0};
  const StepShape half{64, 2000, 1, 0, 0, 0};
  const StepRates tbo = step_rates(model, gpu, tbo_layout(32, Overlap::two_batch), efficiency);
  const StepRates plain = step_rates(model, gpu, tbo_layout(32, Overlap::none), efficiency);
  const StepTime overlapped = stage_step_time(tbo, full);
  double slots = 0;
  double half_compute = 0;
  for (int i = 0; i < plain.costs.group_count; ++i) {
    IterationCosts one = plain.costs;  // the group alone: its operators' time at the half shape
    one.group_count = 1;
    one.groups[0] = plain.costs.groups[i];
    one.lm_head = {};
    StepRates group = plain;
    group.costs = one;
    OperatorBreakdown b;
    const StepTime t = stage_step_time(group, half, &b);
    const double a = attention_side(b);
    const double e = t.compute_bound.value + t.memory_bound.value - a;
    const LayerCommunicationCost& link = one.groups[0].communication;
    const double bytes_s = 64 * link.seconds_per_decode_token;
    const double layers = one.groups[0].layers;
    const double d = layers * (bytes_s * alltoall_dispatch_share + link.alltoall_seconds / 2);
    const double c = layers * (bytes_s * (1 - alltoall_dispatch_share) + link.alltoall_seconds / 2);
    slots += std::max(a, c) + std::max(d, a) + std::max(e, d) + std::max(c, e);
    half_compute += a + e;
  }
  OperatorBreakdown head;
  const StepTime half_step = stage_step_time(plain, half, &head);
  const double lm_head = head[static_cast<int>(OperatorKind::lm_head)].time.value;
  const IterationCosts& k = plain.costs;
  const double overheads = 2 * (k.decode_overhead_seconds - k.step_overhead_seconds) + k.step_overhead_seconds;
  CHECK(overlapped.total.value == rel(slots + 2 * lm_head + overheads, 1e-9));
  CHECK(overlapped.overhead.value == rel(overheads, 1e-12));
  // Both micro-batches' work is reported; the communication is what the slots leave exposed.
  CHECK(overlapped.compute_bound.value + overlapped.memory_bound.value == rel(2 * (half_compute + lm_head), 1e-9));
  CHECK(overlapped.flops.value == rel(2 * half_step.flops.value, 1e-12));
  // Between the bounds: no faster than the communication hidden entirely, no slower than none hidden
  // (at this batch the second weight read costs less than the overlap saves).
  const StepTime serial = stage_step_time(plain, full);
  const double hidden = std::max((serial.compute_bound + serial.memory_bound + serial.overhead).value,
                                 serial.communication.value);
  CHECK(overlapped.total.value > hidden);
  CHECK(overlapped.total.value < serial.total.value);
}

TEST_CASE("two-batch overlap without an all-to-all: not applied, and its schedule would run the halves in turn") {
  // Llama-3.1-70B on one H100 (ep 1): the stated option is not applied, the step runs one batch.
  const ModelSpec spec = test::shipped_model("llama-3.1-70b");
  const PreparedModel model = prepare(spec);
  const GpuSpec gpu = test::shipped_gpu("h100-sxm");
  const EfficiencyParams efficiency = sglang_on(gpu);
  Deployment d;
  d.weights = d.experts = Precision::fp8;
  const StepRates plain = step_rates(model, gpu, d, efficiency);
  d.overlap = Overlap::two_batch;
  const StepRates stated = step_rates(model, gpu, d, efficiency);
  CHECK_FALSE(stated.costs.two_batch_overlap);
  CHECK(stage_step_time(stated, StepShape{32, 1000, 1, 0, 0, 0}).total.value ==
        stage_step_time(plain, StepShape{32, 1000, 1, 0, 0, 0}).total.value);
  // The schedule itself on the same layout: nothing to overlap, so the step is two half steps that
  // share one step overhead, and every weight is read twice.
  StepRates tbo = stated;
  tbo.costs.two_batch_overlap = true;
  const StepTime half = stage_step_time(plain, StepShape{16, 1000, 1, 0, 0, 0});
  const StepTime both = stage_step_time(tbo, StepShape{32, 1000, 1, 0, 0, 0});
  CHECK(both.total.value == rel(2 * half.total.value - plain.costs.step_overhead_seconds, 1e-9));
  CHECK(both.bytes.value == rel(2 * half.bytes.value, 1e-12));
  CHECK(both.communication.value == doctest::Approx(0).epsilon(1e-12));
  // One token cannot be split: the step runs as one batch.
  CHECK(stage_step_time(tbo, StepShape{1, 1000, 1, 0, 0, 0}).total.value ==
        stage_step_time(plain, StepShape{1, 1000, 1, 0, 0, 0}).total.value);
}

TEST_CASE("a drafting pass is one MTP layer, its 2H->H projection, the whole LM head and a pass's overheads") {
  // DeepSeek-R1 FP8 on 16 H20 (DP16 EP16), 8 sequences per GPU at 5,000 tokens. The MTP module is a
  // layer of the last layer's kind (MoE): the pass costs that layer as the step costs it, plus the
  // projection (2 x 7168^2 = 102,760,448 FP8 weights) and the LM head (129,280 x 7,168, 16-bit) on the
  // 8 drafted positions, plus the engine's step overhead and one layer's overheads.
  const ModelSpec spec = test::shipped_model("deepseek-r1");
  const PreparedModel model = prepare(spec);
  const GpuSpec gpu = test::shipped_gpu("h20");
  const EfficiencyParams efficiency = sglang_on(gpu);
  const StepRates r = step_rates(model, gpu, tbo_layout(16, Overlap::none), efficiency);
  const IterationCosts& k = r.costs;
  CHECK(k.draft_layer.moe);
  CHECK(k.draft_layer.layers == 1.0);
  CHECK(k.draft_projection.bytes == rel(102'760'448.0 * info(Precision::fp8).bytes_per_element, 1e-12));
  const EngineEfficiency& engine = efficiency.engine;
  CHECK(k.draft_overhead_seconds ==
        rel(engine.step_overhead.value + engine.layer_overhead.value + engine.moe_layer_overhead.value, 1e-12));
  // Rebuilt from a one-layer iteration of the MoE group (no overheads, no LM head) and the two
  // weight operators on the roofline.
  IterationCosts one = k;
  one.group_count = 1;
  one.groups[0] = k.draft_layer;
  one.lm_head = {};
  one.decode_overhead_seconds = 0;
  StepRates layer = r;
  layer.costs = one;
  // With a breakdown the iteration runs group by group over `costs` (the merged operators were
  // merged from r's groups, not this one).
  OperatorBreakdown breakdown;
  const double layer_s = stage_step_time(layer, StepShape{8, 5000, 1, 0, 0, 0}, &breakdown).total.value;
  auto roofline = [&](const WeightOperatorCost& op, double seconds_per_flop) {
    return smooth_max(8 * op.flops_per_unit * seconds_per_flop, op.bytes * r.seconds_per_byte, r.sharpness);
  };
  const double expected = layer_s + roofline(k.draft_projection, r.seconds_per_weight_flop) +
                          roofline(k.lm_head, r.seconds_per_head_flop) + k.draft_overhead_seconds;
  CHECK(draft_pass_seconds(r, 8, 5000).value == rel(expected, 1e-9));
  // The pass costs more than a 61st of the step it drafts for (what it was charged before): the
  // LM head and the pass's own launch are not shared by 61 layers.
  const double step = stage_step_time(r, StepShape{8, 5000, 2, 0, 0, 0}).total.value;
  CHECK(draft_pass_seconds(r, 8, 5000).value > 2 * step / 61);
}

}  // TEST_SUITE("performance")

}  // namespace llmsizer
