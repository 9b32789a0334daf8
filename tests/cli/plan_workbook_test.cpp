// The plan workbook read back: its Inputs sheet (demand, peak factor, SLOs, prices, every TCO input)
// is what every GPU sheet reads, and the formulas — evaluated here by a small evaluator of the few
// shapes the writer uses — give plan's own numbers, including the owned $/GPU-hour of hardware/tco.
// Changing an input cell changes the fleet, $/month and $/Mtok, and the titles; changing an SLO cell
// re-checks each GPU's chosen configuration (the search itself ran for the SLOs at generation time).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "io/config_error.hpp"
#include "io/xlsx_module.hpp"
#include "tests/cli/workbook_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::close_to;
using test::Evaluator;
using test::have_unzip;
using test::read_workbook;
using test::Sheet;

/// The Inputs sheet's row (1-based) of a GPU type in its price table.
int price_row(const std::map<std::string, Sheet>& book, const std::string& gpu) {
  for (int row = 23; row < 40; ++row) {
    const auto c = book.at("Inputs").find("A" + std::to_string(row));
    if (c != book.at("Inputs").end() && std::get_if<std::string>(&c->second.value) &&
        std::get<std::string>(c->second.value) == gpu) {
      return row;
    }
  }
  FAIL("no price row for " << gpu);
  return 0;
}

const std::vector<std::string> workbook_plan_args = {
    "plan", "--model",   "glm-4.5", "--gpu",   "h20",  "--gpu", "h200-sxm", "--output-tokens-per-day",
    "2e9",  "--tpot-ms", "50",      "--price", "owned"};

/// workbook_plan_args written as a workbook in `dir` and read back.
std::map<std::string, Sheet> plan_workbook(const test::TempDir& dir) {
  const auto path = dir.path() / "fleet.xlsx";
  std::vector<std::string> args = workbook_plan_args;
  args.insert(args.end(), {"--xlsx", path.string()});
  REQUIRE(test::run(args).code == 0);
  return read_workbook(path);
}

