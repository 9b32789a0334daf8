// The CSV number format (io/result_table.hpp, csv_number): six significant digits, never rounded
// above the units place, as a plain decimal without trailing zeros. A long `estimate --scenarios
// --csv` writes some twenty-five of these per row, so the text is worked out in integers (the six
// digits of most numbers without a branch on them) and written straight into the line
// (docs/performance.md).
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
#include <optional>
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
// Inlined: a long CSV calls it for every number.
[[gnu::always_inline]] inline int decimal_exponent(double magnitude) {
  constexpr int count = static_cast<int>(powers_of_ten.size());
  const auto binary_exponent = static_cast<int>((std::bit_cast<std::uint64_t>(magnitude) >> 52) & 0x7FF) - 1023;
  // 1233 / 4096 = log10(2) to 4 digits, exact as a floor over the exponents of a double: the guess
  // g = floor(e2 log10 2) is the exponent or one below it, so one comparison decides.
  const int guess = ((binary_exponent * 1233) >> 12) - lowest_power;  // the index of 10^g
  if (guess < 0 || guess + 2 >= count) return static_cast<int>(std::floor(std::log10(magnitude)));
  const int index = guess + (powers_of_ten[static_cast<std::size_t>(guess + 1)] <= magnitude ? 1 : 0);
  // Away from the powers the comparisons decide; within 1e-9 of one (or where the guess missed, which
  // only a magnitude a few ulps from a power can make it do), log10 does.
  constexpr double near = 1e-9;
  if (magnitude < powers_of_ten[static_cast<std::size_t>(index)] * (1 + near) ||
      magnitude > powers_of_ten[static_cast<std::size_t>(index + 1)] * (1 - near)) {
    return static_cast<int>(std::floor(std::log10(magnitude)));
  }
  return index + lowest_power;
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

/// |value| * 10^decimals rounded to the nearest integer, half to even, worked out exactly in 128
/// bits; nullopt outside the range they hold.
std::optional<std::uint64_t> rounded_exactly(double value, int decimals) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const auto biased_exponent = static_cast<int>((bits >> 52) & 0x7FF);
  if (biased_exponent == 0) return std::nullopt;  // subnormal
  const std::uint64_t mantissa = (bits & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
  const int e = biased_exponent - 1075;  // |value| = mantissa * 2^e (IEEE 754 binary64)
  Unsigned128 scaled = static_cast<Unsigned128>(mantissa) * whole_powers_of_ten[static_cast<std::size_t>(decimals)];
  if (e >= 0) {
    if (e > 10) return std::nullopt;  // beyond 2^127
    scaled <<= e;
  } else {
    const int k = -e;
    if (k > 116) return std::nullopt;
    const Unsigned128 kept = scaled >> k;
    const Unsigned128 rest = scaled - (kept << k);
    const Unsigned128 half = static_cast<Unsigned128>(1) << (k - 1);
    scaled = kept + ((rest > half || (rest == half && (kept & 1) != 0)) ? 1 : 0);
  }
  if (scaled > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return static_cast<std::uint64_t>(scaled);
}

/// The powers of ten a double holds exactly: 10^0 .. 10^22.
constexpr auto exact_powers_of_ten = [] {
  std::array<double, 23> p{};
  double v = 1;
  for (double& x : p) {
    x = v;
    v *= 10;
  }
  return p;
}();

/// rounded_exactly's integer from one multiplication, when that decides it: the product of the
/// magnitude and an exact power of ten, rounded once, is within half an ulp of the exact product,
/// so unless it lies within an ulp of a half the two round to the same integer. False when it does
/// (or the product is past 2^53): the caller then works it out exactly.
bool rounded_by_double(double magnitude, int decimals, std::uint64_t& rounded) {
  if (decimals >= static_cast<int>(exact_powers_of_ten.size())) return false;
  const double product = magnitude * exact_powers_of_ten[static_cast<std::size_t>(decimals)];
  if (!(product < 0x1p53)) return false;
  const auto whole = static_cast<std::uint64_t>(product);        // truncated: the product is positive
  const double fraction = product - static_cast<double>(whole);  // exact below 2^53
  if (std::fabs(fraction - 0.5) <= product * 0x1p-52) return false;
  rounded = whole + (fraction > 0.5 ? 1 : 0);
  return true;
}

/// The eight decimal digits of `value` (below 10^8) as ASCII in a 64-bit integer, the first digit in
/// the lowest byte (so a little-endian store writes them in order): two 4-digit halves, each split
/// into 2-digit and then 1-digit lanes by multiplications that divide every lane at once.
std::uint64_t eight_digits(std::uint64_t value) {
  std::uint64_t v = (value / 10000) | ((value % 10000) << 32);                 // 32-bit lanes below 10^4
  const std::uint64_t hundreds = ((v * 10486) >> 20) & 0x0000007F0000007FULL;  // lane / 100
  v = hundreds | ((v - hundreds * 100) << 16);                                 // 16-bit lanes below 100
  const std::uint64_t tens = ((v * 103) >> 10) & 0x000F000F000F000FULL;        // lane / 10
  v = tens | ((v - tens * 10) << 8);                                           // one digit a byte
  return v | 0x3030303030303030ULL;
}

void store8(char* out, std::uint64_t bytes) {
  static_assert(std::endian::native == std::endian::little);
  std::memcpy(out, &bytes, 8);
}

/// fixed_exact_trimmed's text for the most common numbers: the sixth significant digit after the
/// point (decimals 1 .. 22), rounded by one multiplication (rounded_by_double) to six digits without
/// a carry into a seventh. Written without a branch on the digits. nullptr for any other number.
char* six_significant(double value, int decimals, char* out) {
  static_assert(csv_significant_digits == 6);
  std::uint64_t rounded = 0;
  if (decimals <= 0 || !rounded_by_double(std::fabs(value), decimals, rounded)) return nullptr;
  // |value| lies in [10^e, 10^(e+1)) with e = 5 - decimals, so rounded has six digits but where a
  // value next to a power of ten rounds to 10^6 (or log10 put it below 10^5): those go the long way.
  if (rounded < 100000 || rounded >= 1000000) return nullptr;
  const std::uint64_t digits = eight_digits(rounded) >> 16;                 // the two leading zeros dropped
  const std::uint64_t zero_digits = (digits ^ 0x303030303030ULL) << 16;     // a zero byte for each '0'
  const int zeros = std::min(std::countl_zero(zero_digits) / 8, decimals);  // trailing: the first digit is not 0
  char* o = out;
  *o = '-';
  o += std::signbit(value) ? 1 : 0;
  if (decimals <= 5) {  // whole digits, the point, the fraction's digits: seven bytes at most
    const int whole = 6 - decimals;
    const int shift = 8 * whole;
    const std::uint64_t whole_part = digits & ((std::uint64_t{1} << shift) - 1);
    store8(o, whole_part | (std::uint64_t{'.'} << shift) | ((digits >> shift) << (shift + 8)));
    const int fraction = decimals - zeros;
    return o + whole + (fraction > 0 ? fraction + 1 : 0);
  }
  // decimals is at most 22 (rounded_by_double): 2 + 16 zeros + 8 bytes of digits stay in the room.
  std::memcpy(o, "0.00000000000000000000000", 24);  // "0." and decimals - 6 zeros before the digits
  store8(o + 2 + decimals - 6, digits);
  return o + 2 + decimals - zeros;
}

/// The text of to_chars(value, fixed, decimals) with the trailing zeros of its fraction (and then a
/// bare point) removed, "-0" written "0". to_chars rounds the exact binary value to `decimals` places
/// (half to even on an exact tie); this works it out in integers: by one multiplication where that
/// decides it (rounded_by_double), else exactly (rounded_exactly); trailing zeros are divided out of the rounded
/// integer before it is written with the point inserted. nullptr when the value is outside that range (the caller then
/// asks to_chars). Writes at most 44 characters from `out`; returns the end.
char* fixed_exact_trimmed(double value, int decimals, char* out) {
  if (decimals < 0 || decimals >= static_cast<int>(whole_powers_of_ten.size())) return nullptr;
  std::uint64_t rounded = 0;
  if (!rounded_by_double(std::fabs(value), decimals, rounded)) {
    const auto exact = rounded_exactly(value, decimals);
    if (!exact) return nullptr;
    rounded = *exact;
  }
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

char* write_csv_number(char* out, double value) {
  if (value == 0) {  // 0 and -0 both read 0
    *out = '0';
    return out + 1;
  }
  if (!std::isfinite(value)) return nullptr;
  // csv_significant_digits, but never rounding above the units place (whole numbers stay whole),
  // written as a plain decimal without trailing zeros.
  const int exponent = decimal_exponent(std::fabs(value));
  const int decimals = std::max(0, csv_significant_digits - 1 - exponent);
  if (char* end = six_significant(value, decimals, out)) return end;
  return fixed_exact_trimmed(value, decimals, out);
}

void append_csv_number(std::string& out, double value) {
  static_assert(csv_number_room >= exact_text_room);
  // Written in place: a number is a few characters, and a call to memcpy per number cost more.
  const std::size_t start = out.size();
  out.resize(start + csv_number_room);
  if (const char* end = write_csv_number(out.data() + start, value)) {
    out.resize(static_cast<std::size_t>(end - out.data()));
    return;
  }
  out.resize(start);
  if (!std::isfinite(value)) {
    fmt::format_to(std::back_inserter(out), "{}", value);
    return;
  }
  const int decimals = std::max(0, csv_significant_digits - 1 - decimal_exponent(std::fabs(value)));
  append_csv_number_wide(out, value, decimals);
}

char* write_csv_integer(char* out, std::int64_t value) {
  const std::uint64_t magnitude =
      value < 0 ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  const int length = digit_count(magnitude);
  if (value < 0) *out++ = '-';
  write_digits_backwards(out + length, magnitude, length);
  return out + length;
}

void append_csv_integer(std::string& out, std::int64_t value) {
  const std::size_t start = out.size();
  out.resize(start + csv_integer_room);
  out.resize(static_cast<std::size_t>(write_csv_integer(out.data() + start, value) - out.data()));
}

}  // namespace llmsizer
