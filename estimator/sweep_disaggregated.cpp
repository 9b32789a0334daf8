#include "estimator/sweep_disaggregated.hpp"

#include "estimator/memory_fit.hpp"
#include "estimator/placement.hpp"
#include "estimator/realism.hpp"

namespace llmsizer {

void collect_pool_sides(const PreparedModel& m, const SweepTarget& t, const Deployment& d, const SweepRequest& request,
                        PoolCandidates& out) {
  if (place(m, d).weights.total() > usable_memory_per_gpu(*t.gpu, t.efficiency)) return;
  const Bytes kv = kv_handoff_bytes_per_gpu(m, d, request.isl);
  Deployment prefill = d;
  prefill.speculative_tokens = 0;  // drafting is a decode-side matter
  const std::int64_t batch = default_prefill_batch(request.isl, t.efficiency);
  const Estimate p = estimate(m, *t.gpu, prefill, Workload{request.isl, 1, batch, Phase::prefill}, t.efficiency,
                              t.usd_per_gpu_hour);
  if (p.fits && p.queued == 0) out.prefill.push_back({prefill, p, kv});
  for (const std::int64_t concurrency : request.concurrencies) {
    const Estimate e = estimate(m, *t.gpu, d, Workload{request.isl, request.osl, concurrency, Phase::decode},
                                t.efficiency, t.usd_per_gpu_hour);
    if (!e.fits || e.queued > 0) break;  // more requests only queue for KV
    out.decode.push_back({d, e, kv});
  }
}

namespace {

bool same_precisions(const Deployment& a, const Deployment& b) {
  return a.weights == b.weights && a.experts == b.experts && a.kv == b.kv;
}

/// The better of two disaggregated estimates: meeting the SLO first, then output tokens/s per GPU.
bool better(const Estimate& a, const Estimate& b, const ServiceLevel& slo) {
  const bool meets_a = slo.met_by(a.ttft, a.tpot), meets_b = slo.met_by(b.ttft, b.tpot);
  if (meets_a != meets_b) return meets_a;
  return a.output_tok_s_per_gpu > b.output_tok_s_per_gpu;
}

struct Pairing {
  DisaggregatedDeployment pools;
  Estimate estimate;
};

/// The best xPyD deployment of decode side `dec` (one worker prepared: `decode_worker`) with prefill
/// side `pre`, if any fits in --max-gpus.
void pair_pools(const PreparedDeployment& decode_worker, const SweepTarget& t, const SweepRequest& request,
                const PoolSide& pre, const PoolSide& dec, std::optional<Pairing>& best) {
  const Workload w{request.isl, request.osl, 0, Phase::mixed};
  const double decode_rate = decode_requests_per_s(dec.estimate, request.osl);
  const double prefill_rate = prefill_requests_per_s(pre.estimate, request.isl);
  const Seconds transfer = kv_transfer_time(pre.kv_per_gpu, dec.kv_per_gpu, *t.gpu, t.efficiency);
  const Bytes kv_bytes{0};  // the whole request's KV: shown by estimate's text only, not by sweep rows
  for (int y = 1; y <= max_searched_decode_workers; ++y) {
    const int balanced = prefill_workers_for(y, decode_rate, prefill_rate);
    for (const int x : {balanced, balanced + 1}) {
      DisaggregatedDeployment pools{pre.deployment, dec.deployment, pre.estimate.running, dec.estimate.running};
      pools.prefill.replicas = x;
      pools.decode.replicas = y;
      if (pools.total_gpus() > request.max_gpus) return;
      Estimate pre_x = pre.estimate, dec_y = dec.estimate;  // y workers: the per-worker figures times y
      pre_x.input_tok_s *= x;
      pre_x.running *= x;
      dec_y.output_tok_s *= y;
      dec_y.running *= y;
      dec_y.concurrency *= y;
      Estimate e = combine_pools(decode_worker, pools, w, pre_x, dec_y, transfer, kv_bytes);
      if (e.fits && (!best || better(e, best->estimate, request.slo))) best = Pairing{pools, std::move(e)};
    }
  }
}

}  // namespace

void add_disaggregated_rows(const PreparedModel& m, const SweepTarget& t, int target_index, const SweepRequest& request,
                            const PoolCandidates& candidates, SweepResult& result) {
  // One preparation per decode layout: its concurrencies are consecutive sides of the same worker.
  std::optional<PreparedDeployment> decode_worker;
  for (const PoolSide& dec : candidates.decode) {
    std::optional<Pairing> best;
    if (!decode_worker || !(decode_worker->deployment == dec.deployment)) {
      decode_worker = prepare_deployment(m, *t.gpu, dec.deployment, t.efficiency, t.usd_per_gpu_hour);
    }
    for (const PoolSide& pre : candidates.prefill) {
      if (same_precisions(pre.deployment, dec.deployment)) pair_pools(*decode_worker, t, request, pre, dec, best);
    }
    result.configs_evaluated += 1;
    if (!best) continue;
    SweepRow row = sweep_row(target_index, *t.gpu, best->pools.decode, best->estimate, request.slo);
    const Disaggregation& x = *best->estimate.disaggregated;
    row.memory_per_gpu = Bytes{std::max(x.prefill.memory.need.total().value, x.decode.memory.need.total().value)};
    row.weights_per_gpu = x.decode.memory.need.weights;
    row.realistic = row.realistic && is_realistic(*t.gpu, best->pools.prefill.parallel, best->estimate.tok_s_per_user);
    row.pools = std::make_shared<const DisaggregatedDeployment>(best->pools);
    add_sweep_row(result, std::move(row));
  }
}

}  // namespace llmsizer
