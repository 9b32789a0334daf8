// io/hf_reader.cpp — see io/hf_reader.hpp.
#include "io/hf_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "io/json_scan.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::hf {
namespace {

struct Position {
  int line = 0;
  int column = 0;
};

// 1-based line and byte column of `offset`; the end of input points just past the last visible character.
Position position_of(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  if (offset == text.size()) {
    while (offset > 0 && std::isspace(static_cast<unsigned char>(text[offset - 1]))) --offset;
  }
  const size_t newline = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  const size_t line_start = newline == std::string::npos ? 0 : newline + 1;
  const auto lines_before = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return {static_cast<int>(lines_before) + 1, static_cast<int>(offset - line_start) + 1};
}

ConfigError error_at_offset(const std::string& text, const std::string& file, size_t offset,
                            const std::string& message) {
  const Position at = position_of(text, offset);
  return ConfigError(file, at.line, at.column, "", message, make_source(file, text).line(at.line));
}

ConfigError error_at(const std::string& text, const std::string& file, const JsonTextProblem& problem) {
  const Position at = position_of(text, problem.offset);
  return ConfigError(file, at.line, at.column, problem.path, problem.message, make_source(file, text).line(at.line));
}

// "a.b[2]" → {"a", "b", "[2]"}
std::vector<std::string> split_path(const std::string& path) {
  if (path.empty()) return {};  // the root object
  std::vector<std::string> parts(1);
  for (char c : path) {
    if ((c == '.' || c == '[') && !parts.back().empty()) parts.emplace_back();
    if (c != '.') parts.back() += c;
  }
  return parts;
}

YAML::Mark mark_of(const YAML::Node& node, const std::vector<std::string>& parts, size_t i) {
  if (i == parts.size()) return node.Mark();
  const std::string& part = parts[i];
  if (part.front() == '[') {
    size_t index = 0;
    std::from_chars(part.data() + 1, part.data() + part.size(), index);
    if (!node.IsSequence() || index >= node.size()) return node.Mark();
    return mark_of(node[index], parts, i + 1);
  }
  if (!node.IsMap() || !node[part].IsDefined()) return node.Mark();
  return mark_of(node[part], parts, i + 1);
}

// nlohmann::json keeps no source positions. JSON is YAML flow syntax, so on the error path the text is
// read again with yaml-cpp, whose nodes carry marks; when that fails the error simply has no line.
Position locate(const std::string& text, const std::string& path) {
  try {
    const YAML::Node root = YAML::Load(text);
    const YAML::Mark mark = mark_of(root, split_path(path), 0);
    if (mark.line >= 0) return {mark.line + 1, mark.column + 1};
  } catch (const YAML::Exception&) {
  }
  return {};
}

// "[json.exception.parse_error.101] parse error at line 2, column 7: syntax error ..." → "syntax error ..."
std::string json_reason(const std::string& what) {
  std::string reason = what.substr(std::min(what.size(), what.find("] ") + 2));
  if (reason.rfind("parse error", 0) == 0 && reason.find(": ") != std::string::npos) {
    reason = reason.substr(reason.find(": ") + 2);
  }
  return reason;
}

}  // namespace

std::string shown(const Json& value) {
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t max_shown = 60;
  return text.size() > max_shown ? text.substr(0, max_shown) + "..." : text;
}

Json parse_json(const std::string& text, const std::string& file) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw error_at_offset(text, file, e.byte == 0 ? 0 : e.byte - 1, "JSON syntax: " + json_reason(e.what()));
  } catch (const Json::exception& e) {  // out_of_range.406: "number overflow parsing '1e400'"
    if (const JsonTextProblem problem = first_json_text_problem(text); problem.found()) throw error_at(text, file, problem);
    throw ConfigError(file, 0, 0, "", "JSON syntax: " + json_reason(e.what()));
  }
  // What nlohmann accepts but the tool does not: a repeated key, a denormal number.
  if (const JsonTextProblem problem = first_json_text_problem(text); problem.found()) throw error_at(text, file, problem);
  if (!root.is_object()) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    throw error_at_offset(text, file, first == std::string::npos ? 0 : first,
                          "expected a JSON object (the text of a config.json), got " + shown(root));
  }
  return root;
}

Reader::Reader(const Json& root, const std::string& text, const std::string& file)
    : root_(root), text_model_(&root), json_text_(text), file_(file) {
  if (const Field nested = child(Field{&root, ""}, "text_config")) {
    if (!nested.value->is_object()) throw error(nested.path, "expected an object, got " + shown(*nested.value));
    text_model_ = nested.value;
    prefix_ = "text_config.";
  }
}

