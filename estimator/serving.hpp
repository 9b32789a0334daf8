// estimator/serving.hpp — a deployment serving a closed-loop workload: TTFT, TPOT, throughput,
// cost and energy (docs/methodology.md#serving).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/memory_fit.hpp"
#include "estimator/prepared_deployment.hpp"
#include "estimator/prepared_model.hpp"
#include "estimator/step_time.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// Latency targets; an absent one is always met.
struct ServiceLevel {
  std::optional<Seconds> ttft;
  std::optional<Seconds> tpot;
  [[nodiscard]] bool met_by(Seconds ttft_value, Seconds tpot_value) const {
    return (!ttft || ttft_value <= *ttft) && (!tpot || tpot_value <= *tpot);
  }
};

struct Disaggregation;  // estimator/disaggregation.hpp

/// What keeps the requests in flight beyond `running` waiting: the KV cache, or the engine's max batch.
enum class AdmissionLimit { kv_cache, max_batch };

/// Queue loads are capped here so the waiting-time formulas stay finite at saturation
/// (Pollaczek–Khinchine's ρ/(1 − ρ) diverges at ρ = 1).
inline constexpr double max_queue_load = 0.95;

/// The figures of an estimate: everything but its sentences, so evaluate() fills it without
/// allocating.
struct EstimateFigures {
  bool fits = false;
  MemoryFit memory;
  std::int64_t concurrency = 0;      // requests in flight across the deployment
  std::int64_t running = 0;          // of those, how many the KV cache and max batch let run at once
  std::int64_t queued = 0;           // concurrency - running: waiting for a running request to finish
  AdmissionLimit admission_limit = AdmissionLimit::kv_cache;  // what caps `running` when requests queue
  Seconds ttft;                      // mean time to first token
  Seconds tpot;                      // mean time per output token after the first; 0 when !has_tpot
  bool has_tpot = true;              // false when no token follows the first (osl 1, the prefill side)
  bool has_ttft = true;              // false on the decode side of disaggregated serving: no first token
  bool serves_output = true;         // false on the prefill side: its only output is each prompt's first
                                     // token, so output throughput and $/Mtok output mean nothing
  Seconds prefill_alone;             // prefill of one prompt on an idle instance; TTFT is never less
  Seconds decode_step;               // one decode iteration at the mean context
  StepTime decode_detail;            // where a decode iteration's time goes (one stage)
  StepTime prefill_detail;           // where a prefill chunk's time goes (one stage)
  double prefill_share = 0;          // fraction of GPU time spent on prompts
  double tpot_prefill_share = 0;     // fraction of TPOT spent on other requests' prompts (0 at concurrency 1)
  double output_tok_s = 0;           // whole deployment
  double output_tok_s_per_gpu = 0;
  double input_tok_s = 0;
  double tok_s_per_user = 0;         // 1 / TPOT
  double tokens_per_decode_step = 1; // > 1 with speculative decoding
  std::optional<double> usd_per_hour;         // whole deployment
  std::optional<double> usd_per_mtok_output;  // all GPU time / output tokens
  std::optional<double> usd_per_mtok_input;   // prefill share of GPU time / input tokens
  double power_w = 0;
  double joules_per_output_token = 0;
  double kwh_per_mtok_output = 0;
};

struct Estimate : EstimateFigures {
  std::vector<std::string> reasons;  // why it does not fit
  std::vector<std::string> notes;    // weight-only fallback, concurrency capped, ...
  /// The two pools of a prefill/decode-disaggregated deployment; null for one co-located deployment.
  std::shared_ptr<const Disaggregation> disaggregated;
};

/// One request's time in a closed loop: its TTFT, then a decode step for each output token after
/// the first. The running batch serves its requests once per cycle (Little's law), which gives both
/// the estimate's throughput and the throughput of a measured run from its TTFT and TPOT.
[[nodiscard]] inline double request_cycle_s(double ttft_s, double tpot_s, double osl) {
  return ttft_s + (osl > 1.0 ? osl - 1.0 : 0.0) * tpot_s;
}

/// Expected tokens a decode step yields with `drafted` speculative tokens, first-token acceptance
/// `acceptance` and per-position decay (1 when each draft is accepted independently).
[[nodiscard]] double expected_tokens_per_step(int drafted, double acceptance, double decay);

