// estimator/explain.hpp — why a configuration performs as it does, read off its estimate: what bounds
// each phase, how much KV headroom the weights leave and the batch it buys, active against resident
// weight bytes; for a prefill/decode-disaggregated deployment, the same for each pool, which pool sets
// the rate and what the hand-off adds to TTFT; and which factor decides between two configurations
// (docs/methodology.md#why).
// Nothing here is a new model: every figure is a field of Estimate or StepTime, or a ratio of them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "estimator/disaggregation.hpp"
#include "estimator/serving.hpp"

namespace llmsizer {

/// One phase's iteration on one pipeline stage, as stage_step_time reports it.
struct PhaseBottleneck {
  Bound bound = Bound::compute;  // StepTime::bound(): its largest part
  double bound_share = 0;        // that part over the iteration's time
  Seconds step;                  // one iteration (a decode step, or one prefill chunk) on one stage
  Bytes weight_bytes;            // HBM bytes per GPU of every operator but the attention core
  int micro_batches = 1;         // 2 under two-batch overlap: each micro-batch reads the weights again
  Bytes kv_bytes;                // HBM bytes per GPU of the attention core: KV read and written
  Flops flops;                   // per GPU
  /// Tokens per GPU-second spent in this phase: input tok/s over the prefill share of the GPUs'
  /// time, output tok/s over the rest; nullopt when the phase takes no time (a disaggregated side).
  std::optional<double> tokens_per_gpu_s;
};

/// One pool of a disaggregated deployment (or the one co-located deployment): its memory.
struct PoolExplanation {
  int workers = 1;                   // replicas of the pool's layout
  int gpus = 1;                      // all workers
  Bytes resident_weight_bytes;       // weights held on the busiest GPU
  Bytes kv_headroom_per_gpu;         // usable memory less weights and activations on that GPU
  std::int64_t batch_capacity = 0;   // requests the headroom holds at once, all workers
  std::int64_t running = 0;          // requests the pool runs at once, all workers
  double utilization = 1;            // the deployment's request rate over the pool's capacity
};

/// What splitting prefill from decode adds (Disaggregation, read back): each pool, which one sets the
/// deployment's rate, and the prefill queue and KV hand-off inside TTFT.
struct PoolsExplanation {
  PoolExplanation prefill;
  PoolExplanation decode;
  bool prefill_limited = false;            // the prefill pool is the slower one
  double balanced_prefill_per_decode = 0;  // prefill workers per decode worker at equal rates
  Seconds prefill_queue;                   // wait for a prefill worker, in TTFT
  Seconds kv_transfer;                     // the prompt's KV to the decode GPUs, in TTFT
};

struct Explanation {
  PhaseBottleneck prefill;
  PhaseBottleneck decode;
  Bytes resident_weight_bytes;       // weights held on the busiest GPU
  Bytes kv_headroom_per_gpu;         // usable memory less weights and activations on that GPU
  std::int64_t batch_capacity = 0;   // requests of isl + osl tokens that headroom holds, whole deployment
  std::int64_t running = 0;          // requests the configuration runs at once (Estimate::running)
  int gpus = 1;                      // whole deployment
  /// One request's time from admission to its last token, as the throughput implies:
  /// running · osl / output tok/s (Little's law; request_cycle_s).
  Seconds request_cycle;
  /// Disaggregated: both pools. prefill / decode above are then the prefill pool's prompt chunk and
  /// the decode pool's step; the memory fields above are the decode pool's (its KV headroom buys the
  /// batch), and `running` and `gpus` are the deployment's.
  std::optional<PoolsExplanation> pools;
  [[nodiscard]] double requests_per_gpu() const { return static_cast<double>(running) / gpus; }
  /// The KV headroom, not the SLO or the search, caps the batch: it runs all the headroom holds.
  [[nodiscard]] bool kv_limited() const { return running >= batch_capacity; }
};

/// The explanation of an estimate that fits (estimate.fits); `estimate` is the result of
/// llmsizer::estimate for the same arguments.
[[nodiscard]] Explanation explain(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                  const Workload& workload, const EfficiencyParams& efficiency,
                                  const Estimate& estimate);

/// The explanation of a disaggregated estimate that fits (estimate_disaggregated, so
/// estimate.disaggregated is set): each pool's bottleneck read off its own iteration.
[[nodiscard]] Explanation explain_disaggregated(const PreparedModel& model, const GpuSpec& gpu, const Workload& workload,
                                               const EfficiencyParams& efficiency, const Estimate& estimate);

/// The three factors $/Mtok output is the product of: price per GPU-hour / (requests per GPU x
/// osl / request cycle). Cost per token = price x cycle / (requests per GPU x osl).
enum class Factor : unsigned char { price, requests_per_gpu, request_time };

/// How a winner beats a runner-up, each factor as the winner's advantage (> 1 favours the winner).
/// Their product is `total`, the runner-up's $/Mtok over the winner's (or the winner's output tok/s
/// per GPU over the runner-up's when either is unpriced, with price = 1).
struct Advantage {
  double price = 1;             // runner-up's $/GPU-hour over the winner's
  double requests_per_gpu = 1;  // winner's running requests per GPU over the runner-up's
  double request_time = 1;      // runner-up's request cycle over the winner's
  double total = 1;
  Factor decisive = Factor::request_time;  // the factor with the largest advantage
  /// The factors that decide together, the decisive one first: each other factor in the winner's
  /// favour whose advantage is at least `shared_decision_share` of the decisive one's on a log scale.
  std::vector<Factor> deciding = {Factor::request_time};
};

/// A factor shares the decision when its log advantage is at least this share of the largest one's:
/// 1.4x beside 2x (log 0.34 against 0.69) shares it, 1.1x beside 2x does not. A wording rule, not a
/// model parameter: the sentence names what moves $/Mtok by a comparable amount.
inline constexpr double shared_decision_share = 0.5;

/// The winner's advantage; prices are $/GPU-hour of each, both given or ignored.
[[nodiscard]] Advantage advantage(const Explanation& winner, std::optional<double> winner_price,
                                  const Explanation& runner_up, std::optional<double> runner_up_price);

}  // namespace llmsizer
