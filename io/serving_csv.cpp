#include "io/serving_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <string_view>

#include "base/precision.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/did_you_mean.hpp"
#include "io/number_text.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {
namespace {

constexpr std::array<std::string_view, 16> known_columns = {
    "id",  "model", "gpu", "gpus",        "tp",  "pp",  "dp",  "ep",  "weights",
    "isl", "osl",   "concurrency", "engine", "engine_version", "ttft_ms", "tpot_ms"};
// engine_version is informative (the estimator's calibration is per engine, not per version);
// a metric cell may be empty, every other column must be present.
constexpr std::string_view optional_column = "engine_version";

struct CsvSource {
  std::string file;
  std::vector<std::string> lines;  // the text's lines, for messages and columns
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

/// 1-based column where field `index` starts on `line` (commas inside quotes do not count).
int field_column(const std::string& line, size_t index) {
  bool quoted = false;
  size_t field = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (field == index) return static_cast<int>(i) + 1;
    if (line[i] == '"') quoted = !quoted;
    else if (line[i] == ',' && !quoted) ++field;
  }
  return static_cast<int>(line.size()) + 1;
}

ConfigError error_at(const CsvSource& src, int line, size_t field, const std::string& path, const std::string& message) {
  const std::string& text = line >= 1 && static_cast<size_t>(line) <= src.lines.size() ? src.lines[line - 1] : "";
  return ConfigError(src.file, line, field_column(text, field), path, message, text);
}

/// Column name -> index, checked: no unknown (with did-you-mean), duplicate or missing column.
std::map<std::string, size_t> read_header(const std::vector<std::string>& header, int line, const CsvSource& src) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    if (std::find(known_columns.begin(), known_columns.end(), name) == known_columns.end()) {
      throw error_at(src, line, i, name, "unknown column" + did_you_mean(name, known_columns));
    }
    if (!index.emplace(name, i).second) throw error_at(src, line, i, name, "duplicate column");
  }
  for (std::string_view name : known_columns) {
    if (name != optional_column && !index.contains(std::string(name))) {
      throw error_at(src, line, 0, std::string(name), "missing column (the header must name it)");
    }
  }
  return index;
}

struct CsvRowReader {
  const CsvSource& src;
  const CsvRecord& record;
  const std::map<std::string, size_t>& columns;

  [[nodiscard]] size_t index(const char* name) const { return columns.at(name); }
  [[nodiscard]] std::string cell(const char* name) const {
    const size_t i = index(name);
    return i < record.fields.size() ? record.fields[i] : std::string();
  }
  [[nodiscard]] ConfigError error(const char* name, const std::string& message) const {
    return error_at(src, record.line, index(name), name, message);
  }
  [[nodiscard]] double number(const char* name) const {
    const std::string text = cell(name);
    std::string message;
    const std::optional<double> value = number_from_text(text, &message);
    if (!value) throw error(name, message);
    return *value;
  }
  [[nodiscard]] std::int64_t whole(const char* name, std::int64_t min, std::int64_t max) const {
    const double value = number(name);
    if (value != std::floor(value) || value < static_cast<double>(min) || value > static_cast<double>(max)) {
      throw error(name, fmt::format("{} is out of range (must be a whole number from {} to {})", cell(name), min, max));
    }
    return static_cast<std::int64_t>(value);
  }
  /// A measured mean in ms: an empty cell is "not measured"; a number must be > 0.
  [[nodiscard]] std::optional<double> metric(const char* name) const {
    if (cell(name).empty()) return std::nullopt;
    const double value = number(name);
    if (!(value > 0)) throw error(name, fmt::format("{} is out of range (must be > 0)", cell(name)));
    return value;
  }
};

