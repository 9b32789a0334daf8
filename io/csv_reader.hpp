// io/csv_reader.hpp — RFC 4180 CSV with a header row, keeping each record's line number.
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace llmsizer {

/// Where a field starts: 1-based line and byte column (a field after a quoted line break is on a
/// later line than its record).
struct CsvPosition {
  int line = 0;
  int column = 0;
};

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
  std::vector<CsvPosition> starts;  // one per field
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;
};

/// Reads CSV one record at a time from a stream, holding only the current record (scenario files
/// of any length run in constant memory; docs/performance.md). Quoted fields may hold commas,
/// quotes ("") and newlines. Blank lines are skipped. An unterminated quote is a ConfigError at its
/// line. `file` is used in messages.
class CsvReader {
 public:
  CsvReader(std::istream& in, std::string file);
  /// The first non-blank record, its fields trimmed of spaces and tabs; empty for an empty input.
  [[nodiscard]] const std::vector<std::string>& header() const { return header_; }
  /// Where each header field starts, for messages about a column.
  [[nodiscard]] const std::vector<CsvPosition>& header_starts() const { return header_starts_; }
  /// The next non-blank record after the header into `record` (its buffers reused); false at the end.
  bool next(CsvRecord& record);
  /// Reads the rest of the input as next() would, without keeping any field: false when it ends
  /// inside a quoted field (next() would throw for it, naming the line where the quote opened). It
  /// looks at quotes only, so a long file is checked about as fast as it is read.
  [[nodiscard]] bool skip_rest();

 private:
  bool read_record(CsvRecord& record);
  /// Refills the buffer from the stream; false at the end of the input.
  bool fill();
  /// The next byte without taking it, or end_of_input.
  int peek();
  std::streambuf* in_;
  // The stream is read in blocks and fields are appended a run of plain characters at a time (a
  // character at a time through the streambuf was the slowest part of a long scenarios file).
  std::unique_ptr<char[]> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  std::string file_;
  std::vector<std::string> header_;
  std::vector<CsvPosition> header_starts_;
  int line_ = 1;
  std::size_t consumed_ = 0;    // bytes of the input before buffer_
  std::size_t line_start_ = 0;  // offset in the input where line_ starts
  /// Where the next byte is, as a field start.
  [[nodiscard]] CsvPosition here() const {
    return {line_, static_cast<int>(consumed_ + pos_ - line_start_) + 1};
  }
};

/// Parses CSV text (CsvReader over the whole text).
[[nodiscard]] CsvTable parse_csv(const std::string& text, const std::string& file);

}  // namespace llmsizer
