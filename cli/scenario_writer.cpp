// The writing side of `estimate --scenarios` (cli/scenario_writer.hpp).
#include "cli/scenario_writer.hpp"

#include <fmt/format.h>

#include <ostream>

namespace llmsizer::cli {
namespace {

/// Blocks in circulation: one being filled, one being written, and spares so that neither side
/// waits while the other finishes a block.
constexpr std::size_t pipeline_blocks = 4;
/// Handed-over blocks the writer has not started that make the answering thread format the next block
/// itself. One would have it format whenever the writer is in the middle of a block; two balance the
/// threads closer (the writer's time per block is about 1.5 times the answering's).
constexpr std::size_t behind_blocks = 2;

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

/// The text table's columns: the estimate schema's, with their text formats.
ResultTable table_of(const std::vector<size_t>& index) {
  ResultTable table;
  for (size_t i : index) table.columns.push_back(estimate_columns()[i]);
  return table;
}

/// The row as the schema's columns read it.
EstimateRow estimate_row(const AnsweredRow& row) {
  if (!row.answered) return EstimateRow{&row.input, nullptr, nullptr, row.error};
  return EstimateRow{&row.input, &row.resolved, &row.estimate, {}, row.bands, row.basis_note};
}

void write_text(std::ostream& out, std::string_view text) {
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

BlockFormatter::BlockFormatter(ScenarioBatchFormat format, std::string file)
    : format_(format), file_(std::move(file)), json_(estimate_columns(), json_key_order(estimate_columns()), 2) {}

std::string BlockFormatter::head() const {
  if (format_ != ScenarioBatchFormat::csv) return {};
  std::vector<std::string> keys;
  for (const Column& c : estimate_columns()) keys.push_back(c.key);
  return csv_line(keys);
}

std::string BlockFormatter::message(const AnsweredRow& row) const {
  return fmt::format("{}:{}:{}: error: {}\n", file_, row.line, row.column, row.error);
}

void BlockFormatter::format(RowBlock& block) const {
  block.messages.clear();
  if (format_ == ScenarioBatchFormat::csv) return format_csv(block);
  block.text.clear();
  const Schema<EstimateRow>& schema = estimate_schema();
  for (size_t i = 0; i < block.size; ++i) {
    const AnsweredRow& answered = block.rows[i];
    // A bad row's message goes after the rows before it, as when each row was written at once.
    if (!answered.answered) block.messages.emplace_back(block.text.size(), message(answered));
    const EstimateRow row = estimate_row(answered);
    // The text of dump(2) of the whole array: each element indented one level deeper.
    block.text += block.first_row + i == 0 ? "[\n  " : ",\n  ";
    json_.append(block.text, [&](size_t c, CellSink& sink) { schema.write(row, c, sink); });
  }
  block.length = block.text.size();
  block.formatted = true;
}

void BlockFormatter::format_csv(RowBlock& block) const {
  {
    // The text of csv_line(csv_text of each cell), each value put straight into the line.
    CsvCellSink sink(block.text, block.length);
    for (size_t i = 0; i < block.size; ++i) {
      const AnsweredRow& answered = block.rows[i];
      if (!answered.answered) block.messages.emplace_back(sink.size(), message(answered));
      write_estimate_csv(estimate_row(answered), sink);
      sink.separator('\n');
    }
  }  // the sink leaves the text's length in block.length
  block.formatted = true;
}

WriterThread default_writer_thread() {
  return std::thread::hardware_concurrency() > 1 ? WriterThread::separate : WriterThread::none;
}

RowPipeline::RowPipeline(ScenarioBatchFormat format, const std::string& file, std::ostream& out, std::ostream& err,
                         WriterThread thread)
    : formatter_(format, file),
      out_(out),
      err_(err),
      format_(format),
      table_columns_(table_columns()),
      table_(table_of(table_columns_)),
      table_numbers_(table_columns_.size(), false),
      blocks_(pipeline_blocks) {
  write_text(out_, formatter_.head());
  for (RowBlock& b : blocks_) free_.push_back(&b);
  if (thread == WriterThread::separate) thread_ = std::thread([this] { write_handed_over(); });
}

RowPipeline::~RowPipeline() {
  stop();
}

RowBlock& RowPipeline::free_block() {
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

void RowPipeline::write(RowBlock& block) {
  block.first_row = rows_;
  block.formatted = false;
  rows_ += block.size;
  if (!thread_.joinable()) {
    emit(block);
    return release(block);
  }
  bool behind = false;  // blocks handed over earlier wait: the writer has more than it can do
  {
    const std::lock_guard lock(mutex_);
    behind = handed_.size() >= behind_blocks;
  }
  if (behind && format_ != ScenarioBatchFormat::table) formatter_.format(block);
  const std::lock_guard lock(mutex_);
  handed_.push_back(&block);
  changed_.notify_all();
}

void RowPipeline::finish() {
  stop();
  if (failure_) std::rethrow_exception(failure_);
  if (format_ == ScenarioBatchFormat::json) write_text(out_, rows_ == 0 ? "[]\n" : "\n]\n");
  // Aligned and formatted as every text table: by what each column holds and its text format.
  if (format_ == ScenarioBatchFormat::table) {
    write_text(out_, text_document(table_.columns, std::move(table_text_), table_numbers_));
  }
}

void RowPipeline::release(RowBlock& block) {
  const std::lock_guard lock(mutex_);
  free_.push_back(&block);
  changed_.notify_all();
}

void RowPipeline::stop() {
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }
  thread_.join();
}

void RowPipeline::write_handed_over() {
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
      emit(*block);
      release(*block);
    }
  } catch (...) {
    const std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
    changed_.notify_all();
  }
}

void RowPipeline::emit(RowBlock& block) {
  if (format_ == ScenarioBatchFormat::table) {
    for (size_t i = 0; i < block.size; ++i) {
      if (!block.rows[i].answered) err_ << formatter_.message(block.rows[i]);
      add_table_row(block.rows[i]);
    }
    return;
  }
  if (!block.formatted) formatter_.format(block);
  const std::string_view text(block.text.data(), block.length);
  size_t written = 0;
  for (const auto& [offset, message] : block.messages) {
    write_text(out_, text.substr(written, offset - written));
    err_ << message;
    written = offset;
  }
  write_text(out_, text.substr(written));
}

void RowPipeline::add_table_row(const AnsweredRow& answered) {
  const Schema<EstimateRow>& schema = estimate_schema();
  const EstimateRow row = estimate_row(answered);
  std::vector<std::string>& cells = table_text_.emplace_back();
  cells.reserve(table_columns_.size());
  for (size_t i = 0; i < table_columns_.size(); ++i) {
    const Cell cell = schema.value(row, table_columns_[i]);
    if (is_number(cell)) table_numbers_[i] = true;
    cells.push_back(text_cell(cell, table_.columns[i].format));
  }
}

}  // namespace llmsizer::cli
