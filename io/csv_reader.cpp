#include "io/csv_reader.hpp"

#include "io/config_error.hpp"

namespace llmsizer {
namespace {

bool blank(const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    if (f.find_first_not_of(" \t") != std::string::npos) return false;
  }
  return true;
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& file) {
  CsvTable table;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  int line = 1;
  int record_line = 1;
  int quote_line = 0;
  auto end_record = [&] {
    fields.push_back(std::move(field));
    field.clear();
    if (!blank(fields)) {
      if (table.header.empty() && table.records.empty()) table.header = std::move(fields);
      else table.records.push_back({record_line, std::move(fields)});
    }
    fields.clear();
  };
  size_t start = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 byte-order mark
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      quote_line = line;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
    } else {
      field += c;
    }
  }
  if (quoted) throw ConfigError(file, quote_line, 0, "", "unterminated quoted field");
  if (!field.empty() || !fields.empty()) end_record();
  for (std::string& h : table.header) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
  }
  return table;
}

}  // namespace llmsizer
