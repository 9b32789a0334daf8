// `report`'s charts from the one search: the $/Mtok-by-GPU bars and the GPUs' frontiers overlaid
// carry the same numbers `sweep --json` gives for the same inputs (best row's $/Mtok, every
// frontier row's tok/s per GPU and per user), as self-contained SVG.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/table.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {

TEST_SUITE("decisions") {
  TEST_CASE("report --html: $/Mtok by GPU and the overlaid frontiers are the sweep's numbers") {
    const test::TempDir dir;
    const auto path = dir.path() / "report.html";
    const std::vector<std::string> inputs = {
        "--model", "glm-4.5", "--gpu", "h20",       "--gpu", "h200-sxm",           "--isl",
        "1000",    "--osl",   "1000",  "--tpot-ms", "50",    "--usd-per-gpu-hour", "2"};
    std::vector<std::string> report = {"report"};
    report.insert(report.end(), inputs.begin(), inputs.end());
    report.insert(report.end(), {"--html", path.string()});
    REQUIRE(test::run(report).code == 0);
    std::vector<std::string> sweep = {"sweep"};
    sweep.insert(sweep.end(), inputs.begin(), inputs.end());
    sweep.push_back("--json");
    const test::Run swept = test::run(sweep);
    REQUIRE(swept.code == 0);
    const std::string html = read_file(path.string());
    CHECK(html.find("1,000 input + 1,000 output tokens per request") != std::string::npos);  // thousands separators
    const auto rows = nlohmann::json::parse(swept.out)["frontier"];
    int bars = 0, points = 0;
    for (const auto& row : rows) {
      const std::string gpu = row["gpu"];
      CAPTURE(gpu);
      if (row["cheapest"].get<bool>()) {
        CHECK(html.find(fmt::format("<title>{}: ${:.3f}</title>", gpu, row["usd_per_mtok_output"].get<double>())) !=
              std::string::npos);
        ++bars;
      }
      if (!row["on_frontier"].get<bool>()) continue;
      const std::string point = fmt::format("<title>{}: {} output tok/s per GPU at {} tok/s per user (", gpu,
                                            with_commas(row["output_tok_s_per_gpu"].get<double>(), 1),
                                            with_commas(row["tok_s_per_user"].get<double>(), 1));
      CAPTURE(point);
      CHECK(html.find(point) != std::string::npos);
      ++points;
    }
    CHECK(bars == 2);
    CHECK(points > 10);
    for (const char* text : {"h20 frontier", "h200-sxm frontier", "h20 best meeting the SLOs",
                             "Cost per million output tokens, best configuration per GPU type (TPOT &lt;= 50 ms)",
                             "Pareto frontiers: throughput per GPU against speed per user, every GPU type"}) {
      CAPTURE(text);
      CHECK(html.find(text) != std::string::npos);
    }
  }

}  // TEST_SUITE

}  // namespace llmsizer
