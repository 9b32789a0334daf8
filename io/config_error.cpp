#include "io/config_error.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace llmsizer {

ConfigError::ConfigError(std::string file, int line, int column, std::string path, std::string message,
                         std::string source_line)
    : std::runtime_error(message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      path_(std::move(path)),
      message_(std::move(message)),
      source_line_(std::move(source_line)) {}

ConfigError::ConfigError(std::string path, std::string message)
    : ConfigError({}, 0, 0, std::move(path), std::move(message)) {}

namespace {
// A 100k-character key or value would otherwise be printed whole, maybe several times.
std::string excerpt(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  std::string out = text.substr(0, limit);
  out += "...";
  return out;
}
}  // namespace

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
    out += '\n';
    out += source_line_;
    out += '\n';
    // Keep tabs so the caret lines up under tab-indented text.
    for (int i = 0; i + 1 < column_ && i < static_cast<int>(source_line_.size()); ++i) {
      out += source_line_[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
    }
    out += "^";
  }
  return out;
}

int edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<int> previous(m + 1), current(m + 1);
  for (size_t j = 0; j <= m; ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= m; ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[m];
}

}  // namespace llmsizer
