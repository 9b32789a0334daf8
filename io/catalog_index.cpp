#include "io/catalog_index.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "io/config_error.hpp"

namespace llmsizer {
namespace fs = std::filesystem;

namespace {

/// A plain YAML scalar this scan reads as the parser would: no quotes, flow or comment characters,
/// not a null, boolean-looking values included (the loaders read them as strings).
bool plain_scalar(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '/' || c == '+';
  });
}

/// A plain scalar, or one in double or single quotes without escapes or quotes inside: its text.
std::optional<std::string_view> simple_scalar(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    const std::string_view inner = text.substr(1, text.size() - 2);
    if (inner.find_first_of("\"'\\") != std::string_view::npos || !plain_scalar(inner)) return std::nullopt;
    return inner;
  }
  if (!plain_scalar(text)) return std::nullopt;
  return text;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

/// The value of a `key: value` line without a trailing ` # comment`.
std::string_view line_value(std::string_view line, std::size_t colon) {
  std::string_view value = line.substr(colon + 1);
  if (const std::size_t hash = value.find(" #"); hash != std::string_view::npos) value = value.substr(0, hash);
  return trimmed(value);
}

/// `[a, b, c]` of plain scalars (or `[]`).
std::optional<std::vector<std::string>> flow_list(std::string_view value) {
  if (value.size() < 2 || value.front() != '[' || value.back() != ']') return std::nullopt;
  std::vector<std::string> items;
  std::string_view rest = trimmed(value.substr(1, value.size() - 2));
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::optional<std::string_view> item = simple_scalar(trimmed(rest.substr(0, comma)));
    if (!item) return std::nullopt;
    items.emplace_back(*item);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return items;
}

/// Reads one top-level line into `header`; false when the line makes the scan unsure.
bool scan_line(std::string_view line, ProfileHeader& header, unsigned& seen) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#' ||
      (line[0] == '-' && line.size() > 1 && line[1] == ' ')) {
    return true;  // nested content, a comment or a block list item below some other key
  }
  if (line.rfind("---", 0) == 0 || line.rfind("...", 0) == 0 || line[0] == '%') return false;  // several documents
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return true;  // not a key this scan reads; the parser judges it
  const std::string_view key = line.substr(0, colon);
  if (key.front() == '"' || key.front() == '\'' || key.front() == '?' || key.back() == ' ' || key.back() == '\t') {
    return false;  // a key written in a form this scan does not read
  }
  if (colon + 1 < line.size() && line[colon + 1] != ' ' && line[colon + 1] != '\r') return true;  // "a:b" is a scalar
  const std::string_view value = line_value(line, colon);
  if (!value.empty()) {
    // A quoted or flow value left open runs onto the next lines, which are then not keys.
    const char open = value.front();
    const char close = open == '[' ? ']' : open == '{' ? '}' : open;
    if ((open == '"' || open == '\'' || open == '[' || open == '{') && (value.size() < 2 || value.back() != close)) {
      return false;
    }
  }
  static constexpr std::string_view keys[] = {"schema", "name", "aliases", "hf_repo"};
  const auto* it = std::find(std::begin(keys), std::end(keys), key);
  if (it == std::end(keys)) return true;
  const unsigned bit = 1U << (it - std::begin(keys));
  if ((seen & bit) != 0) return false;  // a repeated key is the parser's error to report
  seen |= bit;
  if (key == "aliases") {
    auto items = flow_list(value);
    if (!items) return false;
    header.aliases = std::move(*items);
    return true;
  }
  const std::optional<std::string_view> scalar = simple_scalar(value);
  if (!scalar) return false;
  if (key == "schema")
    header.kind = profile_kind(*scalar);
  else if (key == "name")
    header.name = *scalar;
  else
    header.hf_repo = *scalar;
  return true;
}

}  // namespace

std::optional<ProfileHeader> scan_profile_header(const std::string& text) {
  ProfileHeader header;
  unsigned seen = 0;
  std::string_view rest = text;
  if (rest.rfind("\xEF\xBB\xBF", 0) == 0) return std::nullopt;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    if (!scan_line(rest.substr(0, end), header, seen)) return std::nullopt;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  if (header.kind == ProfileKind::unknown || header.name.empty()) return std::nullopt;
  return header;
}

std::vector<fs::path> catalog_files(const fs::path& dir) {
  // The error_code forms: a name too long for the OS or an unreadable directory is bad input, and
  // the throwing forms would make it an internal error.
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError("--profiles", fmt::format("'{}' is not a directory", dir.string()));
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".yaml") files.push_back(it->path());
  }
  if (ec) throw ConfigError("--profiles", fmt::format("cannot read '{}': {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace llmsizer
