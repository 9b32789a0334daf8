// io/csv_reader.hpp — RFC 4180 CSV with a header row, keeping each record's line number.
#pragma once

#include <string>
#include <vector>

namespace llmsizer {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;
};

/// Parses CSV text. Quoted fields may hold commas, quotes ("") and newlines. Blank lines are
/// skipped. An unterminated quote is a ConfigError at its line. `file` is used in messages.
[[nodiscard]] CsvTable parse_csv(const std::string& text, const std::string& file);

}  // namespace llmsizer
