// io/result_table.hpp — one schema per result type, rendered by shared writers. A result table is
// columns ({key, unit, description, format}) and rows of typed cells; the text table, JSON, CSV and
// XLSX (io/xlsx_writer.hpp) all read it, so a quantity has one key and one number format everywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
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

/// The columns of a result type with how each reads its value from one `Row`: the schema is
/// declared once and every writer renders the table it builds.
template <class Row>
class Schema {
 public:
  using Getter = std::function<Cell(const Row&)>;
  void add(Column column, Getter getter) {
    columns_.push_back(std::move(column));
    getters_.push_back(std::move(getter));
  }
  [[nodiscard]] const std::vector<Column>& columns() const { return columns_; }
  [[nodiscard]] Cell value(const Row& row, std::size_t column) const { return getters_[column](row); }
  [[nodiscard]] std::vector<Cell> cells(const Row& row) const {
    std::vector<Cell> out;
    out.reserve(getters_.size());
    for (const Getter& g : getters_) out.push_back(g(row));
    return out;
  }
  /// An empty table with these columns; add rows with `table.rows.push_back(schema.cells(row))`.
  [[nodiscard]] ResultTable table() const { return {columns_, {}}; }

 private:
  std::vector<Column> columns_;
  std::vector<Getter> getters_;
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

/// Significant digits of every number in a CSV: 6, what `{:.6g}` and spreadsheets show, and finer
/// than any model input (calibration factors carry 2-3 digits), so no figure loses meaning.
inline constexpr int csv_significant_digits = 6;
/// The one CSV number format of every command: the value rounded to csv_significant_digits but never
/// above the units place, written as a plain decimal (no exponent, no trailing zeros): 0.1 + 0.2
/// reads 0.3, 172747.19999999998 reads 172747, and a parameter count 70553706496 stays whole.
[[nodiscard]] std::string csv_number(double value);
/// csv_number(value) appended to `out` (io/csv_number.cpp).
void append_csv_number(std::string& out, double value);
/// A count in full ("-12", "70553706496"), as std::to_string writes it, appended to `out`.
void append_csv_integer(std::string& out, std::int64_t value);
/// One CSV field: empty for null, true/false, integers in full, numbers by csv_number, notes joined by "; ".
[[nodiscard]] std::string csv_text(const Cell& cell);
/// csv_text(cell), quoted as a CSV field (csv_field), appended to `out`: one row of a long CSV is
/// written into one reused string, without a string per cell (docs/performance.md).
void append_csv_cell(std::string& out, const Cell& cell);
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

/// "tp8 pp1", with " dp4" and " ep8" only when they exceed 1.
[[nodiscard]] std::string layout_label(const Parallelism& parallel);

}  // namespace llmsizer
