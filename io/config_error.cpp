#include "io/config_error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/ascii.hpp"
#include "io/utf8.hpp"

namespace llmsizer {

ConfigError::ConfigError(std::string file, int line, int column, std::string path, std::string message,
                         std::string source_line)
    : std::runtime_error(printable(message)),
      file_(printable(file)),
      line_(line),
      column_(column),
      path_(printable(path)),
      message_(printable(message)),
      source_line_(std::move(source_line)) {}

ConfigError::ConfigError(std::string path, std::string message)
    : ConfigError({}, 0, 0, std::move(path), std::move(message)) {}

std::size_t utf8_sequence(const std::string& text, std::size_t i) {
  const auto byte = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  const unsigned lead = byte(i);
  const auto continuation = [&](size_t k, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(k) >= low && byte(k) <= high;
  };
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned low = lead == 0xE0 ? 0xA0 : 0x80;   // overlong
    const unsigned high = lead == 0xED ? 0x9F : 0xBF;  // surrogates
    return continuation(i + 1, low, high) && continuation(i + 2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(i + 1, low, high) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

std::optional<std::size_t> first_invalid_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

namespace {

/// The code point of the valid n-byte UTF-8 sequence at text[i].
char32_t decode(const std::string& text, size_t i, size_t n) {
  static constexpr unsigned lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t cp = static_cast<unsigned char>(text[i]) & lead_mask[n];
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  return cp;
}

/// Terminal columns of a code point: 2 for East Asian wide and fullwidth characters and emoji
/// (Unicode UAX #11, the main blocks), 0 for combining marks, else 1.
size_t display_columns(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F)) return 0;
  const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                    (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

/// C1 controls (U+0080-U+009F; a terminal may read U+009B as an escape sequence) and the bidirectional
/// overrides and isolates (U+202A-U+202E, U+2066-U+2069) that reorder what is shown.
bool invisible_control(const std::string& text, size_t i, size_t n) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (n == 2) return byte(0) == 0xC2 && byte(1) <= 0x9F;
  if (n == 3 && byte(0) == 0xE2 && byte(1) == 0x80) return byte(2) >= 0xAA && byte(2) <= 0xAE;
  if (n == 3 && byte(0) == 0xE2 && byte(1) == 0x81) return byte(2) >= 0xA6 && byte(2) <= 0xA9;
  return false;
}

// A 100k-character key or value would otherwise be printed whole, maybe several times. The cut backs
// up to the start of a character or of a \xNN escape, so it never splits one.
std::string excerpt(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  for (size_t back = 1; back <= 3 && back <= cut; ++back) {
    if (text.compare(cut - back, 2, "\\x") == 0) {
      cut -= back;
      break;
    }
  }
  std::string out = text.substr(0, cut);
  out += "...";
  return out;
}
}  // namespace

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = utf8_sequence(text, i);
    const bool control = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F;
    if (n == 0 || control) {
      out += fmt::format("\\x{:02X}", c);
      ++i;
    } else if (n > 1 && invisible_control(text, i, n)) {
      for (size_t k = 0; k < n; ++k) out += fmt::format("\\x{:02X}", static_cast<unsigned char>(text[i + k]));
      i += n;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::string ConfigError::format() const {
  constexpr size_t max_path = 200;
  constexpr size_t max_message = 1000;
  std::string out;
  if (!file_.empty()) {
    out += file_;
    // Appended piece by piece: GCC 12 reports a false -Wrestrict on `":" + std::to_string(...)`.
    if (line_ > 0) {
      out += ':';
      out += std::to_string(line_);
    }
    if (line_ > 0 && column_ > 0) {
      out += ':';
      out += std::to_string(column_);
    }
    out += ": ";
  }
  out += "error: ";
  if (!path_.empty()) {
    out += excerpt(path_, max_path);
    out += ": ";
  }
  out += excerpt(message_, max_message);
  if (!source_line_.empty() && column_ > 0) {
    // The column counts bytes; the caret goes under the character it starts, counted in terminal
    // columns of the line as printed (escapes included, wide characters two). Tabs are kept so it
    // lines up under tab-indented text.
    const size_t at = std::min(static_cast<size_t>(column_ - 1), source_line_.size());
    const std::string before = printable(source_line_.substr(0, at));
    out += '\n';
    out += before;
    out += printable(source_line_.substr(at));
    out += '\n';
    for (size_t i = 0; i < before.size();) {
      const size_t n = std::max<size_t>(1, utf8_sequence(before, i));  // `before` is valid UTF-8
      if (before[i] == '\t') out += '\t';
      else out.append(display_columns(decode(before, i, n)), ' ');
      i += n;
    }
    out += "^";
  }
  return out;
}

int edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of two neighbouring
  // characters ("wieghts" is one edit from "weights", the commonest typo), case-insensitive.
  const auto same = [](char x, char y) { return ascii_lower(x) == ascii_lower(y); };
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<int> before(m + 1), previous(m + 1), current(m + 1);
  for (size_t j = 0; j <= m; ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= m; ++j) {
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[m];
}

}  // namespace llmsizer
