// io/yaml_scalar.cpp — located errors and scalar values (io/yaml_reader.hpp): an error is thrown, or
// under `check` collected with the file's others while reading goes on with a stand-in
// (io/yaml_check.hpp).
#include <fmt/format.h>

#include <string>

#include "io/number_text.hpp"
#include "io/yaml_check.hpp"

namespace llmsizer {

void field_error(const SourceText& source, ConfigError error) {
  if (source.field_errors == nullptr) throw std::move(error);
  const std::string& path = error.path();
  for (const ConfigError& earlier : *source.field_errors) {
    const std::string& at = earlier.path();
    const bool inside =
        path.starts_with(at) && (path.size() == at.size() || path[at.size()] == '.' || path[at.size()] == '[');
    if (!at.empty() && inside) return;  // a consequence of the earlier one (a missing map's keys)
  }
  source.field_errors->push_back(std::move(error));
}

ConfigError located_error(const YAML::Node& node, const SourceText& source, const std::string& path,
                          const std::string& message) {
  int line = 0, column = 0;
  if (node.IsDefined()) {
    const YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      line = mark.line + 1;
      column = mark.column + 1;
    }
  }
  return ConfigError(source.file, line, column, path, message, source.line(line));
}

namespace {
std::string number_hint(double value, const Range& range) {
  if (value > range.max && range.unit_thousandth && value / 1000.0 <= range.max && value / 1000.0 >= range.min) {
    return fmt::format("; did you mean {}?", range.unit_thousandth);
  }
  if (value < range.min && range.unit_thousandfold && value * 1000.0 >= range.min && value * 1000.0 <= range.max) {
    return fmt::format("; did you mean {}?", range.unit_thousandfold);
  }
  return {};
}

std::string format_range(const Range& range) {
  const std::string low = fmt::format("{}{:g}", range.min_exclusive ? "> " : ">= ", range.min);
  const std::string unit = range.unit[0] ? std::string(" ") + range.unit : std::string();
  if (range.max >= 1e299) return low + unit;
  return fmt::format("{} and <= {:g}{}", low, range.max, unit);
}

}  // namespace

double scalar_number(const YAML::Node& node, const std::string& path, const SourceText& source, const Range& range) {
  if (reported_absent(node, source)) return no_number;
  if (!node.IsScalar()) {
    field_error(source, located_error(node, source, path, "expected a number"));
    return no_number;
  }
  const std::string& text = node.Scalar();
  // One reading of numbers for every input (io/number_text.hpp): decimal, finite, normal.
  const NumberText parsed = parse_number_text(text);
  if (!parsed.ok()) {
    field_error(source, located_error(node, source, path, describe_number_problem(parsed.problem, text)));
    return no_number;
  }
  const double value = parsed.value;
  const bool too_low = range.min_exclusive ? value <= range.min : value < range.min;
  if (too_low || value > range.max) {
    const std::string unit = range.unit[0] ? std::string(" ") + range.unit : std::string();
    field_error(source, located_error(node, source, path,
                                      fmt::format("{}{} is out of range (must be {}){}", text, unit,
                                                  format_range(range), number_hint(value, range))));
    return value;  // check reads on with the number as written
  }
  return value;
}

std::string scalar_string(const YAML::Node& node, const std::string& path, const SourceText& source) {
  if (reported_absent(node, source)) return {};
  if (!node.IsScalar()) {
    field_error(source, located_error(node, source, path, "expected a string"));
    return {};
  }
  return node.Scalar();
}

}  // namespace llmsizer