/// workbook_plan_args' JSON output: the numbers the workbook's formulas must give.
nlohmann::json plan_json() {
  std::vector<std::string> args = workbook_plan_args;
  args.push_back("--json");
  const test::Run r = test::run(args);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE(
      "plan --xlsx: the GPU sheets' formulas, read from the Inputs sheet, give plan's fleet, $/month, $/Mtok and owned "
      "$/GPU-hour") {
    if (!have_unzip()) return;
    const test::TempDir dir;
    const auto plan = plan_json();
    const auto book = plan_workbook(dir);
    REQUIRE(book.count("Inputs") == 1);
    Evaluator e(book);
    CHECK(e.number("Inputs", "B4") == 2e9);
    CHECK(e.number("Inputs", "B6") == 2.0);
    CHECK(e.number("Inputs", "B8") == 50);                        // TPOT target
    CHECK(e.number("Inputs", "B13") == 5);                        // profiles/tco/default.yaml depreciation_years
    CHECK(e.number("Inputs", "B20") == doctest::Approx(184.06));  // hosting_usd_per_kw_month
    int checked = 0;
    for (const auto& option : plan["options"]) {
      if (option["gpus"].is_null()) continue;
      const std::string gpu = option["gpu"];
      CAPTURE(gpu);
      REQUIRE(book.count(gpu) == 1);
      e.references.clear();
      CHECK(e.number(gpu, "B17") == option["replicas"].get<double>());
      CHECK(e.number(gpu, "B18") == option["gpus"].get<double>());
      CHECK(e.number(gpu, "B19") == option["nodes"].get<double>());
      CHECK(close_to(e.number(gpu, "B6"), option["usd_per_gpu_hour"]));
      CHECK(close_to(e.number(gpu, "B23"), option["usd_per_month"]));
      CHECK(close_to(e.number(gpu, "B24"), option["usd_per_mtok_served"]));
      // Every other sheet a GPU sheet reads is the Inputs sheet.
      REQUIRE(!e.references.empty());
      for (const std::string& ref : e.references) CHECK(ref.rfind("Inputs!", 0) == 0);
      // The Summary's $/Mtok column is the fleet's per token served (the CLI's "$/Mtok served"), and
      // says so: not the busy replica's usd_per_mtok_output.
      CHECK(e.text("Summary", "O4") == "Cost ($/Mtok served)");
      const std::string summary_row = std::to_string(4 + option["rank"].get<int>());
      REQUIRE(e.text("Summary", "B" + summary_row) == gpu);
      CHECK(close_to(e.number("Summary", "O" + summary_row), option["usd_per_mtok_served"]));
      // Both on the owned basis (--price owned; the one basis H20 has), and an owned price is always the TCO model's:
      // each GPU's price is computed in the sheet from its purchase price, power and hosting.
      const std::string row = std::to_string(price_row(book, gpu));
      CHECK(e.text("Inputs", "B" + row) == "owned");
      CHECK(book.at("Inputs").at("C" + row).formula == "L" + row);
      CHECK(close_to(e.number("Inputs", "L" + row), option["usd_per_gpu_hour"]));
      CHECK(close_to(e.number("Inputs", "C" + row), option["usd_per_gpu_hour"]));
      ++checked;
    }
    CHECK(checked == 2);
    CHECK(e.text("Summary", "A1") == "glm-4.5: fleet for 2,000,000,000 output tokens/day");
  }

  TEST_CASE("plan --xlsx: editing an input cell recomputes the fleet, the price, $/month, $/Mtok and the titles") {
    if (!have_unzip()) return;
    const test::TempDir dir;
    const auto book = plan_workbook(dir);
    const std::string row = std::to_string(price_row(book, "h20"));
    Evaluator before(book);
    Evaluator doubled(book, {{"Inputs!B4", 4e9}});
    const double throughput = before.number("h20", "B7");
    CHECK(doubled.number("h20", "B17") == std::ceil(4e9 / 86400 * 2 / throughput));
    CHECK(doubled.number("h20", "B17") > before.number("h20", "B17"));
    CHECK(doubled.number("h20", "B23") > before.number("h20", "B23"));
    CHECK(doubled.text("Summary", "A1") == "glm-4.5: fleet for 4,000,000,000 output tokens/day");
    CHECK(doubled.text("Inputs", "A1") == "Inputs: glm-4.5, 4,000,000,000 output tokens/day");
    // Cost of capital 10% -> 0: the capital charge falls to straight-line depreciation, so the owned
    // price, $/month and $/Mtok all fall; the fleet does not change.
    Evaluator no_interest(book, {{"Inputs!B14", 0.0}});
    CHECK(no_interest.number("Inputs", "C" + row) < before.number("Inputs", "C" + row));
    CHECK(no_interest.number("Inputs", "I" + row) ==
          doctest::Approx(before.number("Inputs", "H" + row) / 5 / 8760));  // purchase / years / hours
    CHECK(no_interest.number("h20", "B24") < before.number("h20", "B24"));
    CHECK(no_interest.number("h20", "B18") == before.number("h20", "B18"));
    // Electricity doubles: only the energy part of the price moves.
    Evaluator power(book, {{"Inputs!B19", 0.182}});
    CHECK(power.number("Inputs", "J" + row) == doctest::Approx(2 * before.number("Inputs", "J" + row)));
    CHECK(power.number("Inputs", "I" + row) == before.number("Inputs", "I" + row));
  }

  TEST_CASE(
      "plan --xlsx: editing an SLO cell re-checks each GPU's configuration; the sheet says it was chosen for the SLOs "
      "at generation time") {
    if (!have_unzip()) return;
    const test::TempDir dir;
    const auto plan = plan_json();
    const auto book = plan_workbook(dir);
    // Inputs: B7 TTFT target (blank: none), B8 TPOT target 50 ms. GPU sheets: B29 TTFT, B30 TPOT of the
    // configuration, B31/B32 each target met, B33 both; Summary column T links B33.
    const std::string note = std::get<std::string>(book.at("Inputs").at("D8").value);
    CHECK(note.find("editing it re-checks each GPU sheet's configuration against it") != std::string::npos);
    CHECK(note.find("it does not re-run the search") != std::string::npos);
    int checked = 0;
    for (const auto& option : plan["options"]) {
      if (option["gpus"].is_null()) continue;
      const std::string gpu = option["gpu"];
      CAPTURE(gpu);
      Evaluator as_written(book);
      const double ttft = as_written.number(gpu, "B29"), tpot = as_written.number(gpu, "B30");
      CHECK(close_to(ttft, option["ttft_ms"]));
      CHECK(close_to(tpot, option["tpot_ms"]));
      CHECK(tpot <= 50);
      CHECK(as_written.text(gpu, "B31") == "no target");
      CHECK(as_written.text(gpu, "B32") == "yes");
      CHECK(as_written.text(gpu, "B33") == "yes");
      CHECK(std::get<std::string>(book.at(gpu).at("B33").value) == "yes");  // the cached value agrees
      const std::string chosen = std::get<std::string>(book.at(gpu).at("A34").value);
      CHECK(chosen.find("chosen by plan's search for the SLOs at generation time (TPOT <= 50 ms)") !=
            std::string::npos);
      CHECK(chosen.find("it does not re-run the search") != std::string::npos);
      // A TPOT target below the configuration's TPOT flips its verdict, and the Summary's with it.
      Evaluator tighter(book, {{"Inputs!B8", tpot * 0.9}});
      CHECK(tighter.text(gpu, "B32") == "no");
      CHECK(tighter.text(gpu, "B33") == "no: chosen for other SLOs; run plan again");
      // A TTFT target: met above the configuration's TTFT, not below it.
      CHECK(Evaluator(book, {{"Inputs!B7", ttft * 2}}).text(gpu, "B33") == "yes");
      Evaluator ttft_tight(book, {{"Inputs!B7", ttft / 2}});
      CHECK(ttft_tight.text(gpu, "B31") == "no");
      CHECK(ttft_tight.text(gpu, "B33") == "no: chosen for other SLOs; run plan again");
      // Blanking the TPOT target leaves no target to miss.
      Evaluator none(book, {{"Inputs!B8", std::monostate{}}});
      CHECK(none.text(gpu, "B32") == "no target");
      CHECK(none.text(gpu, "B33") == "yes");
      for (int row = 5; row < 5 + static_cast<int>(plan["options"].size()); ++row) {
        if (as_written.text("Summary", "B" + std::to_string(row)) != gpu) continue;
        CHECK(as_written.text("Summary", "T" + std::to_string(row)) == "yes");
        CHECK(tighter.text("Summary", "T" + std::to_string(row)) == "no: chosen for other SLOs; run plan again");
        ++checked;
      }
    }
    CHECK(checked == 2);
  }

  TEST_CASE("the workbook module: found beside the binary; where it is missing, the error names where it looked") {
    const xlsx::ModuleApi& api = xlsx::load_module({});  // the build puts it beside the test binary
    CHECK(api.stamp == xlsx::layout_stamp());
    const test::TempDir empty;
    try {
      (void)xlsx::load_module(xlsx::module_directories(empty.path()));
      FAIL("no module, no workbook");
    } catch (const ConfigError& e) {
      const std::string beside = (empty.path() / "llmsizer-xlsx.so").string();
      const std::string installed = (empty.path().parent_path() / "lib" / "llmsizer" / "llmsizer-xlsx.so").string();
      CHECK(e.format() == "llmsizer-xlsx.so: error: the workbook writer is not installed (looked for " + beside + ", " +
                              installed + "); workbooks need it, every other output works without it");
    }
  }
}  // TEST_SUITE

}  // namespace llmsizer
