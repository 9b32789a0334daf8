#include "estimator/disaggregation.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "estimator/admission.hpp"
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

Estimate decode_pool_at_rate(const PreparedDeployment& pool, const Workload& w, double requests_per_s,
                             std::int64_t in_flight) {
  const double decode_tokens = decode_tokens_per_request(w.osl);
  auto at = [&](std::int64_t running) { return estimate(pool, Workload{w.isl, w.osl, running, Phase::decode}); };
  // Little's law on the decode pool: fed λ requests/s, each held for (OSL − 1)·TPOT, it runs λ·(OSL − 1)·TPOT.
  auto sustained = [&](const Estimate& e, std::int64_t running) {
    return requests_per_s * decode_tokens * e.tpot.value >= static_cast<double>(running);
  };
  std::int64_t low = 1, high = std::max<std::int64_t>(1, in_flight);
  Estimate at_high = at(high);
  if (high == 1 || sustained(at_high, high)) return at_high;  // one in flight, or the rate keeps every slot busy
  Estimate at_low = at(low);                     // below one request the pool idles between them
  // Invariant: `high` is more than the rate sustains; `low` is 1 or sustained.
  while (high - low > 1) {
    const std::int64_t middle = low + (high - low) / 2;
    Estimate e = at(middle);
    if (sustained(e, middle)) {
      low = middle;
      at_low = std::move(e);
    } else {
      high = middle;
    }
  }
  return at_low;
}

namespace {

/// Each pool's capacity in requests/s at the request mix (prefill_requests_per_s,
/// decode_requests_per_s); the slower sets the deployment's rate.
struct PoolRates {
  double prefill_requests_per_s = 0;
  double decode_requests_per_s = 0;
  double deployment_requests_per_s = 0;
  double decode_tokens = 1;  // tokens per request after the first
};

PoolRates pool_rates(const Workload& w, const Estimate& prefill_side, const Estimate& decode_side) {
  PoolRates r;
  r.prefill_requests_per_s = prefill_requests_per_s(prefill_side, w.isl);
  r.decode_tokens = decode_tokens_per_request(w.osl);
  // With one output token nothing decodes: the decode pool sets no limit.
  r.decode_requests_per_s =
      w.osl > 1 ? decode_requests_per_s(decode_side, w.osl) : std::numeric_limits<double>::infinity();
  r.deployment_requests_per_s = std::min(r.prefill_requests_per_s, r.decode_requests_per_s);
  return r;
}

/// The wait before a request's prefill. A worker serves a batch of b prompts in S = b / (its share
/// of the pool's rate); arrivals at the deployment's rate queue for it as an M/D/1 server
/// (Pollaczek–Khinchine, as docs/methodology.md#serving): W = ρ·S / (2(1 − ρ)). When the prefill pool
/// is the slower one the loop is closed: the decode pool's slots hold H requests, and they cycle at
/// the prefill pool's rate λ, so by Little's law a held request's cycle is H / λ; decoding holds it
/// for (OSL − 1)·TPOT of it (TPOT at the batch the rate sustains), and the rest is prefill, KV
/// transfer and the wait, of which the open queue's is the least. The requests in flight beyond the
/// H held wait for a slot as the co-located engine's queue does (queued_wait_s over the held cycle
/// H / λ), so a request's whole cycle is N / λ for N in flight (docs/methodology.md#disaggregated).
double prefill_wait_s(const DisaggregatedDeployment& pools, const PoolRates& rates, const Disaggregation& detail,
                      const Estimate& prefill_side, const Estimate& decode_side, Seconds kv_transfer, Seconds tpot) {
  const double per_worker = rates.prefill_requests_per_s / pools.prefill.replicas;
  const double batch_service_s = static_cast<double>(prefill_side.running) / pools.prefill.replicas / per_worker;
  const double load = std::min(max_queue_load, detail.prefill.utilization);
  const double open_wait_s = load * batch_service_s / (2.0 * (1.0 - load));
  const double held_cycle_s = static_cast<double>(detail.in_flight) / rates.deployment_requests_per_s;
  const double beyond_held_s = queued_wait_s(decode_side.queued, decode_side.running, held_cycle_s);
  if (!detail.prefill_limited || tpot.value <= 0) return open_wait_s + beyond_held_s;
  const double outside_wait_s = prefill_side.ttft.value + kv_transfer.value + rates.decode_tokens * tpot.value;
  return std::max(open_wait_s, held_cycle_s - outside_wait_s) + beyond_held_s;
}

/// The decode figures of the answer: the pool's own, or when the prefill pool is the slower one, the
/// pool's at the batch the prefill rate sustains (decode_pool_at_rate).
Estimate decode_figures(const PreparedDeployment& decode_worker, const DisaggregatedDeployment& pools,
                        const Workload& w, const PoolRates& rates, const Estimate& decode_side) {
  if (rates.prefill_requests_per_s >= rates.decode_requests_per_s || w.osl <= 1) return decode_side;
  return decode_pool_at_rate(with_replicas(decode_worker, pools.decode.replicas), w, rates.deployment_requests_per_s,
                             decode_side.running);
}

}  // namespace