/// The iterations an estimate is built from, on one attention-DP rank and one pipeline stage
/// (docs/methodology.md#serving, #prefill): a decode step of one micro-batch (the rank's sequences
/// over pp stages) at the mean context isl + osl/2, and one chunk of a prompt alone, the prompt
/// split into `prefill_chunks` equal chunks of at most the engine's token budget.
struct ServingStepShapes {
  double sequences_per_rank = 0;  // requests in flight / replicas / dp
  StepShape decode;
  StepShape prefill_chunk;
  double prefill_chunks = 1;
};

/// The step shapes of `estimate` for `concurrency` requests running at once (Estimate::running, > 0).
[[nodiscard]] ServingStepShapes serving_step_shapes(const Deployment& deployment, const Workload& workload,
                                                    const EfficiencyParams& efficiency, std::int64_t concurrency);

/// Seconds of the whole deployment per output token and per input token: the inverses of
/// EstimateFigures::output_tok_s and ::input_tok_s (0 where those are 0).
struct TokenSeconds {
  double output = 0;
  double input = 0;
};

/// Cost and energy of `gpus` GPUs delivering the estimate's throughput: $/h, $/Mtok output (all GPU
/// time over output tokens; none when !serves_output), $/Mtok input (the prefill_share of GPU time
/// over input tokens), power and J/token (docs/methodology.md#cost), from the throughput's
/// `per_token` seconds.
void add_cost_and_energy(EstimateFigures& estimate, const GpuSpec& gpu, int gpus, const EfficiencyParams& efficiency,
                         std::optional<double> usd_per_gpu_hour, const TokenSeconds& per_token);
/// add_cost_and_energy with the seconds per token the inverses of the estimate's throughputs.
void add_cost_and_energy(EstimateFigures& estimate, const GpuSpec& gpu, int gpus, const EfficiencyParams& efficiency,
                         std::optional<double> usd_per_gpu_hour);

/// The prompt side of an evaluation, the same at every concurrency of a deployment: the prompt's
/// chunks and one chunk on an idle instance. A sweep over concurrency prepares it once.
struct PreparedPrompt {
  std::int64_t isl = 0;
  double chunks = 1;      // ServingStepShapes::prefill_chunks
  StepShape chunk;        // ServingStepShapes::prefill_chunk
  StepTime chunk_alone;   // one stage's iteration of `chunk`
};

/// The prompt of `isl` tokens on `deployment`.
[[nodiscard]] PreparedPrompt prepare_prompt(const PreparedDeployment& deployment, std::int64_t isl);

/// The figures of estimate() for `workload` on a prepared deployment: no allocation, no text.
/// `prompt` is prepare_prompt(deployment, workload.isl); the overload without it prepares it.
[[nodiscard]] EstimateFigures evaluate(const PreparedDeployment& deployment, const PreparedPrompt& prompt,
                                       const Workload& workload);
[[nodiscard]] EstimateFigures evaluate(const PreparedDeployment& deployment, const Workload& workload);

/// The notes and reasons of estimate() for the figures `estimate` of `workload` on `deployment`.
void describe_estimate(Estimate& estimate, const PreparedDeployment& deployment, const Workload& workload,
                       bool with_admission_note = true);

/// How admission_note words the requests an estimate admits: `run` at once, or `held` by a pool that
/// runs fewer than it holds (a starved decode pool, estimator/disaggregation.cpp).
enum class Admitted { run, held };

/// The note on requests that wait for admission (docs/methodology.md#kv-limited-batch): "N requests in
/// flight, H run at once (as many as the KV cache holds); Q wait in the queue". describe_estimate and
/// the disaggregated estimate both word it here.
[[nodiscard]] std::string admission_note(const EstimateFigures& figures, Admitted admitted);

/// estimate() on a prepared deployment: evaluate and describe_estimate.
[[nodiscard]] Estimate estimate(const PreparedDeployment& deployment, const Workload& workload);

/// Workload concurrency 0 means "as many as fit" (max-throughput benchmarks): the largest number of
/// sequences of isl+osl tokens that fit in memory, capped by the engine's max batch per DP rank.
/// When more requests are in flight than the KV cache (or the max batch) holds, the engine runs as
/// many as fit and queues the rest (docs/methodology.md#kv-limited-batch): TPOT and throughput are
/// the running batch's, TTFT includes the wait. It does not fit only when weights, activations and
/// one request's KV do not. It is prepare_deployment, evaluate and describe_estimate: one code path.
[[nodiscard]] Estimate estimate(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                const Workload& workload, const EfficiencyParams& efficiency,
                                std::optional<double> usd_per_gpu_hour);

}  // namespace llmsizer
