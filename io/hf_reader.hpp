// io/hf_reader.hpp — reading a Hugging Face config.json: JSON parsing with located errors, and a
// Reader that checks each value's type and range and collects the missing required keys. Shared by
// the architecture mapping (io/hf_import.cpp) and the quantization mapping (io/hf_precision.cpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/config_error.hpp"

namespace llmsizer::hf {

using Json = nlohmann::json;
using Keys = std::initializer_list<std::string_view>;

/// A value as quoted in messages; containers by kind only (dumping them recurses, and may be huge).
[[nodiscard]] std::string shown(const Json& value);

/// The config's root object; syntax errors and a non-object root are ConfigErrors at file:line:col.
[[nodiscard]] Json parse_json(const std::string& text, const std::string& file);

/// A value found in the config, with its dotted path ("text_config.hidden_size") for messages.
struct Field {
  const Json* value = nullptr;
  std::string path;
  explicit operator bool() const { return value != nullptr; }
};

// Reads the text model's fields: those of `text_config` when present (multimodal configs), with the
// top level filling gaps. Every value is checked for type and range; missing required fields are
// collected so that one error names them all.
class Reader {
 public:
  Reader(const Json& root, const std::string& text, const std::string& file);

  [[nodiscard]] const Json& root() const { return root_; }
  /// The text model's object (`text_config`, or the root) and the prefix of its paths in messages.
  [[nodiscard]] const Json& text_model() const { return *text_model_; }
  [[nodiscard]] const std::string& text_prefix() const { return prefix_; }
  [[nodiscard]] Field child(const Field& parent, std::string_view key) const;
  /// The first of `keys` present (and not null), in the text model, then at the top level.
  [[nodiscard]] Field field(Keys keys) const;

  [[nodiscard]] std::int64_t integer_at(const Field& f, std::int64_t min, std::int64_t max) const;
  /// A finite number within [min, max].
  [[nodiscard]] double number_at(const Field& f, double min, double max) const;
  [[nodiscard]] std::string string_at(const Field& f) const;
  [[nodiscard]] bool bool_at(const Field& f) const;

  [[nodiscard]] std::optional<std::int64_t> count(Keys keys, std::int64_t min, std::int64_t max) const;
  /// A positive integer; when absent, the first key is recorded as missing and 0 returned.
  std::int64_t required(Keys keys, std::int64_t max);
  [[nodiscard]] bool flag(Keys keys, bool fallback) const;
  [[nodiscard]] std::string text(Keys keys) const;

  [[nodiscard]] std::string architecture() const;
  /// The top-level model_type (for multimodal configs the whole checkpoint's), else the text model's.
  [[nodiscard]] std::string model_type(bool text_first) const;
  [[nodiscard]] std::string describe() const;

  /// One error naming every missing required key, at the opening brace of their object.
  void throw_if_missing() const;
  [[nodiscard]] ConfigError error(const std::string& path, const std::string& message) const;

 private:
  // An error naming `path`, at the position of the value at `at_path` ("" the root object).
  [[nodiscard]] ConfigError located(const std::string& at_path, const std::string& path,
                                    const std::string& message) const;

  const Json& root_;
  const Json* text_model_;
  std::string prefix_;
  const std::string& json_text_;
  const std::string& file_;
  std::vector<std::string> missing_;
};

}  // namespace llmsizer::hf
