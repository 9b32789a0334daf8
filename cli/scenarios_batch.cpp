// `estimate --scenarios FILE.csv`: many scenarios, one per row, answered in order.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

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

/// A column name one or two typing slips from a known one ("concurency", "wieghts") is an error
/// naming the column where it starts; a name far from every known one (notes, labels) is a warning.
ColumnFields map_header(const CsvReader& csv, const std::string& file, std::ostream& err) {
  const std::vector<std::string>& header = csv.header();
  const std::vector<CsvPosition>& starts = csv.header_starts();
  ColumnFields fields;
  std::vector<std::string> unknown;
  std::vector<std::string> names;
  for (const ScenarioField& f : scenario_fields()) names.push_back(f.name);
  std::set<const ScenarioField*> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    const CsvPosition at = i < starts.size() ? starts[i] : CsvPosition{1, 0};
    const ScenarioField* f = find_scenario_field(name);
    if (f && !seen.insert(f).second) {
      throw ConfigError(file, at.line, at.column, name, "the column appears twice; which value would count is ambiguous");
    }
    if (!f) {
      // Extra columns (notes, labels) are fine; a near-miss of a known one is a typo that would
      // silently drop the setting.
      const std::string near = closest_match(name, names, std::max<int>(1, static_cast<int>(name.size()) / 4));
      if (!near.empty()) {
        throw ConfigError(file, at.line, at.column, name, fmt::format("unknown column; did you mean '{}'?", near));
      }
      unknown.push_back(name);
    }
    fields.push_back(f);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& u : unknown) list += (list.empty() ? "'" : ", '") + u + "'";
    err << fmt::format("{}:{}: warning: ignoring unknown column{} {}\n", printable(file),
                       starts.empty() ? 1 : starts.front().line, unknown.size() > 1 ? "s" : "",
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
  RowWriter(ScenarioBatchFormat format, std::ostream& out)
      : format_(format), out_(out), table_(header(), alignment()) {
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
    const Schema<EstimateRow>& schema = estimate_schema();
    if (format_ == ScenarioBatchFormat::csv) {
      // The text of csv_line(csv_text of each cell), each value put straight into the line.
      CsvCellSink sink(buffer_);
      for (size_t c = 0; c < columns_; ++c) {
        if (c > 0) buffer_ += ',';
        schema.write(row, c, sink);
      }
      buffer_ += '\n';
    } else if (format_ == ScenarioBatchFormat::json) {
      // The text of dump(2) of the whole array: each element indented one level deeper.
      buffer_ += rows_ == 0 ? "[\n  " : ",\n  ";
      append_json_object(
          buffer_, schema.columns(), json_keys_, [&](size_t c, CellSink& sink) { schema.write(row, c, sink); }, 2);
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
  /// Labels and flags left, figures right.
  static std::vector<Align> alignment() {
    const std::set<std::string> labels = {"id", "model", "gpu", "weights", "fits", "price_basis", "error"};
    std::vector<Align> align;
    for (const std::string& key : header()) align.push_back(labels.count(key) ? Align::left : Align::right);
    return align;
  }
  ScenarioBatchFormat format_;
  std::ostream& out_;
  TextTable table_;
  std::vector<size_t> index_ = table_columns();
  size_t columns_ = 0;
  std::string buffer_;       // rows not yet handed to the stream
  std::vector<size_t> json_keys_ = json_key_order(estimate_columns());
  size_t rows_ = 0;
};

/// One row as the writer needs it, owned: the resolver's shared parts change under the next rows,
/// and the rows are written on another thread while the next ones are answered.
struct AnsweredRow {
  int line = 0;
  int column = 0;  // of a bad row: where its offending field starts
  ScenarioInput input;  // as parsed (up to the bad field of a bad row)
  bool answered = false;
  ScenarioResolver::Resolved resolved;
  Estimate estimate;
  const RowBands* bands = nullptr;
  std::string error;  // a bad row's message (without file and line)
};

/// The scenario of one record into `row`: its cells over the command-line defaults, resolved and
/// estimated. Throws ConfigError naming the column.
void answer(const CsvRecord& record, const std::vector<std::string>& header, const ColumnFields& fields,
            ScenarioRows& rows, AnsweredRow& row) {
  if (record.fields.size() > fields.size()) {
    throw ConfigError("", fmt::format("{} fields but the header has {}", record.fields.size(), fields.size()));
  }
  for (size_t c = 0; c < record.fields.size(); ++c) {
    if (fields[c] && !record.fields[c].empty()) fields[c]->parse(row.input, record.fields[c], header[c]);
  }
  row.resolved = rows.resolve(row.input);  // assigned: the strings keep their capacity from row to row
  row.estimate = rows.estimate();          // rows of one deployment share its resolution and preparation
}

/// The column a bad row's error names: its option as the CSV column (--usd-per-gpu-hour is usd_per_gpu_hour).
std::string error_column_name(const ConfigError& e) {
  std::string where = e.path();
  if (!where.empty() && where.rfind("--", 0) == 0) {
    where = where.substr(2);
    std::replace(where.begin(), where.end(), '-', '_');
  }
  return where;
}

/// The message of a bad row, naming its column.
std::string row_error(const ConfigError& e) {
  const std::string where = error_column_name(e);
  return (where.empty() ? "" : where + ": ") + e.message();
}

/// Where in the file a bad row's error is: the field of the column it names, the first field past
/// the header's when the row has too many, else the row's start.
CsvPosition error_position(const ConfigError& e, const CsvRecord& record, const std::vector<std::string>& header,
                           const ColumnFields& fields) {
  const std::string where = error_column_name(e);
  for (size_t c = 0; c < record.starts.size() && c < header.size(); ++c) {
    if (!where.empty() && (header[c] == where || (fields[c] && fields[c]->name == where))) return record.starts[c];
  }
  if (record.fields.size() > header.size() && header.size() < record.starts.size()) return record.starts[header.size()];
  return record.starts.empty() ? CsvPosition{record.line, 1} : record.starts.front();
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

/// Rows answered as a block of this size are handed to the writer at once.
constexpr size_t block_rows = 256;
/// Blocks in circulation: one being filled, one being written, one spare so neither side waits.
constexpr size_t pipeline_blocks = 3;

struct RowBlock {
  std::vector<AnsweredRow> rows = std::vector<AnsweredRow>(block_rows);
  size_t size = 0;
};

/// Writes blocks of answered rows in the order they are handed over, on a second thread when the
/// machine has two hardware threads (formatting the rows costs about as much as answering them,
/// docs/performance.md), else at once. Blocks circulate between a free and a written queue. If the
/// writer throws, free_block() returns no more blocks to fill: the error is rethrown by finish().
class RowPipeline {
 public:
  RowPipeline(ScenarioBatchFormat format, const std::string& file, Context& context)
      : writer_(format, *context.out), file_(file), err_(*context.err), blocks_(pipeline_blocks) {
    for (RowBlock& b : blocks_) free_.push_back(&b);
    if (std::thread::hardware_concurrency() > 1) thread_ = std::thread([this] { write_handed_over(); });
  }
  RowPipeline(const RowPipeline&) = delete;
  RowPipeline& operator=(const RowPipeline&) = delete;
  /// Stops the writer (an exception on the answering side ends the batch: the rows handed over are
  /// written, as each row was when it was written at once).
  ~RowPipeline() { stop(); }

  /// A block to fill; waits while the writer holds every one.
  RowBlock& free_block() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !free_.empty() || failure_; });
    if (failure_) {
      lock.unlock();
      stop();
      std::rethrow_exception(failure_);
    }
    RowBlock* b = free_.front();
    free_.pop_front();
    return *b;
  }
  /// Hands `block` (from free_block) to the writer.
  void write(RowBlock& block) {
    if (!thread_.joinable()) {
      write_block(block);
      return release(block);
    }
    const std::lock_guard lock(mutex_);
    handed_.push_back(&block);
    changed_.notify_all();
  }
  /// Writes what is handed over and the end of the output; rethrows the writer's exception.
  void finish() {
    stop();
    if (failure_) std::rethrow_exception(failure_);
    writer_.finish();
  }

 private:
  void release(RowBlock& block) {
    const std::lock_guard lock(mutex_);
    free_.push_back(&block);
    changed_.notify_all();
  }
  void stop() {
    if (!thread_.joinable()) return;
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
      changed_.notify_all();
    }
    thread_.join();
  }
  void write_handed_over() {
    try {
      for (;;) {
        RowBlock* block = nullptr;
        {
          std::unique_lock lock(mutex_);
          changed_.wait(lock, [&] { return !handed_.empty() || done_; });
          if (handed_.empty()) return;
          block = handed_.front();
          handed_.pop_front();
        }
        write_block(*block);
        release(*block);
      }
    } catch (...) {
      const std::lock_guard lock(mutex_);
      failure_ = std::current_exception();
      changed_.notify_all();
    }
  }
  void write_block(const RowBlock& block) {
    for (size_t i = 0; i < block.size; ++i) {
      const AnsweredRow& row = block.rows[i];
      if (!row.answered) {
        writer_.flush();  // the rows before it are written before its message, as when each row was
        err_ << fmt::format("{}:{}:{}: error: {}\n", file_, row.line, row.column, row.error);
        writer_.write(EstimateRow{&row.input, nullptr, nullptr, row.error});
      } else {
        writer_.write(EstimateRow{&row.input, &row.resolved, &row.estimate, {}, row.bands});
      }
    }
  }

  RowWriter writer_;  // used by the writing thread only (this one when there is none)
  std::string file_;
  std::ostream& err_;
  std::deque<RowBlock> blocks_;
  std::mutex mutex_;  // guards the queues, done_ and failure_
  std::condition_variable changed_;
  std::deque<RowBlock*> free_, handed_;
  bool done_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: started when the rest is built
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
  const ColumnFields fields = map_header(csv, file, *context.err);
  const PriceOption price = parse_price_option(context.catalog(), defaults.price);  // a bad --price: before any row
  std::vector<const GpuSpec*> gpus;  // the GPUs the rows use, for one warning per unused --price GPU=USD
  std::set<std::string> bases;        // the price bases of the priced rows, for one warning if they differ
  ScenarioResolver resolver(context, calibration);
  ScenarioRows rows(resolver);
  BandCache bands;  // rows share a handful of regimes
  int bad = 0;
  // Rows are answered on this thread and written on another, a block at a time, in order; a bad row's
  // message is written after the rows before it. The blocks are reused: memory does not grow with
  // the number of rows (except the text table's cells).
  RowPipeline pipeline(format, file, context);
  CsvRecord record;
  for (bool more = true; more;) {
    RowBlock& block = pipeline.free_block();
    block.size = 0;
    try {
      while (block.size < block.rows.size() && (more = csv.next(record))) {
        AnsweredRow& row = block.rows[block.size];
        row.line = record.line;
        row.column = 0;
        row.input = defaults;
        row.answered = false;
        row.error.clear();
        try {
          answer(record, csv.header(), fields, rows, row);
          row.bands = &bands.of(row.resolved);
          row.answered = true;
          if (std::find(gpus.begin(), gpus.end(), row.resolved.gpu) == gpus.end()) gpus.push_back(row.resolved.gpu);
          if (row.resolved.usd_per_gpu_hour) bases.insert(row.resolved.price_basis);
        } catch (const ConfigError& e) {
          ++bad;
          row.error = row_error(e);
          const CsvPosition at = error_position(e, record, csv.header(), fields);
          row.line = at.line;
          row.column = at.column;
        }
        ++block.size;
      }
    } catch (...) {  // an internal error ends the batch; the rows before it are written
      pipeline.write(block);
      throw;
    }
    pipeline.write(block);
  }
  pipeline.finish();
  print_warnings(unused_price_warnings(price, gpus), *context.err);
  if (bases.size() > 1) {  // each row is priced as `estimate` prices its GPU alone (README, Prices)
    *context.err << fmt::format(
        "{}: warning: rows are priced on different bases ({}): each row as its GPU alone; --price BASIS "
        "(e.g. --price owned) puts every row on one\n",
        printable(file), fmt::join(bases, ", "));
  }
  return bad == 0 ? 0 : 2;
}

}  // namespace llmsizer::cli
