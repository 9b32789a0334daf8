// io/utf8.hpp — UTF-8 validity (RFC 3629), shared by error messages (printable) and the checks of
// text the user gives (scenario fields), so one definition decides what is valid.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace llmsizer {

/// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), or 0 when the byte there does not start one.
[[nodiscard]] std::size_t utf8_sequence(const std::string& text, std::size_t i);

/// Offset of the first byte of `text` that is not part of a valid UTF-8 sequence; empty when all is.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(const std::string& text);

}  // namespace llmsizer
