#include "estimator/realism.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmsizer {
namespace {

int domain_of(const GpuSpec& gpu) {
  return std::max(1, gpu.scale_up.domain_gpus);
}

bool pcie_scale_up(const GpuSpec& gpu) {
  return gpu.scale_up.kind.rfind("pcie", 0) == 0;
}

/// Expert parallelism beyond one scale-up domain of PCIe cards: the wide-EP all-to-all kernels engines
/// use across nodes (DeepEP, which SGLang and vLLM run for wide EP) require NVLink between the GPUs of a
/// node and GPU-initiated RDMA between nodes (DeepEP README, "Requirements"); cards joined by PCIe
/// alone have neither (GeForce drivers do not even enable peer-to-peer over PCIe).
bool wide_ep_over_pcie(const GpuSpec& gpu, const Parallelism& p) {
  return p.ep > domain_of(gpu) && pcie_scale_up(gpu);
}

}  // namespace

bool is_realistic_layout(const GpuSpec& gpu, const Parallelism& p) {
  return p.tp <= domain_of(gpu) && p.pp <= max_practical_pipeline_stages && !wide_ep_over_pcie(gpu, p);
}

bool is_realistic(const GpuSpec& gpu, const Parallelism& p, double tok_s_per_user) {
  return is_realistic_layout(gpu, p) && tok_s_per_user >= min_practical_tok_s_per_user;
}

std::vector<std::string> unrealistic_because(const GpuSpec& gpu, const Parallelism& p, double tok_s_per_user) {
  std::vector<std::string> reasons;
  if (p.tp > domain_of(gpu)) {
    reasons.push_back(fmt::format("tp {} exceeds the {}-GPU {} scale-up domain", p.tp, domain_of(gpu),
                                  gpu.scale_up.kind.empty() ? "scale-up" : gpu.scale_up.kind));
  }
  if (p.pp > max_practical_pipeline_stages) {
    reasons.push_back(fmt::format("pp {} is deeper than the {} pipeline stages engines are run with", p.pp,
                                  max_practical_pipeline_stages));
  }
  if (wide_ep_over_pcie(gpu, p)) {
    const int domains = (p.ep + domain_of(gpu) - 1) / domain_of(gpu);
    reasons.push_back(
        fmt::format("ep {} spans {} {}-GPU {} domains: wide-EP all-to-all needs NVLink inside a node and "
                    "GPU-initiated RDMA between nodes",
                    p.ep, domains, domain_of(gpu), gpu.scale_up.kind));
  }
  if (tok_s_per_user < min_practical_tok_s_per_user) {
    reasons.push_back(fmt::format("{:.1f} tok/s per user is below the {:g} tok/s reading-speed floor", tok_s_per_user,
                                  min_practical_tok_s_per_user));
  }
  return reasons;
}

std::string unrealistic_text(const GpuSpec& gpu, const Parallelism& p, double tok_s_per_user) {
  std::string text;
  for (const std::string& reason : unrealistic_because(gpu, p, tok_s_per_user)) {
    text += (text.empty() ? "" : "; ") + reason;
  }
  return text;
}

std::string unrealistic_reason(const GpuSpec& gpu, const Parallelism& layout, const Parallelism* prefill_pool,
                               double tok_s_per_user) {
  if (prefill_pool && !is_realistic(gpu, *prefill_pool, tok_s_per_user)) {
    return "prefill pool: " + unrealistic_text(gpu, *prefill_pool, tok_s_per_user);
  }
  if (is_realistic(gpu, layout, tok_s_per_user)) return "";
  return (prefill_pool ? "decode pool: " : "") + unrealistic_text(gpu, layout, tok_s_per_user);
}

std::string unrealistic_note(const GpuSpec& gpu, const Parallelism& layout, const Parallelism* prefill_pool,
                             double tok_s_per_user) {
  const std::string reason = unrealistic_reason(gpu, layout, prefill_pool, tok_s_per_user);
  return reason.empty() ? reason : "unrealistic: " + reason;
}

}  // namespace llmsizer
