#include "estimator/serving.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <fmt/format.h>

#include "base/rounding.hpp"
#include "estimator/admission.hpp"
#include "estimator/step_rates.hpp"

namespace llmsizer {
namespace {

struct PrefillCosts {
  Seconds alone;        // one prompt on an idle instance, through every stage
  Seconds marginal;     // extra time a prompt adds when mixed into running decode steps
  Seconds burst_step;   // one step of a start-up burst (token budget full of prompts)
  double burst_steps = 1;
};

/// A prompt of `isl` tokens split into chunks of at most the token budget. All operator costs are
/// linear in tokens except attention, whose mean causal context is isl/2, so n equal chunks at that
/// context reproduce the total (docs/methodology.md#prefill). The chunk alone comes prepared; the
/// iterations `phase` does not read are not run (decode: no prompt is mixed in and no burst;
/// prefill: no decode steps to mix into), and their costs stay 0.
PrefillCosts prefill_costs(const PreparedDeployment& p, const PreparedPrompt& prompt, const ServingStepShapes& shapes,
                           const StepTime& decode_alone, Phase phase) {
  const EfficiencyParams& e = *p.efficiency;
  const Deployment& d = p.deployment;
  PrefillCosts c;
  const double isl = static_cast<double>(prompt.isl);
  const double budget = static_cast<double>(e.engine.prefill_chunk_tokens);
  const double chunks = prompt.chunks;
  const double pp = d.parallel.pp;
  const StepShape& alone = prompt.chunk;
  c.alone = prompt.chunk_alone.total * (chunks * pp);
  const double decode_sequences = shapes.decode.decode_sequences;
  // The decode side of a mixed step verifies as many tokens per sequence as a decode step alone
  // (1 + MTP drafts), so `extra` is the chunk's cost, not the drafts' saving.
  if (phase == Phase::mixed) {
    StepShape mixed{decode_sequences,     shapes.decode.decode_context, shapes.decode.tokens_per_sequence,
                    alone.prefill_tokens, alone.prefill_context,        alone.prefill_sequences};
    const Seconds extra = stage_step_seconds(p.rates, mixed) - decode_alone.total;
    c.marginal = extra * chunks;
  }
  if (phase == Phase::decode) return c;
  // Start-up burst on one DP rank: all its prompts at once, packed into full token budgets.
  const double burst_tokens = std::max(1.0, decode_sequences) * isl;
  c.burst_steps = std::max(1.0, ceil_inline(burst_tokens / budget));
  StepShape burst{0, 0, 1, burst_tokens / c.burst_steps, isl / 2.0, std::max(1.0, decode_sequences) / c.burst_steps};
  c.burst_step = stage_step_seconds(p.rates, burst) * pp;
  return c;
}

/// Mean time to the first token of the prompts of a start-up burst: packed into full token budgets,
/// prompt k of B finishes at step ceil(k·isl/budget), on average (steps + 1) / 2 steps. No prompt
/// finishes before its own prefill, so one prompt longer than a budget (or a burst of one) waits
/// prefill alone, not half of it.
double burst_ttft(const PrefillCosts& pf) {
  return std::max(pf.alone.value, (pf.burst_steps + 1.0) / 2.0 * pf.burst_step.value);
}

/// Extra prefill time of a prompt that comes back together with the others of its start-up step
/// (docs/methodology.md#prompt-groups). In a closed loop with a fixed output length, the requests
/// whose prompts finished in the same step decode in lockstep (one token per running sequence per
/// step) and finish in the same step, so their successors arrive together and the scheduler packs
/// them into one step of up to the token budget: a full burst step, not the prompt alone. A prompt
/// longer than the budget comes back alone (the burst step is then one chunk, shorter than it).
double prompt_group_extra(const PrefillCosts& pf, bool prefill_first) {
  const double group = prefill_first ? burst_ttft(pf) : pf.burst_step.value;
  return std::max(0.0, group - pf.alone.value);
}

/// One side of a prefill/decode-disaggregated deployment. Decode: every resident sequence produces a
/// token per step, nothing interrupts. Prefill: prompts queue and are packed into full token
/// budgets; output is the first token of each.
void disaggregated_phase(EstimateFigures& r, const Workload& w, const EfficiencyParams& e, const PrefillCosts& pf,
                         double token_step, double sequences) {
  const double isl = static_cast<double>(w.isl);
  if (w.phase == Phase::decode) {
    r.tpot = seconds(token_step);
    r.ttft = seconds(0);
    r.has_ttft = false;  // the first token came from the prefill side
    r.output_tok_s = sequences / token_step;
  } else {
    const double burst_time = pf.burst_step.value * pf.burst_steps;
    r.ttft = seconds(burst_ttft(pf) + e.engine.request_overhead.value);
    r.tpot = seconds(0);
    r.has_tpot = false;  // the first token is the only one this side produces
    r.serves_output = false;
    r.input_tok_s = sequences * isl / burst_time;
    r.output_tok_s = r.input_tok_s / isl;  // first tokens: what the pool hands to the decode side
  }
  r.tok_s_per_user = r.tpot.value > 0 ? 1.0 / r.tpot.value : 0.0;
  r.prefill_share = w.phase == Phase::prefill ? 1.0 : 0.0;
}

}  // namespace

namespace {

/// A prompt of `isl` tokens split into equal chunks of at most the engine's token budget: one chunk,
/// and how many.
PreparedPrompt prompt_chunks(std::int64_t isl_tokens, const EfficiencyParams& e) {
  const double isl = static_cast<double>(isl_tokens);
  const double chunks = std::max(1.0, ceil_inline(isl / static_cast<double>(e.engine.prefill_chunk_tokens)));
  return {isl_tokens, chunks, StepShape{0, 0, 1, isl / chunks, isl / 2.0, 1.0 / chunks}, StepTime{}};
}

ServingStepShapes step_shapes(const Deployment& d, const Workload& w, const PreparedPrompt& prompt,
                              std::int64_t concurrency) {
  // Sequences per DP rank; one rank (dividing by 1 twice, exact) and one stage spare their divisions,
  // which lead every estimate's chain of dependent operations.
  const double requests = static_cast<double>(concurrency);
  const bool one_rank = d.replicas == 1 && d.parallel.dp == 1;
  const double per_rank = one_rank ? requests : requests / d.replicas / d.parallel.dp;
  const double mean_context = static_cast<double>(w.isl) + static_cast<double>(w.osl) / 2.0;
  // Pipeline stages work on pp micro-batches; a token waits for all of them to pass every stage.
  const double micro = d.parallel.pp == 1 ? per_rank : per_rank / d.parallel.pp;
  return {per_rank, StepShape{micro, mean_context, 1.0 + d.speculative_tokens, 0, 0, 0}, prompt.chunk, prompt.chunks};
}

}  // namespace

ServingStepShapes serving_step_shapes(const Deployment& d, const Workload& w, const EfficiencyParams& e,
                                      std::int64_t concurrency) {
  return step_shapes(d, w, prompt_chunks(w.isl, e), concurrency);
}

PreparedPrompt prepare_prompt(const PreparedDeployment& p, std::int64_t isl) {
  PreparedPrompt prompt = prompt_chunks(isl, *p.efficiency);
  prompt.chunk_alone = stage_step_time(p.rates, prompt.chunk);
  return prompt;
}

double expected_tokens_per_step(int drafted, double acceptance, double decay) {
  // Token i (1-based) of the draft is kept only if it and every earlier one are accepted; an MTP
  // module reused autoregressively drifts, so draft i is accepted with probability a·decay^(i−1).
  // With decay = 1 this is (1 − a^(n+1)) / (1 − a) (Leviathan et al. 2023, §3.1).
  double expected = 1.0;
  double all_accepted = 1.0;
  for (int i = 1; i <= drafted; ++i) {
    all_accepted *= std::clamp(acceptance * std::pow(decay, i - 1), 0.0, 1.0);
    expected += all_accepted;
  }
  return expected;
}

namespace {

/// Workload concurrency 0: the largest batch of isl + osl tokens memory holds, capped by the
/// engine's max batch; which of the two set it.
struct ConcurrencyChoice {
  std::int64_t chosen = 1;
  bool by_memory = false;
};

ConcurrencyChoice largest_batch(const PreparedDeployment& p, const Workload& w) {
  const std::int64_t fit =
      max_resident_sequences(p.memory, p.deployment, w.isl + w.osl, p.efficiency->engine.max_batch);
  const std::int64_t cap = p.batch_room;
  return {std::max<std::int64_t>(1, std::min(fit, cap)), fit < cap};
}

std::int64_t resolve_concurrency(const PreparedDeployment& p, const Workload& w) {
  return w.concurrency > 0 ? w.concurrency : largest_batch(p, w).chosen;
}

}  // namespace

std::int64_t reserved_context(const Workload& w, const EfficiencyParams& e) {
  return w.isl +
         static_cast<std::int64_t>(ceil_inline(e.engine.kv_reserved_output_fraction * static_cast<double>(w.osl)));
}

namespace {

/// Requests that run at once out of the r.concurrency in flight. Engines admit a request only when
/// the KV pool can hold it and the running count is under the max batch; the rest wait in an
/// unbounded queue (engine_defaults.yaml, when_kv_cache_is_full: vLLM and SGLang admit on the KV
/// pool, TensorRT-LLM's default GUARANTEED_NO_EVICT reserves prompt + output). Each running request
/// is counted at isl + f·osl, f = kv_reserved_output_fraction: 1 is the no-evict reservation; engines
/// that admit on the current length hold, over a closed loop whose requests are staggered, the mean
/// occupancy isl + osl/2 each (f = 0.5), preempting or retracting only the excess.
/// The memory check then runs at the running batch (at least one request: when none fits, it says
/// by how much); both checks read the KV of one request, worked out once.
void admit(EstimateFigures& r, const PreparedDeployment& p, const Workload& w) {
  const double kv_per_request = p.memory.placement.kv_bytes_per_sequence(reserved_context(w, *p.efficiency));
  const std::int64_t kv_room = max_resident_sequences(p.memory, kv_per_request, p.efficiency->engine.max_batch);
  r.running = std::min({r.concurrency, kv_room, p.batch_room});
  r.admission_limit = r.running < p.batch_room ? AdmissionLimit::kv_cache : AdmissionLimit::max_batch;
  r.memory = fit_figures(p.memory, kv_per_request,
                         sequences_on_busiest_rank(p.deployment, std::max<std::int64_t>(1, r.running)));
}

}  // namespace

void add_cost_and_energy(EstimateFigures& r, const GpuSpec& gpu, int gpu_count, const EfficiencyParams& e,
                         std::optional<double> usd_per_gpu_hour, const TokenSeconds& per_token) {
  // Hours of the deployment per million tokens, from its seconds per token.
  constexpr double hours_per_mtok_per_second = 1e6 / seconds_per_hour;
  const double gpus = gpu_count;
  r.power_w = gpus * gpu.tdp.value * e.power_utilization;
  const bool output = r.serves_output && r.output_tok_s > 0;
  r.joules_per_output_token = output ? r.power_w * per_token.output : 0.0;
  r.kwh_per_mtok_output = r.joules_per_output_token * 1e6 / joules_per_kwh;
  if (!usd_per_gpu_hour) return;
  r.usd_per_hour = gpus * *usd_per_gpu_hour;
  if (output) r.usd_per_mtok_output = *r.usd_per_hour * (per_token.output * hours_per_mtok_per_second);
  if (r.input_tok_s > 0) {
    r.usd_per_mtok_input = *r.usd_per_hour * r.prefill_share * (per_token.input * hours_per_mtok_per_second);
  }
}

void add_cost_and_energy(EstimateFigures& r, const GpuSpec& gpu, int gpus, const EfficiencyParams& e,
                         std::optional<double> usd_per_gpu_hour) {
  const TokenSeconds per_token{r.output_tok_s > 0 ? 1.0 / r.output_tok_s : 0.0,
                               r.input_tok_s > 0 ? 1.0 / r.input_tok_s : 0.0};
  add_cost_and_energy(r, gpu, gpus, e, usd_per_gpu_hour, per_token);
}

namespace {

/// Pollaczek–Khinchine's M/D/1 wait of a prompt of `service_s` seconds when the other requests bring
/// `offered_s` seconds of prompts per `cycle_s`: load ρ = offered / cycle, capped at max_queue_load,
/// and a wait of ρ·service / (2·(1 − ρ)); below the cap in one division, as ρ / (1 − ρ) =
/// offered / (cycle − offered).
double steady_prefill_wait(double offered_s, double cycle_s, double service_s) {
  if (offered_s < max_queue_load * cycle_s) return offered_s * service_s / (2.0 * (cycle_s - offered_s));
  return max_queue_load * service_s / (2.0 * (1.0 - max_queue_load));
}

/// The running batch's throughput: `running` requests of `isl` + `osl` tokens per `running_cycle_s`
/// (queued requests add latency, not tokens); and the deployment's seconds per token, the cycle
/// over the tokens of a cycle, so that cost and energy multiply by the cycle instead of dividing by
/// a throughput formed from it.
TokenSeconds running_throughput(EstimateFigures& r, double running_cycle_s, double isl, double osl) {
  const double running = static_cast<double>(r.running);
  const double requests_per_s = running / running_cycle_s;
  r.output_tok_s = requests_per_s * osl;
  r.input_tok_s = requests_per_s * isl;
  return {running_cycle_s / (running * osl), isl > 0 ? running_cycle_s / (running * isl) : 0.0};
}

/// A co-located instance serving a closed loop with continuous batching (docs/methodology.md#serving).
/// While a request decodes its OSL−1 tokens, the other B−1 requests of its rank each come back once
/// and have their prompts mixed into the running steps, so its TPOT carries their prefill time; its
/// TTFT is its own prefill plus the wait for prompts ahead of it: a start-up burst (all B arrive
/// together, packed into full token budgets) and a steady-state M/D/1 queue (Pollaczek–Khinchine).
TokenSeconds closed_loop(EstimateFigures& r, const PreparedDeployment& p, const Workload& w,
                         const ServingStepShapes& shapes, const PrefillCosts& pf, double step, double token_step) {
  const EfficiencyParams& e = *p.efficiency;
  const Deployment& d = p.deployment;
  const double pp = d.parallel.pp;
  const double per_rank = shapes.sequences_per_rank;
  const double isl = static_cast<double>(w.isl);
  const double osl = static_cast<double>(w.osl);
  const double decode_steps = std::max(1.0, osl - 1.0);
  const double others = std::max(0.0, per_rank - 1.0);
  // Prefill-first engines pause decoding for a whole prompt iteration; mixed engines add its chunks
  // to the running steps (engine_defaults.yaml: SGLang vs vLLM / TensorRT-LLM in-flight batching).
  const double prompt_interrupt = e.engine.prefill_first ? pf.alone.value : pf.marginal.value * pp;
  // The workload's divisors are inverted before the iterations' times arrive, off the chain of
  // dependent operations that ends in the throughput.
  const double per_decode_step = 1.0 / decode_steps;
  const double others_share = others / std::max(1.0, per_rank);
  const double interleaved = others * prompt_interrupt;
  const double tpot = token_step + interleaved * per_decode_step;
  // A mixed engine's prompt chunks share their steps with the other requests' decode tokens, so
  // its own prefill takes its chunks' share of those steps too; never less than prefill alone.
  const double own_prefill =
      e.engine.prefill_first ? pf.alone.value : pf.alone.value + shapes.prefill_chunks * step * others_share;
  const double first_cycle = own_prefill + decode_steps * tpot;
  const double steady_wait = steady_prefill_wait(others * pf.alone.value, first_cycle, pf.alone.value);
  const double burst_share = e.engine.startup_burst_share;
  const double later_prefill =
      own_prefill + e.engine.prompt_group_share * prompt_group_extra(pf, e.engine.prefill_first);
  const double ttft = burst_share * burst_ttft(pf) + (1.0 - burst_share) * (later_prefill + steady_wait) + step / 2.0 +
                      e.engine.request_overhead.value;
  // Every prompt of the rank, its own included, is prefilled once per cycle.
  const double load = std::min(1.0, per_rank * pf.marginal.value * pp / (ttft + decode_steps * tpot));
  // Queued requests (closed loop, FCFS) wait for a slot: queued_wait_s.
  const double running_cycle = request_cycle_s(ttft, tpot, osl);
  const double queue_wait = queued_wait_s(r.queued, r.running, running_cycle);
  r.ttft = seconds(ttft + queue_wait);
  // With one output token there is no time per output token after the first, only a TTFT.
  r.has_tpot = w.osl > 1;
  r.tpot = seconds(r.has_tpot ? tpot : 0.0);
  r.tpot_prefill_share = interleaved * per_decode_step / tpot;
  r.prefill_share = load;
  r.tok_s_per_user = r.has_tpot ? 1.0 / tpot : 0.0;
  return running_throughput(r, running_cycle, isl, osl);
}

/// One decode iteration of the running batch through every stage, with the drafting passes of
/// speculative decoding: n passes of the MTP module (one decoder layer, its projection, the LM head).
double decode_step_s(EstimateFigures& r, const PreparedDeployment& p, const ServingStepShapes& shapes) {
  const Deployment& d = p.deployment;
  const double pp = d.parallel.pp;
  r.decode_detail = stage_step_time(p.rates, shapes.decode);
  double step = r.decode_detail.total.value * pp;
  if (d.speculative_tokens > 0) {
    // The MTP module sits on the last stage; each pass drafts one token for every sequence of each of
    // the pp micro-batches.
    const StepShape& decode = shapes.decode;
    step += d.speculative_tokens * pp * draft_pass_seconds(p.rates, decode.decode_sequences, decode.decode_context).value;
  }
  return step;
}

}  // namespace

EstimateFigures evaluate(const PreparedDeployment& p, const PreparedPrompt& prompt, const Workload& w) {
  assert(prompt.isl == w.isl);
  const EfficiencyParams& e = *p.efficiency;
  const Deployment& d = p.deployment;
  EstimateFigures r;
  r.concurrency = resolve_concurrency(p, w);
  admit(r, p, w);
  r.fits = r.memory.fits && r.running > 0;
  if (!r.fits) {
    r.running = 0;
    return r;
  }
  r.queued = r.concurrency - r.running;
  // The running batch sets the step shapes; queued requests only wait (docs/methodology.md#kv-limited-batch).
  const ServingStepShapes shapes = step_shapes(d, w, prompt, r.running);
  r.tokens_per_decode_step = p.tokens_per_decode_step;
  const double step = decode_step_s(r, p, shapes);
  r.decode_step = seconds(step);
  const PrefillCosts pf = prefill_costs(p, prompt, shapes, r.decode_detail, w.phase);
  r.prefill_detail = prompt.chunk_alone;
  r.prefill_alone = pf.alone;
  // Without drafts a step yields one token (tokens_per_decode_step is 1, the division exact and spared).
  const double token_step = d.speculative_tokens > 0 ? step / r.tokens_per_decode_step : step;
  if (w.phase != Phase::mixed) {
    disaggregated_phase(r, w, e, pf, token_step, shapes.sequences_per_rank * d.parallel.dp * d.replicas);
    r.output_tok_s_per_gpu = r.output_tok_s / d.total_gpus();
    add_cost_and_energy(r, *p.gpu, d.total_gpus(), e, p.usd_per_gpu_hour);
    return r;
  }
  const TokenSeconds per_token = closed_loop(r, p, w, shapes, pf, step, token_step);
  r.output_tok_s_per_gpu = r.output_tok_s / d.total_gpus();
  add_cost_and_energy(r, *p.gpu, d.total_gpus(), e, p.usd_per_gpu_hour, per_token);
  return r;
}

EstimateFigures evaluate(const PreparedDeployment& p, const Workload& w) {
  return evaluate(p, prepare_prompt(p, w.isl), w);
}

std::string admission_note(const EstimateFigures& r, Admitted admitted) {
  return fmt::format("{} requests in flight, {} {} at once ({}); {} wait in the queue", r.concurrency, r.running,
                     admitted == Admitted::run ? "run" : "held",
                     r.admission_limit == AdmissionLimit::kv_cache ? "as many as the KV cache holds"
                                                                   : "the engine's max batch",
                     r.queued);
}

void describe_estimate(Estimate& r, const PreparedDeployment& p, const Workload& w, bool with_admission_note) {
  if (w.concurrency <= 0 && r.fits) {  // when nothing fits there is no largest batch to name
    const ConcurrencyChoice choice = largest_batch(p, w);
    r.notes.push_back(fmt::format("concurrency {} = {} (largest batch that {})", choice.chosen,
                                  choice.by_memory ? "memory" : "engine max batch",
                                  choice.by_memory ? "fits in KV memory" : "the engine runs"));
  }
  MemoryFitReport fit;
  static_cast<MemoryFit&>(fit) = r.memory;
  describe_fit(fit, *p.gpu, p.deployment, *p.efficiency);
  r.notes.insert(r.notes.end(), fit.notes.begin(), fit.notes.end());
  if (!r.fits) {
    r.reasons = fit.reasons;
    return;
  }
  if (r.queued > 0 && with_admission_note) r.notes.push_back(admission_note(r, Admitted::run));
}

Estimate estimate(const PreparedDeployment& p, const Workload& w) {
  // The figures are evaluated in place (not into a temporary copied over a zero-filled estimate).
  Estimate r{evaluate(p, w), {}, {}, {}};
  describe_estimate(r, p, w);
  return r;
}

Estimate estimate(const PreparedModel& m, const GpuSpec& gpu, const Deployment& d, const Workload& w,
                  const EfficiencyParams& e, std::optional<double> usd_per_gpu_hour) {
  return estimate(prepare_deployment(m, gpu, d, e, usd_per_gpu_hour), w);
}

}  // namespace llmsizer