void read_layout(const CsvRowReader& r, Measurement& m) {
  const auto degree = [&](const char* name) { return static_cast<int>(r.whole(name, 1, max_measured_degree)); };
  m.gpus = static_cast<int>(r.whole("gpus", 1, max_measured_gpus));
  m.tp = degree("tp");
  m.pp = degree("pp");
  m.dp = degree("dp");
  m.ep = degree("ep");
  // The file's rule (gpus = tp x pp x dp): a row that breaks it describes no single instance.
  const std::int64_t product = std::int64_t{*m.tp} * *m.pp * *m.dp;
  if (product != m.gpus) {
    throw r.error("gpus", fmt::format("{} is not tp x pp x dp = {} x {} x {} = {}", m.gpus, *m.tp, *m.pp, *m.dp, product));
  }
}

Measurement read_row(const CsvRowReader& r, const std::string& source) {
  Measurement m;
  m.file = r.src.file;
  m.line = r.record.line;
  m.source = source;
  m.id = r.cell("id");
  if (m.id.empty()) throw r.error("id", "empty id (each run needs one)");
  m.model = r.cell("model");
  m.gpu = r.cell("gpu");
  read_layout(r, m);
  const std::string weights = r.cell("weights");
  if (!weights.empty()) {
    const auto precision = parse_precision(weights);
    if (!precision) {
      throw r.error("weights",
                    fmt::format("unknown precision '{}'{}", weights, did_you_mean(weights, precision_vocabulary)));
    }
    // "fp4" stays as written: it names the run's 4-bit checkpoint, NVFP4 unless the model was
    // released in a 4-bit format (measured_cases.cpp, released_four_bit).
    m.weights = weights == "fp4" ? weights : std::string(name(*precision));
  }
  m.engine = r.cell("engine");
  m.phase = "mixed";  // aggregated serving: prefill and decode on the same GPUs
  m.isl = r.whole("isl", 1, max_measured_tokens);
  m.osl = r.whole("osl", 1, max_measured_tokens);
  m.concurrency = r.whole("concurrency", 1, max_measured_tokens);  // closed loop: at least one request in flight
  m.ttft_ms = r.metric("ttft_ms");
  m.tpot_ms = r.metric("tpot_ms");
  return m;
}

/// Blanks the leading '#' comment block (keeping its newlines, so line numbers stay the file's).
std::string without_leading_comments(std::string text) {
  size_t at = 0;
  while (at < text.size() && text[at] == '#') {
    const size_t end = std::min(text.find('\n', at), text.size());
    std::fill(text.begin() + static_cast<std::ptrdiff_t>(at), text.begin() + static_cast<std::ptrdiff_t>(end), ' ');
    at = end + 1;
  }
  return text;
}

}  // namespace

std::vector<Measurement> parse_serving_csv(const std::string& text, const std::string& file) {
  const CsvSource src{file, split_lines(text)};
  const CsvTable table = parse_csv(without_leading_comments(text), file);
  int header_line = 1;
  while (static_cast<size_t>(header_line) <= src.lines.size() &&
         (src.lines[header_line - 1].empty() || src.lines[header_line - 1][0] == '#')) {
    ++header_line;
  }
  if (table.header.empty()) throw ConfigError(file, 0, 0, "", "no header row (expected id,model,gpu,...)");
  const auto columns = read_header(table.header, header_line, src);
  // Rows of one file share its source: the file name, so per-source tables show where rows came from.
  const std::string source = std::filesystem::path(file).filename().string();
  std::vector<Measurement> out;
  std::map<std::string, int> first_line;  // id -> line of the row that has it
  for (const CsvRecord& record : table.records) {
    const CsvRowReader reader{src, record, columns};
    if (record.fields.size() != table.header.size()) {
      throw error_at(src, record.line, std::min(record.fields.size(), table.header.size()), "",
                     fmt::format("{} fields, the header has {}", record.fields.size(), table.header.size()));
    }
    Measurement m = read_row(reader, source);
    const auto [it, added] = first_line.emplace(m.id, m.line);
    if (!added) throw reader.error("id", fmt::format("duplicate id '{}' (also on line {})", m.id, it->second));
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Measurement> load_serving_csv(const std::string& path) { return parse_serving_csv(read_file(path), path); }

std::vector<Measurement> load_measurement_file(const std::string& path) {
  return std::filesystem::path(path).extension() == ".csv" ? load_serving_csv(path) : load_measurements(path);
}

}  // namespace llmsizer
