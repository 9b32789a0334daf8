// `estimate --scenarios FILE.csv`: many scenarios, one per row, answered in order.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "cli/command.hpp"
#include "cli/estimate_output.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"
#include "request/scenario_rows.hpp"

namespace llmsizer::cli {
namespace {

// The scenario field of each header column; nullptr for a column that is not one (notes, labels).
using ColumnFields = std::vector<const ScenarioField*>;

ColumnFields map_header(const std::vector<std::string>& header, const std::string& file, std::ostream& err) {
  ColumnFields fields;
  std::vector<std::string> unknown;
  std::vector<std::string> names;
  for (const ScenarioField& f : scenario_fields()) names.push_back(f.name);
  std::set<const ScenarioField*> seen;
  for (const std::string& name : header) {
    const ScenarioField* f = find_scenario_field(name);
    if (f && !seen.insert(f).second) {
      throw ConfigError(file, 1, 0, name, "the column appears twice; which value would count is ambiguous");
    }
    if (!f) {
      // Extra columns (notes, labels) are fine; a near-miss of a known one is a typo that would
      // silently drop the setting.
      const std::string near = closest_match(name, names, std::max<int>(1, static_cast<int>(name.size()) / 4));
      if (!near.empty()) {
        throw ConfigError(file, 1, 0, name, fmt::format("unknown column; did you mean '{}'?", near));
      }
      unknown.push_back(name);
    }
    fields.push_back(f);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& u : unknown) list += (list.empty() ? "'" : ", '") + u + "'";
    err << fmt::format("{}:1: warning: ignoring unknown column{} {}\n", printable(file), unknown.size() > 1 ? "s" : "",
                       printable(list));
  }
  return fields;
}

/// The columns of the text table of a batch (the full set is in --csv and --json).
std::vector<size_t> table_columns() {
  const std::vector<std::string> keys = {"id",
                                         "model",
                                         "gpu",
                                         "gpus",
                                         "weights",
                                         "concurrency",
                                         "fits",
                                         "ttft_ms",
                                         "tpot_ms",
                                         "output_tok_s_per_gpu",
                                         "usd_per_mtok_output",
                                         "price_basis",
                                         "error"};
  std::vector<size_t> index;
  for (const std::string& k : keys) {
    for (size_t i = 0; i < estimate_columns().size(); ++i) {
      if (estimate_columns()[i].key == k) index.push_back(i);
    }
  }
  return index;
}

std::vector<std::string> table_cells(const EstimateRow& row, const std::vector<size_t>& index) {
  std::vector<std::string> cells;
  for (size_t i : index) {
    const nlohmann::json v = estimate_value(row, i);
    if (v.is_null())
      cells.emplace_back("-");
    else if (v.is_string())
      cells.push_back(v.get<std::string>());
    else if (v.is_boolean())
      cells.emplace_back(v.get<bool>() ? "yes" : "no");
    else if (v.is_number_integer())
      cells.push_back(std::to_string(v.get<long long>()));
    else
      cells.push_back(fmt::format("{:.4g}", v.get<double>()));
  }
  return cells;
}

/// Writes each answered row as soon as it is estimated: CSV and JSON lines are appended to one
/// buffer handed to the stream every 64 KiB (and before a row's error message, and at the end); the
/// text table must know every row's width first, so it keeps the short text cells of each row (not
/// the estimates) and prints at the end.
class RowWriter {
 public:
  RowWriter(ScenarioBatchFormat format, std::ostream& out) : format_(format), out_(out), table_(header()) {
    buffer_.reserve(flush_bytes + initial_row_bytes);
    if (format_ == ScenarioBatchFormat::csv) {
      std::vector<std::string> keys;
      for (const Column& c : estimate_columns()) keys.push_back(c.key);
      buffer_ += csv_line(keys);
      columns_ = keys.size();
    }
  }
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;
  /// What was written reaches the stream also when an exception ends the batch (as each row did
  /// when it was written at once).
  ~RowWriter() { flush(); }

