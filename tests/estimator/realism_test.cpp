// estimator/realism: the layouts and speeds an engine would not be run at, each rule at its limit,
// and the sweep flagging rows by them (the 72-GPU tp8 pp9 RTX 4090 and 1 tok/s L4 cases).
#include "estimator/realism.hpp"

#include <doctest/doctest.h>

#include "estimator/sweep.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {

TEST_SUITE("decisions") {
  TEST_CASE("realism: tp within the scale-up domain, at most 4 pipeline stages, at least 5 tok/s per user") {
    const GpuSpec gpu = test::shipped_gpu("rtx-4090");  // pcie4, 8-GPU domain
    CHECK(is_realistic(gpu, Parallelism{8, 4, 1, 1}, 5.0));
    CHECK(unrealistic_because(gpu, Parallelism{8, 4, 1, 1}, 5.0).empty());
    CHECK_FALSE(is_realistic(gpu, Parallelism{8, 9, 1, 1}, 20.0));
    CHECK(unrealistic_text(gpu, Parallelism{8, 9, 1, 1}, 20.0) ==
          "pp 9 is deeper than the 4 pipeline stages engines are run with");
    CHECK(unrealistic_text(gpu, Parallelism{16, 1, 1, 1}, 20.0) == "tp 16 exceeds the 8-GPU pcie4 scale-up domain");
    // 927 ms TPOT is 1.08 tok/s per user.
    CHECK(unrealistic_text(gpu, Parallelism{8, 1, 1, 1}, 1000.0 / 927.0) ==
          "1.1 tok/s per user is below the 5 tok/s reading-speed floor");
    CHECK(unrealistic_because(gpu, Parallelism{16, 9, 1, 1}, 1.0).size() == 3);
  }

  TEST_CASE(
      "realism: expert parallel across PCIe cards' domains is flagged, within one domain or over NVLink it is not") {
    const GpuSpec rtx = test::shipped_gpu("rtx-4090");  // pcie4, 8-GPU domain
    CHECK(is_realistic(rtx, Parallelism{1, 1, 8, 8}, 20.0));
    CHECK_FALSE(is_realistic(rtx, Parallelism{1, 1, 16, 16}, 20.0));
    CHECK(unrealistic_text(rtx, Parallelism{1, 1, 16, 16}, 20.0) ==
          "ep 16 spans 2 8-GPU pcie4 domains: wide-EP all-to-all needs NVLink inside a node and GPU-initiated RDMA "
          "between nodes");
    CHECK(unrealistic_text(test::shipped_gpu("l40s"), Parallelism{1, 1, 32, 32}, 20.0).find("ep 32 spans 4") == 0);
    const GpuSpec h20 = test::shipped_gpu("h20");  // nvlink4 nodes, RDMA between them: the measured wide-EP pools
    CHECK(is_realistic(h20, Parallelism{1, 1, 32, 32}, 20.0));
  }

  TEST_CASE("realism: sweep rows carry the flag, --pp style restrictions narrow the layouts") {
    const Catalog catalog = test::shipped_catalog();
    const ModelSpec& model = *catalog.find_model("llama-3.1-70b");
    const PreparedModel prepared = prepare(model);
    const GpuSpec& gpu = *catalog.find_gpu("rtx-4090");
    SweepRequest request;
    request.isl = 1000;
    request.osl = 1000;
    request.max_gpus = 48;
    request.concurrencies = {1, 64, 1024};
    const SweepTarget target{&gpu, catalog.calibration().resolve(gpu.generation, ""), std::nullopt, {}, ""};
    const SweepResult all = sweep(prepared, {target}, request);
    bool deep = false;
    for (const SweepRow& row : all.rows) {
      CHECK(row.realistic == is_realistic(gpu, row.deployment.parallel, row.tok_s_per_user));
      deep = deep || row.deployment.parallel.pp > max_practical_pipeline_stages;
    }
    CHECK(deep);  // 70B in BF16 on 24 GB cards reaches 5+ stages within 48 GPUs
    REQUIRE(all.targets[0].best);
    CHECK(all.rows[*all.targets[0].best].realistic);
    request.only.pp = 2;
    const SweepResult two = sweep(prepared, {target}, request);
    REQUIRE_FALSE(two.rows.empty());
    for (const SweepRow& row : two.rows) CHECK(row.deployment.parallel.pp == 2);
    CHECK(two.rows.size() < all.rows.size());
  }

}  // TEST_SUITE

}  // namespace llmsizer
