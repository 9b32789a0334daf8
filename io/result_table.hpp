// io/result_table.hpp — one schema per result type, rendered by shared writers. A result table is
// columns ({key, unit, description, format}) and rows of typed cells; the text table, JSON, CSV and
// XLSX (io/xlsx_writer.hpp) all read it, so a quantity has one key and one number format everywhere.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "estimator/deployment.hpp"
#include "io/table.hpp"

namespace llmsizer {

/// One value of a result: absent (null), a flag, a count, a quantity in the column's unit, a label,
/// or a list of sentences (notes).
using Cell = std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<std::string>>;

/// The cell of an optional quantity: null when absent.
[[nodiscard]] Cell optional_cell(const std::optional<double>& value);

struct ResultTable {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  // each as long as `columns`

  /// The position of the column `key`; asserts that it exists.
  [[nodiscard]] std::size_t index(const std::string& key) const;
  [[nodiscard]] std::vector<std::string> keys() const;
};

/// Receives the value of one cell without a Cell being built: the writers of long outputs
/// (`estimate --scenarios`) put each value straight into their text, and CellValue builds the Cell
/// for the others. One call per cell.
class CellSink {
 public:
  virtual ~CellSink() = default;
  virtual void null() = 0;
  virtual void flag(bool value) = 0;
  virtual void count(std::int64_t value) = 0;
  virtual void number(double value) = 0;  // in the column's unit
  virtual void text(std::string_view value) = 0;
  virtual void list(const std::vector<std::string>& items) = 0;
  /// The value a Cell holds.
  void cell(const Cell& value);
  /// A value of a kind Cell can hold, by its C++ type (put_value).
  template <class T>
  void put(const T& value);
};

/// Puts a value of a kind Cell can hold into `sink`, by its C++ type: bool, an integer (a count), a
/// floating-point number, text, a list of strings, a Cell; std::optional of one is null when empty.
/// A template on the sink: with a final sink type (CsvCellSink) its calls are direct.
template <class Sink, class T>
void put_value(Sink& sink, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    sink.flag(value);
  } else if constexpr (std::is_integral_v<T>) {
    sink.count(static_cast<std::int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    sink.number(static_cast<double>(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    sink.text(std::string_view(value));
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    sink.list(value);
  } else if constexpr (std::is_same_v<T, Cell>) {
    sink.cell(value);
  } else if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, std::nullopt_t>) {
    sink.null();
  } else {
    if (value) {
      put_value(sink, *value);  // an optional
    } else {
      sink.null();
    }
  }
}

template <class T>
void CellSink::put(const T& value) {
  put_value(*this, value);
}

/// A CellSink that keeps the value as a Cell.
class CellValue final : public CellSink {
 public:
  Cell value;
  void null() override { value = std::monostate(); }
  void flag(bool v) override { value = v; }
  void count(std::int64_t v) override { value = v; }
  void number(double v) override { value = v; }
  void text(std::string_view v) override { value = std::string(v); }
  void list(const std::vector<std::string>& items) override { value = items; }
};

/// The columns of a result type with how each reads its value from one `Row`: the schema is
/// declared once and every writer renders the table it builds. A column reads its value either
/// into a Cell (Getter) or into a CellSink (Writer: no Cell, string or allocation per value, for the
/// schemas whose rows are written by the hundred thousand).
template <class Row>
class Schema {
 public:
  using Getter = std::function<Cell(const Row&)>;
  using Writer = std::function<void(const Row&, CellSink&)>;
  void add(Column column, Getter getter) {
    add(std::move(column), Writer([getter = std::move(getter)](const Row& row, CellSink& sink) { sink.cell(getter(row)); }));
  }
  void add(Column column, Writer writer) {
    columns_.push_back(std::move(column));
    writers_.push_back(std::move(writer));
  }
  [[nodiscard]] const std::vector<Column>& columns() const { return columns_; }
  /// Puts the value of `column` for `row` into `sink`.
  void write(const Row& row, std::size_t column, CellSink& sink) const { writers_[column](row, sink); }
  [[nodiscard]] Cell value(const Row& row, std::size_t column) const {
    CellValue sink;
    writers_[column](row, sink);
    return std::move(sink.value);
  }
  [[nodiscard]] std::vector<Cell> cells(const Row& row) const {
    std::vector<Cell> out;
    out.reserve(writers_.size());
    for (std::size_t c = 0; c < writers_.size(); ++c) out.push_back(value(row, c));
    return out;
  }
  /// An empty table with these columns; add rows with `table.rows.push_back(schema.cells(row))`.
  [[nodiscard]] ResultTable table() const { return {columns_, {}}; }

 private:
  std::vector<Column> columns_;
  std::vector<Writer> writers_;
};

/// JSON of one cell: null, boolean, integer, number, string or array of strings.
[[nodiscard]] nlohmann::json json_value(const Cell& cell);
/// One row as an object keyed by column key.
[[nodiscard]] nlohmann::json json_object(const ResultTable& table, std::size_t row);
/// The rows as an array of objects.
[[nodiscard]] nlohmann::json json_rows(const ResultTable& table);

/// The columns in the order a JSON object lists its keys: sorted, as json_object's (nlohmann::json
/// keeps an object's keys in a std::map).
[[nodiscard]] std::vector<std::size_t> json_key_order(const std::vector<Column>& columns);
/// json_object(...).dump(2) of one row, appended to `out` without building the JSON value (a long
/// `estimate --scenarios --json` writes every row through it; docs/performance.md): `cells[c]` is
/// column c's value, keys in `key_order`, and every line after the first indented `indent` more spaces.
void append_json_object(std::string& out, const std::vector<Column>& columns, const std::vector<std::size_t>& key_order,
                        const std::vector<Cell>& cells, int indent);

/// append_json_object's text with column c's value put into a sink by `write(c, sink)` (the
/// sink writes JSON at the object's depth): a long `estimate --scenarios --json` writes every row
/// through it, without a Cell per value.
void append_json_object(std::string& out, const std::vector<Column>& columns, const std::vector<std::size_t>& key_order,
                        const std::function<void(std::size_t, CellSink&)>& write, int indent);

/// Significant digits of every number in a CSV: 6, what `{:.6g}` and spreadsheets show, and finer
/// than any model input (calibration factors carry 2-3 digits), so no figure loses meaning.
inline constexpr int csv_significant_digits = 6;
/// The one CSV number format of every command: the value rounded to csv_significant_digits but never
/// above the units place, written as a plain decimal (no exponent, no trailing zeros): 0.1 + 0.2
/// reads 0.3, 172747.19999999998 reads 172747, and a parameter count 70553706496 stays whole.
[[nodiscard]] std::string csv_number(double value);
/// csv_number(value) appended to `out` (io/csv_number.cpp).
void append_csv_number(std::string& out, double value);
/// The most characters write_csv_number writes.
inline constexpr std::size_t csv_number_room = 48;
/// csv_number(value) written from `out` (room for csv_number_room characters): the end; nullptr, with
/// nothing meant, for a value only append_csv_number writes (infinite, NaN, or past 2^64 at its decimals).
[[nodiscard]] char* write_csv_number(char* out, double value);
/// A count in full ("-12", "70553706496"), as std::to_string writes it, appended to `out`.
void append_csv_integer(std::string& out, std::int64_t value);
/// The most characters write_csv_integer writes.
inline constexpr std::size_t csv_integer_room = 20;
/// append_csv_integer's text written from `out`; the end.
[[nodiscard]] char* write_csv_integer(char* out, std::int64_t value);
/// One CSV field: empty for null, true/false, integers in full, numbers by csv_number, notes joined by "; ".
[[nodiscard]] std::string csv_text(const Cell& cell);
/// csv_text(cell), quoted as a CSV field (csv_field), appended to `out`: one row of a long CSV is
/// written into one reused string, without a string per cell (docs/performance.md).
void append_csv_cell(std::string& out, const Cell& cell);
/// A CellSink appending each value to `out` as append_csv_cell writes it (fields are not separated;
/// separator() puts a comma or a line end). It writes through a cursor into room it keeps at the end
/// of `out` (no resize per value): `out` holds the text, with nothing after it, once the sink is
/// destroyed, and is not to be touched while the sink lives. Its methods are defined here and the
/// class is final, so a column written through a CsvCellSink& calls them directly (the estimate
/// schema's CSV rows, cli/estimate_row.hpp).
class CsvCellSink final : public CellSink {
 public:
  explicit CsvCellSink(std::string& out);
  /// A sink writing from the start of `buffer`, kept between uses as it is (a scenarios batch's
  /// blocks): the text is its first `length` characters once the sink is destroyed, and the buffer is
  /// not trimmed, so the next sink does not zero-fill its room again.
  CsvCellSink(std::string& buffer, std::size_t& length);
  ~CsvCellSink() override {
    if (length_) {
      *length_ = size();
    } else {
      out_.resize(size());
    }
  }
  CsvCellSink(const CsvCellSink&) = delete;
  CsvCellSink& operator=(const CsvCellSink&) = delete;
  void null() override {}
  void flag(bool value) override { raw(value ? std::string_view("true") : std::string_view("false")); }
  void count(std::int64_t value) override {
    room(csv_integer_room);
    at_ = write_csv_integer(at_, value);
  }
  void number(double value) override {
    room(csv_number_room);
    if (char* end = write_csv_number(at_, value)) {
      at_ = end;
    } else {
      wide_number(value);
    }
  }
  void text(std::string_view value) override;
  void list(const std::vector<std::string>& items) override;
  /// The length of the text written so far into `out`.
  [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(at_ - out_.data()); }
  /// A field separator or line end: ',' or '\n'.
  void separator(char c) {
    room(1);
    *at_++ = c;
  }

 private:
  void raw(std::string_view text) {
    if (text.empty()) return;  // its data() may be null
    room(text.size());
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void room(std::size_t characters) {
    if (static_cast<std::size_t>(end_ - at_) < characters) grow(characters);
  }
  void grow(std::size_t characters);
  void wide_number(double value);

  std::string& out_;
  char* at_;   // the end of the text written
  char* end_;  // of the room: out_.data() + out_.size()
  std::size_t* length_ = nullptr;  // where the text's length goes, for a buffer kept as it is
};
/// Header of column keys, then one line per row (RFC 4180 quoting).
[[nodiscard]] std::string csv_document(const ResultTable& table);

/// The text of one cell under `format`: "-" for null, yes/no for flags, notes joined by "; ".
[[nodiscard]] std::string text_cell(const Cell& cell, const CellFormat& format);
/// The text cells of one row for the given columns, in that order.
[[nodiscard]] std::vector<std::string> text_cells(const ResultTable& table, std::size_t row,
                                                  const std::vector<std::size_t>& columns);
/// 0, 1, ..., columns - 1: every column, for text_cells.
[[nodiscard]] std::vector<std::size_t> all_columns(const ResultTable& table);
/// An aligned text table of every column, headed by each column's header().
[[nodiscard]] std::string text_document(const ResultTable& table);
/// text_document's text of rows whose cells are already text_cell's (a long `estimate --scenarios`
/// keeps text, not Cells): `numbers[c]` says whether a row's cell of column c held a number or a
/// count (text_alignment: right-aligned).
[[nodiscard]] std::string text_document(const std::vector<Column>& columns, std::vector<std::vector<std::string>> rows,
                                        const std::vector<bool>& numbers);
/// Whether `cell` holds a number or a count (text_alignment aligns such columns right).
[[nodiscard]] inline bool is_number(const Cell& cell) {
  return std::holds_alternative<std::int64_t>(cell) || std::holds_alternative<double>(cell);
}
/// The text alignment of `columns`: right for a column of numbers or counts, left for labels, flags
/// and notes (TextTable).
[[nodiscard]] std::vector<Align> text_alignment(const ResultTable& table, const std::vector<std::size_t>& columns);

/// "tp8 pp1", with " dp4" and " ep8" only when they exceed 1.
[[nodiscard]] std::string layout_label(const Parallelism& parallel);

}  // namespace llmsizer
