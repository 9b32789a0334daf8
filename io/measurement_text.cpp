#include "io/measurement_text.hpp"

#include <algorithm>
#include <cctype>

#include "base/ascii.hpp"

namespace llmsizer::measurement_text {

/// Whether a scalar is written as a number (YAML's .nan/.inf spellings included) rather than prose.
/// (Scanned by hand: std::regex recurses once per character and overflows the stack on long values.)
bool looks_numeric(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  const std::string rest = ascii_lower(s.substr(i));
  // Every spelling of a non-finite value counts as a number, so that it is rejected, not skipped.
  if (rest == "inf" || rest == ".inf" || rest == "infinity" || rest == "nan" || rest == ".nan") return true;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i - start;
  };
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

/// Whether a value is one word (a name) rather than prose ("not stated in summary", "DeepSeek
/// in-house"): a name the loader does not know is a typo, not a statement.
bool one_word(const std::string& text) {
  return !text.empty() && text.find_first_of(" \t(),;/") == std::string::npos;
}

/// "unknown <what> '<value>' (expected <list>); did you mean '<near>'?" at the value's node.
/// Lower-case precision text with the long spellings sources use in their short form
/// ("bfloat16" → "bf16", "float16" → "fp16", "float8" → "fp8").
std::string precision_text(std::string text) {
  for (auto [long_form, short_form] : {std::pair{"bfloat16", "bf16"}, {"float16", "fp16"}, {"float8", "fp8"}}) {
    for (size_t at = text.find(long_form); at != std::string::npos; at = text.find(long_form, at)) {
      text.replace(at, std::string_view(long_form).size(), short_form);
    }
  }
  return text;
}

/// The first precision word in lower-case text ("fp4" read as nvfp4), and where it ends.
std::optional<std::pair<std::string, size_t>> precision_word(const std::string& text, size_t from) {
  for (size_t at = from; at < text.size(); ++at) {
    for (std::string_view w : precision_words) {  // longer words first, so "nvfp4" is not read as "fp4"
      if (text.compare(at, w.size(), w) == 0) return std::pair{w == "fp4" ? std::string("nvfp4") : std::string(w), at + w.size()};
    }
  }
  return std::nullopt;
}

std::string engine_of(const std::string& text) {
  const std::string t = ascii_lower(text);
  if (t.find("tensorrt") != std::string::npos || t.find("trt") != std::string::npos) return "trtllm";
  if (t.find("sglang") != std::string::npos) return "sglang";
  if (t.find("vllm") != std::string::npos) return "vllm";
  return "";
}

/// The number right after the first case-insensitive `prefix` that has digits after it ("EP72" → 72).
std::optional<int> number_after(const std::string& text, const std::string& prefix) {
  const std::string haystack = ascii_lower(text);
  const std::string needle = ascii_lower(prefix);
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    size_t end = at + needle.size();
    while (end < haystack.size() && std::isdigit(static_cast<unsigned char>(haystack[end]))) ++end;
    const size_t count = end - at - needle.size();
    if (count == 0) continue;
    // At most 6 digits: no degree is that large, and more would overflow an int.
    if (count > 6) return std::nullopt;
    return std::stoi(haystack.substr(at + needle.size(), count));
  }
  return std::nullopt;
}

}  // namespace llmsizer::measurement_text
