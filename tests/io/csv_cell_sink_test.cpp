// io/csv_cell_sink: CSV fields written through a cursor into room kept beyond the text, trimmed when
// the sink goes or, over a buffer kept between uses, left as it is with the text's length.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "io/result_table.hpp"
#include "io/table.hpp"

namespace llmsizer {

TEST_SUITE("cli") {
  /// Cells of every kind for a CsvCellSink: long enough to outgrow its room (a field of 10,000 quotes
  /// doubles to 20,002 characters), and the values only append_csv_number writes (infinity, NaN, DBL_MAX).
  std::vector<Cell> sink_cells() {
    return {Cell(),
            Cell(true),
            Cell(std::int64_t{std::numeric_limits<std::int64_t>::min()}),
            Cell(std::int64_t{0}),
            Cell(2.8396799999999995),
            Cell(-0.0),
            Cell(1e-7),
            Cell(-std::numeric_limits<double>::infinity()),
            Cell(std::numeric_limits<double>::quiet_NaN()),
            Cell(std::numeric_limits<double>::max()),
            Cell(std::string()),
            Cell(std::string(10000, '"')),
            Cell(std::string(5000, 'x') + ",y"),
            Cell(std::vector<std::string>{std::string(3000, '"'), "", "z"}),
            Cell(std::vector<std::string>{"", "", "x", "", "y"})};
  }

  /// `rounds` lines of sink_cells() through `sink`; the text they must make. Checks size() after each.
  std::string write_sink_cells(CsvCellSink & sink, int rounds, std::string expected) {
    for (int round = 0; round < rounds; ++round) {
      for (const Cell& cell : sink_cells()) {
        sink.cell(cell);
        sink.separator(',');
        expected += csv_field(csv_text(cell)) + ",";
        CHECK(sink.size() == expected.size());
      }
      sink.separator('\n');
      expected += "\n";
    }
    return expected;
  }

  TEST_CASE("CsvCellSink: one sink through many cells and past its room writes each cell's csv_field") {
    // The sink writes through a cursor into room it keeps beyond the text and grows; the text must be
    // the fields one after another, with nothing left over once it is gone.
    std::string expected;
    std::string line = "head;";
    {
      CsvCellSink sink(line);
      expected = write_sink_cells(sink, 3, "head;");
    }
    CHECK(line == expected);
  }

  TEST_CASE("CsvCellSink over a kept buffer: each use's text is the buffer's first `length` characters") {
    // A scenarios batch's blocks reuse one buffer each: the sink writes from its start and leaves the
    // length, without trimming it (so the room is not zero-filled again); a shorter second text must
    // not carry anything of the first.
    std::string buffer = "old text the sink writes over";
    std::size_t length = 99;
    std::string expected;
    {
      CsvCellSink sink(buffer, length);
      expected = write_sink_cells(sink, 3, "");
    }
    CHECK(length == expected.size());
    CHECK(buffer.substr(0, length) == expected);
    const std::size_t room = buffer.size();
    CHECK(room >= length);
    {
      CsvCellSink sink(buffer, length);
      sink.text("a,b");
      sink.separator('\n');
    }
    CHECK(buffer.size() == room);  // kept as it was
    CHECK(std::string_view(buffer.data(), length) == "\"a,b\"\n");
  }
}

}  // namespace llmsizer
