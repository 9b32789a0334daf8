#include "io/yaml_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "io/did_you_mean.hpp"
#include "io/yaml_check.hpp"

namespace llmsizer {

std::string SourceText::line(int one_based) const {
  if (one_based < 1 || one_based > static_cast<int>(lines.size())) return {};
  std::string text = lines[static_cast<size_t>(one_based - 1)];
  constexpr size_t max_quoted = 200;  // keep errors readable for very long lines
  if (text.size() > max_quoted) {
    // Cut before a UTF-8 continuation byte (10xxxxxx) never inside a character, so the quoted line
    // shows no broken byte the original did not have.
    size_t cut = max_quoted;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return text;
}

SourceText make_source(const std::string& file, const std::string& text) {
  SourceText source{file, {}};
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    source.lines.push_back(line);
  }
  return source;
}

std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {

/// Closes a descriptor when the read ends, however it ends.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_file(const std::string& path) {
  // No input of this tool is near this size; the cap keeps /dev/zero or a runaway pipe from eating
  // all memory.
  constexpr std::size_t max_bytes = std::size_t{256} << 20;
  // POSIX reads, sized by fstat: every command reads each profile through here, and the stream,
  // its buffer and a 64 KiB chunk per file were a visible part of start-up (docs/performance.md).
  const FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw ConfigError(path, 0, 0, "", "is a directory, not a file");
    throw ConfigError(path, 0, 0, "", "cannot open file for reading");
  }
  if (S_ISDIR(st.st_mode)) throw ConfigError(path, 0, 0, "", "is a directory, not a file");
  // A regular file is read in one call, plus one that finds its end; a pipe or device in blocks.
  constexpr std::size_t block_bytes = std::size_t{1} << 16;
  const bool sized = S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) <= max_bytes;
  std::string text(sized ? static_cast<std::size_t>(st.st_size) + 1 : block_bytes, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (used > max_bytes) throw ConfigError(path, 0, 0, "", "larger than 256 MiB; not an input this tool reads");
      text.resize(std::min(2 * used, max_bytes + 1));
    }
    const ssize_t n = ::read(file.fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ConfigError(path, 0, 0, "", "cannot read file");
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > max_bytes) throw ConfigError(path, 0, 0, "", "larger than 256 MiB; not an input this tool reads");
  text.resize(used);
  return text;
}

namespace {

/// Events of the documents after the first: where the first one with content starts. Empty
/// documents (a stray '---' or '...' at the end) have none.
class LaterDocuments : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> content;
  int documents = 0;

  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { note(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { note(mark); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(mark);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& mark) {
    if (documents > 1 && !content) content = mark;
  }
};

/// Whether the text may hold a document after the first: one starts with a '---' or follows a
/// '...' at the start of a line (YAML 1.2, l-yaml-stream). Profiles have neither, so most texts are
/// not parsed a second time.
bool has_document_marker(const std::string& text) {
  const auto marker_at = [&](size_t at) { return text.compare(at, 3, "---") == 0 || text.compare(at, 3, "...") == 0; };
  bool marker = marker_at(0);
  for (size_t nl = text.find('\n'); !marker && nl != std::string::npos; nl = text.find('\n', nl + 1)) {
    marker = marker_at(nl + 1);
  }
  return marker;
}

/// Rejects a second document with content. yaml-cpp's LoadAll never returns on some malformed
/// inputs (each call yields another empty document; found by libFuzzer), so the documents are
/// walked one at a time with the event parser, and the walk is bounded: a text still yielding
/// documents past the bound is an error too, never accepted unread.
void reject_later_documents(const std::string& text, const SourceText& source) {
  if (!has_document_marker(text)) return;
  constexpr int documents_looked_at = 64;
  std::istringstream in(text);
  YAML::Parser parser(in);
  LaterDocuments events;
  bool more = true;
  int walked = 0;
  for (; walked < documents_looked_at && !events.content && more; ++walked) more = parser.HandleNextDocument(events);
  // One more document decides whether the text goes on past the bound.
  const bool beyond = more && !events.content && parser.HandleNextDocument(events);
  if (const auto& mark = events.content) {
    const int line = mark->line + 1;
    throw ConfigError(source.file, line, mark->column + 1, "",
                      "a second YAML document ('---'); a profile file holds one", source.line(line));
  }
  if (beyond) {
    throw ConfigError(source.file, 0, 0, "",
                      fmt::format("more than {} YAML documents (empty ones included); a profile file holds one",
                                  documents_looked_at));
  }
}

}  // namespace

YAML::Node parse_yaml(const std::string& text, const SourceText& source) {
  if (text.find('\0') != std::string::npos) {
    throw ConfigError(source.file, 0, 0, "", "file contains NUL bytes; not a YAML text file");
  }
  try {
    YAML::Node root = YAML::Load(text);
    // Every file holds one entity: Load would silently ignore a second document.
    reject_later_documents(text, source);
    return root;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses per nesting level and stops itself at 500 ("bad file"); say why.
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    const int column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    throw ConfigError(source.file, line, column, "", "YAML syntax: nested deeper than the parser's limit of 500 levels",
                      source.line(line));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    const int column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    throw ConfigError(source.file, line, column, "", "YAML syntax: " + e.msg, source.line(line));
  }
}

MapReader::MapReader(const YAML::Node& node, std::string path, const SourceText& source,
                     std::vector<std::string_view> allowed)
    : node_(node), path_(std::move(path)), source_(&source) {
  if (!node.IsMap() && !path_.empty() && reported_absent(node, source)) {
    node_.reset(YAML::Node(YAML::NodeType::Map));
    return;
  }
  if (!node.IsMap()) {
    // The top level is no map at all: nothing further to read.
    if (path_.empty()) throw located_error(node, source, "(top level)", "expected a map of key: value");
    field_error(source, located_error(node, source, path_, "expected a map of key: value"));
    node_.reset(YAML::Node(YAML::NodeType::Map));  // check reads on as if it were empty (the document unchanged)
    return;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      field_error(source, located_error(it->first, source, path_, "keys must be plain names"));
      continue;
    }
    const std::string key = it->first.Scalar();
    const std::string key_path = field_path(key);
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      const std::string suggestion = closest_match(key, allowed);
      if (!suggestion.empty()) suggested_.push_back(suggestion);
      field_error(source, located_error(it->first, source, key_path, "unknown key" + did_you_mean(suggestion)));
    } else if (!seen.insert(key).second) {
      field_error(source, located_error(it->first, source, key_path, "duplicate key"));
    }
  }
}

