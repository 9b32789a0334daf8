#include "io/number_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "base/ascii.hpp"

namespace llmsizer {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

/// The words C and YAML 1.2 use for non-finite values (case-insensitive, after an optional sign).
bool non_finite_word(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  const std::string word = ascii_lower(text);
  return word == "inf" || word == "infinity" || word == "nan" || word == ".inf" || word == ".nan";
}

/// Whether `text` is [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit, and
/// whether any mantissa digit is nonzero (a zero mantissa is 0 whatever the exponent).
bool decimal_grammar(std::string_view text, bool& nonzero_mantissa) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t mantissa_digits = 0;
  nonzero_mantissa = false;
  const auto digits = [&](size_t& counted) {
    for (; i < text.size() && is_digit(text[i]); ++i, ++counted) nonzero_mantissa |= text[i] != '0';
  };
  digits(mantissa_digits);
  if (i < text.size() && text[i] == '.') {
    ++i;
    digits(mantissa_digits);
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exponent_digits = 0;
    const bool mantissa_flag = nonzero_mantissa;
    digits(exponent_digits);
    nonzero_mantissa = mantissa_flag;  // exponent digits say nothing about the value being zero
    if (exponent_digits == 0) return false;
  }
  return i == text.size();
}

}  // namespace

NumberText parse_number_text(std::string_view text) {
  if (non_finite_word(text)) return {0, NumberTextProblem::not_finite};
  bool nonzero = false;
  if (!decimal_grammar(text, nonzero)) return {0, NumberTextProblem::not_a_number};
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (*begin == '+') ++begin;  // from_chars takes '-' only
  double value = 0;
  const auto result = std::from_chars(begin, end, value);
  if (result.ec == std::errc::result_out_of_range) {
    // Overflow or underflow: from_chars leaves the value unset, strtod tells them apart (HUGE_VAL
    // for overflow, a tiny value or 0 for underflow).
    const double rounded = std::strtod(std::string(text).c_str(), nullptr);
    return {0, std::fabs(rounded) < 1 ? NumberTextProblem::denormal : NumberTextProblem::out_of_range};
  }
  if (result.ec != std::errc() || result.ptr != end) return {0, NumberTextProblem::not_a_number};
  if (!std::isfinite(value)) return {0, NumberTextProblem::out_of_range};
  // A denormal (or a nonzero text read as 0) loses precision and overflows when divided into.
  if (std::fabs(value) < std::numeric_limits<double>::min() && (value != 0 || nonzero)) {
    return {0, NumberTextProblem::denormal};
  }
  return {value, NumberTextProblem::none};
}

std::string describe_number_problem(NumberTextProblem problem, std::string_view text) {
  // Not escaped here: ConfigError escapes its whole message, once.
  const std::string_view shown = text;
  switch (problem) {
    case NumberTextProblem::none: return {};
    case NumberTextProblem::not_a_number: return fmt::format("expected a number, got '{}'", shown);
    case NumberTextProblem::not_finite: return fmt::format("'{}' is not a finite number", shown);
    case NumberTextProblem::out_of_range: return fmt::format("'{}' is out of range for a number", shown);
    case NumberTextProblem::denormal:
      return fmt::format("'{}' is too close to zero (nonzero numbers must be at least {:g} in size)", shown,
                         std::numeric_limits<double>::min());
  }
  return {};
}

std::optional<double> number_from_text(std::string_view text, std::string* message) {
  const NumberText parsed = parse_number_text(text);
  if (parsed.ok()) return parsed.value;
  if (message) *message = describe_number_problem(parsed.problem, text);
  return std::nullopt;
}

std::string plain_number_text(std::string_view text) {
  const NumberText number = parse_number_text(text);
  if (!number.ok()) return std::string(text);
  constexpr double largest_exact_integer = 9007199254740992.0;  // 2^53
  if (number.value == std::floor(number.value) && std::fabs(number.value) <= largest_exact_integer) {
    return fmt::format("{}", static_cast<long long>(number.value));
  }
  std::string result;
  if (text[0] == '+' || text[0] == '-') {
    result += text[0];
    text.remove_prefix(1);
  }
  size_t zeros = 0;
  while (zeros + 1 < text.size() && text[zeros] == '0' && is_digit(text[zeros + 1])) ++zeros;
  return result + std::string(text.substr(zeros));
}

}  // namespace llmsizer
