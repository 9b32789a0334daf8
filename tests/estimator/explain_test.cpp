// The "why" of an estimate (estimator/explain.hpp): every figure is the estimate's own, and the
// decisive factor between two configurations points the right way in cases where the answer is
// known by construction (only the price, only the batch, only the HBM bandwidth differs); a
// disaggregated deployment is explained per pool with the deployment's rate and cycle.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "estimator/explain.hpp"
#include "estimator/memory_fit.hpp"
#include "io/calibration_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::rel;

struct Case {
  std::unique_ptr<ModelSpec> model;  // prepared points into it
  PreparedModel prepared;
  GpuSpec gpu;
  EfficiencyParams efficiency;
};

Case load_case(const std::string& model, const std::string& gpu) {
  Case c;
  c.model = std::make_unique<ModelSpec>(test::shipped_model(model));
  c.prepared = prepare(*c.model);
  c.gpu = test::shipped_gpu(gpu);
  const Calibration calibration = load_calibration_file(test::source_path("profiles/calibration/default.yaml").string());
  c.efficiency = calibration.resolve(c.gpu.generation, "");
  return c;
}

Deployment one_gpu() {
  Deployment d;
  d.weights = d.experts = Precision::bf16;
  return d;
}

struct Explained {
  Estimate estimate;
  Explanation why;
};

Explained run(const Case& c, const GpuSpec& gpu, const Deployment& d, const Workload& w, double price) {
  Explained x{estimate(c.prepared, gpu, d, w, c.efficiency, price), {}};
  REQUIRE(x.estimate.fits);
  x.why = explain(c.prepared, gpu, d, w, c.efficiency, x.estimate);
  return x;
}

}  // namespace

