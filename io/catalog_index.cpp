#include "io/catalog_index.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
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

namespace {

/// A file name load_catalog reads: what std::filesystem::path::extension() calls ".yaml" (so not a
/// hidden file named only ".yaml").
bool yaml_file_name(std::string_view name) {
  constexpr std::string_view suffix = ".yaml";
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

/// Whether `path` is a regular file after following symbolic links; false when it cannot be read
/// (a dangling link is skipped, as std::filesystem::directory_entry::is_regular_file skips it).
bool regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// Appends the *.yaml regular files under `dir` (whose path is `base`), descending into
/// subdirectories but not into symbolic links to directories, as std::filesystem's
/// recursive_directory_iterator does. POSIX directory reads: the iterator and its path objects were
/// a tenth of a warm `list gpus` (docs/performance.md, start-up). Throws ConfigError naming `top`.
void add_yaml_files(const std::string& base, const fs::path& top, std::vector<std::string>& files) {
  auto unreadable = [&top](int error) {
    return ConfigError("--profiles", fmt::format("cannot read '{}': {}", top.string(), std::strerror(error)));
  };
  const std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(base.c_str()), ::closedir);
  if (!handle) throw unreadable(errno);
  const std::string prefix = base.back() == '/' ? base : base + '/';
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) throw unreadable(errno);
      return;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = prefix + entry->d_name;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {  // a file system that does not say: ask, without following a link
      struct stat st {};
      const bool known = ::lstat(path.c_str(), &st) == 0;
      type = !known                ? DT_UNKNOWN
             : S_ISDIR(st.st_mode) ? DT_DIR
             : S_ISLNK(st.st_mode) ? DT_LNK
             : S_ISREG(st.st_mode) ? DT_REG
                                   : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      add_yaml_files(path, top, files);
    } else if (yaml_file_name(name) && (type == DT_REG || (type == DT_LNK && regular_file(path)))) {
      files.push_back(std::move(path));
    }
  }
}

/// std::filesystem::path's order of two paths under one directory: component by component, which
/// is the order of the strings with the separator below every other character. Both start with the
/// directory's `prefix_size` characters, which are not compared again.
struct PathOrder {
  std::size_t prefix_size;
  bool operator()(const std::string& a, const std::string& b) const {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = prefix_size; i < n; ++i) {
      if (a[i] == b[i]) continue;
      if (a[i] == '/') return true;
      if (b[i] == '/') return false;
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    }
    return a.size() < b.size();
  }
};

}  // namespace

std::vector<std::string> catalog_files(const fs::path& dir) {
  // A name too long for the OS or an unreadable directory is bad input, not an internal error.
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError("--profiles", fmt::format("'{}' is not a directory", dir.string()));
  std::vector<std::string> files;
  const std::string base = dir.string();
  add_yaml_files(base, dir, files);
  std::sort(files.begin(), files.end(), PathOrder{base.size()});
  return files;
}

}  // namespace llmsizer
