// hardware/achievable.hpp — what a GPU can do under a calibration: achievable matmul rates per
// precision, the attention-kernel rate, HBM and link bandwidth (docs/methodology.md#efficiency).
// Peaks come from the gpu/1 profile, fractions from the calibration's generation entry.
#pragma once

#include "base/precision.hpp"
#include "base/units.hpp"
#include "hardware/gpu_spec.hpp"
#include "hardware/hardware_efficiency.hpp"

namespace llmsizer {

/// Achievable rates of one GPU for one set of precisions (peaks x calibrated fractions).
struct Roofs {
  FlopsPerSecond weight_matmul;  // matmuls with the deployment's weight precision
  FlopsPerSecond expert_matmul;  // routed-expert matmuls
  FlopsPerSecond head_matmul;    // 16-bit matmuls (LM head, router)
  FlopsPerSecond attention;      // flash-attention core (FP8 when the KV cache is FP8 and supported)
  BytesPerSecond bandwidth;      // HBM
};

/// The storage precisions a set of roofs is resolved for.
struct RoofPrecisions {
  Precision weights = Precision::bf16;
  Precision experts = Precision::bf16;
  Precision kv = Precision::bf16;
};

/// Dense 16-bit tensor peak: BF16, else FP16, else FP32 (what LM head and router run in).
[[nodiscard]] FlopsPerSecond sixteen_bit_peak(const GpuSpec& gpu);

/// `fraction`, a kernel's achievable share of the tensor peak on the GPUs the calibration was fitted on,
/// at `gpu`'s tensor/vector peak ratio: 1 / (1 + (1/fraction - 1) · ratio / reference ratio), unchanged
/// when the generation names no reference ratio (docs/methodology.md#tensor-vector).
[[nodiscard]] double rescaled_fraction(const GpuSpec& gpu, const HardwareEfficiency& hardware, double fraction);

/// The share of its dense tensor peak `gpu` reaches on large GEMMs: the generation's compute_fraction,
/// rescaled by the GPU's tensor/vector peak ratio when the calibration names the generation's
/// reference ratio (docs/methodology.md#tensor-vector).
[[nodiscard]] double compute_fraction_of(const GpuSpec& gpu, const HardwareEfficiency& hardware);

/// Achievable rate of a matmul whose weights are stored as `p`: the peak of the type it computes in
/// (effective_compute_type) x compute_fraction_of, derated for FP8/INT8 and FP4 kernels.
[[nodiscard]] FlopsPerSecond matmul_rate(const GpuSpec& gpu, Precision p, const HardwareEfficiency& hardware);

/// The roofs of `gpu` for `precisions`. `attention_fraction` is the engine's flash-attention share of
/// the peak (an engine factor, so the caller passes it).
[[nodiscard]] Roofs achievable_roofs(const GpuSpec& gpu, const RoofPrecisions& precisions,
                                     const HardwareEfficiency& hardware, double attention_fraction);

/// Achievable per-direction link bandwidth of one GPU in collectives.
struct LinkRates {
  BytesPerSecond scale_up;
  BytesPerSecond scale_out;
};

[[nodiscard]] LinkRates achievable_link_rates(const GpuSpec& gpu, const HardwareEfficiency& hardware);

}  // namespace llmsizer
