#include "estimator/layout.hpp"

#include <fmt/format.h>

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

MinimumGpus minimum_gpus(const PreparedModel& model, const GpuSpec& gpu, const Deployment& precisions,
                         const Residency& residency, const EfficiencyParams& efficiency, int max_gpus) {
  MinimumGpus result;
  for (int count : candidate_gpu_counts(gpu, max_gpus)) {
    const std::optional<Deployment> d = layout_for(*model.spec, gpu, count, LayoutHints{}, precisions, nullptr);
    if (!d) continue;
    result.deployment = *d;
    result.fit = fit_memory(model, gpu, *d, residency, efficiency);
    if (result.fit.fits) {
      result.gpus = count;
      return result;
    }
  }
  return result;
}

}  // namespace llmsizer
