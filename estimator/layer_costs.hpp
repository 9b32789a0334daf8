// estimator/layer_costs.hpp — the operators of one deployment's iteration, folded once per
// deployment: every operator's FLOPs and HBM bytes per layer as coefficients of what an iteration
// carries (tokens, sequences, query-context pairs), and its communication per layer as seconds per
// token. The formulas and their derivations live in layer_costs.cpp, written once as these
// coefficients; stage_step_time (estimator/step_time.cpp) multiplies them by one iteration's counts
// and places each operator on the smoothed roofline (docs/methodology.md#step-time,
// docs/performance.md).
#pragma once

#include <array>
#include <tuple>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/placement.hpp"
#include "estimator/prepared_model.hpp"
#include "hardware/achievable.hpp"
#include "hardware/collectives.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// An operator whose FLOPs grow with one count of the iteration and whose bytes are the weights it
/// streams once per iteration, whatever it carries: flops = count · flops_per_unit.
struct WeightOperatorCost {
  double flops_per_unit = 0;
  double bytes = 0;
  // The roofline's two times of the operator over all its layers, folded with the roofs by
  // step_rates (fold_roofs in estimator/step_time.cpp, from the same per-operator time functions):
  // compute seconds = count · seconds_per_unit, memory seconds = memory_seconds. The iterations that
  // read their total alone use them, a few multiply-adds per operator (docs/performance.md, part M).
  double seconds_per_unit = 0;  // flops_per_unit · seconds per FLOP · layers
  double memory_seconds = 0;    // bytes · seconds per byte · layers
};

/// The token mixer's core of one layer: softmax attention over the KV cache, or a linear-attention
/// state. Each count is per iteration, on one attention-DP rank (StepShape).
struct AttentionCoreCost {
  enum class Kind : unsigned char { none, softmax, linear };
  Kind kind = Kind::none;
  // Softmax attention: the context a query attends to is capped per layer kind (sliding window,
  // chunk); +inf when uncapped.
  double decode_context_cap = 0;
  double prefill_context_cap = 0;
  double flops_per_decode_pair = 0;   // per (decode token, context token)
  double flops_per_prefill_pair = 0;  // per (prompt token, context token)
  double bytes_per_prefill_token = 0;  // KV written
  double bytes_per_context_read = 0;   // KV read per (decode sequence, context token)
  // DeepSeek Sparse Attention: an indexer over the capped context; attention then reads at most
  // `selected_context_cap` tokens (index_topk; +inf without the indexer).
  bool indexer = false;
  double indexer_flops_per_pair = 0;
  double indexer_bytes_per_context_read = 0;
  double selected_context_cap = 0;
  // Linear attention: FLOPs per token, a fixed state read per decode sequence.
  double linear_flops_per_token = 0;
  double linear_bytes_per_sequence = 0;
  bool operator==(const AttentionCoreCost&) const = default;  // the same cost: layers merge (StepRates::merged)
};

/// The routed experts of one MoE layer on the hottest EP rank, before the nonlinear occupancy and
/// grouped-GEMM padding that stage_step_time applies to one iteration's tokens.
struct RoutedExpertCost {
  double assignments_per_token = 0;  // (token, expert) pairs per token of one DP rank on the hottest EP rank
  double occupancy_per_token = 0;    // tokens that choose experts, per token of one DP rank (imbalance · dp)
  double experts = 0;                // E, of which the hottest rank holds
  double rank_share = 0;             // 1 / ep
  double log_expert_miss = 0;        // ln(1 − k/E)
  double flops_per_assignment = 0;   // 2 · params of one expert on one GPU
  double bytes_per_touched_expert = 0;
  double gemm_half_rows = 0;         // expert_gemm_half_tokens; 0: no padding
  bool operator==(const RoutedExpertCost&) const = default;
};

/// Communication of one layer: seconds per token it carries plus fixed seconds.
/// Expert-parallel all-to-all element sizes: tokens are dispatched in FP8 (1 byte per hidden element)
/// and combined in BF16 (2 bytes) (arXiv 2412.19437 §3.4); dispatch's share of the bytes.
inline constexpr double alltoall_dispatch_bytes_per_element = 1.0;
inline constexpr double alltoall_combine_bytes_per_element = 2.0;
inline constexpr double alltoall_dispatch_share =
    alltoall_dispatch_bytes_per_element / (alltoall_dispatch_bytes_per_element + alltoall_combine_bytes_per_element);

struct LayerCommunicationCost {
  double seconds_per_token = 0;          // tensor-parallel all-reduces
  double seconds_per_decode_token = 0;   // expert-parallel dispatch + combine of decode tokens
  double seconds_per_prefill_token = 0;  // and of prompt tokens
  double seconds = 0;                    // latencies, all collectives
  double alltoall_seconds = 0;           // of which the dispatch's and combine's
};

/// One group of layers that cost the same, folded for a deployment.
struct LayerCosts {
  double layers = 0;  // on the busiest pipeline stage: count · ceil(L/pp)/L
  bool moe = false;
  WeightOperatorCost projections;  // per token
  AttentionCoreCost core;
  WeightOperatorCost dense_ffn;     // per token; dense layers only
  RoutedExpertCost routed;          // MoE layers only
  bool shared_experts = false;
  WeightOperatorCost shared;        // per token
  WeightOperatorCost router;        // per token
  LayerCommunicationCost communication;
};

/// Everything of one iteration that depends only on the deployment.
struct IterationCosts {
  std::array<LayerCosts, std::tuple_size_v<decltype(PreparedModel::groups)>> groups{};  // one per layer group
  int group_count = 0;
  WeightOperatorCost lm_head;           // per sampled position
  double handoff_seconds_per_token = 0;  // activations to the next pipeline stage (pp > 1)
  double handoff_seconds = 0;
  double communication_exposed = 1;      // 1 − comm_overlap
  bool two_batch_overlap = false;        // Deployment::overlap == two_batch (step_time.cpp)
  double decode_overhead_seconds = 0;    // fixed costs of an iteration on one stage, without prompt tokens
  double prefill_overhead_seconds = 0;   // and with
  double step_overhead_seconds = 0;      // of which once per iteration (the rest is per layer)
  // One drafting pass of speculative decoding: a forward of the MTP module (DeepSeek-V3 report §2.2),
  // one decoder layer of the last layer's kind, its 2H->H projection and the shared LM head, launched
  // as a pass of its own (docs/methodology.md#mtp).
  LayerCosts draft_layer;                 // the costs of the last layer's group, one layer
  WeightOperatorCost draft_projection;    // the 2H->H projection, per token
  double draft_overhead_seconds = 0;      // the pass's step and layer overheads
};

/// The iteration costs of `deployment` of `model` under `sharding`, with the collectives' per-byte
/// times on `gpu` at `links` / `latency`, written into `costs`, which must be value-initialized
/// (IterationCosts{}): filled in place inside the deployment's rates, the 4 kB are zero-filled once,
/// not again for a returned copy (docs/performance.md, part R).
void fold_iteration_costs(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                          const EfficiencyParams& efficiency, const Sharding& sharding, const LinkRates& links,
                          const CollectiveLatency& latency, IterationCosts& costs);

}  // namespace llmsizer
