#include "base/precision.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "base/ascii.hpp"

namespace llmsizer {
std::optional<Precision> parse_precision(std::string_view text) {
  const std::string key = ascii_lower(text);
  if (key == "fp4") return Precision::nvfp4;
  for (int i = 0; i < precision_count; ++i) {
    if (precision_table[i].name == key) return static_cast<Precision>(i);
  }
  return std::nullopt;
}

std::optional<ComputeType> parse_compute_type(std::string_view text) {
  const std::string key = ascii_lower(text);
  for (int i = 0; i < compute_type_count; ++i) {
    if (compute_type_names[i] == key) return static_cast<ComputeType>(i);
  }
  return std::nullopt;
}

}  // namespace llmsizer
