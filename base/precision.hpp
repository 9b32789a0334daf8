// base/precision.hpp — storage precisions of weights and KV cache, and tensor-core data types.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace llmsizer {

/// Data types a GPU's tensor cores execute natively (the keys of `dense_tflops` in a GPU profile).
enum class ComputeType : unsigned char { fp4, fp8, int8, bf16, fp16, tf32, fp32 };
inline constexpr int compute_type_count = 7;
inline constexpr std::array<std::string_view, compute_type_count> compute_type_names = {
    "fp4", "fp8", "int8", "bf16", "fp16", "tf32", "fp32"};

/// How numbers are stored in memory (weights or KV cache).
enum class Precision : unsigned char { fp32, bf16, fp16, fp8, int8, nvfp4, mxfp4, int4 };
inline constexpr int precision_count = 8;

struct PrecisionInfo {
  std::string_view name;
  /// Bytes per element including block-scale overhead:
  ///  - fp8: DeepSeek-style 128x128 weight blocks with one fp32 scale: 4/16384 B per element.
  ///  - nvfp4: 16-element blocks with one FP8 (E4M3) scale: 0.5 + 1/16 B (NVIDIA NVFP4 format).
  ///  - mxfp4: 32-element blocks with one E8M0 scale: 0.5 + 1/32 B (OCP Microscaling spec v1.0).
  ///  - int4: group-wise (128) fp16 scale and zero point, as AWQ/GPTQ: 0.5 + 4/128 B.
  ///  - int8: per-channel scales, negligible per element.
  double bytes_per_element;
  /// Tensor-core type the matmul runs in when the GPU supports it natively.
  ComputeType native_compute;
  /// True for weight-only formats that engines always dequantize to 16-bit for the matmul.
  bool weight_only;
};

inline constexpr std::array<PrecisionInfo, precision_count> precision_table = {{
    {"fp32", 4.0, ComputeType::fp32, false},
    {"bf16", 2.0, ComputeType::bf16, false},
    {"fp16", 2.0, ComputeType::fp16, false},
    {"fp8", 1.0 + 4.0 / 16384.0, ComputeType::fp8, false},
    {"int8", 1.0, ComputeType::int8, false},
    {"nvfp4", 0.5 + 1.0 / 16.0, ComputeType::fp4, false},
    {"mxfp4", 0.5 + 1.0 / 32.0, ComputeType::fp4, false},
    {"int4", 0.5 + 4.0 / 128.0, ComputeType::bf16, true},
}};

[[nodiscard]] constexpr const PrecisionInfo& info(Precision p) {
  return precision_table[static_cast<int>(p)];
}
[[nodiscard]] constexpr std::string_view name(Precision p) { return info(p).name; }

/// Bytes per element of a KV cache in precision `p`. FP8/INT8 KV caches use per-tensor (or
/// per-head) scales, so unlike weights they carry no per-block overhead; FP4 KV keeps NVFP4 scales.
[[nodiscard]] constexpr double kv_bytes_per_element(Precision p) {
  return p == Precision::fp8 ? 1.0 : info(p).bytes_per_element;
}
[[nodiscard]] constexpr std::string_view name(ComputeType c) {
  return compute_type_names[static_cast<int>(c)];
}

/// Parses the user-facing precision vocabulary: bf16, fp16, fp8, int8, fp4 (= nvfp4), nvfp4, mxfp4,
/// int4, fp32. Case-insensitive. Returns nullopt for anything else.
[[nodiscard]] std::optional<Precision> parse_precision(std::string_view text);
[[nodiscard]] std::optional<ComputeType> parse_compute_type(std::string_view text);

/// The names parse_precision accepts, for error messages and did-you-mean.
inline constexpr std::array<std::string_view, 9> precision_vocabulary = {
    "bf16", "fp16", "fp8", "int8", "fp4", "nvfp4", "mxfp4", "int4", "fp32"};

}  // namespace llmsizer
