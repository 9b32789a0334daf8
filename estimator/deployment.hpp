// estimator/deployment.hpp — how a model is laid out on GPUs and what it is asked to serve.
#pragma once

#include <cstdint>
#include <string>

#include "base/precision.hpp"

namespace llmsizer {

/// Parallel degrees of one model instance (docs/methodology.md#parallelism).
///  - tp: tensor parallelism of attention and dense layers (within a DP rank);
///  - dp: attention data parallelism: dp groups of tp GPUs each hold all attention weights and
///        serve their own requests, sharing the MoE layers;
///  - pp: pipeline stages, each holding num_layers/pp layers;
///  - ep: expert parallelism of routed experts across the tp·dp GPUs of a stage (ep divides tp·dp;
///        the remaining factor tp·dp/ep shards each expert tensor-parallel).
/// One instance spans tp·dp·pp GPUs; a deployment is `replicas` identical instances.
struct Parallelism {
  int tp = 1;
  int pp = 1;
  int dp = 1;
  int ep = 1;
  [[nodiscard]] int gpus() const { return tp * pp * dp; }
  [[nodiscard]] int moe_tp() const { return ep > 0 ? (tp * dp) / ep : 1; }
  friend bool operator==(const Parallelism&, const Parallelism&) = default;
};

/// Communication/computation overlap the engine runs, as a deployment states it: none, or two-batch
/// overlap (each step split into two micro-batches, one's expert all-to-all running while the other
/// computes: SGLang's --enable-two-batch-overlap, DeepSeek's inference system, open-infra-index day 6;
/// docs/methodology.md#two-batch-overlap).
enum class Overlap : unsigned char { none, two_batch };

/// Precisions and options of a deployment.
struct Deployment {
  Parallelism parallel;
  int replicas = 1;
  Precision weights = Precision::bf16;  // attention, dense FFN, shared experts
  Precision experts = Precision::bf16;  // routed experts
  Precision kv = Precision::bf16;
  /// Speculative decoding with the model's MTP module(s) (or a draft of similar cost).
  int speculative_tokens = 0;
  double speculative_acceptance = 0.0;        // probability the first drafted token is accepted
  double speculative_acceptance_decay = 1.0;  // factor per later draft position (MTP reused autoregressively)
  Overlap overlap = Overlap::none;
  [[nodiscard]] int total_gpus() const { return replicas * parallel.gpus(); }
  /// The overlap the deployment runs: two-batch hides the expert all-to-all, so a layout without
  /// expert parallelism (ep 1) has none to hide and engines run it as one batch, whatever is stated
  /// (docs/methodology.md#two-batch-overlap).
  [[nodiscard]] Overlap applied_overlap() const { return parallel.ep > 1 ? overlap : Overlap::none; }
  friend bool operator==(const Deployment&, const Deployment&) = default;
};

/// Which phases run on the deployment: both (co-located, the usual), or one side of a
/// prefill/decode-disaggregated system.
enum class Phase : unsigned char { mixed, decode, prefill };

/// A closed-loop benchmark workload: `concurrency` requests in flight across the deployment, each
/// with isl prompt tokens and osl output tokens.
struct Workload {
  std::int64_t isl = 1024;
  std::int64_t osl = 1024;
  std::int64_t concurrency = 1;
  Phase phase = Phase::mixed;
};

}  // namespace llmsizer