Field Reader::child(const Field& parent, std::string_view key) const {
  const auto it = parent.value->find(key);
  if (it == parent.value->end() || it->is_null()) return {};
  return {&*it, parent.path.empty() ? std::string(key) : parent.path + "." + std::string(key)};
}

Field Reader::field(Keys keys) const {
  for (std::string_view key : keys) {
    if (const Field f = child(Field{text_model_, prefix_.empty() ? "" : "text_config"}, key)) return f;
    if (text_model_ != &root_) {
      if (const Field f = child(Field{&root_, ""}, key)) return f;
    }
  }
  return {};
}

std::int64_t Reader::integer_at(const Field& f, std::int64_t min, std::int64_t max) const {
  const char* expected = min > 0 ? "a positive integer" : "a non-negative integer";
  const Json& v = *f.value;
  const double x = v.is_number() ? v.get<double>() : 0.0;
  if (!v.is_number() || !std::isfinite(x) || std::floor(x) != x || x < static_cast<double>(min)) {
    throw error(f.path, fmt::format("expected {}, got {}", expected, shown(v)));
  }
  if (x > static_cast<double>(max)) throw error(f.path, fmt::format("{} is too large (at most {})", shown(v), max));
  return static_cast<std::int64_t>(x);
}

double Reader::number_at(const Field& f, double min, double max) const {
  const Json& v = *f.value;
  const double x = v.is_number() ? v.get<double>() : 0.0;
  if (!v.is_number() || !std::isfinite(x) || x < min || x > max) {
    throw error(f.path, fmt::format("expected a number from {:g} to {:g}, got {}", min, max, shown(v)));
  }
  return x;
}

std::string Reader::string_at(const Field& f) const {
  if (!f.value->is_string()) throw error(f.path, "expected a string, got " + shown(*f.value));
  return f.value->get<std::string>();
}

bool Reader::bool_at(const Field& f) const {
  if (!f.value->is_boolean()) throw error(f.path, "expected true or false, got " + shown(*f.value));
  return f.value->get<bool>();
}

std::optional<std::int64_t> Reader::count(Keys keys, std::int64_t min, std::int64_t max) const {
  const Field f = field(keys);
  if (!f) return std::nullopt;
  return integer_at(f, min, max);
}

std::int64_t Reader::required(Keys keys, std::int64_t max) {
  if (auto value = count(keys, 1, max)) return *value;
  const std::string name = prefix_ + std::string(*keys.begin());
  if (std::find(missing_.begin(), missing_.end(), name) == missing_.end()) missing_.push_back(name);
  return 0;
}

bool Reader::flag(Keys keys, bool fallback) const {
  const Field f = field(keys);
  return f ? bool_at(f) : fallback;
}

std::string Reader::text(Keys keys) const {
  const Field f = field(keys);
  return f ? string_at(f) : std::string();
}

std::string Reader::architecture() const {
  const auto it = root_.find("architectures");
  if (it == root_.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return {};
  return (*it)[0].get<std::string>();
}

std::string Reader::model_type(bool text_first) const {
  const Json* first = text_first ? text_model_ : &root_;
  for (const Json* config : {first, text_first ? &root_ : text_model_}) {
    const auto it = config->find("model_type");
    if (it != config->end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

std::string Reader::describe() const {
  const std::string arch = architecture();
  const std::string type = model_type(false);
  if (arch.empty()) return type.empty() ? "this config" : fmt::format("model_type '{}'", type);
  return type.empty() ? fmt::format("architecture '{}'", arch)
                      : fmt::format("architecture '{}' (model_type '{}')", arch, type);
}

void Reader::throw_if_missing() const {
  if (missing_.empty()) return;
  std::string list;
  for (const std::string& name : missing_) list += (list.empty() ? "" : ", ") + name;
  // At the opening brace of the object the keys belong in (text_config's, or the root's).
  throw located(prefix_.empty() ? "" : "text_config", "",
                fmt::format("cannot import {}: missing {}", describe(), list));
}

ConfigError Reader::error(const std::string& path, const std::string& message) const {
  return located(path, path, message);
}

ConfigError Reader::located(const std::string& at_path, const std::string& path, const std::string& message) const {
  constexpr size_t max_located_bytes = 16u << 20;  // re-reading a huge text for a line number is not worth it
  const Position at = json_text_.size() <= max_located_bytes ? locate(json_text_, at_path) : Position{};
  return ConfigError(file_, at.line, at.column, path, message, make_source(file_, json_text_).line(at.line));
}

}  // namespace llmsizer::hf
