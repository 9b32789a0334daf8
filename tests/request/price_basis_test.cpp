// One default price choice (request/price_choice.cpp) in every command: the same GPUs and inputs give
// the same $/GPU-hour and basis in estimate, its --scenarios rows, sweep, compare, plan, report and
// list gpus; and an owned price is always the TCO model's.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hardware/tco.hpp"
#include "io/result_table.hpp"
#include "io/tco_loader.hpp"
#include "io/yaml_reader.hpp"
#include "request/price_choice.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using nlohmann::json;
using test::Run;
using test::run;

/// The $/GPU-hour and basis a command used for a GPU type.
struct Used {
  double usd_per_gpu_hour = 0;
  std::string basis;
  bool operator==(const Used& o) const { return usd_per_gpu_hour == o.usd_per_gpu_hour && basis == o.basis; }
};
using UsedByGpu = std::map<std::string, Used>;

json run_json(const std::vector<std::string>& args) {
  const Run r = run(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return json::parse(r.out);
}

/// Rows of {gpu, usd_per_gpu_hour, price_basis} (one GPU may repeat: all its rows must agree).
UsedByGpu used_in(const json& rows) {
  UsedByGpu used;
  for (const json& row : rows) {
    if (row.at("usd_per_gpu_hour").is_null()) continue;
    const Used u{row.at("usd_per_gpu_hour").get<double>(), row.at("price_basis").get<std::string>()};
    const auto [at, added] = used.emplace(row.at("gpu").get<std::string>(), u);
    CHECK(at->second == u);
  }
  return used;
}

/// What sweep, compare, plan and report use for `gpus` together (report: read from its HTML table).
std::vector<UsedByGpu> used_by_commands(const std::vector<std::string>& gpus, const test::TempDir& dir) {
  std::vector<std::string> gpu_args;
  for (const std::string& g : gpus) gpu_args.insert(gpu_args.end(), {"--gpu", g});
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 3, gpu_args.begin(), gpu_args.end());
    return args;
  };
  std::vector<UsedByGpu> all;
  all.push_back(used_in(run_json(
      with({"sweep", "--model", "llama-3.1-8b", "--max-gpus", "1", "--concurrency", "8", "--json"}))["frontier"]));
  all.push_back(used_in(run_json(with({"compare", "--model", "llama-3.1-8b", "--max-gpus", "1", "--json"}))));
  all.push_back(used_in(run_json(with(
      {"plan", "--model", "llama-3.1-8b", "--output-tokens-per-day", "1e8", "--max-gpus", "1", "--json"}))["options"]));
  const std::string html = (dir.path() / "r.html").string();
  const Run report = run(with({"report", "--model", "llama-3.1-8b", "--isl", "1000", "--osl", "100", "--html", html}));
  REQUIRE_MESSAGE(report.code == 0, report.err);
  UsedByGpu in_report;
  const std::string page = read_file(html);
  for (const auto& [gpu, u] : all.front()) {
    const std::string cell = fmt::format("${:.3f} (", u.usd_per_gpu_hour);
    if (page.find(cell) != std::string::npos) in_report[gpu] = u;
  }
  all.push_back(in_report);
  return all;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("one default price choice: the same GPUs give the same $/GPU-hour and basis in every command") {
    const Catalog catalog = test::shipped_catalog();
    const test::TempDir dir;
    // A GPU alone: list gpus, estimate and every command over it agree with default_price().
    for (const char* name : {"h200-sxm", "h20", "a100-80gb-sxm"}) {
      CAPTURE(name);
      const PriceChoice own = default_price(catalog.gpu(name));
      REQUIRE(own.usd_per_gpu_hour.has_value());
      const Used expected{*own.usd_per_gpu_hour, own.basis};
      const json est =
          run_json({"estimate", "--model", "llama-3.1-8b", "--gpu", name, "--isl", "1000", "--osl", "100", "--json"});
      CHECK(Used{est.at("usd_per_gpu_hour").get<double>(), est.at("price_basis").get<std::string>()} == expected);
      for (const json& g : run_json({"list", "gpus", "--json"})) {
        if (g.at("name") != name) continue;
        CHECK(Used{g.at("default_price").at("usd_per_gpu_hour").get<double>(),
                   g.at("default_price").at("basis").get<std::string>()} == expected);
      }
      for (const UsedByGpu& used : used_by_commands({name}, dir)) {
        REQUIRE(used.size() == 1);
        CHECK(used.begin()->second == expected);
      }
    }
    CHECK(default_price(catalog.gpu("h200-sxm")).basis == "3yr-rental");
    CHECK(default_price(catalog.gpu("h20")).basis == "owned");
    // H200 beside H20: each as alone, H200 on its 3-year rental and H20 on its owned (TCO model) price;
    // the GPUs beside one never move its price.
    const auto alone = [&](const char* name) {
      const PriceChoice own = default_price(catalog.gpu(name));
      return Used{*own.usd_per_gpu_hour, own.basis};
    };
    for (const UsedByGpu& used : used_by_commands({"h200-sxm", "h20"}, dir)) {
      CHECK(used == UsedByGpu{{"h200-sxm", alone("h200-sxm")}, {"h20", alone("h20")}});
    }
  }

  TEST_CASE("estimate --scenarios: each row priced as estimate prices it alone; an unused --price once per file") {
    const test::TempDir dir;
    const std::string file = (dir.path() / "rows.csv").string();
    {
      std::ofstream out(file);
      out << "id,model,gpu,isl,osl,concurrency\n";
      for (int i = 0; i < 3; ++i) {
        out << "r" << i << ",llama-3.1-8b,h200-sxm,1000,100,8\nq" << i << ",llama-3.1-8b,h20,1000,100,8\n";
      }
    }
    const Run r = run({"estimate", "--scenarios", file, "--json", "--price", "b200=2.5"});
    REQUIRE(r.code == 0);
    const json rows = json::parse(r.out);
    REQUIRE(rows.size() == 6);
    for (const json& row : rows) {
      const json alone = run_json({"estimate", "--model", "llama-3.1-8b", "--gpu", row.at("gpu").get<std::string>(),
                                   "--isl", "1000", "--osl", "100", "--concurrency", "8", "--json"});
      CHECK(row.at("usd_per_gpu_hour") == alone.at("usd_per_gpu_hour"));
      CHECK(row.at("price_basis") == alone.at("price_basis"));
    }
    // h200-sxm alone is on its 3-year rental, h20 alone on owned: the file says its rows mix bases.
    CHECK(r.err ==
          "warning: --price b200=2.5: b200 is not a GPU of this run (h200-sxm, h20); that price is not used\n" +
              file +
              ": warning: rows are priced on different bases (3yr-rental, owned): each row as its GPU alone; "
              "--price BASIS (e.g. --price owned) puts every row on one\n");
    const Run owned = run({"estimate", "--scenarios", file, "--json", "--price", "owned"});
    REQUIRE(owned.code == 0);
    CHECK(owned.err.empty());  // one basis: no warning
    for (const json& row : json::parse(owned.out)) CHECK(row.at("price_basis") == "owned");
    // A bad --price is the command's error, before any row is written.
    const Run bad = run({"estimate", "--scenarios", file, "--csv", "--price", "h2o=1"});
    CHECK(bad.code == 2);
    CHECK(bad.out.empty());
    CHECK(bad.err.find("--price: unknown GPU 'h2o'") != std::string::npos);
  }

  TEST_CASE("an owned price is the TCO model's for every GPU; a source's all-in TCO figure is published-tco") {
    const Catalog catalog = test::shipped_catalog();
    for (const GpuSpec& gpu : catalog.gpus) {
      for (const PricePoint& p : gpu.prices) {
        CAPTURE(gpu.name);
        CAPTURE(p.label);
        CHECK((p.basis == PriceBasis::owned) == (p.label == owned_price_label));
      }
    }
    const GpuSpec& h200 = catalog.gpu("h200-sxm");
    CHECK(find_price(h200, "neocloud-tco")->basis == PriceBasis::published_tco);
    const Run text = run({"list", "gpus"});
    REQUIRE(text.code == 0);
    CHECK(text.out.find("basis") != std::string::npos);
    const Run csv = run({"list", "gpus", "--csv"});
    REQUIRE(csv.code == 0);
    CHECK(csv.out.find(",usd_per_gpu_hour,price_basis,price\n") != std::string::npos);
    CHECK(csv.out.find("\nh20,") != std::string::npos);
    // h20's owned price, from its purchase and the default TCO profile through the core's formula,
    // with its basis and label.
    const GpuSpec& h20 = catalog.gpu("h20");
    const auto tco = std::find_if(catalog.tco.begin(), catalog.tco.end(), [](const auto& t) { return t.name == "default"; });
    REQUIRE(tco != catalog.tco.end());
    REQUIRE(h20.purchase.has_value());
    const double owned = owned_cost_per_gpu_hour(purchase_per_gpu(*h20.purchase, h20.gpus_per_node, *tco), h20.tdp, *tco)
                             .total()
                             .value;
    CHECK(csv.out.find(fmt::format(",{},owned,tco-owned\n", csv_number(owned))) != std::string::npos);
  }
}

}  // namespace llmsizer
