#include "hardware/gpu_spec.hpp"

#include <algorithm>
#include <cctype>

#include "base/ascii.hpp"

namespace llmsizer {

ComputeType effective_compute_type(const GpuSpec& gpu, Precision p) {
  const PrecisionInfo& pi = info(p);
  if (!pi.weight_only && gpu.supports(pi.native_compute)) return pi.native_compute;
  // A format the GPU cannot compute in runs weight-only: dequantized in the kernel to the 16-bit
  // type (W4A16). FP4 weights on Hopper too: vLLM serves MXFP4/NVFP4 there with mixed-input BF16
  // kernels (Marlin, Triton matmul_ogs), and the measured gpt-oss prefills on H100/H200 take twice
  // the time an FP8 (W4A8) matmul would (docs/methodology.md#moe, docs/validation.md).
  for (ComputeType c : {ComputeType::bf16, ComputeType::fp16, ComputeType::fp32}) {
    if (gpu.supports(c)) return c;
  }
  return ComputeType::fp32;
}

bool is_weight_only_on(const GpuSpec& gpu, Precision p) {
  return info(p).weight_only || effective_compute_type(gpu, p) != info(p).native_compute;
}

const PricePoint* find_price(const GpuSpec& gpu, std::string_view label) {
  for (const PricePoint& price : gpu.prices) {
    if (ascii_iequals(price.label, label)) return &price;
  }
  return nullptr;
}

}  // namespace llmsizer
