// base/units.hpp — SI quantities with the unit in the type.
//
// Every quantity in the core is held in SI base units (bytes, seconds, FLOP, watts, US dollars).
// Conversions from profile units (GB, GB/s, TFLOPS, µs) happen in loaders through the factories
// below, and back to display units only in writers. GB = 1e9 bytes, GiB = 2^30 bytes
// (docs/units.md).
#pragma once

#include <compare>  // the defaulted operator<=> below; clang 14 (the libFuzzer build) needs it named

namespace llmsizer {

template <class Tag>
struct Quantity {
  double value = 0.0;
  constexpr Quantity& operator+=(Quantity o) { value += o.value; return *this; }
  constexpr Quantity& operator-=(Quantity o) { value -= o.value; return *this; }
  friend constexpr Quantity operator+(Quantity a, Quantity b) { return {a.value + b.value}; }
  friend constexpr Quantity operator-(Quantity a, Quantity b) { return {a.value - b.value}; }
  friend constexpr Quantity operator*(Quantity a, double k) { return {a.value * k}; }
  friend constexpr Quantity operator*(double k, Quantity a) { return {a.value * k}; }
  friend constexpr Quantity operator/(Quantity a, double k) { return {a.value / k}; }
  friend constexpr double operator/(Quantity a, Quantity b) { return a.value / b.value; }
  friend constexpr auto operator<=>(Quantity a, Quantity b) = default;
};

struct BytesTag {};
struct SecondsTag {};
struct FlopsTag {};
struct BytesPerSecondTag {};
struct FlopsPerSecondTag {};
struct WattsTag {};
struct JoulesTag {};
struct UsdTag {};

using Bytes = Quantity<BytesTag>;
using Seconds = Quantity<SecondsTag>;
using Flops = Quantity<FlopsTag>;                    // floating-point operations (count)
using BytesPerSecond = Quantity<BytesPerSecondTag>;
using FlopsPerSecond = Quantity<FlopsPerSecondTag>;
using Watts = Quantity<WattsTag>;
using Joules = Quantity<JoulesTag>;
using Usd = Quantity<UsdTag>;

[[nodiscard]] constexpr Seconds operator/(Bytes b, BytesPerSecond r) { return {b.value / r.value}; }
[[nodiscard]] constexpr Seconds operator/(Flops f, FlopsPerSecond r) { return {f.value / r.value}; }
[[nodiscard]] constexpr Joules operator*(Watts p, Seconds t) { return {p.value * t.value}; }

// Factories: the prefix is visible where a value is made.
[[nodiscard]] constexpr Bytes bytes(double n) { return {n}; }
[[nodiscard]] constexpr Bytes gigabytes(double n) { return {n * 1e9}; }
[[nodiscard]] constexpr Bytes gibibytes(double n) { return {n * 1073741824.0}; }
[[nodiscard]] constexpr BytesPerSecond gigabytes_per_second(double n) { return {n * 1e9}; }
[[nodiscard]] constexpr FlopsPerSecond teraflops_per_second(double n) { return {n * 1e12}; }
[[nodiscard]] constexpr Seconds seconds(double n) { return {n}; }
[[nodiscard]] constexpr Seconds milliseconds(double n) { return {n * 1e-3}; }
[[nodiscard]] constexpr Seconds microseconds(double n) { return {n * 1e-6}; }
[[nodiscard]] constexpr Watts watts(double n) { return {n}; }
[[nodiscard]] constexpr Usd usd(double n) { return {n}; }

// Readers for writers: SI -> display unit.
[[nodiscard]] constexpr double in_gigabytes(Bytes b) { return b.value / 1e9; }
[[nodiscard]] constexpr double in_gibibytes(Bytes b) { return b.value / 1073741824.0; }
[[nodiscard]] constexpr double in_milliseconds(Seconds s) { return s.value * 1e3; }
[[nodiscard]] constexpr double in_microseconds(Seconds s) { return s.value * 1e6; }

constexpr double seconds_per_hour = 3600.0;
constexpr double joules_per_kwh = 3.6e6;

}  // namespace llmsizer
