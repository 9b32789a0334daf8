#include "estimator/realism.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace llmsizer {
namespace {

int domain_of(const GpuSpec& gpu) {
  return std::max(1, gpu.scale_up.domain_gpus);
}

}  // namespace

bool is_realistic(const GpuSpec& gpu, const Parallelism& p, double tok_s_per_user) {
  return p.tp <= domain_of(gpu) && p.pp <= max_practical_pipeline_stages &&
         tok_s_per_user >= min_practical_tok_s_per_user;
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

}  // namespace llmsizer
