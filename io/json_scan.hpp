// io/json_scan.hpp — the checks on a config.json that need the text itself, because nlohmann::json
// keeps no source positions and forgets what it normalised: a key repeated within one object (it
// keeps the last value silently) and a number that breaks the one number rule of io/number_text
// (it accepts denormals such as 1e-310, and reports 1e400 without the key it belongs to).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmsizer {

/// The first problem in a JSON text, in text order: its byte offset, the dotted path of the value
/// or key ("text_config.rope_scaling.factor", "layer_types[3]") and the message, or offset npos.
struct JsonTextProblem {
  size_t offset = std::string::npos;
  std::string path;
  std::string message;
  [[nodiscard]] bool found() const { return offset != std::string::npos; }
};

/// Scans `text` (JSON, valid at least up to the problem) for a key that repeats within one object
/// ("duplicate key; a config.json names each key once") and for a number literal that
/// parse_number_text rejects (a denormal, or beyond a double). Keys compare as written (escapes are
/// not decoded). Linear in the text's size.
[[nodiscard]] JsonTextProblem first_json_text_problem(std::string_view text);

}  // namespace llmsizer
