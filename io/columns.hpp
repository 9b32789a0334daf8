// io/columns.hpp — the columns more than one command prints, declared once so that the same
// quantity has the same key, unit and description in `estimate`, `sweep`, `compare`, `plan` and
// `fit`. A command may show one with its own text format or header (`shown`).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "io/table.hpp"

namespace llmsizer::columns {

inline const Column model{"model", "", "model"};
inline const Column gpu{"gpu", "", "GPU type"};
inline const Column tp{"tp", "", "tensor parallel"};
inline const Column pp{"pp", "", "pipeline stages"};
inline const Column dp{"dp", "", "attention data parallel"};
inline const Column ep{"ep", "", "expert parallel"};
inline const Column weights{"weights", "", "weight precision"};
inline const Column kv{"kv", "", "KV-cache precision"};
inline const Column mtp{"mtp", "tokens", "MTP draft tokens per decode step (0: none)"};
inline const Column overlap{"overlap", "", "communication overlap the deployment runs: none or two-batch"};
inline const Column concurrency{"concurrency", "requests", "requests in flight"};
/// fit's rows are the smallest layouts that hold the model: their GPU count is `gpus`, as every layout's.
inline const Column layout_gpus{"gpus", "count", "GPUs in the smallest layout that holds the model at that precision"};
/// compare's chosen deployment has its own `gpus`; this is the fewest that would hold its precision.
inline const Column min_gpus{"min_gpus", "count", "smallest GPU count that holds the model at that precision"};

inline const Column ttft_ms{"ttft_ms", "ms", "mean time to first token"};
inline const Column tpot_ms{"tpot_ms", "ms", "mean time per output token"};
inline const Column output_tok_s_per_gpu{"output_tok_s_per_gpu", "tokens/s/GPU", "output throughput per GPU"};
inline const Column tok_s_per_user{"tok_s_per_user", "tokens/s", "decode speed one user sees (1/TPOT)"};
inline const Column usd_per_gpu_hour{"usd_per_gpu_hour", "$/GPU-hour", "price"};
inline const Column usd_per_mtok_output{"usd_per_mtok_output", "$/Mtok", "all GPU time per million output tokens"};
/// plan's fleet cost per token actually served: usd_per_mtok_output divided by the fleet's utilisation.
inline const Column usd_per_mtok_served{"usd_per_mtok_served", "$/Mtok",
                                        "fleet $/month per million output tokens served (at the fleet's utilisation)"};
inline const Column joules_per_output_token{"joules_per_output_token", "J/token", "energy per output token"};
inline const Column price{"price", "", "price label used"};
inline const Column price_basis{"price_basis", "",
                                "price basis: on-demand, reserved, 3yr-rental, owned, published-tco or user"};

// A prefill/decode-disaggregated deployment (estimate with pools, compare/sweep/plan --disagg).
inline const Column prefill_queue_ms{"prefill_queue_ms", "ms",
                                     "disaggregated: wait for a prefill worker at the deployment's request rate"};
inline const Column kv_transfer_ms{"kv_transfer_ms", "ms",
                                   "disaggregated: the prompt's KV cache from prefill to decode GPUs over scale-out"};
inline const Column limited_by{"limited_by", "", "disaggregated: the pool that sets the throughput (prefill or decode)"};
inline const Column balanced_prefill_per_decode{"balanced_prefill_per_decode", "workers",
                                                "disaggregated: prefill workers per decode worker at equal rates"};

inline const Column weights_gb_per_gpu{"weights_gb_per_gpu", "GB", "weights on the busiest GPU"};
inline const Column kv_gb_per_gpu{"kv_gb_per_gpu", "GB", "KV cache on the busiest GPU"};
inline const Column activations_gb_per_gpu{"activations_gb_per_gpu", "GB", "activation workspace per GPU"};
inline const Column usable_gb_per_gpu{"usable_gb_per_gpu", "GB", "usable memory per GPU"};
inline const Column free_kv_tokens{"free_kv_tokens", "tokens",
                                   "further whole KV tokens that fit (per attention-DP rank when dp > 1)"};
/// MemoryFit::free_kv_tokens as the count every output shows: whole tokens (a fraction of a token's
/// KV holds no token), so text, JSON and CSV agree.
[[nodiscard]] inline std::int64_t whole_tokens(double tokens) {
  return static_cast<std::int64_t>(std::floor(tokens));
}
inline const Column notes{"notes", "", "notes"};
/// What the answer could not account for: the model's warnings (an estimated profile, config.json keys
/// not understood, a family read as a generic decoder) and, for an estimate, the request's.
inline const Column warnings{"warnings", "", "what the answer does not account for (model and request warnings)"};
/// A multimodal checkpoint's vision tower on the busiest GPU, inside weights_gb_per_gpu.
inline const Column vision_gb_per_gpu{"vision_gb_per_gpu", "GB", "vision tower weights on the busiest GPU (in weights)"};
inline const Column reason{"reason", "", "why it does not fit"};

/// `column` shown in text with `format`, headed `label` when it is not empty.
[[nodiscard]] inline Column shown(Column column, CellFormat format, std::string label = {}) {
  column.format = format;
  column.label = std::move(label);
  return column;
}

}  // namespace llmsizer::columns
