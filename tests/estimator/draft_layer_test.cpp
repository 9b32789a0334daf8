// The drafting pass's layer (estimator/layer_costs.cpp, docs/methodology.md#mtp) is of the model's
// last layer's kind, as placement.cpp sizes the MTP module's weights, whatever order the layer kinds
// first appear in.
#include <doctest/doctest.h>

#include "estimator/prepared_model.hpp"
#include "estimator/step_rates.hpp"
#include "io/calibration_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {

TEST_SUITE("performance") {

TEST_CASE("the drafting layer is of the last layer's kind, not of the kind that appeared last") {
  // DeepSeek-R1 (3 dense layers, then MoE) with its last layer made dense: the layer groups are
  // dense, MoE in order of first appearance, and the last layer is dense.
  ModelSpec spec = test::shipped_model("deepseek-r1");
  spec.layer_is_moe.back() = false;
  const PreparedModel model = prepare(spec);
  REQUIRE(model.group_count == 2);
  REQUIRE(!model.groups[0].moe);
  REQUIRE(model.groups[1].moe);
  const GpuSpec gpu = test::shipped_gpu("h200-sxm");
  const EfficiencyParams efficiency =
      load_calibration_file(test::source_path("profiles/calibration/default.yaml").string())
          .resolve(gpu.generation, "sglang");
  Deployment d;
  d.weights = d.experts = Precision::fp8;
  d.parallel = Parallelism{1, 1, 8, 8};
  const IterationCosts& costs = step_rates(model, gpu, d, efficiency).costs;
  CHECK(!costs.draft_layer.moe);
  CHECK(costs.draft_layer.dense_ffn.bytes == costs.groups[0].dense_ffn.bytes);
  const EngineEfficiency& engine = efficiency.engine;
  CHECK(costs.draft_overhead_seconds == doctest::Approx(engine.step_overhead.value + engine.layer_overhead.value));

  // The shipped model ends on an MoE layer: its drafting layer is MoE.
  const ModelSpec shipped = test::shipped_model("deepseek-r1");
  const PreparedModel moe_last = prepare(shipped);
  CHECK(step_rates(moe_last, gpu, d, efficiency).costs.draft_layer.moe);
}

}  // TEST_SUITE

}  // namespace llmsizer