TEST_SUITE("serving") {

TEST_CASE("explain: the figures are the estimate's step times, bytes, memory and throughput") {
  const Case c = load_case("llama-3.1-8b", "h100-sxm");
  const Workload w{1'000, 1'000, 32, Phase::mixed};
  const Explained x = run(c, c.gpu, one_gpu(), w, 2.0);
  const Estimate& e = x.estimate;
  CHECK(x.why.decode.step.value == e.decode_detail.total.value);
  CHECK(x.why.prefill.step.value == e.prefill_detail.total.value);
  CHECK(x.why.decode.bound == e.decode_detail.bound());
  CHECK((x.why.decode.weight_bytes + x.why.decode.kv_bytes).value == rel(e.decode_detail.bytes.value, 1e-12));
  // A BF16 8B model at batch 32 reads its ~16 GB of weights once per step: decode is HBM-bound, and
  // the weights it reads are the weights it holds (dense: active = resident) less the embedding
  // table, of which a step reads only the rows of its tokens (128,256 x 4,096 x 2 B = 1.05 GB of 16.1).
  CHECK(x.why.decode.bound == Bound::memory);
  CHECK(x.why.decode.weight_bytes.value <= x.why.resident_weight_bytes.value);
  CHECK(x.why.decode.weight_bytes.value > 0.9 * x.why.resident_weight_bytes.value);
  CHECK(x.why.prefill.bound == Bound::compute);
  // Little's law: running requests x osl tokens per cycle is the output rate.
  CHECK(x.why.request_cycle.value * e.output_tok_s == rel(32.0 * 1'000, 1e-12));
  CHECK(x.why.running == 32);
  CHECK(x.why.batch_capacity >= 32);
  CHECK(x.why.kv_headroom_per_gpu.value ==
        rel(e.memory.usable_per_gpu.value - e.memory.need.weights.value - e.memory.need.activations.value, 1e-12));
  // Phase rates split the GPU time by the prefill share.
  REQUIRE(x.why.decode.tokens_per_gpu_s.has_value());
  CHECK(*x.why.decode.tokens_per_gpu_s == rel(e.output_tok_s / (1 - e.prefill_share), 1e-12));
  REQUIRE(x.why.prefill.tokens_per_gpu_s.has_value());
  CHECK(*x.why.prefill.tokens_per_gpu_s == rel(e.input_tok_s / e.prefill_share, 1e-12));
}

TEST_CASE("explain: MoE decode reads a fraction of the resident weights") {
  // Qwen3-30B-A3B at batch 1 on one H100: 128 experts, 8 per token, so one step reads a few GB of
  // the ~61 GB it holds.
  const Case c = load_case("qwen3-30b-a3b", "h100-sxm");
  const Explained x = run(c, c.gpu, one_gpu(), Workload{1'000, 1'000, 1, Phase::mixed}, 2.0);
  CHECK(x.why.decode.weight_bytes.value < 0.2 * x.why.resident_weight_bytes.value);
}

TEST_CASE("advantage: only the price differs, so the price decides by exactly its ratio") {
  const Case c = load_case("llama-3.1-8b", "h100-sxm");
  const Workload w{1'000, 1'000, 32, Phase::mixed};
  const Explained cheap = run(c, c.gpu, one_gpu(), w, 1.0);
  const Explained dear = run(c, c.gpu, one_gpu(), w, 2.5);
  const Advantage a = advantage(cheap.why, 1.0, dear.why, 2.5);
  CHECK(a.decisive == Factor::price);
  CHECK(a.price == rel(2.5, 1e-12));
  CHECK(a.requests_per_gpu == rel(1.0, 1e-12));
  CHECK(a.request_time == rel(1.0, 1e-12));
  CHECK(a.total == rel(*dear.estimate.usd_per_mtok_output / *cheap.estimate.usd_per_mtok_output, 1e-9));
}

TEST_CASE("advantage: only the HBM bandwidth differs, so time per request decides for the faster GPU") {
  const Case c = load_case("llama-3.1-8b", "h100-sxm");
  GpuSpec fast = c.gpu;
  fast.memory_bandwidth = BytesPerSecond{c.gpu.memory_bandwidth.value * 2};
  const Workload w{1'000, 1'000, 32, Phase::mixed};
  const Explained slow_run = run(c, c.gpu, one_gpu(), w, 2.0);
  const Explained fast_run = run(c, fast, one_gpu(), w, 2.0);
  const Advantage a = advantage(fast_run.why, 2.0, slow_run.why, 2.0);
  CHECK(a.decisive == Factor::request_time);
  CHECK(a.request_time > 1.1);  // decode is HBM-bound: most of the step halves
  CHECK(a.total == rel(*slow_run.estimate.usd_per_mtok_output / *fast_run.estimate.usd_per_mtok_output, 1e-9));
  // Seen from the slower GPU every factor is at most even: nothing decides in its favour.
  const Advantage back = advantage(slow_run.why, 2.0, fast_run.why, 2.0);
  CHECK(back.total < 1);
  // Priced t^0.8 below the other, the faster GPU's price lead is 0.8 of its time lead on a log scale
  // (>= shared_decision_share): both decide. At t^0.3 time decides alone; a price against the
  // winner never shares the decision.
  const double t = a.request_time;
  const Advantage shared = advantage(fast_run.why, 2.0, slow_run.why, 2.0 * std::pow(t, 0.8));
  CHECK(shared.decisive == Factor::request_time);
  CHECK(shared.deciding == std::vector<Factor>{Factor::request_time, Factor::price});
  CHECK(advantage(fast_run.why, 2.0, slow_run.why, 2.0 * std::pow(t, 0.3)).deciding ==
        std::vector<Factor>{Factor::request_time});
  CHECK(advantage(fast_run.why, 2.0, slow_run.why, 2.0 / std::pow(t, 0.8)).deciding ==
        std::vector<Factor>{Factor::request_time});
}

TEST_CASE("advantage: only the batch differs, so requests per GPU decide for the larger batch") {
  // 64 requests against 8 on the same GPU: each request runs somewhat slower in the larger batch
  // (decode stays HBM-bound), but 8x the requests share the GPU.
  const Case c = load_case("llama-3.1-8b", "h100-sxm");
  const Explained big = run(c, c.gpu, one_gpu(), Workload{1'000, 1'000, 64, Phase::mixed}, 2.0);
  const Explained small = run(c, c.gpu, one_gpu(), Workload{1'000, 1'000, 8, Phase::mixed}, 2.0);
  const Advantage a = advantage(big.why, 2.0, small.why, 2.0);
  CHECK(a.decisive == Factor::requests_per_gpu);
  CHECK(a.requests_per_gpu == rel(8.0, 1e-12));
  CHECK(a.request_time < 1);  // against the winner
  CHECK(a.total == rel(*small.estimate.usd_per_mtok_output / *big.estimate.usd_per_mtok_output, 1e-9));
}

TEST_CASE("explain_disaggregated: each pool's own iteration, memory and load; the deployment's rate and cycle") {
  // Llama-3.1-70B FP8 on H100, 8,192 in + 512 out: 2 prefill workers of tp8 and 3 decode workers of
  // tp4 running 32 requests each.
  const Case c = load_case("llama-3.1-70b", "h100-sxm");
  DisaggregatedDeployment pools;
  pools.prefill.weights = pools.prefill.experts = Precision::fp8;
  pools.prefill.parallel.tp = 8;
  pools.prefill.replicas = 2;
  pools.decode = pools.prefill;
  pools.decode.parallel.tp = 4;
  pools.decode.replicas = 3;
  pools.decode_batch = 32;
  const Workload w{8'192, 512, 0, Phase::mixed};
  const Estimate e = estimate_disaggregated(c.prepared, c.gpu, pools, w, c.efficiency, 2.0);
  REQUIRE(e.fits);
  REQUIRE(e.disaggregated);
  const Disaggregation& d = *e.disaggregated;
  const Explanation x = explain_disaggregated(c.prepared, c.gpu, w, c.efficiency, e);
  REQUIRE(x.pools);
  // Each phase is its own pool's iteration: the prefill pool's prompt chunk, the decode pool's step.
  CHECK(x.prefill.step.value == d.prefill.detail.total.value);
  CHECK(x.decode.step.value == d.decode.detail.total.value);
  CHECK((x.prefill.weight_bytes + x.prefill.kv_bytes).value == rel(d.prefill.detail.bytes.value, 1e-12));
  CHECK((x.decode.weight_bytes + x.decode.kv_bytes).value == rel(d.decode.detail.bytes.value, 1e-12));
  // An 8,192-token chunk is compute-bound; 32 sequences per tp4 worker stream the FP8 weights and
  // their KV once per step, HBM-bound.
  CHECK(x.prefill.bound == Bound::compute);
  CHECK(x.decode.bound == Bound::memory);
  // Phase rates over each pool's own GPUs: 2 x 8 prefill, 3 x 4 decode.
  CHECK(x.gpus == 28);
  CHECK(*x.prefill.tokens_per_gpu_s == rel(e.input_tok_s / 16, 1e-12));
  CHECK(*x.decode.tokens_per_gpu_s == rel(e.output_tok_s / 12, 1e-12));
  CHECK(x.pools->prefill.workers == 2);
  CHECK(x.pools->prefill.gpus == 16);
  CHECK(x.pools->decode.workers == 3);
  CHECK(x.pools->decode.gpus == 12);
  // The decode pool holds 3 x 32 in flight and runs those the prefill pool feeds: all of them when it
  // is the slower pool, fewer when the prefill pool is (decode_pool_at_rate).
  CHECK(d.in_flight == 96);
  CHECK(x.pools->decode.running == d.decode.running);
  CHECK((x.pools->decode.running < 96) == d.prefill_limited);
  // The slower pool runs flat out; the other at the deployment's rate over its capacity.
  CHECK(x.pools->prefill.utilization == d.prefill.utilization);
  CHECK(x.pools->decode.utilization == d.decode.utilization);
  CHECK(std::max(x.pools->prefill.utilization, x.pools->decode.utilization) == rel(1.0, 1e-12));
  CHECK(x.pools->prefill_limited == d.prefill_limited);
  CHECK(x.pools->kv_transfer.value == d.kv_transfer.value);
  CHECK(x.pools->prefill_queue.value == d.prefill_queue.value);
  // Memory per pool; the deployment's headroom and batch are the decode pool's.
  const MemoryPerGpu& dec = d.decode.memory.need;
  CHECK(x.pools->decode.kv_headroom_per_gpu.value ==
        rel(d.decode.memory.usable_per_gpu.value - dec.weights.value - dec.activations.value, 1e-12));
  CHECK(x.pools->prefill.resident_weight_bytes.value == d.prefill.memory.need.weights.value);
  CHECK(x.pools->prefill.resident_weight_bytes.value < x.pools->decode.resident_weight_bytes.value);  // tp8 vs tp4
  CHECK(x.kv_headroom_per_gpu.value == x.pools->decode.kv_headroom_per_gpu.value);
  CHECK(x.batch_capacity == x.pools->decode.batch_capacity);
  CHECK(x.batch_capacity >= 96);
  // The prefill pool holds a request's prompt KV only until it is handed to the decode pool: its room
  // counts prompts (8,192 + the first token), not whole requests of 8,192 + 512.
  CHECK(x.pools->prefill.batch_capacity ==
        max_resident_sequences(c.prepared, c.gpu, pools.prefill, 8'192 + 1, c.efficiency));
  CHECK(x.pools->prefill.batch_capacity >
        max_resident_sequences(c.prepared, c.gpu, pools.prefill, 8'192 + 512, c.efficiency));
  // Little's law over the deployment, so $/Mtok still factors exactly against a co-located one.
  CHECK(x.running == e.running);
  CHECK(x.request_cycle.value * e.output_tok_s == rel(static_cast<double>(e.running) * 512, 1e-12));
  Deployment co_located = pools.decode;
  co_located.replicas = 7;  // the same 28 GPUs
  const Explained co = run(c, c.gpu, co_located, Workload{8'192, 512, 224, Phase::mixed}, 2.0);
  const Advantage a = advantage(x, 2.0, co.why, 2.0);
  CHECK(a.total == rel(*co.estimate.usd_per_mtok_output / *e.usd_per_mtok_output, 1e-9));
}

}  // TEST_SUITE

}  // namespace llmsizer
