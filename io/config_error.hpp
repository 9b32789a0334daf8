// io/config_error.hpp — the one user-facing error type: bad input, bad usage, unknown names.
#pragma once

#include <stdexcept>
#include <string>

namespace llmsizer {

/// Thrown by loaders and argument checks, caught only in main (exit code 2). Formats as
///   file:line:col: error: <field path>: message
///   <the source line>
///   <caret under the column>
/// Line and column are 1-based; 0 means unknown (then they are omitted).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string path, std::string message,
              std::string source_line = {});
  /// An error not tied to a file (a command-line option, a name lookup).
  ConfigError(std::string path, std::string message);

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] int column() const { return column_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  /// The full multi-line text as printed to stderr.
  [[nodiscard]] std::string format() const;

 private:
  std::string file_;
  int line_ = 0;
  int column_ = 0;
  std::string path_;
  std::string message_;
  std::string source_line_;
};

/// `text` safe to print: invalid UTF-8 bytes and control characters other than tab and newline
/// become \xNN escapes, so a binary or mis-encoded input cannot garble the terminal or a CSV cell.
[[nodiscard]] std::string printable(const std::string& text);

/// Edit distance (Levenshtein) between two strings, case-insensitive.
[[nodiscard]] int edit_distance(const std::string& a, const std::string& b);

/// The closest candidate to `word` within `max_distance` edits, else "".
template <class Range>
[[nodiscard]] std::string closest_match(const std::string& word, const Range& candidates, int max_distance) {
  std::string best;
  int best_distance = 1 << 30;
  for (const auto& candidate : candidates) {
    const std::string c(candidate);
    const int d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best_distance <= max_distance ? best : std::string();
}

/// The closest candidate to `word` when it is close enough to be a plausible typo, else "".
template <class Range>
[[nodiscard]] std::string closest_match(const std::string& word, const Range& candidates) {
  return closest_match(word, candidates, std::max<int>(2, static_cast<int>(word.size()) / 3));
}

}  // namespace llmsizer
