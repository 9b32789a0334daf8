// hardware/hardware_efficiency.hpp — the calibrated fractions of a GPU generation's peaks that a
// serving engine reaches. Values live in profiles/calibration/*.yaml (written by `llmsizer
// calibrate`), never in code; the defaults below stand only for an absent "default" entry.
#pragma once

#include <string>

namespace llmsizer {

/// The smallest achievable fraction of a peak a calibration may hold: no engine runs at under 1% of a
/// roof, and a smaller value would give finite but absurd estimates. Enforced by the calibration
/// loader and kept by `calibrate`'s fit.
constexpr double min_achievable_fraction = 0.01;

/// Achievable fractions of a GPU generation's peaks (docs/methodology.md#efficiency).
struct HardwareEfficiency {
  std::string generation;
  double compute_fraction = 0.6;     // of dense 16-bit peak, on large GEMMs
  double fp8_compute_derate = 0.85;  // FP8 GEMMs reach this fraction of compute_fraction
  double fp4_compute_derate = 0.7;   // FP4 GEMMs likewise (newer kernels, scale handling)
  double bandwidth_fraction = 0.8;   // of peak HBM bandwidth, streaming weights and KV
  double link_fraction = 0.7;        // of per-direction link bandwidth, in collectives
  double roofline_sharpness = 3.0;   // k of the smoothed roofline (t_c^k + t_m^k)^(1/k); large = sharp max
  // Dense 16-bit tensor peak over FP32 vector peak of the GPUs compute_fraction was fitted on; a GPU of
  // the generation with another ratio gets compute_fraction rescaled (hardware/achievable.cpp,
  // docs/methodology.md#tensor-vector). 0: compute_fraction holds for every GPU of the generation.
  double reference_tensor_per_vector = 0;
  friend bool operator==(const HardwareEfficiency&, const HardwareEfficiency&) = default;
};

}  // namespace llmsizer
