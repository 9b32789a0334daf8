// io/result_table: the shared writers of every result table — one CSV number format that
// round-trips, typed JSON cells, and the text formats of a column.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "io/result_table.hpp"

namespace llmsizer {

TEST_SUITE("cli") {
  TEST_CASE("csv_number: the shortest text that reads back as the same double") {
    for (double x : {0.1, 1.0 / 3.0, 158848.00000000003, 2.6112, 7466.0435246646775, 1e-7, 6.02214076e23,
                     std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
      CAPTURE(x);
      CHECK(std::strtod(csv_number(x).c_str(), nullptr) == x);  // stod throws on denormals
    }
    CHECK(csv_number(0.1) == "0.1");
    CHECK(csv_number(1.6) == "1.6");
    CHECK(csv_number(158848.0) == "158848");
    CHECK(csv_number(-2.5) == "-2.5");
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
    CHECK(text_cells(t, 0, {1, 2, 3, 4}) == std::vector<std::string>{"1,024", "$1,234.50", "46%", "yes"});
    CHECK(text_cells(t, 1, {1, 2, 4}) == std::vector<std::string>{"-", "-", "no"});
    CHECK(t.index("util") == 3);
  }

  TEST_CASE("layout_label: dp and ep only when they exceed 1") {
    CHECK(layout_label({8, 1, 1, 1}) == "tp8 pp1");
    CHECK(layout_label({4, 2, 2, 8}) == "tp4 pp2 dp2 ep8");
  }
}

}  // namespace llmsizer
