// io/result_table: the shared writers of every result table — one CSV number format (six
// significant digits, plain decimals), typed JSON cells, and the text formats of a column.
#include "io/result_table.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "estimator/text_format.hpp"
#include "io/table.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// The formula csv_number had before it compared with the powers: decimals from floor(log10 |x|),
/// fmt's exactly rounded fixed notation, trailing zeros removed.
std::string by_log10(double x) {
  const int exponent = static_cast<int>(std::floor(std::log10(std::fabs(x))));
  std::string text = fmt::format("{:.{}f}", x, std::max(0, csv_significant_digits - 1 - exponent));
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? std::string("0") : text;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("append_csv_cell writes csv_field(csv_text(cell)) after what the line already holds") {
    const std::vector<Cell> cells = {Cell(),
                                     Cell(true),
                                     Cell(false),
                                     Cell(std::int64_t{-70553706496}),
                                     Cell(0.1 + 0.2),
                                     Cell(-0.0),
                                     Cell(std::numeric_limits<double>::infinity()),
                                     Cell(std::numeric_limits<double>::max()),
                                     Cell(std::string("plain")),
                                     Cell(std::string("a, \"quoted\" one")),
                                     Cell(std::vector<std::string>{"first note", "second, with a comma"}),
                                     // Lists are written item by item (no joined string): quoting decided
                                     // over every item, quotes doubled, and no "; " after leading empty items.
                                     Cell(std::vector<std::string>{}),
                                     Cell(std::vector<std::string>{"one"}),
                                     Cell(std::vector<std::string>{"", "after an empty one", ""}),
                                     Cell(std::vector<std::string>{"", "", "x", "", "y"}),
                                     Cell(std::vector<std::string>{"plain", "say \"hi\""}),
                                     Cell(std::vector<std::string>{"line\nbreak", "cr\r"})};
    for (const Cell& cell : cells) {
      std::string line = "x,";
      append_csv_cell(line, cell);
      CHECK(line == "x," + csv_field(csv_text(cell)));
    }
    std::string line;
    append_csv_cell(line, Cell(std::string("say \"hi\"")));
    CHECK(line == "\"say \"\"hi\"\"\"");
  }

  TEST_CASE("append_csv_integer: the text of std::to_string after what the line holds") {
    std::vector<std::int64_t> values = {0,
                                        1,
                                        -1,
                                        9,
                                        10,
                                        99,
                                        100,
                                        -100,
                                        123456789,
                                        70553706496,
                                        std::numeric_limits<std::int64_t>::max(),
                                        std::numeric_limits<std::int64_t>::min()};
    for (int zeros = 0; zeros <= 18; ++zeros) {  // 1 .. 1e18 and their neighbours
      std::int64_t power = 1;
      for (int i = 0; i < zeros; ++i) power *= 10;
      for (std::int64_t near : {power - 1, power, power + 1}) {
        values.push_back(near);
        values.push_back(-near);
      }
    }
    for (std::int64_t v : values) {
      CAPTURE(v);
      std::string line = "x,";
      append_csv_integer(line, v);
      CHECK(line == "x," + std::to_string(v));
    }
  }

  TEST_CASE("csv_number: six significant digits (whole numbers in full) as a plain decimal, no float noise") {
    CHECK(csv_number(0.1 + 0.2) == "0.3");  // 0.30000000000000004 as the sum lands
    CHECK(csv_number(172747.19999999998) == "172747");
    CHECK(csv_number(2.8396799999999995) == "2.83968");
    CHECK(csv_number(0.8512777885104703) == "0.851278");
    CHECK(csv_number(7466.0435246646775) == "7466.04");
    CHECK(csv_number(2e9) == "2000000000");
    CHECK(csv_number(1234567.8) == "1234568");       // whole numbers are never rounded to tens
    CHECK(csv_number(70553706496.0) == "70553706496");
    CHECK(csv_number(1e-7) == "0.0000001");
    CHECK(csv_number(0.062087366347083846) == "0.0620874");
    CHECK(csv_number(158848.0) == "158848");
    CHECK(csv_number(1.6) == "1.6");
    CHECK(csv_number(-2.5) == "-2.5");
    CHECK(csv_number(0.0) == "0");
    CHECK(csv_number(-0.0) == "0");
    CHECK(csv_number(9.9999996) == "10");  // rounding carries into a new digit
    for (double x : {0.1, 1.0 / 3.0, 158848.00000000003, 6.02214076e23, std::numeric_limits<double>::max(),
                     std::numeric_limits<double>::denorm_min()}) {
      CAPTURE(x);
      const std::string text = csv_number(x);
      CHECK(text.find_first_of("eE") == std::string::npos);
      // Within half a unit of the sixth significant digit (or of the units place).
      CHECK(std::fabs(std::strtod(text.c_str(), nullptr) - x) <= std::max(5e-6 * std::fabs(x), 0.5));
    }
  }

  TEST_CASE("with_commas groups the whole part as grouped() groups a count") {
    CHECK(with_commas(-1234567.891, 2) == "-1,234,567.89");
    CHECK(with_commas(999.0) == "999");
    CHECK(with_commas(1000.0) == "1,000");
    CHECK(with_commas(1e21) == "1,000,000,000,000,000,000,000");  // beyond any integer type
    CHECK(with_commas(0.004, 1) == "0.004");                        // a nonzero figure never reads 0
    for (std::int64_t n : {std::int64_t{0}, std::int64_t{12}, std::int64_t{-50960}, std::int64_t{1234567},
                           std::numeric_limits<std::int64_t>::min()}) {
      CAPTURE(n);
      CHECK(with_commas(static_cast<double>(n)) == grouped(static_cast<std::int64_t>(static_cast<double>(n))));
    }
    CHECK(grouped(std::numeric_limits<std::int64_t>::min()) == "-9,223,372,036,854,775,808");
  }

  TEST_CASE("text tables align by the column's kind (or a metric row's), not by a cell's first character") {
    // "2 GPUs" and "$1.5" start like numbers; in a text column they stay left, "12" in a figure
    // column goes right, and a metric row overrides its columns after the label.
    TextTable t({"layout", "gpus", "price"}, {Align::left, Align::right});
    t.add_row({"2 GPUs", "12", "$1.5"});
    t.add_row({"tp8 pp1", "1", "$10.25"});
    t.add_row({"label", "a", "b"}, Align::right);
    CHECK(t.render() ==
          "layout   gpus  price\n"
          "-------  ----  ------\n"
          "2 GPUs     12  $1.5\n"
          "tp8 pp1     1  $10.25\n"
          "label       a       b\n");
    // A result table: numbers and counts right, labels and flags left.
    ResultTable table;
    table.columns = {Column{"gpu", "", ""}, Column{"layout", "", ""}, Column{"gpus", "", ""}, Column{"fits", "", ""}};
    table.rows = {{Cell(std::string("h20")), Cell(std::string("2 GPUs")), Cell(std::int64_t{16}), Cell(true)},
                  {Cell(std::string("h200-sxm")), Cell(std::string("16 GPUs")), Cell(std::int64_t{2}), Cell(false)}};
    CHECK(text_alignment(table, {0, 1, 2, 3}) ==
          std::vector<Align>{Align::left, Align::left, Align::right, Align::left});
    CHECK(text_document(table) ==
          "gpu       layout   gpus  fits\n"
          "--------  -------  ----  ----\n"
          "h20       2 GPUs     16  yes\n"
          "h200-sxm  16 GPUs     2  no\n");
  }

  TEST_CASE("the README's examples of CSV numbers are what csv_number writes") {
    // The README promises a CSV number format; its examples ("`x` in JSON is `y` in CSV", "`x` is
    // `y`") are checked here, so a change of the format without the README fails.
    std::ifstream in(test::source_path("README.md"));
    std::stringstream text;
    text << in.rdbuf();
    const std::string readme = text.str();
    const size_t start = readme.find("CSV numbers are");
    REQUIRE(start != std::string::npos);
    const std::string sentence = readme.substr(start, readme.find("`--json` carries", start) - start);
    const std::regex example("`([-0-9.e]+)`(?: in JSON)? is `([-0-9.]+)`");
    int examples = 0;
    for (auto it = std::sregex_iterator(sentence.begin(), sentence.end(), example); it != std::sregex_iterator(); ++it) {
      CAPTURE((*it)[0].str());
      CHECK(csv_number(std::stod((*it)[1].str())) == (*it)[2].str());
      ++examples;
    }
    CHECK(examples == 2);
    CHECK(sentence.find("six significant digits") != std::string::npos);
  }

  TEST_CASE("csv_number: the exponent next to every power of ten is the one std::log10 gives") {
    for (int e = -40; e <= 40; ++e) {
      const double power = std::pow(10.0, e);
      double below = power, above = power;
      for (int step = 0; step < 4; ++step) {
        below = std::nextafter(below, 0.0);
        above = std::nextafter(above, 1e300);
        for (double x : {below, power, above, -above, power * (1 + 1e-10), power * (1 - 1e-10), power * 3.7}) {
          CAPTURE(x);
          CHECK(csv_number(x) == by_log10(x));
        }
      }
    }
    // Rounded in integers: the same text as the exact expansion, exact ties (half to even) included.
    for (double x : {1.5,       2.5,        0.5,
                     123456.5,  123457.5,   1234565.0,
                     0.1234565, 12.34565,   1.000005,
                     2.000005,  0.0000125,  999999.5,
                     9999995.0, 0.9999995,  99999.95,
                     12345.25,  12345.75,   1234.125,
                     1234.375,  1e15 + 0.5, 123456789012345.6,
                     1e-5,      3e-12,      9.2e18,
                     1.8e19,    4e22,       1.7976931348623157e308}) {
      CAPTURE(x);
      CHECK(csv_number(x) == by_log10(x));
      CHECK(csv_number(-x) == by_log10(-x));
    }
    std::uint64_t state = 0x9E3779B97F4A7C15u;  // xorshift: many magnitudes, signs and digit patterns
    for (int i = 0; i < 200000; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      const double mantissa = static_cast<double>(state >> 11) / 9007199254740992.0;  // [0, 1)
      const int decimals = static_cast<int>(state % 7);
      const double rounded = std::round(mantissa * std::pow(10.0, decimals + 3)) / std::pow(10.0, decimals);
      const double x = (i % 2 ? mantissa : rounded) * std::pow(10.0, static_cast<int>(state % 31) - 15);
      if (x == 0) continue;
      CAPTURE(x);
      REQUIRE(csv_number(x) == by_log10(x));
    }
  }

  TEST_CASE("csv_number: six digits after the point by one multiplication, as the exact expansion writes them") {
    // Most numbers of a CSV take the short way (six digits from one rounded product, no branch on
    // the digits); a product within an ulp of a half, a carry into a seventh digit and every length
    // of whole part, fraction and leading zeros must read as the exactly rounded text.
    std::vector<double> sixes = {100000, 100001, 100010, 120000, 999999, 999990, 500000, 123456, 654321, 100500};
    for (double r = 100000; r < 1000000; r += 7919) sixes.push_back(r);
    for (int decimals = 1; decimals <= 24; ++decimals) {
      const double power = std::pow(10.0, decimals);
      for (double r : sixes) {
        const double tie = (r + 0.5) / power;
        for (double x : {r / power, tie, std::nextafter(tie, 0.0), std::nextafter(tie, 1e300), (r + 0.49999) / power,
                         (r + 0.999999) / power, -(r + 0.25) / power, (r + 0.75) / power}) {
          CAPTURE(x);
          REQUIRE(csv_number(x) == by_log10(x));
        }
      }
    }
  }

  TEST_CASE("append_json_object: the text of json_object's dump(2), indented, for every kind of cell") {
    const std::vector<Cell> cells = {Cell(),
                                     Cell(true),
                                     Cell(std::int64_t{-70553706496}),
                                     Cell(0.1 + 0.2),
                                     Cell(-0.0),
                                     Cell(1e21),
                                     Cell(1e-7),
                                     Cell(3.0),
                                     Cell(std::numeric_limits<double>::quiet_NaN()),
                                     Cell(std::string("quote \" backslash \\ tab \t newline \n bell \a del \x7f")),
                                     Cell(std::string("caf\xC3\xA9 \xE2\x80\xAE")),
                                     Cell(std::vector<std::string>{}),
                                     Cell(std::vector<std::string>{"one", "two \"2\""})};
    ResultTable table;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      table.columns.push_back({fmt::format("k{:02}", cells.size() - c), "", ""});  // keys not in column order
    }
    table.rows.push_back(cells);
    const std::string expected = json_object(table, 0).dump(2);
    std::string flat;
    append_json_object(flat, table.columns, json_key_order(table.columns), cells, 0);
    CHECK(flat == expected);
    // Indented: every line after the first gains the indent, as an array element of dump(2) does.
    std::string indented = "[\n  ";
    append_json_object(indented, table.columns, json_key_order(table.columns), cells, 2);
    nlohmann::json array = nlohmann::json::array();
    array.push_back(json_object(table, 0));
    CHECK(indented + "\n]" == array.dump(2));
    std::string invalid;  // invalid UTF-8 fails as nlohmann's dump fails
    const std::vector<Cell> bad = {Cell(std::string("\xFF"))};
    CHECK_THROWS_AS(append_json_object(invalid, {table.columns[0]}, {0}, bad, 0), nlohmann::json::type_error);
  }

  TEST_CASE("append_json_object: a character to escape anywhere in a long string, as nlohmann's dump") {
    // Strings are checked eight characters at a time: each character that is not written as it is
    // (controls, '"', '\\', UTF-8) is put at every place of strings of 0 to 40 characters, next to
    // characters that are (' ', '~', DEL), so that a word test that missed one would write it raw.
    const std::vector<std::string> specials = {std::string(1, '\0'), "\x01",        "\x1f", "\"", "\\", "\n", "\t",
                                               "\xC3\xA9",           "\xE2\x80\xAE"};
    const std::vector<Column> columns = {{"k", "", ""}};
    int checked = 0;
    for (std::size_t length = 0; length <= 40; ++length) {
      for (const std::string& filler : {std::string(" "), std::string("~"), std::string("\x7f")}) {
        std::vector<std::string> texts = {std::string(length, filler[0])};
        for (std::size_t at = 0; at < length; ++at) {
          for (const std::string& special : specials) {
            texts.push_back(std::string(at, filler[0]) + special + std::string(length - at - 1, filler[0]));
          }
        }
        for (const std::string& text : texts) {
          CAPTURE(text);
          const std::vector<Cell> cells = {Cell(text)};
          std::string ours;
          append_json_object(ours, columns, {0}, cells, 0);
          CHECK(ours == json_object(ResultTable{columns, {cells}}, 0).dump(2));
          ++checked;
        }
      }
    }
    CHECK(checked > 7000);
  }

  TEST_CASE("cells: JSON types, CSV text and text-table text per column format") {
    ResultTable t{{{"gpu", "", "GPU"},
                   {"gpus", "count", "GPUs"},
                   {"usd", "$/h", "price", {NumberStyle::money, 2}},
                   {"util", "fraction", "use", {NumberStyle::percent, 0}},
                   {"ok", "", "fits"},
                   {"notes", "", "notes"}},
                  {}};
    t.rows.push_back({Cell(std::string("h100-sxm")), Cell(std::int64_t{1024}), Cell(1234.5), Cell(0.456), Cell(true),
                      Cell(std::vector<std::string>{"a", "b"})});
    t.rows.push_back({Cell(std::string("h20")), Cell(), Cell(), Cell(), Cell(false), Cell(std::vector<std::string>{})});
    CHECK(csv_document(t) == "gpu,gpus,usd,util,ok,notes\nh100-sxm,1024,1234.5,0.456,true,a; b\nh20,,,,false,\n");
    const nlohmann::json j = json_rows(t);
    CHECK(j[0]["gpus"].is_number_integer());
    CHECK(j[0]["usd"].get<double>() == 1234.5);
    CHECK(j[0]["notes"] == nlohmann::json::array({"a", "b"}));
    CHECK(j[1]["gpus"].is_null());
    // Money from $1,000 up without decimals (money_text; the tie 1234.5 rounds to even), never "$1,234.50".
    CHECK(text_cells(t, 0, {1, 2, 3, 4}) == std::vector<std::string>{"1,024", "$1,234", "46%", "yes"});
    CHECK(text_cells(t, 1, {1, 2, 4}) == std::vector<std::string>{"-", "-", "no"});
    CHECK(t.index("util") == 3);
  }

  TEST_CASE("money_text: separators always, decimals only below $1,000") {
    // plan at a tiny demand printed "$153600000.000" per million tokens.
    CHECK(money_text(153600000.0, 3) == "$153,600,000");
    CHECK(money_text(1234.6, 3) == "$1,235");
    CHECK(money_text(999.4, 3) == "$999.400");
    CHECK(money_text(1.6, 3) == "$1.600");
    CHECK(money_text(25257.2, 0) == "$25,257");
    // A saving or a loss: the sign before the dollar sign.
    CHECK(money_text(-5.0, 2) == "-$5.00");
    CHECK(money_text(-12345.0, 2) == "-$12,345");
    CHECK(money_text(0.0, 2) == "$0.00");
  }

  TEST_CASE("with_commas: thousands separators, and a nonzero value never reads 0") {
    CHECK(with_commas(1234567.4) == "1,234,567");
    CHECK(with_commas(-1234.5, 1) == "-1,234.5");
    CHECK(with_commas(0) == "0");
    CHECK(with_commas(0.4) == "0.4");      // was "0": "output throughput 0 tok/s" beside 0.2 tok/s per GPU
    CHECK(with_commas(0.04, 1) == "0.04");
    CHECK(with_commas(0.6) == "1");
    CHECK(with_commas(1e-9) == "0.000000");  // six decimals at most
  }

  TEST_CASE("layout_label: dp and ep only when they exceed 1") {
    CHECK(layout_label({8, 1, 1, 1}) == "tp8 pp1");
    CHECK(layout_label({4, 2, 2, 8}) == "tp4 pp2 dp2 ep8");
  }
}

}  // namespace llmsizer
