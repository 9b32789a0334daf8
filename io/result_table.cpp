#include "io/result_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

#include "io/json_object_text.hpp"

namespace llmsizer {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : "; ") + item;
  return text;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

constexpr double per_billion = 1e9;  // parameter counts read in billions

std::string number_text(double value, const CellFormat& format) {
  switch (format.style) {
    case NumberStyle::money:
      return money_text(value, format.decimals);
    case NumberStyle::percent: return fixed(value * 100, format.decimals) + "%";
    case NumberStyle::plain: return fixed(value, format.decimals);
    case NumberStyle::billions: return fixed(value / per_billion, format.decimals) + "B";
    case NumberStyle::commas: break;
  }
  return with_commas(value, format.decimals);
}

}  // namespace

Cell optional_cell(const std::optional<double>& value) {
  return value ? Cell(*value) : Cell();
}

std::size_t ResultTable::index(const std::string& key) const {
  const auto at = std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.key == key; });
  assert(at != columns.end());
  return static_cast<std::size_t>(at - columns.begin());
}

std::vector<std::string> ResultTable::keys() const {
  std::vector<std::string> out;
  out.reserve(columns.size());
  for (const Column& c : columns) out.push_back(c.key);
  return out;
}

nlohmann::json json_value(const Cell& cell) {
  return std::visit(Overloaded{[](std::monostate) { return nlohmann::json(nullptr); },
                               [](const auto& value) { return nlohmann::json(value); }},
                    cell);
}

nlohmann::json json_object(const ResultTable& table, std::size_t row) {
  nlohmann::json object = nlohmann::json::object();
  for (std::size_t c = 0; c < table.columns.size(); ++c) object[table.columns[c].key] = json_value(table.rows[row][c]);
  return object;
}

nlohmann::json json_rows(const ResultTable& table) {
  nlohmann::json array = nlohmann::json::array();
  for (std::size_t r = 0; r < table.rows.size(); ++r) array.push_back(json_object(table, r));
  return array;
}

std::vector<std::size_t> json_key_order(const std::vector<Column>& columns) {
  std::vector<std::size_t> order = all_columns(ResultTable{columns, {}});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return columns[a].key < columns[b].key; });
  return order;
}

namespace {

/// Whether a character goes into a JSON string as it is: printable ASCII but '"' and '\\'.
constexpr bool plain_json_character(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
}

/// Whether every character of `text` is plain_json_character, eight at a time (a scenarios batch's
/// JSON writes some thirty strings a row, the band basis some 450 characters): a byte is not plain
/// when its high bit is set, when it is below 0x20 (subtracting 0x20 borrows into its high bit), or
/// when it equals '"' or '\\' (zero after an exclusive or). Each test is exact for the word as a
/// whole, which is all that is asked.
bool plain_json_text(std::string_view text) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const auto has_zero_byte = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, text.data() + i, 8);
    const std::uint64_t control = (w - 0x20 * ones) & ~w & highs;
    if (((w & highs) | control | has_zero_byte(w ^ ('"' * ones)) | has_zero_byte(w ^ ('\\' * ones))) != 0) return false;
  }
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(), plain_json_character);
}

/// nlohmann::json's dump of a string: quotes, \" \\ \b \f \n \r \t, \u00xx for other control
/// characters. Text beyond ASCII goes through nlohmann itself (it checks the UTF-8 and throws as before).
void append_json_string(std::string& out, std::string_view text) {
  if (plain_json_text(text)) {  // names, keys, most notes: one pass
    out += '"';
    out += text;
    out += '"';
    return;
  }
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    out += nlohmann::json(std::string(text)).dump();
    return;
  }
  out += '"';
  std::size_t plain = 0;  // start of the run of characters that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += fmt::format("\\u{:04x}", c);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  std::array<char, 64> text;  // nlohmann's own number buffer is 64 characters
  const char* end = nlohmann::detail::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), static_cast<std::size_t>(end - text.data()));
}

/// Writes each value as nlohmann::json's dump(2) does at `indent` (lists one item a line, deeper).
class JsonCellSink final : public CellSink {
 public:
  JsonCellSink(std::string& out, int indent) : out_(out), indent_(indent) {}
  void null() override { out_ += "null"; }
  void flag(bool value) override { out_ += value ? "true" : "false"; }
  void count(std::int64_t value) override { append_csv_integer(out_, value); }  // the same digits
  void number(double value) override { append_json_number(out_, value); }
  void text(std::string_view value) override { append_json_string(out_, value); }
  void list(const std::vector<std::string>& items) override {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_ += "[\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
      out_.append(static_cast<std::size_t>(indent_) + 2, ' ');
      append_json_string(out_, items[i]);
      out_ += i + 1 < items.size() ? ",\n" : "\n";
    }
    out_.append(static_cast<std::size_t>(indent_), ' ');
    out_ += ']';
  }

 private:
  std::string& out_;
  int indent_;
};

}  // namespace

void CellSink::cell(const Cell& value) {
  std::visit(Overloaded{[&](std::monostate) { null(); }, [&](bool flag_value) { flag(flag_value); },
                        [&](std::int64_t count_value) { count(count_value); },
                        [&](double number_value) { number(number_value); },
                        [&](const std::string& text_value) { text(text_value); },
                        [&](const std::vector<std::string>& items) { list(items); }},
             value);
}

