// base/rounding.hpp — floor and ceiling of a double without a library call. The x86-64 baseline
// the project builds for has no rounding instruction, so std::floor and std::ceil are calls into
// libm; the per-estimate path (estimator/serving.cpp, memory_fit.cpp) rounds a few counts per
// estimate (docs/performance.md, part M).
#pragma once

#include <cmath>
#include <cstdint>

namespace llmsizer {

/// std::floor(x), inline for 0 <= x < 2^52 (truncation is the floor there; -0 gives +0); any other
/// value (negative, huge, NaN) goes to std::floor.
[[nodiscard]] inline double floor_inline(double x) {
  if (!(x >= 0 && x < 0x1p52)) return std::floor(x);
  return static_cast<double>(static_cast<std::int64_t>(x));
}

/// std::ceil(x), inline for 0 <= x < 2^52 (-0 gives +0); any other value goes to std::ceil.
[[nodiscard]] inline double ceil_inline(double x) {
  if (!(x >= 0 && x < 0x1p52)) return std::ceil(x);
  const double truncated = static_cast<double>(static_cast<std::int64_t>(x));
  return truncated < x ? truncated + 1.0 : truncated;
}

}  // namespace llmsizer
