#include "io/csv_reader.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "io/config_error.hpp"

namespace llmsizer {
namespace {

bool blank(const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    if (f.find_first_not_of(" \t") != std::string::npos) return false;
  }
  return true;
}

constexpr int end_of_input = std::char_traits<char>::eof();
constexpr std::size_t buffer_bytes = std::size_t{1} << 16;

/// A field starts after these (outside quotes), and a quote opens a quoted field only there.
bool ends_field(char c) {
  return c == ',' || c == '\n' || c == '\r';
}

bool plain_outside_quotes(char c) {
  return c != ',' && c != '"' && c != '\n' && c != '\r';
}

}  // namespace

CsvReader::CsvReader(std::istream& in, std::string file)
    : in_(in.rdbuf()), buffer_(std::make_unique_for_overwrite<char[]>(buffer_bytes)), file_(std::move(file)) {
  // A UTF-8 byte-order mark before the header is not part of the first column's name.
  static constexpr char bom[] = "\xEF\xBB\xBF";
  while (end_ < 3 && fill()) {
  }
  if (end_ >= 3 && std::equal(bom, bom + 3, buffer_.get())) pos_ = 3;
  CsvRecord first;
  if (!read_record(first)) return;
  header_ = std::move(first.fields);
  header_starts_ = std::move(first.starts);
  for (std::string& h : header_) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
  }
}

bool CsvReader::next(CsvRecord& record) { return read_record(record); }

bool CsvReader::fill() {
  if (pos_ < end_) {  // keep what is unread (only the constructor asks with bytes left)
    if (end_ == buffer_bytes) return false;
    const std::streamsize got = in_->sgetn(buffer_.get() + end_, static_cast<std::streamsize>(buffer_bytes - end_));
    end_ += static_cast<std::size_t>(std::max<std::streamsize>(got, 0));
    return got > 0;
  }
  const std::streamsize got = in_->sgetn(buffer_.get(), static_cast<std::streamsize>(buffer_bytes));
  consumed_ += end_;
  pos_ = 0;
  end_ = static_cast<std::size_t>(std::max<std::streamsize>(got, 0));
  return end_ > 0;
}

int CsvReader::peek() {
  if (pos_ == end_ && !fill()) return end_of_input;
  return static_cast<unsigned char>(buffer_[pos_]);
}

/// One record: fields split at commas outside quotes, ended by a newline (LF, CR or CRLF) outside
/// quotes or by the end of input. Blank records are skipped.
bool CsvReader::read_record(CsvRecord& record) {
  for (;;) {
    std::size_t count = 0;
    if (record.fields.empty()) record.fields.emplace_back();
    std::string* field = &record.fields[0];
    field->clear();
    record.line = line_;
    bool quoted = false;
    int quote_line = 0;
    if (peek() == end_of_input) return false;
    record.starts.clear();
    record.starts.push_back(here());
    for (int c = peek(); c != end_of_input; c = peek()) {
      const char* run = buffer_.get() + pos_;
      const char* stop = buffer_.get() + end_;
      const char* at = run;
      if (quoted) {
        while (at != stop && *at != '"' && *at != '\n') ++at;
      } else {
        while (at != stop && plain_outside_quotes(*at)) ++at;
      }
      field->append(run, static_cast<std::size_t>(at - run));
      pos_ += static_cast<std::size_t>(at - run);
      if (at == stop) continue;
      c = static_cast<unsigned char>(*at);
      ++pos_;
      if (quoted) {
        if (c == '\n') {
          ++line_;
          line_start_ = consumed_ + pos_;
          *field += '\n';
        } else if (peek() == '"') {  // "" inside quotes
          *field += '"';
          ++pos_;
        } else {
          quoted = false;
        }
      } else if (c == '"') {
        if (field->empty()) {
          quoted = true;
          quote_line = line_;
        } else {
          *field += '"';
        }
      } else if (c == ',') {
        if (record.fields.size() <= ++count) record.fields.emplace_back();
        field = &record.fields[count];
        field->clear();
        record.starts.push_back(here());
      } else {  // a newline ends the record
        if (c == '\r' && peek() == '\n') ++pos_;
        ++line_;
        line_start_ = consumed_ + pos_;
        break;
      }
    }
    if (quoted) throw ConfigError(file_, quote_line, 0, "", "unterminated quoted field");
    record.fields.resize(count + 1);
    if (!blank(record.fields)) return true;
  }
}

bool CsvReader::skip_rest() {
  // read_record opens a quoted field at a quote while the field is still empty, which is exactly
  // when the quote follows a comma or a line end (or starts the input after the header): a closing
  // quote is never directly followed by another (that pair is a quote inside the field).
  bool quoted = false;
  bool at_field_start = true;  // the header ended with its line end (or the input ends here)
  for (;;) {
    if (pos_ == end_ && !fill()) return !quoted;
    const char* const block = buffer_.get();
    const char* const run = block + pos_;
    const char* const stop = block + end_;
    const auto* quote = static_cast<const char*>(std::memchr(run, '"', static_cast<std::size_t>(stop - run)));
    if (quote == nullptr) {
      if (!quoted) at_field_start = ends_field(stop[-1]);
      pos_ = end_;
      continue;
    }
    pos_ = static_cast<std::size_t>(quote - block) + 1;
    if (!quoted) {
      quoted = quote == run ? at_field_start : ends_field(quote[-1]);
      at_field_start = false;
    } else if (peek() == '"') {  // "" inside quotes
      ++pos_;
    } else {
      quoted = false;
    }
  }
}

CsvTable parse_csv(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  CsvReader reader(in, file);
  CsvTable table;
  table.header = reader.header();
  CsvRecord record;
  while (reader.next(record)) table.records.push_back(record);
  return table;
}

}  // namespace llmsizer
