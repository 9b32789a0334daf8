#include "estimator/disaggregation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "estimator/placement.hpp"
#include "hardware/collectives.hpp"

namespace llmsizer {

std::string pools_label(const DisaggregatedDeployment& pools) {
  auto layout = [](const Parallelism& p) { return fmt::format("tp{} pp{} dp{} ep{}", p.tp, p.pp, p.dp, p.ep); };
  return fmt::format("{}P{}D (prefill {}, decode {})", pools.prefill.replicas, pools.decode.replicas,
                     layout(pools.prefill.parallel), layout(pools.decode.parallel));
}

Bytes kv_handoff_bytes_per_gpu(const PreparedModel& m, const Deployment& d, std::int64_t isl) {
  return Bytes{place(m, d).kv_bytes_per_sequence(isl)};
}

Seconds kv_transfer_time(Bytes sent, Bytes received, const GpuSpec& gpu, const EfficiencyParams& e) {
  // Each GPU of the request's prefill rank holds its shard of the prompt's KV (its layers, its share
  // of the heads, the whole MLA latent) and sends it to its counterpart(s) over its own NIC; the
  // decode side receives the shards its layout keeps. The busier side sets the time.
  const LinkRates links = achievable_link_rates(gpu, e.hardware);
  return scale_out_send_time(Bytes{std::max(sent.value, received.value)}, links, e.engine.scale_out_latency);
}

Seconds kv_transfer_time(const PreparedModel& m, const GpuSpec& gpu, const DisaggregatedDeployment& pools,
                         std::int64_t isl, const EfficiencyParams& e) {
  return kv_transfer_time(kv_handoff_bytes_per_gpu(m, pools.prefill, isl), kv_handoff_bytes_per_gpu(m, pools.decode, isl),
                          gpu, e);
}

std::int64_t default_prefill_batch(std::int64_t isl, const EfficiencyParams& e) {
  return std::max<std::int64_t>(1, e.engine.prefill_chunk_tokens / std::max<std::int64_t>(1, isl));
}

int prefill_workers_for(int decode_workers, double decode_rate, double prefill_rate) {
  if (prefill_rate <= 0) return 1;
  const double needed = std::ceil(decode_workers * decode_rate / prefill_rate - 1e-9);
  return static_cast<int>(std::clamp(needed, 1.0, static_cast<double>(std::numeric_limits<int>::max() / 2)));
}

namespace {

PoolFigures pool_figures(const Deployment& d, std::int64_t batch, const Estimate& side, double requests_per_s) {
  PoolFigures p;
  p.deployment = d;
  p.batch = batch;
  p.running = side.running;
  p.requests_per_s = requests_per_s;
  p.memory = side.memory;
  return p;
}

/// Both pools must fit; a reason names the pool it comes from.
bool pools_fit(Estimate& r, const Estimate& prefill_side, const Estimate& decode_side) {
  for (const auto& [side, pool] : {std::pair{&prefill_side, "prefill pool"}, std::pair{&decode_side, "decode pool"}}) {
    if (side->fits) continue;
    for (const std::string& reason : side->reasons) r.reasons.push_back(fmt::format("{}: {}", pool, reason));
    if (side->reasons.empty()) r.reasons.push_back(fmt::format("{}: does not fit", pool));
  }
  r.fits = r.reasons.empty();
  return r.fits;
}

}  // namespace

Estimate combine_pools(const GpuSpec& gpu, const DisaggregatedDeployment& pools, const Workload& w,
                       const EfficiencyParams& e, const Estimate& prefill_side, const Estimate& decode_side,
                       Seconds kv_transfer, Bytes kv_bytes, std::optional<double> usd_per_gpu_hour) {
  Estimate r;
  auto detail = std::make_shared<Disaggregation>();
  r.memory = decode_side.memory;
  if (!pools_fit(r, prefill_side, decode_side)) return r;
  const double isl = static_cast<double>(w.isl);
  const double osl = static_cast<double>(w.osl);
  // Capacities in requests/s at the request mix: the prefill pool's prompts, and the decode pool's
  // requests, each holding a slot for its osl − 1 tokens after the first (DistServe §3.1 models the same two rates).
  const double prefill_rate = prefill_side.input_tok_s / isl;
  const double decode_tokens = std::max(1.0, osl - 1.0);
  const double decode_rate = w.osl > 1 ? decode_side.output_tok_s / decode_tokens : std::numeric_limits<double>::infinity();
  const double rate = std::min(prefill_rate, decode_rate);  // the slower pool sets the deployment's rate
  detail->prefill = pool_figures(pools.prefill, pools.prefill_batch, prefill_side, prefill_rate);
  detail->decode = pool_figures(pools.decode, pools.decode_batch, decode_side, decode_rate);
  detail->prefill.detail = prefill_side.prefill_detail;
  detail->decode.detail = decode_side.decode_detail;
  detail->prefill.utilization = rate / prefill_rate;
  detail->decode.utilization = w.osl > 1 ? rate / decode_rate : 0.0;
  detail->prefill_limited = prefill_rate < decode_rate;
  // A prefill worker serves a batch of b prompts in S = b / (its share of the pool's rate); arrivals at
  // the deployment's rate queue for it as an M/D/1 server (Pollaczek–Khinchine), as in
  // docs/methodology.md#serving: W = ρ·S / (2(1 − ρ)).
  const double per_worker = prefill_rate / pools.prefill.replicas;
  const double batch_service = static_cast<double>(prefill_side.running) / pools.prefill.replicas / per_worker;
  const double load = std::min(max_queue_load, detail->prefill.utilization);
  double wait = load * batch_service / (2.0 * (1.0 - load));
  r.has_tpot = w.osl > 1;
  r.tpot = r.has_tpot ? decode_side.tpot : seconds(0);
  if (detail->prefill_limited && r.has_tpot) {
    // Closed loop: the decode pool's running requests are the ones in flight, N. They cycle at the
    // prefill pool's rate λ, so by Little's law a request's cycle is N / λ; decoding holds it for
    // (OSL − 1)·TPOT of it, and the rest is prefill, KV transfer and the wait for a prefill worker.
    // The open-queue wait above is the least it waits (docs/methodology.md#disaggregated).
    const double cycle = static_cast<double>(decode_side.running) / rate;
    const double outside_wait = prefill_side.ttft.value + kv_transfer.value + decode_tokens * r.tpot.value;
    wait = std::max(wait, cycle - outside_wait);
  }
  detail->prefill_queue = seconds(wait);
  detail->prefill_compute = prefill_side.ttft - e.engine.request_overhead;
  detail->kv_transfer = kv_transfer;
  detail->kv_transfer_bytes = kv_bytes;
  detail->balanced_prefill_per_decode =
      w.osl > 1 ? (decode_rate / pools.decode.replicas) / per_worker : 0.0;
  r.ttft = detail->prefill_queue + prefill_side.ttft + kv_transfer;
  r.tok_s_per_user = r.has_tpot ? 1.0 / r.tpot.value : 0.0;
  r.concurrency = decode_side.concurrency;
  r.running = decode_side.running;
  r.queued = decode_side.queued;
  r.prefill_alone = prefill_side.prefill_alone;
  r.prefill_detail = prefill_side.prefill_detail;
  r.decode_step = decode_side.decode_step;
  r.decode_detail = decode_side.decode_detail;
  r.tokens_per_decode_step = decode_side.tokens_per_decode_step;
  r.output_tok_s = rate * osl;
  r.input_tok_s = rate * isl;
  r.output_tok_s_per_gpu = r.output_tok_s / pools.total_gpus();
  // The prefill pool's GPUs are the GPU time spent on prompts.
  r.prefill_share = static_cast<double>(pools.prefill.total_gpus()) / pools.total_gpus();
  if (detail->prefill_limited) {
    r.notes.push_back(fmt::format("the prefill pool is the slower one ({:.2f} of {:.2f} requests/s): requests wait for it "
                                  "(in TTFT); about {:.2f} prefill workers per decode worker balance the pools",
                                  prefill_rate, decode_rate, detail->balanced_prefill_per_decode));
  }
  add_cost_and_energy(r, gpu, pools.total_gpus(), e, usd_per_gpu_hour);
  r.disaggregated = std::move(detail);
  return r;
}

Estimate estimate_disaggregated(const PreparedModel& m, const GpuSpec& gpu, const DisaggregatedDeployment& pools,
                                const Workload& w, const EfficiencyParams& e, std::optional<double> usd_per_gpu_hour) {
  DisaggregatedDeployment resolved = pools;
  if (resolved.prefill_batch <= 0) resolved.prefill_batch = default_prefill_batch(w.isl, e);
  const Workload prefill_work{w.isl, 1, resolved.prefill_batch * pools.prefill.replicas, Phase::prefill};
  const Workload decode_work{w.isl, w.osl, resolved.decode_batch * pools.decode.replicas, Phase::decode};
  const Estimate prefill_side = estimate(m, gpu, pools.prefill, prefill_work, e, usd_per_gpu_hour);
  const Estimate decode_side = estimate(m, gpu, pools.decode, decode_work, e, usd_per_gpu_hour);
  if (resolved.decode_batch <= 0) {
    resolved.decode_batch = std::max<std::int64_t>(1, decode_side.concurrency / pools.decode.replicas);
  }
  const Seconds transfer = kv_transfer_time(m, gpu, pools, w.isl, e);
  const Bytes kv_bytes{kv_bytes_per_sequence(m, pools.decode.kv, w.isl)};
  Estimate r = combine_pools(gpu, resolved, w, e, prefill_side, decode_side, transfer, kv_bytes, usd_per_gpu_hour);
  for (const std::string& note : decode_side.notes) r.notes.push_back("decode pool: " + note);
  for (const std::string& note : prefill_side.notes) r.notes.push_back("prefill pool: " + note);
  return r;
}

}  // namespace llmsizer
