// estimator/placement.hpp — where a model's tensors and KV cache land under one parallel layout: the
// per-GPU quantities every estimate starts from (docs/methodology.md#parallelism, #memory). fit_memory,
// max_resident_sequences, the sweep's pruning and stage_step_time all read them from here, so a
// sharding rule is written once.
#pragma once

#include <algorithm>
#include <cstdint>

#include "base/units.hpp"
#include "estimator/deployment.hpp"
#include "estimator/prepared_model.hpp"

namespace llmsizer {

/// Bytes of a 16-bit element: embeddings, LM head, router and norms stay BF16 in serving engines.
inline constexpr double sixteen_bit_bytes = 2.0;
/// Bytes per element of a linear-attention state: FP32, as lightning-attention kernels keep it.
inline constexpr double linear_state_bytes_per_element = 4.0;

/// How a layout splits a model over the GPUs of one pipeline stage.
struct Sharding {
  double attention_ranks = 1;        // q/o projections, MLA up-projections: split by heads over tp
  double kv_projection_ranks = 1;    // GQA k/v projections: over min(tp, kv_heads), replicated beyond
  double kv_cache_fraction = 1;      // share of a layer's KV cache one GPU holds
  double linear_state_fraction = 1;  // share of a linear-attention layer's state (per query head: 1/tp)
  double expert_ranks = 1;           // routed experts: ep · moe_tp = tp · dp GPUs of a stage
  double stage_share = 1;            // layers on the busiest stage over all layers: ceil(L/pp)/L
};

/// Weight bytes on the busiest GPU, by kind. Embeddings, LM head, router and norms stay 16-bit as
/// engines keep them; routed experts use the deployment's expert precision, the rest its weight one.
struct WeightBytesByKind {
  Bytes attention;
  Bytes dense_ffn;
  Bytes routed_experts;
  Bytes shared_experts;
  Bytes router;
  Bytes norms;      // per-layer norms and the final norm
  Bytes embedding;  // token embedding and LM head on the stage(s) holding them
  Bytes mtp;        // MTP module(s) when speculative decoding uses them
  Bytes vision;     // a multimodal checkpoint's vision tower, with the embedding on the first stage
  [[nodiscard]] Bytes total() const {
    return attention + dense_ffn + routed_experts + shared_experts + router + norms + embedding + mtp + vision;
  }
};

/// Per-GPU quantities of one (model, deployment) on its busiest GPU.
struct Placement {
  Sharding sharding;
  WeightBytesByKind weights;
  double layers_on_busiest_stage = 0;  // L · stage_share (fractional only as a share of each group)
  // KV bytes per token per GPU of the layers that keep per-token KV, split by whether they cap at
  // the sliding window; and the fixed linear-attention state of one sequence per GPU.
  double full_kv_bytes_per_token = 0;
  double sliding_kv_bytes_per_token = 0;
  double chunked_kv_bytes_per_token = 0;  // chunked layers: at most attention_chunk tokens each
  double linear_state_bytes_per_sequence = 0;
  double sliding_window = 0;
  double attention_chunk = 0;
  /// Marginal KV bytes of one more token while the context is within every window and chunk.
  [[nodiscard]] double kv_bytes_per_token() const {
    return full_kv_bytes_per_token + sliding_kv_bytes_per_token + chunked_kv_bytes_per_token;
  }
  /// KV (and linear state) bytes one sequence of `context` tokens holds on the busiest GPU.
  [[nodiscard]] double kv_bytes_per_sequence(std::int64_t context) const {
    const double tokens = static_cast<double>(std::max<std::int64_t>(context, 0));
    // A chunked layer holds the tokens of the current chunk: at most attention_chunk, which engines
    // reserve (vLLM's chunked local attention frees the blocks of finished chunks).
    return full_kv_bytes_per_token * tokens + sliding_kv_bytes_per_token * std::min(tokens, sliding_window) +
           chunked_kv_bytes_per_token * std::min(tokens, attention_chunk) + linear_state_bytes_per_sequence;
  }
};

/// Fraction of the layers on the busiest pipeline stage: ceil(L/pp)/L (1 without pipelining).
[[nodiscard]] double busiest_stage_share(const ModelSpec& model, int pp);

/// The sharding rules of a layout (docs/methodology.md#parallelism): GQA splits KV heads over tp
/// until each rank has one (then replicates); MLA's latent is shared by all heads, so each attention
/// rank holds all of it; a linear-attention state is per query head, split over tp.
[[nodiscard]] Sharding shard(const PreparedModel& model, const Parallelism& parallel);

/// Attention projection parameters of one layer on one GPU under `sharding`.
[[nodiscard]] double attention_params_per_gpu(const PreparedModel& model, const Sharding& sharding);
/// Token-mixer parameters of one layer of kind `kind` on one GPU: a linear-attention layer's (Gated
/// DeltaNet, lightning attention) are split by heads over tp (its heads are independent), other
/// kinds as attention_params_per_gpu.
[[nodiscard]] double mixer_params_per_gpu(const PreparedModel& model, LayerAttention kind, const Sharding& sharding);

/// The placement of `model` under `deployment` (its parallel layout, precisions and speculation).
[[nodiscard]] Placement place(const PreparedModel& model, const Deployment& deployment);

/// Whole-model KV bytes per token (layers with per-token KV) and of one sequence of `context`
/// tokens: the placement's figures on one GPU without parallelism.
[[nodiscard]] double kv_bytes_per_token(const PreparedModel& model, Precision kv);
[[nodiscard]] double kv_bytes_per_sequence(const PreparedModel& model, Precision kv, std::int64_t context);

}  // namespace llmsizer
