// io/number_text.hpp — the one reading of a number written as text, for every input the tool reads:
// YAML profiles and measurement files, scenario CSV cells and command-line values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmsizer {

/// What is wrong with a number's text, if anything.
enum class NumberTextProblem {
  none,
  not_a_number,  // "", "abc", "0x10", "1,5", "1e", "--1"
  not_finite,    // "nan", "inf", "infinity", ".nan", ".inf" (YAML), any case and sign
  out_of_range,  // beyond a double ("1e400")
  denormal,      // nonzero but below the smallest normal double ("1e-310", "1e-400")
};

struct NumberText {
  double value = 0;
  NumberTextProblem problem = NumberTextProblem::none;
  [[nodiscard]] bool ok() const { return problem == NumberTextProblem::none; }
};

/// Reads `text` as a decimal number: an optional sign, digits with an optional '.', an optional
/// exponent ("12", "-0.5", "+1e3", ".5", "0100" is one hundred). Nothing else is a number: no hex,
/// no octal, no spaces, no "inf"/"nan" in any spelling. The value is finite and either zero or a
/// normal double, so no later division can turn it into inf.
[[nodiscard]] NumberText parse_number_text(std::string_view text);

/// The message for a problem, quoting `text`: "expected a number, got 'x'", "'nan' is not a finite
/// number", "'1e400' is out of range for a number", "'1e-310' is too close to zero ...". The caller
/// prefixes the field (file:line:col: error: field: ...).
[[nodiscard]] std::string describe_number_problem(NumberTextProblem problem, std::string_view text);

/// The value, or std::nullopt with `*message` set (when given) to describe_number_problem's text.
[[nodiscard]] std::optional<double> number_from_text(std::string_view text, std::string* message = nullptr);

/// The text of a number parse_number_text accepts, spelled so that readers knowing less of the rule
/// (CLI11: leading zeros as octal, no exponent in an integer) read the same value: a whole number up
/// to 2^53 as its digits ("0100" -> "100", "1e3" -> "1000", "-0" -> "0"), anything else without the
/// leading zeros of its whole part ("-007.5" -> "-7.5"). Text it rejects is returned unchanged.
[[nodiscard]] std::string plain_number_text(std::string_view text);

}  // namespace llmsizer
