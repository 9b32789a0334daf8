// io/table.hpp — aligned text tables for people, CSV for programs.
#pragma once

#include <string>
#include <vector>

namespace llmsizer {

/// A column of every writer: the key programs read, its unit, and what it means.
struct Column {
  std::string key;
  std::string unit;
  std::string description;
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
[[nodiscard]] std::string csv_line(const std::vector<std::string>& fields);

/// Formatting helpers for tables: thousands separators and fixed significant digits.
[[nodiscard]] std::string with_commas(double value, int decimals = 0);
[[nodiscard]] std::string fixed(double value, int decimals);

}  // namespace llmsizer
