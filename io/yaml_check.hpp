// io/yaml_check.hpp — inside io/: what reading goes on with under `check`, which reports every
// field's error instead of the first (SourceText::field_errors). Used by io/yaml_reader.cpp and
// io/yaml_scalar.cpp; loaders see only field_error (io/yaml_reader.hpp).
#pragma once

#include <limits>

#include "io/yaml_reader.hpp"

namespace llmsizer {

/// What check reads on with after a field that is no number: NaN, which no rule of the form
/// `if (a > b) throw` trips over (a made-up number could break a rule and end the reading).
inline constexpr double no_number = std::numeric_limits<double>::quiet_NaN();

/// Under check, a value require() found absent: it has said so (or a misspelt key has), once.
[[nodiscard]] inline bool reported_absent(const YAML::Node& node, const SourceText& source) {
  return source.field_errors != nullptr && !node.IsDefined();
}

}  // namespace llmsizer
