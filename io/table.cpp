#include "io/table.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "estimator/text_format.hpp"
#include "io/config_error.hpp"

namespace llmsizer {
namespace {
size_t display_width(const std::string& s) {
  size_t width = 0;
  for (unsigned char c : s) width += (c & 0xC0) != 0x80;  // count UTF-8 code points
  return width;
}
std::vector<std::string> escaped(const std::vector<std::string>& cells) {
  std::vector<std::string> out;
  out.reserve(cells.size());
  for (const std::string& c : cells) out.push_back(printable(c));
  return out;
}
}  // namespace

std::string TextTable::render() const {
  // Every cell goes through the one escaping of the tool (io/config_error.hpp printable): a profile's
  // display name or a CSV id with ESC, BEL or a bidi override cannot restyle or reorder the terminal.
  const std::vector<std::string> headers = escaped(headers_);
  std::vector<std::vector<std::string>> rows;
  for (const Row& row : rows_) rows.push_back(escaped(row.cells));
  std::vector<size_t> widths(headers.size(), 0);
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = display_width(headers[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  // The header and a row's label are left-aligned; a cell by its row's alignment when it has one,
  // else by its column's.
  auto line = [&](const std::vector<std::string>& cells, const Row* row) {
    std::string out;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      const std::string pad(widths[i] - display_width(cell), ' ');
      const Align align = row == nullptr                  ? Align::left
                          : row->values                   ? (i == 0 ? Align::left : *row->values)
                          : i < align_.size()             ? align_[i]
                                                          : Align::left;
      const bool right = align == Align::right;
      out += right ? pad + cell : cell + (i + 1 < widths.size() ? pad : "");
      if (i + 1 < widths.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers, nullptr);
  std::string rule;
  for (size_t i = 0; i < widths.size(); ++i) rule += std::string(widths[i], '-') + (i + 1 < widths.size() ? "  " : "");
  out += rule + "\n";
  for (size_t r = 0; r < rows.size(); ++r) out += line(rows[r], &rows_[r]);
  return out;
}

std::string csv_field(const std::string& text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

void append_csv_field(std::string& out, std::string_view text) {
  // One pass over the characters (find_first_of searched the four specials once per character).
  const auto special = [](char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; };
  if (std::none_of(text.begin(), text.end(), special)) {
    out += text;
    return;
  }
  out += '"';
  for (std::size_t start = 0;;) {
    const std::size_t quote = text.find('"', start);
    if (quote == std::string_view::npos) {
      out.append(text.data() + start, text.size() - start);
      break;
    }
    out.append(text.data() + start, quote + 1 - start);
    out += '"';
    start = quote + 1;
  }
  out += '"';
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_field(out, fields[i]);
  }
  out += '\n';
  return out;
}

std::string with_commas(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  // A nonzero figure never prints as 0 ("0 tok/s" beside "0.2 tok/s per GPU"): add decimals until its
  // first significant digit shows (six at most).
  while (value != 0 && decimals < 6 && std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) ++decimals;
  const std::string text = fixed(std::fabs(value), decimals);
  const size_t int_end = std::min(text.find('.'), text.size());
  std::string out = value < 0 ? "-" : "";
  out += grouped_digits(std::string_view(text).substr(0, int_end));
  out.append(text, int_end);
  return out;
}

std::string money_text(double usd, int decimals) {
  constexpr double whole_dollars_from = 1000;
  // The sign before the dollar sign (-$5, not $-5); appended rather than "$" + text, which GCC 12
  // warns about (-Wrestrict) at -O3 in a unity batch.
  std::string text = std::signbit(usd) && usd != 0 ? "-$" : "$";
  text += with_commas(std::fabs(usd), std::fabs(usd) >= whole_dollars_from ? 0 : decimals);
  return text;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  // std::to_chars prints the exactly rounded digits fmt's "{:.{}f}" prints (both round the binary
  // value; ties to even), without parsing a format string per cell: number cells were a fifth of
  // `list gpus`'s instructions (docs/performance.md, start-up).
  if (decimals >= 0 && decimals <= 17) {
    char text[512];  // DBL_MAX in fixed is 309 digits
    const std::to_chars_result end = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, decimals);
    if (end.ec == std::errc{}) return std::string(text, end.ptr);
  }
  return fmt::format("{:.{}f}", value, decimals);
}

}  // namespace llmsizer
