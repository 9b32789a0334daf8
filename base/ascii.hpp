// base/ascii.hpp — ASCII case folding, the one place names and words are lower-cased. Identifiers
// (profile names, engines, precisions, option words) are ASCII; a byte outside A-Z, UTF-8 included,
// passes unchanged, so folding never depends on the C locale.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace llmsizer {

/// `c` with A-Z mapped to a-z; every other byte as it is.
[[nodiscard]] constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with A-Z mapped to a-z.
[[nodiscard]] inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

/// Whether `a` and `b` are equal but for ASCII case ("TWO-BATCH" and "two-batch").
[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace llmsizer
