// estimator/layout.hpp — parallel layouts: validate what the user asked for, choose sensible
// defaults, and find the smallest GPU count that holds a model (docs/methodology.md#layout).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "estimator/memory_fit.hpp"

namespace llmsizer {

/// Degrees the user fixed; the rest are chosen.
struct LayoutHints {
  std::optional<int> tp, pp, dp, ep;
};

/// Which choice a layout problem is about, so the message can name the option the user gave.
enum class LayoutDegree : unsigned char { tp, pp, dp, ep, gpus };

/// What is wrong with a layout: the degree at fault and the message ("tp 3 must divide the 64
/// attention heads of ..."); an empty message when the layout is valid.
struct LayoutProblem {
  LayoutDegree degree = LayoutDegree::gpus;
  std::string message;
};

[[nodiscard]] LayoutProblem check_layout(const ModelSpec& model, const GpuSpec& gpu, const Parallelism& parallel,
                                         int total_gpus);

/// check_layout's message alone: empty when `parallel` is valid for the model, GPU and count.
[[nodiscard]] std::string layout_problem(const ModelSpec& model, const GpuSpec& gpu, const Parallelism& parallel,
                                         int total_gpus);

/// The instance layout for exactly `gpus` GPUs: tp = the largest power of two within the scale-up
/// domain that divides the heads and the count, the rest pipeline stages; dp = ep = 1 unless hinted.
/// With tp/dp/pp hinted and the product smaller than `gpus`, the rest become replicas.
[[nodiscard]] std::optional<Deployment> layout_for(const ModelSpec& model, const GpuSpec& gpu, int gpus,
                                                   const LayoutHints& hints, const Deployment& precisions,
                                                   std::string* problem, LayoutDegree* blamed = nullptr);

/// GPU counts tried when sizing: 1, 2, 4, ... up to a node, then whole nodes up to `max_gpus`.
[[nodiscard]] std::vector<int> candidate_gpu_counts(const GpuSpec& gpu, int max_gpus);

struct MinimumGpus {
  std::optional<int> gpus;   // nullopt: nothing up to the limit fits
  Deployment deployment;     // layout chosen (valid when gpus is set)
  MemoryFitReport fit;       // at that count (or at the largest tried when none fits)
};

/// The smallest candidate count whose layout_for layout (one instance, no replicas) holds weights,
/// activations and KV for the sequences of `residency` it runs at once (admitted_residency: at most
/// the engine's max batch per attention-DP rank; the rest queue). Realistic layouts
/// (is_realistic_layout) first: an unrealistic count only when no realistic one up to `max_gpus` holds it.
[[nodiscard]] MinimumGpus minimum_gpus(const PreparedModel& model, const GpuSpec& gpu, const Deployment& precisions,
                                       const Residency& residency, const EfficiencyParams& efficiency,
                                       int max_gpus = 1024);

/// The layout a request of `workload` that names none runs on (docs/methodology.md#layout): when no
/// realistic layout up to `max_gpus` runs every request in flight at once (KV room and the engine's
/// max batch; saturated), the realistic layout with the highest output tok/s per GPU (the fewest GPUs
/// among equals), the rest queueing; otherwise minimum_gpus among realistic layouts, non-decreasing in
/// GPUs as the concurrency grows. Only when no realistic layout runs one request, the same over the
/// unrealistic ones. nullopt: not one request fits on up to `max_gpus`.
[[nodiscard]] std::optional<Deployment> default_layout(const PreparedModel& model, const GpuSpec& gpu,
                                                       const Deployment& precisions, const Workload& workload,
                                                       const EfficiencyParams& efficiency, int max_gpus = 1024);

}  // namespace llmsizer