Estimate combine_pools(const PreparedDeployment& decode_worker, const DisaggregatedDeployment& pools,
                       const Workload& w, const Estimate& prefill_side, const Estimate& decode_side,
                       Seconds kv_transfer, Bytes kv_bytes) {
  assert(decode_worker.deployment.parallel == pools.decode.parallel);
  const EfficiencyParams& e = *decode_worker.efficiency;
  Estimate r;
  auto detail = std::make_shared<Disaggregation>();
  r.memory = decode_side.memory;
  if (!pools_fit(r, prefill_side, decode_side)) return r;
  const PoolRates rates = pool_rates(w, prefill_side, decode_side);
  const Estimate fed = decode_figures(decode_worker, pools, w, rates, decode_side);
  detail->prefill = pool_figures(pools.prefill, pools.prefill_batch, prefill_side, rates.prefill_requests_per_s);
  detail->decode = pool_figures(pools.decode, pools.decode_batch, fed, rates.decode_requests_per_s);
  // Memory is what the fit check admitted: the KV of every request held, not only those decoding.
  detail->decode.memory = decode_side.memory;
  detail->prefill.detail = prefill_side.prefill_detail;
  detail->decode.detail = fed.decode_detail;
  detail->prefill.utilization = rates.deployment_requests_per_s / rates.prefill_requests_per_s;
  detail->decode.utilization = w.osl > 1 ? rates.deployment_requests_per_s / rates.decode_requests_per_s : 0.0;
  detail->prefill_limited = rates.prefill_requests_per_s < rates.decode_requests_per_s;
  detail->in_flight = decode_side.running;
  r.has_tpot = w.osl > 1;
  r.tpot = r.has_tpot ? fed.tpot : seconds(0);
  detail->prefill_queue = seconds(prefill_wait_s(pools, rates, *detail, prefill_side, decode_side, kv_transfer, r.tpot));
  detail->prefill_compute = prefill_side.ttft - e.engine.request_overhead;
  detail->kv_transfer = kv_transfer;
  detail->kv_transfer_bytes = kv_bytes;
  detail->balanced_prefill_per_decode =
      w.osl > 1 ? (rates.decode_requests_per_s / pools.decode.replicas) /
                      (rates.prefill_requests_per_s / pools.prefill.replicas)
                : 0.0;
  r.ttft = detail->prefill_queue + prefill_side.ttft + kv_transfer;
  r.tok_s_per_user = r.has_tpot ? 1.0 / r.tpot.value : 0.0;
  r.concurrency = decode_side.concurrency;
  r.running = decode_side.running;  // in flight: the closed loop's requests, decoding or not
  r.queued = decode_side.queued;
  r.prefill_alone = prefill_side.prefill_alone;
  r.prefill_detail = prefill_side.prefill_detail;
  r.decode_step = fed.decode_step;
  r.decode_detail = fed.decode_detail;
  r.tokens_per_decode_step = fed.tokens_per_decode_step;
  r.output_tok_s = rates.deployment_requests_per_s * static_cast<double>(w.osl);
  r.input_tok_s = rates.deployment_requests_per_s * static_cast<double>(w.isl);
  r.output_tok_s_per_gpu = r.output_tok_s / pools.total_gpus();
  // The prefill pool's GPUs are the GPU time spent on prompts.
  r.prefill_share = static_cast<double>(pools.prefill.total_gpus()) / pools.total_gpus();
  if (detail->prefill_limited) {
    r.notes.push_back(fmt::format(
        "the prefill pool is the slower one ({:.2f} of {:.2f} requests/s): requests wait for it "
        "(in TTFT) and the decode pool runs {} of its {} at a time; about {:.2f} prefill "
        "workers per decode worker balance the pools",
        rates.prefill_requests_per_s, rates.decode_requests_per_s, detail->decode.running, detail->in_flight, detail->balanced_prefill_per_decode));
  }
  add_cost_and_energy(r, *decode_worker.gpu, pools.total_gpus(), e, decode_worker.usd_per_gpu_hour);
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
  const PreparedDeployment decode_pool = prepare_deployment(m, gpu, pools.decode, e, usd_per_gpu_hour);
  Estimate decode_side;
  static_cast<EstimateFigures&>(decode_side) = evaluate(decode_pool, decode_work);
  describe_estimate(decode_side, decode_pool, decode_work, /*with_admission_note=*/false);
  if (resolved.decode_batch <= 0) {
    resolved.decode_batch = std::max<std::int64_t>(1, decode_side.concurrency / pools.decode.replicas);
  }
  const Seconds transfer = kv_transfer_time(m, gpu, pools, w.isl, e);
  const Bytes kv_bytes{kv_bytes_per_sequence(m, pools.decode.kv, w.isl)};
  Estimate r = combine_pools(decode_pool, resolved, w, prefill_side, decode_side, transfer, kv_bytes);
  for (const std::string& note : decode_side.notes) r.notes.push_back("decode pool: " + note);
  if (decode_side.fits && decode_side.queued > 0) {
    // A starved decode pool runs fewer than it holds (the prefill-limited note says how many).
    const bool starved = r.disaggregated && r.disaggregated->decode.running < r.disaggregated->in_flight;
    r.notes.push_back("decode pool: " + admission_note(decode_side, starved ? Admitted::held : Admitted::run));
  }
  for (const std::string& note : prefill_side.notes) r.notes.push_back("prefill pool: " + note);
  return r;
}

}  // namespace llmsizer
