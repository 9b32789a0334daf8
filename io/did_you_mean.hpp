// io/did_you_mean.hpp — the one wording of the suggestion after an unknown name: "; did you mean
// 'x'?", from closest_match (io/config_error.hpp). A header of its own rather than a declaration in
// config_error.hpp, which nearly every file includes: changing the wording rebuilds only the files
// that suggest.
#pragma once

#include <initializer_list>
#include <string>

#include "io/config_error.hpp"

namespace llmsizer {

/// "; did you mean '<hint>'?", or "" when `hint` is empty (closest_match found nothing near).
[[nodiscard]] inline std::string did_you_mean(const std::string& hint) {
  return hint.empty() ? std::string() : "; did you mean '" + hint + "'?";
}

/// "; did you mean <names>?" for several names already quoted ("'h100-sxm', 'h100-pcie'"), or "".
[[nodiscard]] inline std::string did_you_mean_one_of(const std::string& quoted_names) {
  return quoted_names.empty() ? std::string() : "; did you mean " + quoted_names + "?";
}

/// did_you_mean of the name in `names` closest to `text` (closest_match's typo distance).
template <class Range>
[[nodiscard]] std::string did_you_mean(const std::string& text, const Range& names) {
  return did_you_mean(closest_match(text, names));
}
[[nodiscard]] inline std::string did_you_mean(const std::string& text, std::initializer_list<const char*> names) {
  return did_you_mean(closest_match(text, names));
}

}  // namespace llmsizer