  void write(const EstimateRow& row) {
    if (format_ == ScenarioBatchFormat::csv) {
      // The text of csv_line(csv_text of each cell).
      const Schema<EstimateRow>& schema = estimate_schema();
      for (size_t c = 0; c < columns_; ++c) {
        if (c > 0) buffer_ += ',';
        append_csv_cell(buffer_, schema.value(row, c));
      }
      buffer_ += '\n';
    } else if (format_ == ScenarioBatchFormat::json) {
      // The text of dump(2) of the whole array: each element indented one level deeper.
      const Schema<EstimateRow>& schema = estimate_schema();
      cells_.resize(schema.columns().size());
      for (size_t c = 0; c < cells_.size(); ++c) cells_[c] = schema.value(row, c);
      buffer_ += rows_ == 0 ? "[\n  " : ",\n  ";
      append_json_object(buffer_, schema.columns(), json_keys_, cells_, 2);
    } else {
      table_.add_row(table_cells(row, index_));
    }
    ++rows_;
    if (buffer_.size() >= flush_bytes) flush();
  }
  void finish() {
    if (format_ == ScenarioBatchFormat::json)
      buffer_ += rows_ == 0 ? "[]\n" : "\n]\n";
    else if (format_ == ScenarioBatchFormat::table)
      buffer_ += table_.render();
    flush();
  }
  /// Hands what is buffered to the stream.
  void flush() {
    if (buffer_.empty()) return;
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  static constexpr size_t flush_bytes = size_t{1} << 16;
  static constexpr size_t initial_row_bytes = size_t{1} << 14;  // a row past the threshold rarely grows it
  static std::vector<std::string> header() {
    std::vector<std::string> keys;
    for (size_t i : table_columns()) keys.push_back(estimate_columns()[i].key);
    return keys;
  }
  ScenarioBatchFormat format_;
  std::ostream& out_;
  TextTable table_;
  std::vector<size_t> index_ = table_columns();
  size_t columns_ = 0;
  std::string buffer_;       // rows not yet handed to the stream
  std::vector<Cell> cells_;  // one JSON element's values, reused
  std::vector<size_t> json_keys_ = json_key_order(estimate_columns());
  size_t rows_ = 0;
};

/// The scenario of one record: its cells over the command-line defaults, resolved and estimated.
/// Throws ConfigError naming the column.
const ScenarioResolver::Resolved& answer(const CsvRecord& record, const std::vector<std::string>& header,
                                         const ColumnFields& fields, ScenarioRows& rows, ScenarioInput& input,
                                         Estimate& result) {
  if (record.fields.size() > fields.size()) {
    throw ConfigError("", fmt::format("{} fields but the header has {}", record.fields.size(), fields.size()));
  }
  for (size_t c = 0; c < record.fields.size(); ++c) {
    if (fields[c] && !record.fields[c].empty()) fields[c]->parse(input, record.fields[c], header[c]);
  }
  const ScenarioResolver::Resolved& resolved = rows.resolve(input);
  result = rows.estimate();  // rows of one deployment share its resolution and preparation
  return resolved;
}

/// The message of a bad row, its option named as the CSV column (--usd-per-gpu-hour is usd_per_gpu_hour).
std::string row_error(const ConfigError& e) {
  std::string where = e.path();
  if (!where.empty() && where.rfind("--", 0) == 0) {
    where = where.substr(2);
    std::replace(where.begin(), where.end(), '-', '_');
  }
  return (where.empty() ? "" : where + ": ") + e.message();
}

/// Where the rows come from. A regular file is opened afresh for each pass and read as it goes;
/// anything else (a pipe, a device) is read once through read_file, whose size cap keeps /dev/zero
/// from eating memory, and both passes read that text.
class ScenarioSource {
 public:
  explicit ScenarioSource(const std::string& file) : file_(file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec) || !std::ifstream(file, std::ios::binary)) text_ = read_file(file);
  }
  [[nodiscard]] std::unique_ptr<std::istream> open() const {
    if (text_) return std::make_unique<std::istringstream>(*text_);
    return std::make_unique<std::ifstream>(file_, std::ios::binary);
  }

 private:
  std::string file_;
  std::optional<std::string> text_;
};

}  // namespace

int run_scenarios(const std::string& file, const ScenarioInput& defaults, const std::string& calibration,
                  ScenarioBatchFormat format, Context& context) {
  const ScenarioSource source(file);
  {
    // A syntax error (an unterminated quote) surfaces only at the end of the file; checking the
    // quotes first keeps stdout free of half an answer. The check looks at quotes only (a few ms for
    // 100,000 rows, docs/performance.md); only a file that fails it is read again, to name the line.
    const std::unique_ptr<std::istream> in = source.open();
    CsvReader syntax(*in, file);
    if (!syntax.skip_rest()) {
      const std::unique_ptr<std::istream> again = source.open();
      CsvReader named(*again, file);
      CsvRecord record;
      while (named.next(record)) {
      }
    }
  }
  const std::unique_ptr<std::istream> in = source.open();
  CsvReader csv(*in, file);
  if (csv.header().empty()) throw ConfigError(file, 1, 0, "", "empty scenarios file: expected a header row");
  const ColumnFields fields = map_header(csv.header(), file, *context.err);
  const PriceOption price = parse_price_option(context.catalog(), defaults.price);  // a bad --price: before any row
  std::vector<const GpuSpec*> gpus;  // the GPUs the rows use, for one warning per unused --price GPU=USD
  ScenarioResolver resolver(context, calibration);
  RowWriter writer(format, *context.out);
  // One row's state, reused: memory does not grow with the number of rows (except the text table's cells).
  CsvRecord record;
  ScenarioInput input;
  ScenarioRows rows(resolver);
  Estimate result;
  BandCache bands;  // rows share a handful of regimes
  int bad = 0;
  while (csv.next(record)) {
    input = defaults;
    EstimateRow row{&input, nullptr, nullptr, {}};
    try {
      const ScenarioResolver::Resolved& resolved = answer(record, csv.header(), fields, rows, input, result);
      row.resolved = &resolved;
      row.estimate = &result;
      row.bands = &bands.of(resolved);
      if (std::find(gpus.begin(), gpus.end(), resolved.gpu) == gpus.end()) gpus.push_back(resolved.gpu);
    } catch (const ConfigError& e) {
      ++bad;
      row.error = row_error(e);
      writer.flush();  // the rows before it are written before its message, as when each row was
      *context.err << fmt::format("{}:{}: error: {}\n", file, record.line, row.error);
    }
    writer.write(row);
  }
  writer.finish();
  print_warnings(unused_price_warnings(price, gpus), *context.err);
  return bad == 0 ? 0 : 2;
}

}  // namespace llmsizer::cli
