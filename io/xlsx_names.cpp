// io/xlsx_names.cpp — worksheet names spreadsheet programs accept (see io/xlsx_writer.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "base/ascii.hpp"
#include "io/xlsx_writer.hpp"

namespace llmsizer {

namespace {

/// The first `max_chars` UTF-8 characters of `text` (never cut inside a character).
std::string first_characters(std::string text, std::size_t max_chars) {
  std::size_t bytes = 0;
  for (std::size_t chars = 0; bytes < text.size() && chars < max_chars; ++chars) {
    ++bytes;
    while (bytes < text.size() && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) ++bytes;
  }
  text.resize(bytes);
  return text;
}

constexpr std::size_t max_sheet_chars = 31;  // Excel's limit on a worksheet name

}  // namespace

std::string worksheet_name(const std::string& text) {
  std::string out;
  for (char c : text) out += std::string_view("[]:*?/\\").find(c) == std::string_view::npos ? c : '_';
  // Excel refuses a name that starts or ends with an apostrophe.
  while (!out.empty() && out.front() == '\'') out.erase(out.begin());
  while (!out.empty() && out.back() == '\'') out.pop_back();
  out = first_characters(std::move(out), max_sheet_chars);
  return out.empty() ? "GPU" : out;
}

std::vector<std::string> unique_worksheet_names(const std::vector<std::string>& wanted,
                                                const std::vector<std::string>& taken) {
  // Spreadsheet programs compare sheet names case-insensitively: "summary" clashes with "Summary".
  std::vector<std::string> used;
  for (const std::string& t : taken) used.push_back(ascii_lower(t));
  std::vector<std::string> names;
  for (const std::string& w : wanted) {
    const std::string base = worksheet_name(w);
    std::string name = base;
    for (int n = 2; std::find(used.begin(), used.end(), ascii_lower(name)) != used.end(); ++n) {
      const std::string suffix = fmt::format(" ({})", n);
      name = first_characters(base, max_sheet_chars - suffix.size()) + suffix;
    }
    used.push_back(ascii_lower(name));
    names.push_back(name);
  }
  return names;
}

}  // namespace llmsizer
