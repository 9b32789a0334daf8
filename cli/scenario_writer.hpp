// cli/scenario_writer.hpp — the writing side of `estimate --scenarios`: blocks of answered rows
// formatted (CSV, JSON, the text table's cells) and written in order, with each bad row's message on
// stderr after the rows before it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli/estimate_output.hpp"
#include "cli/estimate_row.hpp"
#include "io/json_object_text.hpp"

namespace llmsizer::cli {

/// One row as the writer needs it, owned: the resolver's shared parts change under the next rows,
/// and the rows are written on another thread while the next ones are answered.
struct AnsweredRow {
  int line = 0;
  int column = 0;       // of a bad row: where its offending field starts
  ScenarioInput input;  // as parsed (up to the bad field of a bad row)
  bool answered = false;
  ScenarioResolver::Resolved resolved;
  Estimate estimate;
  const RowBands* bands = nullptr;
  const std::optional<std::string>* basis_note = nullptr;  // of the row's GPU and price basis (BasisNoteCache)
  std::string error;                                       // a bad row's message (without file and line)
};

/// Rows answered as a block of this size are handed to the writer at once.
inline constexpr std::size_t block_rows = 256;

/// A block of answered rows and, once formatted, their text: CSV lines or JSON elements, with each
/// bad row's stderr message and where in `text` it goes (before that row's own line).
struct RowBlock {
  std::vector<AnsweredRow> rows = std::vector<AnsweredRow>(block_rows);
  std::size_t size = 0;
  std::size_t first_row = 0;  // the batch's index of rows[0] (set by RowPipeline::write)
  bool formatted = false;
  /// The text is the first `length` characters of `text`: a CSV block's is written into it as a
  /// buffer kept from block to block (CsvCellSink), not trimmed to the text.
  std::string text;
  std::size_t length = 0;
  std::vector<std::pair<std::size_t, std::string>> messages;  // offset in `text`, the message line
};

/// Formats blocks of rows as CSV or JSON. Holds nothing that changes: two threads may format two
/// blocks at once.
class BlockFormatter {
 public:
  BlockFormatter(ScenarioBatchFormat format, std::string file);
  /// The text before the first row: the CSV header line; empty for JSON and the table.
  [[nodiscard]] std::string head() const;
  /// `block`'s text and messages (CSV or JSON), replacing what it held; sets `formatted`.
  void format(RowBlock& block) const;
  /// The stderr line of a bad row.
  [[nodiscard]] std::string message(const AnsweredRow& row) const;

 private:
  void format_csv(RowBlock& block) const;

  ScenarioBatchFormat format_;
  std::string file_;
  JsonObjectText json_;  // the keys' text of every row
};

/// Writes blocks of answered rows in the order they are handed over, on a second thread (formatting
/// the rows costs about as much as answering them, docs/performance.md) or on the calling one. With
/// a second thread, a block handed over while the writer is still behind is formatted by the calling
/// thread itself, so both threads format; the writer then only writes its text. Blocks circulate
/// between a free and a handed-over queue. If the writer throws, free_block() returns no more blocks
/// to fill: the error is rethrown by free_block() or finish(); blocks handed over before the one that
/// failed are written.
class RowPipeline {
 public:
  RowPipeline(ScenarioBatchFormat format, const std::string& file, std::ostream& out, std::ostream& err,
              WriterThread thread);
  RowPipeline(const RowPipeline&) = delete;
  RowPipeline& operator=(const RowPipeline&) = delete;
  /// Stops the writer (an exception on the answering side ends the batch: the rows handed over are
  /// written, as each row was when it was written at once).
  ~RowPipeline();

  /// A block to fill; waits while the writer holds every one.
  RowBlock& free_block();
  /// Hands `block` (from free_block) to the writer; formats it here when the writer is behind.
  void write(RowBlock& block);
  /// Writes what is handed over and the end of the output; rethrows the writer's exception.
  void finish();

 private:
  void release(RowBlock& block);
  void stop();
  void write_handed_over();
  void emit(RowBlock& block);
  /// The text table's row of `answered` (its cells' text).
  void add_table_row(const AnsweredRow& answered);

  BlockFormatter formatter_;
  std::ostream& out_;
  std::ostream& err_;
  ScenarioBatchFormat format_;
  // The text table, printed by finish() (its columns are aligned over every row); used by the writer
  // only. Each row is kept as its cells' text, made as it comes (text_cell), not as Cells.
  std::vector<std::size_t> table_columns_;  // the estimate schema's columns the text table shows
  ResultTable table_;                       // the columns, with their text formats
  std::vector<std::vector<std::string>> table_text_;
  std::vector<bool> table_numbers_;  // whether a cell of each column held a number (aligned right)
  std::size_t rows_ = 0;             // rows handed over so far
  std::deque<RowBlock> blocks_;
  std::mutex mutex_;  // guards the queues, done_ and failure_
  std::condition_variable changed_;
  std::deque<RowBlock*> free_, handed_;
  bool done_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: started when the rest is built
};

}  // namespace llmsizer::cli