std::string MapReader::field_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool MapReader::has(std::string_view key) const {
  const YAML::Node value = get(key);
  return value.IsDefined() && !value.IsNull();
}

YAML::Node MapReader::get(std::string_view key) const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node MapReader::require(std::string_view key) const {
  if (has(key)) return get(key);
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.Scalar() != key) continue;
    // An explicit `~` is marked where it stands; an empty value (`key:` and nothing) is marked at
    // the next token, often on a later line, so the error is placed at the key instead.
    const YAML::Mark value_mark = it->second.Mark();
    const bool same_line = value_mark.line >= 0 && value_mark.line == it->first.Mark().line;
    field_error(*source_, located_error(same_line ? it->second : it->first, *source_, field_path(key),
                                        "value is missing (null)"));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  // Under check, an unknown key that already said "did you mean '<key>'?" is this key misspelt: its
  // absence is no second error. A known key that merely looks like it (num_heads, num_kv_heads) is not.
  const bool misspelt =
      source_->field_errors != nullptr && std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end();
  if (!misspelt) field_error(*source_, located_error(node_, *source_, field_path(key), "missing required key"));
  return YAML::Node(YAML::NodeType::Undefined);  // check reads on; the reader of the value reports nothing more
}

ConfigError MapReader::error(std::string_view key, const std::string& message) const {
  const YAML::Node value = get(key);
  return located_error(value.IsDefined() ? value : node_, *source_, field_path(key), message);
}

ConfigError MapReader::error_at(const YAML::Node& node, const std::string& path, const std::string& message) const {
  return located_error(node, *source_, path, message);
}

std::string MapReader::string(std::string_view key) const {
  return scalar_string(require(key), field_path(key), *source_);
}

std::string MapReader::string_or(std::string_view key, std::string fallback) const {
  return has(key) ? string(key) : fallback;
}

double MapReader::number(std::string_view key, const Range& range) const {
  return scalar_number(require(key), field_path(key), *source_, range);
}

std::optional<double> MapReader::optional_number(std::string_view key, const Range& range) const {
  if (!has(key)) return std::nullopt;
  return number(key, range);
}

std::int64_t MapReader::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  const YAML::Node value = require(key);
  const double number =
      scalar_number(value, field_path(key), *source_, Range{static_cast<double>(min), static_cast<double>(max), false});
  if (std::isnan(number)) return min;  // check: the field said what is wrong with it
  if (std::floor(number) != number) {
    field_error(*source_, located_error(value, *source_, field_path(key),
                                        fmt::format("expected a whole number, got '{}'", value.Scalar())));
  }
  return static_cast<std::int64_t>(std::clamp(std::floor(number), static_cast<double>(min), static_cast<double>(max)));
}

std::int64_t MapReader::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

bool MapReader::boolean_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  const YAML::Node value = get(key);
  if (value.IsScalar()) {
    const std::string& text = value.Scalar();
    if (text == "true" || text == "True" || text == "yes") return true;
    if (text == "false" || text == "False" || text == "no") return false;
  }
  field_error(*source_, located_error(value, *source_, field_path(key), "expected true or false"));
  return fallback;
}

std::vector<std::string> MapReader::string_list(std::string_view key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const YAML::Node value = get(key);
  if (!value.IsSequence()) {
    field_error(*source_, located_error(value, *source_, field_path(key), "expected a list"));
    return out;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    out.push_back(scalar_string(value[i], fmt::format("{}[{}]", field_path(key), i), *source_));
  }
  return out;
}

std::vector<std::int64_t> MapReader::integer_list(std::string_view key, std::int64_t min, std::int64_t max) const {
  std::vector<std::int64_t> out;
  if (!has(key)) return out;
  const YAML::Node value = get(key);
  if (!value.IsSequence()) {
    field_error(*source_, located_error(value, *source_, field_path(key), "expected a list"));
    return out;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = fmt::format("{}[{}]", field_path(key), i);
    const double number =
        scalar_number(value[i], item_path, *source_, Range{static_cast<double>(min), static_cast<double>(max), false});
    if (std::isnan(number)) continue;  // check: the item said what is wrong with it
    if (std::floor(number) != number)
      field_error(*source_, located_error(value[i], *source_, item_path, "expected a whole number"));
    out.push_back(
        static_cast<std::int64_t>(std::clamp(std::floor(number), static_cast<double>(min), static_cast<double>(max))));
  }
  return out;
}

MapReader MapReader::map(std::string_view key, std::vector<std::string_view> allowed) const {
  return MapReader(require(key), field_path(key), *source_, std::move(allowed));
}

}  // namespace llmsizer
