#include "hardware/achievable.hpp"

namespace llmsizer {
namespace {

/// Stands in for a peak the profile does not give (the gpu/1 loader requires one dense figure, not a
/// 16-bit one), so a rate stays finite and visibly poor (1 TFLOPS) instead of dividing by zero.
constexpr double fallback_peak_flops_per_s = 1e12;

}  // namespace

FlopsPerSecond sixteen_bit_peak(const GpuSpec& gpu) {
  for (ComputeType c : {ComputeType::bf16, ComputeType::fp16, ComputeType::fp32}) {
    if (gpu.supports(c)) return *gpu.throughput(c);
  }
  return FlopsPerSecond{fallback_peak_flops_per_s};
}

double rescaled_fraction(const GpuSpec& gpu, const HardwareEfficiency& hw, double fraction) {
  // A kernel tile's tensor-core work overlaps its vector work (dequantisation, epilogue, softmax and
  // rescaling, address and loop arithmetic on the FP32 pipes) except for a share that stays exposed;
  // the fraction's shortfall 1/f - 1 is that exposed time over the tensor time. The vector work per
  // tile is fixed by the tile, so at the same clock and tile the shortfall scales with the tensor peak
  // over the vector peak (docs/methodology.md#tensor-vector).
  if (hw.reference_tensor_per_vector <= 0 || !gpu.supports(ComputeType::fp32)) return fraction;
  const double tensor_per_vector = sixteen_bit_peak(gpu).value / gpu.throughput(ComputeType::fp32)->value;
  const double shortfall = (1.0 / fraction - 1.0) * tensor_per_vector / hw.reference_tensor_per_vector;
  return 1.0 / (1.0 + shortfall);
}

double compute_fraction_of(const GpuSpec& gpu, const HardwareEfficiency& hw) {
  return rescaled_fraction(gpu, hw, hw.compute_fraction);
}

FlopsPerSecond matmul_rate(const GpuSpec& gpu, Precision p, const HardwareEfficiency& hw) {
  // FP8/FP4 GEMMs are rescaled with the 16-bit tensor/vector ratio, not their own (twice as high):
  // on the boards the fraction is fitted on, FP8 reaches compute_fraction x fp8_compute_derate of its
  // peak (0.55 on Hopper), more than a doubled shortfall would allow with no derate at all (0.44),
  // so the derate carries FP8's own cost there; on H20 both forms give the same FP8 rate (0.776 vs
  // 0.778 of its peak). docs/methodology.md#tensor-vector.
  const ComputeType c = effective_compute_type(gpu, p);
  double derate = 1.0;
  if (c == ComputeType::fp8 || c == ComputeType::int8) derate = hw.fp8_compute_derate;
  if (c == ComputeType::fp4) derate = hw.fp4_compute_derate;
  const auto& peak = gpu.throughput(c);
  return FlopsPerSecond{(peak ? peak->value : fallback_peak_flops_per_s) * compute_fraction_of(gpu, hw) * derate};
}

Roofs achievable_roofs(const GpuSpec& gpu, const RoofPrecisions& p, const HardwareEfficiency& hw,
                       double attention_fraction) {
  Roofs r;
  r.weight_matmul = matmul_rate(gpu, p.weights, hw);
  r.expert_matmul = matmul_rate(gpu, p.experts, hw);
  r.head_matmul.value = sixteen_bit_peak(gpu).value * compute_fraction_of(gpu, hw);
  // Attention runs in the KV cache's type where the GPU has it (FP8 flash/MLA kernels), else 16-bit;
  // its softmax and rescaling are vector work beside the tensor work, rescaled like a GEMM's.
  const bool fp8_attention = (p.kv == Precision::fp8) && gpu.supports(ComputeType::fp8);
  const double fraction = rescaled_fraction(gpu, hw, attention_fraction);
  r.attention.value = fp8_attention ? gpu.throughput(ComputeType::fp8)->value * fraction * hw.fp8_compute_derate
                                    : sixteen_bit_peak(gpu).value * fraction;
  r.bandwidth.value = gpu.memory_bandwidth.value * hw.bandwidth_fraction;
  return r;
}

LinkRates achievable_link_rates(const GpuSpec& gpu, const HardwareEfficiency& hw) {
  LinkRates r;
  r.scale_up.value = gpu.scale_up.bandwidth_per_direction.value * hw.link_fraction;
  r.scale_out.value = gpu.scale_out_bandwidth_per_direction.value * hw.link_fraction;  // > 0 (gpu/1 loader)
  return r;
}

}  // namespace llmsizer
