// CsvCellSink (io/result_table.hpp): CSV fields written through a cursor into room kept at the end of
// the text, as append_csv_cell writes them (a long `estimate --scenarios --csv` writes every value
// through it).
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include "io/result_table.hpp"

namespace llmsizer {
namespace {

/// The room a CsvCellSink keeps beyond its text at least: a row of the estimate schema, mostly.
constexpr std::size_t csv_sink_room = 4096;

/// The characters that make a CSV field quoted, by byte (a table: the long texts, such as the band
/// basis, are scanned a character at a time).
constexpr auto csv_specials = [] {
  std::array<bool, 256> special{};
  for (const unsigned char c : {',', '"', '\n', '\r'}) special[c] = true;
  return special;
}();

/// Whether a character makes a CSV field quoted (a lambda: inlined where it is scanned for).
constexpr auto csv_special = [](char c) { return csv_specials[static_cast<unsigned char>(c)]; };

/// `text` with each '"' doubled, from `out` (room for twice its size); the end.
char* write_quotes_doubled(char* out, std::string_view text) {
  for (std::size_t start = 0;;) {
    const std::size_t quote = text.find('"', start);
    const std::size_t stop = quote == std::string_view::npos ? text.size() : quote + 1;
    std::memcpy(out, text.data() + start, stop - start);
    out += stop - start;
    if (quote == std::string_view::npos) return out;
    *out++ = '"';
    start = stop;
  }
}

}  // namespace

CsvCellSink::CsvCellSink(std::string& out) : out_(out) {
  const std::size_t used = out_.size();
  out_.resize(used + csv_sink_room);  // the room is zero-filled: grown as it is used, not to the capacity
  at_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

CsvCellSink::CsvCellSink(std::string& buffer, std::size_t& length) : out_(buffer), length_(&length) {
  if (out_.size() < csv_sink_room) out_.resize(csv_sink_room);
  at_ = out_.data();
  end_ = out_.data() + out_.size();
}

void CsvCellSink::grow(std::size_t characters) {
  const auto used = static_cast<std::size_t>(at_ - out_.data());
  out_.resize(std::max(2 * out_.size(), used + characters + csv_sink_room));
  at_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

void CsvCellSink::wide_number(double value) {
  std::string text;
  append_csv_number(text, value);
  raw(text);
}

void CsvCellSink::text(std::string_view value) {
  // append_csv_field's text: quoted when a character needs it, its quotes doubled.
  if (std::none_of(value.begin(), value.end(), csv_special)) return raw(value);
  room(2 * value.size() + 2);
  *at_++ = '"';
  at_ = write_quotes_doubled(at_, value);
  *at_++ = '"';
}

void CsvCellSink::list(const std::vector<std::string>& items) {
  // append_csv_field(out, joined(items)) without the joined string (a row's notes, every row): the
  // separator "; " needs no quoting, so the field is quoted when an item needs it.
  const bool quoted = std::any_of(items.begin(), items.end(), [](const std::string& item) {
    return std::any_of(item.begin(), item.end(), csv_special);
  });
  std::size_t characters = 2;
  for (const std::string& item : items) characters += 2 * item.size() + 2;
  room(characters);
  if (quoted) *at_++ = '"';
  bool started = false;  // joined's text is not empty: the next item follows "; "
  for (const std::string& item : items) {
    if (started) {
      *at_++ = ';';
      *at_++ = ' ';
    }
    started = started || !item.empty();
    if (quoted) {
      at_ = write_quotes_doubled(at_, item);
    } else {
      std::memcpy(at_, item.data(), item.size());
      at_ += item.size();
    }
  }
  if (quoted) *at_++ = '"';
}

}  // namespace llmsizer
