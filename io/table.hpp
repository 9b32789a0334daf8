// io/table.hpp — aligned text tables for people, CSV for programs.
#pragma once

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

/// An aligned text table: numbers right-aligned, text left-aligned, a rule under the header.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
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

}  // namespace llmsizer
