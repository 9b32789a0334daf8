// estimator/realism.hpp — layouts and operating points an engine would not be run at, even when they
// fit and meet the SLOs on paper: they are flagged, and recommendations skip them unless asked
// (docs/methodology.md#realism).
#pragma once

#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// Deepest pipeline a recommendation uses. vLLM's and SGLang's multi-node guides set
/// pipeline_parallel_size to the number of nodes of one instance, and the published multi-node
/// serving runs (Llama-3.1-405B on 2 x 8 H100, DeepSeek-R1 on 2-4 H100/H20 nodes) use 2-4 stages;
/// every further stage adds a network hop to each token and a pipeline bubble, which is why deeper
/// pipelines stay a training technique.
inline constexpr int max_practical_pipeline_stages = 4;

/// Slowest decode a user is served at: about silent reading speed. Brysbaert (2019, J. Memory and
/// Language 109, "How many words do we read per minute?") finds 238 words/min for English
/// non-fiction, about 4 words/s, or 5 tokens/s at ~1.3 tokens per word; slower text is waited for.
inline constexpr double min_practical_tok_s_per_user = 5.0;

/// Why an engine would not run `parallel` on `gpu` at `tok_s_per_user`: tensor parallel beyond the
/// scale-up domain (its all-reduces would cross the scale-out network), a pipeline deeper than
/// max_practical_pipeline_stages, expert parallel beyond one domain of PCIe cards (the wide-EP
/// all-to-all kernels need NVLink and GPU-initiated RDMA), decode slower than
/// min_practical_tok_s_per_user. Empty: realistic.
[[nodiscard]] std::vector<std::string> unrealistic_because(const GpuSpec& gpu, const Parallelism& parallel,
                                                           double tok_s_per_user);

/// The reasons of unrealistic_because joined by "; ".
[[nodiscard]] std::string unrealistic_text(const GpuSpec& gpu, const Parallelism& parallel, double tok_s_per_user);

/// Why a deployment is flagged, its pool named when it has two: "prefill pool: <why>" when
/// `prefill_pool` (null: co-located) is unrealistic, else "decode pool: <why>" or "<why>" for
/// `layout`; empty when realistic. What `compare` prints after "no: ".
[[nodiscard]] std::string unrealistic_reason(const GpuSpec& gpu, const Parallelism& layout,
                                             const Parallelism* prefill_pool, double tok_s_per_user);

/// The note the search prints beside a flagged row and `estimate` under a flagged layout:
/// "unrealistic: " + unrealistic_reason, or empty when realistic.
[[nodiscard]] std::string unrealistic_note(const GpuSpec& gpu, const Parallelism& layout,
                                           const Parallelism* prefill_pool, double tok_s_per_user);

/// unrealistic_because(...).empty(), without building the sentences.
[[nodiscard]] bool is_realistic(const GpuSpec& gpu, const Parallelism& parallel, double tok_s_per_user);
/// The same for the layout alone, before any speed is known (the default layout's search).
[[nodiscard]] bool is_realistic_layout(const GpuSpec& gpu, const Parallelism& parallel);

}  // namespace llmsizer
