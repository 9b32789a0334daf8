// io/table.hpp — aligned text tables for people, CSV for programs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer {

/// How the text table shows a number with `decimals` digits: with thousands separators (commas),
/// also with a leading "$" (money), times 100 with a trailing "%" (percent), without separators
/// (plain: years, datasheet figures), or over 1e9 with a trailing "B" (billions: parameter counts).
/// CSV, JSON and XLSX keep the full value.
enum class NumberStyle : unsigned char { commas, money, percent, plain, billions };
struct CellFormat {
  NumberStyle style = NumberStyle::commas;
  int decimals = 0;
};

/// A column of every writer: the key programs read, its unit, what it means, how text shows it,
/// and the text table's header when it is not the key.
struct Column {
  std::string key;
  std::string unit;
  std::string description;
  CellFormat format{};
  std::string label{};
  [[nodiscard]] const std::string& header() const { return label.empty() ? key : label; }
};

/// How a text table aligns the cells of a column (or of a row, in a table of one metric per row):
/// numbers right, text left, by what the column holds, never by what a cell starts with ("2 GPUs"
/// is text).
enum class Align : unsigned char { left, right };

/// An aligned text table with a rule under the header; headers are left-aligned.
class TextTable {
 public:
  /// `align` per column; columns beyond it are left-aligned (text).
  explicit TextTable(std::vector<std::string> headers, std::vector<Align> align = {})
      : headers_(std::move(headers)), align_(std::move(align)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back({std::move(cells), std::nullopt}); }
  /// A row of a table of one metric per row: its first cell (the label) left, the others `values`.
  void add_row(std::vector<std::string> cells, Align values) { rows_.push_back({std::move(cells), values}); }
  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool empty() const { return rows_.empty(); }

 private:
  struct Row {
    std::vector<std::string> cells;
    std::optional<Align> values;  // set: the row's alignment after its label, not the columns'
  };
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<Row> rows_;
};

/// RFC 4180 quoting of one CSV field.
[[nodiscard]] std::string csv_field(const std::string& text);
/// csv_field(text) appended to `out` (no temporary string: writers that stream rows reuse one line).
void append_csv_field(std::string& out, std::string_view text);
[[nodiscard]] std::string csv_line(const std::vector<std::string>& fields);

/// Formatting helpers for tables: thousands separators and fixed significant digits.
/// `value` with thousands separators and `decimals` decimals, more where a nonzero value would read 0.
[[nodiscard]] std::string with_commas(double value, int decimals = 0);
[[nodiscard]] std::string fixed(double value, int decimals);
/// A dollar figure as every text output shows it: "$" and with_commas, with `decimals` decimals below
/// $1,000 and none from $1,000 up (a cent, let alone a tenth of one, on thousands is noise):
/// $1.922, $0.415, $25,257, $31,200,000.
[[nodiscard]] std::string money_text(double usd, int decimals);

}  // namespace llmsizer
