// Disaggregated serving (estimator/disaggregation.hpp): the KV transfer worked by hand, the pool
// sizing rule, and an xPyD estimate checked against its definition from the two pools' own
// estimates (docs/methodology.md#disaggregated).
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <fmt/format.h>

#include "estimator/disaggregation.hpp"
#include "io/calibration_loader.hpp"
#include "tests/test_support.hpp"
#include "tests/estimator/loaded_model.hpp"

namespace llmsizer {
namespace {

using test::rel;

using test::Loaded;
using test::load;

Deployment worker(int tp, int replicas, Precision weights = Precision::bf16) {
  Deployment d;
  d.weights = d.experts = weights;
  d.parallel = Parallelism{tp, 1, 1, 1};
  d.replicas = replicas;
  return d;
}

TEST_SUITE("serving") {

TEST_CASE("KV transfer: the busier side's per-GPU shard over the scale-out link, plus its latency") {
  // Llama-3.1-70B, BF16 KV: 2 x 80 layers x 8 KV heads x 128 x 2 B = 327,680 B per token. A prompt of
  // 4,096 tokens from tp8 prefill GPUs (one KV head each: 40,960 B/token, 167,772,160 B) to tp4
  // decode GPUs (two heads each: 81,920 B/token, 335,544,320 B). H100: 50 GB/s per direction of
  // scale-out x hopper link_fraction 0.75 = 37.5 GB/s; 335,544,320 / 37.5e9 = 8.94785 ms, plus the
  // default engine's calibrated scale_out_latency (about 45 us).
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  REQUIRE(l.efficiency.hardware.link_fraction == 0.75);
  const double latency_ms = in_milliseconds(l.efficiency.engine.scale_out_latency);
  REQUIRE(latency_ms > 0.01);
  REQUIRE(latency_ms < 0.2);
  const DisaggregatedDeployment pools{worker(8, 1), worker(4, 1), 0, 0};
  CHECK(kv_handoff_bytes_per_gpu(l.prepared, pools.prefill, 4'096).value == rel(167'772'160, 1e-12));
  CHECK(kv_handoff_bytes_per_gpu(l.prepared, pools.decode, 4'096).value == rel(335'544'320, 1e-12));
  CHECK(in_milliseconds(kv_transfer_time(l.prepared, l.gpu, pools, 4'096, l.efficiency)) == rel(8.94785 + latency_ms, 1e-5));
}

TEST_CASE("KV transfer under MLA on H20: the whole latent of the prompt, over one GPU's 25 GB/s") {
  // DeepSeek-R1 keeps a 512 + 64 = 576-element latent per token and layer (MLA), 61 layers, BF16:
  // 576 x 61 x 2 = 70,272 B per token, 287,834,112 B for a 4,096-token prompt. The latent is not split
  // over heads, so a tp8 prefill GPU (Ant Group's H20 prefill workers, LMSYS blog 2025-09-26) holds the
  // whole of it, and so does the dp16 ep16 decode rank the request moves to. H20: 4 x 400 Gb/s NICs per
  // 8 GPUs = 25 GB/s per GPU per direction, x hopper link_fraction 0.75 = 18.75 GB/s:
  // 287,834,112 / 18.75e9 = 15.35115 ms, plus one scale_out_latency.
  const Loaded l = load("deepseek-r1", "h20");
  REQUIRE(l.efficiency.hardware.link_fraction == 0.75);
  Deployment prefill = worker(8, 1, Precision::fp8);
  Deployment decode = worker(1, 1, Precision::fp8);
  decode.parallel = Parallelism{1, 1, 16, 16};
  const DisaggregatedDeployment pools{prefill, decode, 0, 0};
  CHECK(kv_handoff_bytes_per_gpu(l.prepared, prefill, 4'096).value == rel(287'834'112, 1e-12));
  CHECK(kv_handoff_bytes_per_gpu(l.prepared, decode, 4'096).value == rel(287'834'112, 1e-12));
  const double latency_ms = in_milliseconds(l.efficiency.engine.scale_out_latency);
  CHECK(in_milliseconds(kv_transfer_time(l.prepared, l.gpu, pools, 4'096, l.efficiency)) ==
        rel(15.35115 + latency_ms, 1e-6));
}

TEST_CASE("pool sizing: prefill workers keep up with the decode workers, at least one") {
  CHECK(prefill_workers_for(4, 2.0, 3.0) == 3);   // 4 x 2 / 3 = 2.67 -> 3
  CHECK(prefill_workers_for(3, 1.0, 1.0) == 3);   // exactly balanced: no extra worker
  CHECK(prefill_workers_for(1, 0.1, 10.0) == 1);  // a fraction of a worker is still one
  CHECK(prefill_workers_for(2, 1.0, 0.0) == 1);   // no prefill rate: nothing to size by
  // The default prefill batch: the prompts one 8,192-token budget holds.
  const Loaded l = load("llama-3.1-8b", "h100-sxm");
  REQUIRE(l.efficiency.engine.prefill_chunk_tokens == 8'192);
  CHECK(default_prefill_batch(1'000, l.efficiency) == 8);
  CHECK(default_prefill_batch(10'000, l.efficiency) == 1);
}

TEST_CASE("xPyD estimate: TTFT = prefill queue + prefill + KV transfer, TPOT the decode pool's, the slower pool's rate") {
  // Llama-3.1-70B FP8 on H100: 2 prefill workers (tp8, 4 prompts of 2,048 tokens per batch) and 3
  // decode workers (tp4, 64 sequences each), 2,048 in + 512 out.
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  const DisaggregatedDeployment pools{worker(8, 2, Precision::fp8), worker(4, 3, Precision::fp8), 4, 64};
  const Workload w{2'048, 512, 0, Phase::mixed};
  const Estimate e = estimate_disaggregated(l.prepared, l.gpu, pools, w, l.efficiency, 2.0);
  REQUIRE(e.fits);
  REQUIRE(e.disaggregated);
  const Disaggregation& x = *e.disaggregated;
  // The pools estimated alone, one phase each.
  const Estimate pre = estimate(l.prepared, l.gpu, pools.prefill, Workload{2'048, 1, 8, Phase::prefill}, l.efficiency, 2.0);
  const Estimate dec = estimate(l.prepared, l.gpu, pools.decode, Workload{2'048, 512, 192, Phase::decode}, l.efficiency, 2.0);
  CHECK(e.tpot.value == rel(dec.tpot.value, 1e-12));
  const double prefill_rate = pre.input_tok_s / 2'048;  // requests/s of both prefill workers
  const double decode_rate = dec.output_tok_s / 511;    // each request decodes 511 tokens after the first
  CHECK(x.prefill.requests_per_s == rel(prefill_rate, 1e-12));
  CHECK(x.decode.requests_per_s == rel(decode_rate, 1e-12));
  const double rate = std::min(prefill_rate, decode_rate);
  CHECK(x.prefill_limited == (prefill_rate < decode_rate));
  // Decode-limited: the decode pool runs its whole batch, the step and TPOT of the pool alone.
  REQUIRE_FALSE(x.prefill_limited);
  CHECK(x.decode.running == dec.running);
  CHECK(x.in_flight == dec.running);
  CHECK(e.decode_step.value == rel(dec.decode_step.value, 1e-12));
  CHECK(e.output_tok_s == rel(rate * 512, 1e-12));
  CHECK(e.input_tok_s == rel(rate * 2'048, 1e-12));
  // M/D/1 wait for a prefill worker: S = 4 prompts / (one worker's rate), rho = rate / prefill rate.
  const double batch_time = 4.0 / (prefill_rate / 2);
  const double rho = std::min(max_queue_load, rate / prefill_rate);
  CHECK(x.prefill_queue.value == rel(rho * batch_time / (2 * (1 - rho)), 1e-12));
  CHECK(x.kv_transfer.value == rel(kv_transfer_time(l.prepared, l.gpu, pools, 2'048, l.efficiency).value, 1e-12));
  CHECK(e.ttft.value == rel(x.prefill_queue.value + pre.ttft.value + x.kv_transfer.value, 1e-12));
  // 16 + 12 GPUs, priced at $2/GPU-hour; $/Mtok output on all of them, $/Mtok input on the prefill pool's.
  CHECK(pools.total_gpus() == 28);
  CHECK(*e.usd_per_hour == rel(56.0, 1e-12));
  CHECK(*e.usd_per_mtok_output == rel(56.0 / (e.output_tok_s * 3'600) * 1e6, 1e-12));
  CHECK(*e.usd_per_mtok_input == rel(32.0 / (e.input_tok_s * 3'600) * 1e6, 1e-12));
  CHECK(e.output_tok_s_per_gpu == rel(e.output_tok_s / 28, 1e-12));
  CHECK(x.balanced_prefill_per_decode == rel((decode_rate / 3) / (prefill_rate / 2), 1e-12));
}

TEST_CASE("xPyD estimate: a prefill pool too small for its decode pool limits throughput, sets the wait and says so") {
  // One tp1 prefill worker of Llama-3.1-8B feeding eight decode workers of 128 sequences each on
  // 8,192-token prompts: prompts arrive faster than one GPU prefills them.
  const Loaded l = load("llama-3.1-8b", "h100-sxm");
  const DisaggregatedDeployment pools{worker(1, 1), worker(1, 8), 1, 128};
  const Estimate e = estimate_disaggregated(l.prepared, l.gpu, pools, Workload{8'192, 256, 0, Phase::mixed},
                                            l.efficiency, std::nullopt);
  REQUIRE(e.fits);
  const Disaggregation& x = *e.disaggregated;
  CHECK(x.prefill_limited);
  CHECK(x.prefill.utilization == 1.0);
  CHECK(x.decode.utilization < 1.0);
  CHECK(e.output_tok_s == rel(x.prefill.requests_per_s * 256, 1e-12));
  CHECK(x.balanced_prefill_per_decode > 1.0);
  // Closed loop: the 8 x 128 requests in flight (of which the decode pool's KV holds e.running, the
  // rest waiting for a slot) cycle at the prefill pool's rate, so by Little's law a request spends
  // in flight / rate per cycle, 255 TPOTs of it decoding and the rest up to its first token; far more
  // than the open queue's M/D/1 wait at the 0.95 load cap.
  REQUIRE(e.running > 100);
  REQUIRE(e.running < 8 * 128);
  CHECK(e.concurrency == 8 * 128);
  const double rate = x.prefill.requests_per_s;
  CHECK(e.ttft.value + 255 * e.tpot.value == rel(8.0 * 128 / rate, 1e-12));
  const double batch_time = 1.0 / rate;
  CHECK(x.prefill_queue.value > 10 * max_queue_load * batch_time / (2 * (1 - max_queue_load)));
  CHECK(e.ttft.value == rel(x.prefill_queue.value + x.prefill_compute.value +
                                e.disaggregated->kv_transfer.value + l.efficiency.engine.request_overhead.value,
                            1e-12));
  REQUIRE_FALSE(e.notes.empty());
  CHECK(e.notes.front().find("the prefill pool is the slower one") == 0);
  CHECK_FALSE(e.usd_per_mtok_output.has_value());  // no price given
}

TEST_CASE("xPyD estimate: a starved decode pool runs the batch its prefill pool sustains, at that batch's TPOT") {
  // The deployment above: one tp1 prefill worker of Llama-3.1-8B on 8,192-token prompts feeds eight
  // decode workers. Fed λ requests/s, each decoding for 255 tokens, the decode pool holds
  // n = λ · 255 · TPOT(n) of them at once (Little's law), far fewer than its slots; TPOT is that
  // batch's, below the full batch's.
  const Loaded l = load("llama-3.1-8b", "h100-sxm");
  const DisaggregatedDeployment pools{worker(1, 1), worker(1, 8), 1, 128};
  const Workload w{8'192, 256, 0, Phase::mixed};
  const Estimate e = estimate_disaggregated(l.prepared, l.gpu, pools, w, l.efficiency, std::nullopt);
  REQUIRE(e.fits);
  const Disaggregation& x = *e.disaggregated;
  REQUIRE(x.prefill_limited);
  auto decode_at = [&](std::int64_t running) {
    return estimate(l.prepared, l.gpu, pools.decode, Workload{8'192, 256, running, Phase::decode}, l.efficiency,
                    std::nullopt);
  };
  const Estimate full = decode_at(8 * 128);
  CHECK(x.in_flight == full.running);
  const std::int64_t n = x.decode.running;
  REQUIRE(n >= 1);
  CHECK(n < full.running / 4);
  CHECK(e.tpot.value < 0.9 * full.tpot.value);
  // TPOT and the step are the decode pool's at n requests, and n is the fixed point to the request:
  // the rate sustains n at TPOT(n), not n + 1 at TPOT(n + 1).
  const Estimate at_n = decode_at(n);
  CHECK(e.tpot.value == rel(at_n.tpot.value, 1e-12));
  CHECK(e.decode_step.value == rel(at_n.decode_step.value, 1e-12));
  const double rate = x.prefill.requests_per_s;
  CHECK(rate * 255 * at_n.tpot.value >= static_cast<double>(n));
  CHECK(rate * 255 * decode_at(n + 1).tpot.value < static_cast<double>(n + 1));
  // The decode figures the answer reports are that batch's; the closed loop still holds all in flight,
  // and the pool's memory is theirs, the KV of every request the fit check admitted, not only n's.
  CHECK(x.decode.detail.total.value == rel(at_n.decode_detail.total.value, 1e-12));
  CHECK(e.running == x.in_flight);
  CHECK(x.decode.memory.need.total().value == rel(full.memory.need.total().value, 1e-12));
  CHECK(x.decode.memory.need.total().value > at_n.memory.need.total().value);
  // The notes agree: the decode side's note says what the KV cache holds, not that all of it runs.
  int held_notes = 0;
  for (const std::string& note : e.notes) {
    CAPTURE(note);
    CHECK(note.find(fmt::format("{} run at once", full.running)) == std::string::npos);
    held_notes += note.starts_with(fmt::format("decode pool: {} requests in flight, {} held at once (as many as the "
                                               "KV cache holds); {} wait in the queue",
                                               full.concurrency, full.running, full.queued));
  }
  CHECK(held_notes == 1);
  // The search pairs pools from one worker's estimates, scaled by the worker counts: combine_pools
  // finds the same batch from them.
  const Estimate one_prefill =
      estimate(l.prepared, l.gpu, worker(1, 1), Workload{8'192, 1, 1, Phase::prefill}, l.efficiency, std::nullopt);
  Estimate eight_decode =
      estimate(l.prepared, l.gpu, worker(1, 1), Workload{8'192, 256, 128, Phase::decode}, l.efficiency, std::nullopt);
  eight_decode.output_tok_s *= 8;
  eight_decode.running *= 8;
  eight_decode.concurrency *= 8;
  eight_decode.queued *= 8;
  const PreparedDeployment decode_worker = prepare_deployment(l.prepared, l.gpu, worker(1, 1), l.efficiency, std::nullopt);
  const Estimate paired =
      combine_pools(decode_worker, pools, w, one_prefill, eight_decode, x.kv_transfer, x.kv_transfer_bytes);
  REQUIRE(paired.fits);
  CHECK(paired.disaggregated->decode.running == n);
  CHECK(paired.tpot.value == rel(e.tpot.value, 1e-12));
  CHECK(paired.ttft.value == rel(e.ttft.value, 1e-12));
}

TEST_CASE("xPyD estimate: requests beyond what the decode pool's KV holds wait, a cycle of in flight / rate") {
  // Llama-3.1-70B, one tp8 prefill and one tp8 decode worker at 2,048 + 512 tokens: the decode pool's
  // KV holds fewer than 1,000 in flight, so the rest wait for a slot (as the co-located engine's queue,
  // queued_wait_s) and by Little's law each more request in flight adds 1 / rate to TTFT.
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  auto at = [&](std::int64_t in_flight) {
    const DisaggregatedDeployment pools{worker(8, 1), worker(8, 1), 0, in_flight};
    return estimate_disaggregated(l.prepared, l.gpu, pools, Workload{2'048, 512, 0, Phase::mixed}, l.efficiency,
                                  std::nullopt);
  };
  const Estimate some = at(1'000), many = at(5'000);
  REQUIRE(some.fits);
  REQUIRE(many.fits);
  REQUIRE(some.running < 1'000);
  CHECK(many.running == some.running);  // the same held batch: same TPOT, same rate
  CHECK(many.tpot.value == rel(some.tpot.value, 1e-12));
  const double rate = many.output_tok_s / 512;
  CHECK(many.ttft.value - some.ttft.value == rel(4'000 / rate, 1e-9));
  CHECK(some.ttft.value > static_cast<double>(1'000 - some.running) / rate);
}

TEST_CASE("the decode pool at a prefill rate: all its slots when the rate keeps them busy, fewer as the rate falls") {
  const Loaded l = load("llama-3.1-8b", "h100-sxm");
  const PreparedDeployment pool = prepare_deployment(l.prepared, l.gpu, worker(1, 2), l.efficiency, std::nullopt);
  const Workload w{2'048, 512, 0, Phase::mixed};
  const Estimate full = estimate(pool, Workload{2'048, 512, 64, Phase::decode});
  REQUIRE(full.running == 64);
  const double capacity = full.output_tok_s / 511;  // requests/s the 64 slots serve
  CHECK(decode_pool_at_rate(pool, w, capacity * 1.01, 64).running == 64);
  std::int64_t previous = 64;
  for (const double share : {0.8, 0.4, 0.1, 0.01}) {
    CAPTURE(share);
    const Estimate fed = decode_pool_at_rate(pool, w, capacity * share, 64);
    CHECK(fed.running < previous);  // a slower feed keeps fewer decoding
    CHECK(fed.running >= 1);
    CHECK(fed.tpot.value <= full.tpot.value);
    previous = fed.running;
  }
  // Below one request's worth the pool idles between requests: it runs one when it runs.
  CHECK(decode_pool_at_rate(pool, w, 1e-6, 64).running == 1);
}

TEST_CASE("xPyD estimate: a pool that does not fit makes the deployment not fit, naming the pool") {
  // Llama-3.1-70B BF16 (141 GB of weights) on one H100 prefill worker: no room.
  const Loaded l = load("llama-3.1-70b", "h100-sxm");
  const DisaggregatedDeployment pools{worker(1, 1), worker(8, 1), 1, 8};
  const Estimate e = estimate_disaggregated(l.prepared, l.gpu, pools, Workload{1'024, 256, 0, Phase::mixed},
                                            l.efficiency, 2.0);
  CHECK_FALSE(e.fits);
  CHECK_FALSE(e.disaggregated);
  REQUIRE_FALSE(e.reasons.empty());
  CHECK(e.reasons.front().rfind("prefill pool: ", 0) == 0);
}

}  // TEST_SUITE("serving")

}  // namespace
}  // namespace llmsizer
