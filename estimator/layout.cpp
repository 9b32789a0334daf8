#include "estimator/layout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "estimator/admission.hpp"
#include "estimator/prepared_deployment.hpp"
#include "estimator/realism.hpp"
#include "estimator/serving.hpp"

namespace llmsizer {

LayoutProblem check_layout(const ModelSpec& model, const GpuSpec& gpu, const Parallelism& p, int total_gpus) {
  using D = LayoutDegree;
  if (p.tp < 1) return {D::tp, "parallel degrees must be at least 1"};
  if (p.pp < 1) return {D::pp, "parallel degrees must be at least 1"};
  if (p.dp < 1) return {D::dp, "parallel degrees must be at least 1"};
  if (p.ep < 1) return {D::ep, "parallel degrees must be at least 1"};
  if (model.num_heads % p.tp != 0) {
    return {D::tp, fmt::format("tp {} must divide the {} attention heads of {}", p.tp, model.num_heads, model.name)};
  }
  if (p.pp > model.num_layers) return {D::pp, fmt::format("pp {} exceeds the {} layers", p.pp, model.num_layers)};
  if (p.ep > 1 && !model.moe) {
    return {D::ep, fmt::format("ep {} needs a mixture-of-experts model; {} is dense", p.ep, model.name)};
  }
  if ((p.tp * p.dp) % p.ep != 0) return {D::ep, fmt::format("ep {} must divide tp x dp = {}", p.ep, p.tp * p.dp)};
  if (model.moe && model.moe->num_experts % p.ep != 0) {
    return {D::ep, fmt::format("ep {} must divide the {} routed experts", p.ep, model.moe->num_experts)};
  }
  if (total_gpus % p.gpus() != 0) {
    return {D::gpus, fmt::format("{} GPUs is not a multiple of tp x pp x dp = {}", total_gpus, p.gpus())};
  }
  (void)gpu;  // tp beyond the scale-up domain is allowed; its all-reduces then cross the scale-out network
  return {};
}

std::string layout_problem(const ModelSpec& model, const GpuSpec& gpu, const Parallelism& p, int total_gpus) {
  return check_layout(model, gpu, p, total_gpus).message;
}

std::optional<Deployment> layout_for(const ModelSpec& model, const GpuSpec& gpu, int gpus, const LayoutHints& hints,
                                     const Deployment& precisions, std::string* problem, LayoutDegree* blamed) {
  Deployment d = precisions;
  Parallelism& p = d.parallel;
  p.dp = hints.dp.value_or(1);
  p.ep = hints.ep.value_or(1);
  if (hints.tp) {
    p.tp = *hints.tp;
  } else {
    // A hinted pipeline depth takes its share of the count before tp is chosen.
    const int others = std::max(1, p.dp) * std::max(1, hints.pp.value_or(1));
    const int limit = std::min(gpus / others, std::max(1, gpu.scale_up.domain_gpus));
    p.tp = 1;
    for (int t = 2; t <= limit; t *= 2) {
      if (model.num_heads % t == 0 && gpus % (t * others) == 0) p.tp = t;
    }
  }
  if (hints.pp) p.pp = *hints.pp;
  else p.pp = (hints.tp || hints.dp) ? 1 : std::max(1, gpus / (p.tp * p.dp));
  if (p.gpus() > 0 && gpus % p.gpus() == 0) d.replicas = gpus / p.gpus();
  LayoutProblem issue = check_layout(model, gpu, p, gpus);
  if (!issue.message.empty()) {
    if (problem) *problem = std::move(issue.message);
    if (blamed) *blamed = issue.degree;
    return std::nullopt;
  }
  return d;
}

std::vector<int> candidate_gpu_counts(const GpuSpec& gpu, int max_gpus) {
  std::vector<int> counts;
  const int node = std::max(1, gpu.gpus_per_node);
  for (int n = 1; n < node && n <= max_gpus; n *= 2) counts.push_back(n);
  for (int n = node; n <= max_gpus; n += node) counts.push_back(n);
  return counts;
}

namespace {

/// layout_for's instance of `count` GPUs when it is valid and its realism is `realistic`.
std::optional<Deployment> default_instance(const PreparedModel& model, const GpuSpec& gpu, int count,
                                           const Deployment& precisions, bool realistic) {
  std::optional<Deployment> d = layout_for(*model.spec, gpu, count, LayoutHints{}, precisions, nullptr);
  if (!d || is_realistic_layout(gpu, d->parallel) != realistic) return std::nullopt;
  return d;
}

/// minimum_gpus over the layouts whose realism is `realistic`; `result` keeps the last one tried.
bool smallest_holding(const PreparedModel& model, const GpuSpec& gpu, const Deployment& precisions,
                      const Residency& residency, const EfficiencyParams& efficiency, int max_gpus, bool realistic,
                      MinimumGpus& result) {
  for (int count : candidate_gpu_counts(gpu, max_gpus)) {
    const std::optional<Deployment> d = default_instance(model, gpu, count, precisions, realistic);
    if (!d) continue;
    result.deployment = *d;
    result.fit = fit_memory(model, gpu, *d, admitted_residency(residency, *d, efficiency), efficiency);
    if (result.fit.fits) {
      result.gpus = count;
      return true;
    }
  }
  return false;
}

/// The most sequences of `context` tokens `d` runs at once: its KV room, capped by the engine's max batch.
std::int64_t running_at_once(const PreparedModel& model, const GpuSpec& gpu, const Deployment& d, std::int64_t context,
                             const EfficiencyParams& efficiency) {
  return std::min(max_resident_sequences(model, gpu, d, context, efficiency), engine_batch_room(d, efficiency));
}

/// Of the layouts whose realism is `realistic` that run at least one request of `workload`, the one
/// with the highest output tok/s per GPU, the fewest GPUs among equals; `most` gets the most requests
/// any of them runs at once (0 when none runs one).
std::optional<Deployment> best_output_per_gpu(const PreparedModel& model, const GpuSpec& gpu,
                                              const Deployment& precisions, const Workload& workload,
                                              const EfficiencyParams& efficiency, int max_gpus, bool realistic,
                                              std::int64_t& most) {
  std::optional<Deployment> best;
  double best_per_gpu = -1;
  most = 0;
  for (int count : candidate_gpu_counts(gpu, max_gpus)) {
    const std::optional<Deployment> d = default_instance(model, gpu, count, precisions, realistic);
    if (!d) continue;
    const std::int64_t runs = running_at_once(model, gpu, *d, workload.isl + workload.osl, efficiency);
    if (runs < 1) continue;
    most = std::max(most, runs);
    const double per_gpu =
        evaluate(prepare_deployment(model, gpu, *d, efficiency, std::nullopt), workload).output_tok_s_per_gpu;
    if (per_gpu > best_per_gpu) {  // strict: the fewer GPUs (tried first) keep a tie
      best_per_gpu = per_gpu;
      best = d;
    }
  }
  return best;
}

}  // namespace

MinimumGpus minimum_gpus(const PreparedModel& model, const GpuSpec& gpu, const Deployment& precisions,
                         const Residency& residency, const EfficiencyParams& efficiency, int max_gpus) {
  MinimumGpus result;
  for (const bool realistic : {true, false}) {
    if (smallest_holding(model, gpu, precisions, residency, efficiency, max_gpus, realistic, result)) break;
  }
  return result;
}

std::optional<Deployment> default_layout(const PreparedModel& model, const GpuSpec& gpu, const Deployment& precisions,
                                         const Workload& workload, const EfficiencyParams& efficiency, int max_gpus) {
  const Residency residency{workload.isl + workload.osl, std::max<std::int64_t>(1, workload.concurrency)};
  // A realistic layout that runs some of the requests before any unrealistic one that holds them all:
  // the rest queue (docs/methodology.md#kv-limited-batch).
  for (const bool realistic : {true, false}) {
    std::int64_t most = 0;
    std::optional<Deployment> efficient =
        best_output_per_gpu(model, gpu, precisions, workload, efficiency, max_gpus, realistic, most);
    if (!efficient) continue;
    // Saturated: every layout queues requests, so none buys a shorter wait by its size alone; the one
    // that serves most per GPU is the unit to replicate (docs/methodology.md#layout).
    if (residency.sequences > most) return efficient;
    MinimumGpus smallest;
    if (smallest_holding(model, gpu, precisions, residency, efficiency, max_gpus, realistic, smallest)) {
      return smallest.deployment;
    }
    return efficient;
  }
  return std::nullopt;
}

}  // namespace llmsizer
