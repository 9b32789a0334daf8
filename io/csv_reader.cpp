#include "io/csv_reader.hpp"

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

}  // namespace

CsvReader::CsvReader(std::istream& in, std::string file) : in_(in.rdbuf()), file_(std::move(file)) {
  // A UTF-8 byte-order mark before the header is not part of the first column's name.
  static constexpr char bom[] = "\xEF\xBB\xBF";
  int matched = 0;
  while (matched < 3 && in_->sgetc() == static_cast<unsigned char>(bom[matched])) {
    in_->sbumpc();
    ++matched;
  }
  if (matched > 0 && matched < 3) in_->pubseekoff(-matched, std::ios_base::cur);
  CsvRecord first;
  if (!read_record(first)) return;
  header_ = std::move(first.fields);
  for (std::string& h : header_) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
  }
}

bool CsvReader::next(CsvRecord& record) { return read_record(record); }

/// One record: fields split at commas outside quotes, ended by a newline (LF, CR or CRLF) outside
/// quotes or by the end of input. Blank records are skipped.
bool CsvReader::read_record(CsvRecord& record) {
  for (;;) {
    std::size_t count = 0;
    auto field = [&]() -> std::string& {
      if (record.fields.size() <= count) record.fields.emplace_back();
      return record.fields[count];
    };
    field().clear();
    record.line = line_;
    bool quoted = false;
    int quote_line = 0;
    int c = in_->sbumpc();
    if (c == end_of_input) return false;
    for (; c != end_of_input; c = in_->sbumpc()) {
      if (quoted) {
        if (c == '"' && in_->sgetc() == '"') {
          field() += '"';
          in_->sbumpc();
        } else if (c == '"') {
          quoted = false;
        } else {
          if (c == '\n') ++line_;
          field() += static_cast<char>(c);
        }
        continue;
      }
      if (c == '"' && field().empty()) {
        quoted = true;
        quote_line = line_;
      } else if (c == ',') {
        ++count;
        field().clear();
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && in_->sgetc() == '\n') in_->sbumpc();
        ++line_;
        break;
      } else {
        field() += static_cast<char>(c);
      }
    }
    if (quoted) throw ConfigError(file_, quote_line, 0, "", "unterminated quoted field");
    record.fields.resize(count + 1);
    if (!blank(record.fields)) return true;
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
