// The CSV number format (io/result_table.hpp, csv_number): six significant digits, never rounded
// above the units place, as a plain decimal without trailing zeros. A long `estimate --scenarios
// --csv` writes some twenty of these per row, so the text is worked out in integers and written
// straight into the line (docs/performance.md).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

#include "io/result_table.hpp"

namespace llmsizer {
namespace {

// GCC's and Clang's 128-bit integer (an extension; -Wpedantic says so once, here).
__extension__ using Unsigned128 = unsigned __int128;

/// The powers of ten 1e-30 .. 1e30 as decimal_exponent compares with them, each within a few ulps.
constexpr int lowest_power = -30;
constexpr auto powers_of_ten = [] {
  std::array<double, 61> p{};
  double v = 1;
  for (int e = 0; e > lowest_power; --e) v /= 10;
  for (double& x : p) {
    x = v;
    v *= 10;
  }
  return p;
}();

constexpr auto whole_powers_of_ten = [] {
  std::array<std::uint64_t, 20> p{};
  std::uint64_t v = 1;
  for (std::uint64_t& x : p) {
    x = v;
    v *= 10;
  }
  return p;
}();

/// floor(log10(magnitude)), exactly as std::log10 gives it, without calling it for most numbers: a
/// magnitude not within a relative 1e-9 of a power of ten has its exponent decided by comparisons
/// with the powers (log10 is within an ulp, so it cannot land on the other side of an integer
/// there); near a power, log10 itself decides, as it always did. The binary exponent gives the
/// starting guess (floor(e2 log10 2) is the exponent or one below it), so one or two comparisons
/// find the first power above the magnitude.
int decimal_exponent(double magnitude) {
  constexpr int count = static_cast<int>(powers_of_ten.size());
  const auto binary_exponent = static_cast<int>((std::bit_cast<std::uint64_t>(magnitude) >> 52) & 0x7FF) - 1023;
  // 1233 / 4096 = log10(2) to 4 digits, exact as a floor over the exponents of a double; the power
  // above is the guess's next one, or the one after (a comparison, not a branch).
  int above = std::clamp(((binary_exponent * 1233) >> 12) + 1 - lowest_power, 0, count - 1);
  above += powers_of_ten[static_cast<std::size_t>(above)] <= magnitude ? 1 : 0;
  while (above < count && powers_of_ten[static_cast<std::size_t>(above)] <= magnitude) ++above;
  while (above > 0 && powers_of_ten[static_cast<std::size_t>(above - 1)] > magnitude) --above;
  // `above` is now std::upper_bound's index: the first power greater than the magnitude.
  if (above == 0 || above == count) return static_cast<int>(std::floor(std::log10(magnitude)));
  constexpr double near = 1e-9;
  const double below = powers_of_ten[static_cast<std::size_t>(above - 1)];
  if (magnitude < below * (1 + near) || magnitude > powers_of_ten[static_cast<std::size_t>(above)] * (1 - near)) {
    return static_cast<int>(std::floor(std::log10(magnitude)));
  }
  return above - 1 + lowest_power;
}

/// The decimal digits of 00 .. 99.
constexpr auto digit_pairs = [] {
  std::array<char, 200> d{};
  for (int i = 0; i < 100; ++i) {
    d[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    d[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return d;
}();

/// Writes the `width` last decimal digits of `value` (with leading zeros) ending at `end`.
void write_digits_backwards(char* end, std::uint64_t value, int width) {
  for (; width >= 2; width -= 2) {
    end -= 2;
    std::memcpy(end, &digit_pairs[static_cast<std::size_t>(2 * (value % 100))], 2);
    value /= 100;
  }
  if (width == 1) *--end = static_cast<char>('0' + value % 10);
}

/// How many decimal digits `value` has (1 for 0): from its bit length, without a loop.
int digit_count(std::uint64_t value) {
  const std::uint64_t odd = value | 1;                   // the same digits, and 0 counts as 1
  const int guess = (std::bit_width(odd) * 1233) >> 12;  // digits - 1 or digits: floor(bits * log10 2)
  return guess + (odd >= whole_powers_of_ten[static_cast<std::size_t>(guess)] ? 1 : 0);
}

/// The text of to_chars(value, fixed, decimals) with the trailing zeros of its fraction (and then a
/// bare point) removed, "-0" written "0". to_chars rounds the exact binary value to `decimals` places
/// (half to even on an exact tie); this works it out in integers: |value| = m * 2^e exactly, so
/// |value| * 10^decimals = m * 10^decimals * 2^e, which 128 bits hold for the magnitudes a CSV has;
/// trailing zeros are divided out of the rounded integer before it is written with the point
/// inserted. nullptr when the value is outside that range (the caller then asks to_chars). Writes at
/// most 44 characters from `out`; returns the end.
char* fixed_exact_trimmed(double value, int decimals, char* out) {
  if (decimals < 0 || decimals >= static_cast<int>(whole_powers_of_ten.size())) return nullptr;
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const auto biased_exponent = static_cast<int>((bits >> 52) & 0x7FF);
  if (biased_exponent == 0) return nullptr;  // subnormal
  const std::uint64_t mantissa = (bits & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
  const int e = biased_exponent - 1075;  // |value| = mantissa * 2^e (IEEE 754 binary64)
  Unsigned128 scaled = static_cast<Unsigned128>(mantissa) * whole_powers_of_ten[static_cast<std::size_t>(decimals)];
  if (e >= 0) {
    if (e > 10) return nullptr;  // beyond 2^127
    scaled <<= e;
  } else {
    const int k = -e;
    if (k > 116) return nullptr;
    const Unsigned128 kept = scaled >> k;
    const Unsigned128 rest = scaled - (kept << k);
    const Unsigned128 half = static_cast<Unsigned128>(1) << (k - 1);
    scaled = kept + ((rest > half || (rest == half && (kept & 1) != 0)) ? 1 : 0);
  }
  if (scaled > std::numeric_limits<std::uint64_t>::max()) return nullptr;
  auto rounded = static_cast<std::uint64_t>(scaled);
  int places = decimals;
  while (places > 0 && rounded % 10 == 0) {  // the fraction's trailing zeros
    rounded /= 10;
    --places;
  }
  char* o = out;
  if (rounded == 0) {  // "0.000" and "-0.000" both read 0
    *o++ = '0';
    return o;
  }
  if (std::signbit(value)) *o++ = '-';
  const int length = digit_count(rounded);
  if (length <= places) {  // "0.00012": no whole part, zeros before the digits
    *o++ = '0';
    *o++ = '.';
    o = std::fill_n(o, places - length, '0');
    write_digits_backwards(o + length, rounded, length);
    return o + length;
  }
  if (places == 0) {
    write_digits_backwards(o + length, rounded, length);
    return o + length;
  }
  const std::uint64_t unit = whole_powers_of_ten[static_cast<std::size_t>(places)];
  const int whole_length = length - places;
  write_digits_backwards(o + whole_length, rounded / unit, whole_length);
  o += whole_length;
  *o++ = '.';
  write_digits_backwards(o + places, rounded % unit, places);
  return o + places;
}

/// The fallback of append_csv_number for magnitudes fixed_exact_trimmed does not take.
void append_csv_number_wide(std::string& out, double value, int decimals) {
  // The text of fmt's "{:.{}f}" (both round the exact binary value correctly); 512 characters hold
  // any double at these decimals.
  std::array<char, 512> text;
  std::string wide;  // never needed at these decimals; kept so that a longer text stays correct
  const std::to_chars_result written =
      std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed, decimals);
  std::string_view digits(text.data(), static_cast<std::size_t>(written.ptr - text.data()));
  if (written.ec != std::errc()) digits = wide = fmt::format("{:.{}f}", value, decimals);
  if (digits.find('.') != std::string_view::npos) {
    digits.remove_suffix(digits.size() - (digits.find_last_not_of('0') + 1));
    if (digits.back() == '.') digits.remove_suffix(1);
  }
  out += digits == "-0" ? std::string_view("0") : digits;
}

/// Room for the longest text fixed_exact_trimmed writes.
constexpr std::size_t exact_text_room = 48;

}  // namespace

std::string csv_number(double value) {
  std::string text;
  append_csv_number(text, value);
  return text;
}

void append_csv_number(std::string& out, double value) {
  if (value == 0 || !std::isfinite(value)) {
    fmt::format_to(std::back_inserter(out), "{}", value == 0 ? 0.0 : value);
    return;
  }
  // csv_significant_digits, but never rounding above the units place (whole numbers stay whole),
  // written as a plain decimal without trailing zeros.
  const int exponent = decimal_exponent(std::fabs(value));
  const int decimals = std::max(0, csv_significant_digits - 1 - exponent);
  // Written in place: a number is a few characters, and a call to memcpy per number cost more.
  const std::size_t start = out.size();
  out.resize(start + exact_text_room);
  if (const char* end = fixed_exact_trimmed(value, decimals, out.data() + start)) {
    out.resize(static_cast<std::size_t>(end - out.data()));
    return;
  }
  out.resize(start);
  append_csv_number_wide(out, value, decimals);
}

void append_csv_integer(std::string& out, std::int64_t value) {
  const std::uint64_t magnitude =
      value < 0 ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  const int length = digit_count(magnitude);
  const std::size_t start = out.size();
  out.resize(start + static_cast<std::size_t>(length) + (value < 0 ? 1 : 0));
  char* o = out.data() + start;
  if (value < 0) *o++ = '-';
  write_digits_backwards(o + length, magnitude, length);
}

}  // namespace llmsizer
