// `estimate --scenarios FILE.csv`: many scenarios, one per row, answered in order.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "cli/command.hpp"
#include "cli/estimate_output.hpp"
#include "cli/scenario_writer.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/did_you_mean.hpp"
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
      throw ConfigError(file, at.line, at.column, name,
                        "the column appears twice; which value would count is ambiguous");
    }
    if (!f) {
      // Extra columns (notes, labels) are fine; a near-miss of a known one is a typo that would
      // silently drop the setting.
      const std::string near = closest_match(name, names, std::max<int>(1, static_cast<int>(name.size()) / 4));
      if (!near.empty()) {
        throw ConfigError(file, at.line, at.column, name, "unknown column" + did_you_mean(near));
      }
      unknown.push_back(name);
    }
    fields.push_back(f);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& u : unknown) list += (list.empty() ? "'" : ", '") + u + "'";
    err << fmt::format("{}:{}: warning: ignoring unknown column{} {}\n", printable(file),
                       starts.empty() ? 1 : starts.front().line, unknown.size() > 1 ? "s" : "", printable(list));
  }
  return fields;
}

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

/// Adds `value` to `seen` unless it is there (a few GPUs or price bases: a scan beats a tree).
template <class T>
void note_once(std::vector<T>& seen, const T& value) {
  if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
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
                  ScenarioBatchFormat format, Context& context, WriterThread thread) {
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
  std::vector<std::string> bases;    // the price bases of the priced rows, for one warning if they differ
  ScenarioResolver resolver(context, calibration);
  ScenarioRows rows(resolver);
  BandCache bands;             // rows share a handful of regimes
  BasisNoteCache basis_notes;  // and of GPUs and price bases
  int bad = 0;
  // Rows are answered on this thread and written on another, a block at a time, in order; a bad row's
  // message is written after the rows before it. The blocks are reused: memory does not grow with
  // the number of rows (except the text table's cells).
  RowPipeline pipeline(format, file, *context.out, *context.err, thread);
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
          row.basis_note = &basis_notes.of(*row.resolved.gpu, row.resolved.price_basis);
          row.answered = true;
          note_once(gpus, row.resolved.gpu);
          if (row.resolved.usd_per_gpu_hour) note_once(bases, row.resolved.price_basis);
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
    std::sort(bases.begin(), bases.end());
    *context.err << fmt::format(
        "{}: warning: rows are priced on different bases ({}): each row as its GPU alone; --price BASIS "
        "(e.g. --price owned) puts every row on one\n",
        printable(file), fmt::join(bases, ", "));
  }
  return bad == 0 ? 0 : 2;
}

}  // namespace llmsizer::cli
