// io/yaml_reader.hpp — strict, position-aware reading of YAML profiles.
//
// yaml-cpp parses; this layer checks. Every map is read through a MapReader that rejects unknown
// keys (with did-you-mean), duplicate keys (yaml-cpp keeps both silently), missing required keys,
// wrong types and out-of-range values, each as a ConfigError pointing at file:line:col.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/config_error.hpp"

namespace llmsizer {

/// The text of a document, kept to quote the offending line in errors.
struct SourceText {
  std::string file;
  std::vector<std::string> lines;
  /// Set by `check`, which reports every error it can: the errors of single fields (an unknown or
  /// duplicate key, a missing key, a value of the wrong type or out of range) are appended here and
  /// reading goes on with a stand-in value; rules across fields still throw. Null: the first throws.
  std::vector<ConfigError>* field_errors = nullptr;
  [[nodiscard]] std::string line(int one_based) const;
};

/// Throws `error`, or appends it to source.field_errors when `check` collects them (one error per
/// field: none at a path already reported or inside one).
void field_error(const SourceText& source, ConfigError error);

/// Parses a YAML document from text; syntax errors become ConfigError at the parser's position.
[[nodiscard]] YAML::Node parse_yaml(const std::string& text, const SourceText& source);
/// Reads a whole file; a missing or unreadable file is a ConfigError naming it.
[[nodiscard]] std::string read_file(const std::string& path);
/// `text` as a YAML double-quoted scalar: quotes and backslashes escaped, so that it reads back as is.
[[nodiscard]] std::string yaml_quoted(const std::string& text);
[[nodiscard]] SourceText make_source(const std::string& file, const std::string& text);

/// Allowed range of a number, with the unit for messages and a hint for unit mistakes.
struct Range {
  double min = 0;  // inclusive unless min_exclusive
  double max = 1e300;
  bool min_exclusive = true;                // most quantities must be > 0
  const char* unit = "";                    // "GB"
  const char* unit_thousandth = nullptr;    // "MB": suggested when the value is ~1000x too large
  const char* unit_thousandfold = nullptr;  // "TB": suggested when the value is ~1000x too small
};

class MapReader {
 public:
  /// `node` must be a map (else error at `path`); keys not in `allowed` are errors.
  MapReader(const YAML::Node& node, std::string path, const SourceText& source, std::vector<std::string_view> allowed);

  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] YAML::Node get(std::string_view key) const;  // null node when absent
  [[nodiscard]] YAML::Node require(std::string_view key) const;
  [[nodiscard]] std::string field_path(std::string_view key) const;
  [[nodiscard]] const SourceText& source() const { return *source_; }
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] const std::string& path() const { return path_; }

  [[nodiscard]] std::string string(std::string_view key) const;
  [[nodiscard]] std::string string_or(std::string_view key, std::string fallback) const;
  [[nodiscard]] double number(std::string_view key, const Range& range) const;
  [[nodiscard]] std::optional<double> optional_number(std::string_view key, const Range& range) const;
  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  [[nodiscard]] std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                        std::int64_t max) const;
  [[nodiscard]] bool boolean_or(std::string_view key, bool fallback) const;
  [[nodiscard]] std::vector<std::string> string_list(std::string_view key) const;  // [] when absent
  [[nodiscard]] std::vector<std::int64_t> integer_list(std::string_view key, std::int64_t min, std::int64_t max) const;
  /// A child map read with its own allowed keys.
  [[nodiscard]] MapReader map(std::string_view key, std::vector<std::string_view> allowed) const;

  /// An error located at `key`'s value (or at this map when the key is absent).
  [[nodiscard]] ConfigError error(std::string_view key, const std::string& message) const;
  [[nodiscard]] ConfigError error_at(const YAML::Node& node, const std::string& path, const std::string& message) const;

 private:
  YAML::Node node_;
  std::string path_;
  const SourceText* source_;
  std::vector<std::string> suggested_;  // known keys an unknown key's did-you-mean named (its misspellings)
};

/// Scalar conversions with located errors (used for list items too).
[[nodiscard]] double scalar_number(const YAML::Node& node, const std::string& path, const SourceText& source,
                                   const Range& range);
[[nodiscard]] std::string scalar_string(const YAML::Node& node, const std::string& path, const SourceText& source);
[[nodiscard]] ConfigError located_error(const YAML::Node& node, const SourceText& source, const std::string& path,
                                        const std::string& message);

}  // namespace llmsizer