JsonObjectText::JsonObjectText(const std::vector<Column>& columns, const std::vector<std::size_t>& key_order,
                               int indent)
    : order_(key_order), indent_(indent) {
  if (order_.empty()) {
    end_ = "{}";
    return;
  }
  for (std::size_t i = 0; i < order_.size(); ++i) {
    std::string before = i == 0 ? "{\n" : ",\n";
    before.append(static_cast<std::size_t>(indent) + 2, ' ');
    append_json_string(before, columns[order_[i]].key);
    before += ": ";
    before_.push_back(std::move(before));
  }
  end_ = "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "}";
}

void JsonObjectText::append(std::string& out, const std::function<void(std::size_t, CellSink&)>& write) const {
  JsonCellSink sink(out, indent_ + 2);
  for (std::size_t i = 0; i < order_.size(); ++i) {
    out += before_[i];
    write(order_[i], sink);
  }
  out += end_;
}

void append_json_object(std::string& out, const std::vector<Column>& columns, const std::vector<std::size_t>& key_order,
                        const std::function<void(std::size_t, CellSink&)>& write, int indent) {
  JsonObjectText(columns, key_order, indent).append(out, write);
}

void append_json_object(std::string& out, const std::vector<Column>& columns, const std::vector<std::size_t>& key_order,
                        const std::vector<Cell>& cells, int indent) {
  append_json_object(
      out, columns, key_order, [&](std::size_t c, CellSink& sink) { sink.cell(cells[c]); }, indent);
}

std::string csv_text(const Cell& cell) {
  return std::visit(
      Overloaded{[](std::monostate) { return std::string(); },
                 [](bool flag) { return std::string(flag ? "true" : "false"); },
                 [](std::int64_t count) { return std::to_string(count); },
                 [](double value) { return csv_number(value); }, [](const std::string& text) { return text; },
                 [](const std::vector<std::string>& items) { return joined(items); }},
      cell);
}

void append_csv_cell(std::string& out, const Cell& cell) {
  CsvCellSink(out).cell(cell);
}

std::string csv_document(const ResultTable& table) {
  std::string out = csv_line(table.keys());
  std::vector<std::string> fields(table.columns.size());
  for (const std::vector<Cell>& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) fields[c] = csv_text(row[c]);
    out += csv_line(fields);
  }
  return out;
}

std::string text_cell(const Cell& cell, const CellFormat& format) {
  return std::visit(
      Overloaded{[](std::monostate) { return std::string("-"); },
                 [](bool flag) { return std::string(flag ? "yes" : "no"); },
                 [&](std::int64_t count) { return number_text(static_cast<double>(count), format); },
                 [&](double value) { return number_text(value, format); }, [](const std::string& text) { return text; },
                 [](const std::vector<std::string>& items) { return joined(items); }},
      cell);
}

std::vector<std::string> text_cells(const ResultTable& table, std::size_t row,
                                    const std::vector<std::size_t>& columns) {
  std::vector<std::string> cells;
  cells.reserve(columns.size());
  for (std::size_t c : columns) cells.push_back(text_cell(table.rows[row][c], table.columns[c].format));
  return cells;
}

std::vector<std::size_t> all_columns(const ResultTable& table) {
  std::vector<std::size_t> all(table.columns.size());
  for (std::size_t c = 0; c < all.size(); ++c) all[c] = c;
  return all;
}

std::string text_document(const ResultTable& table) {
  const std::vector<std::size_t> all = all_columns(table);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(table.rows.size());
  for (std::size_t r = 0; r < table.rows.size(); ++r) rows.push_back(text_cells(table, r, all));
  std::vector<bool> numbers;
  for (const Align a : text_alignment(table, all)) numbers.push_back(a == Align::right);
  return text_document(table.columns, std::move(rows), numbers);
}

std::string text_document(const std::vector<Column>& columns, std::vector<std::vector<std::string>> rows,
                          const std::vector<bool>& numbers) {
  std::vector<std::string> headers;
  std::vector<Align> align;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    headers.push_back(columns[c].header());
    align.push_back(c < numbers.size() && numbers[c] ? Align::right : Align::left);
  }
  TextTable text(headers, align);
  for (std::vector<std::string>& row : rows) text.add_row(std::move(row));
  return text.render();
}

std::vector<Align> text_alignment(const ResultTable& table, const std::vector<std::size_t>& columns) {
  std::vector<Align> align;
  align.reserve(columns.size());
  for (std::size_t c : columns) {
    const bool numbers = std::any_of(table.rows.begin(), table.rows.end(),
                                     [c](const std::vector<Cell>& row) { return is_number(row[c]); });
    align.push_back(numbers ? Align::right : Align::left);
  }
  return align;
}

std::string layout_label(const Parallelism& p) {
  std::string text = fmt::format("tp{} pp{}", p.tp, p.pp);
  if (p.dp > 1) text += fmt::format(" dp{}", p.dp);
  if (p.ep > 1) text += fmt::format(" ep{}", p.ep);
  return text;
}

}  // namespace llmsizer
