// request/price_choice: --price GPU=USD per GPU type, a label or basis for the rest, one basis for a
// command over several GPUs, and the price every command then uses.
#include "request/price_choice.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "io/config_error.hpp"
#include "io/tco_loader.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

std::string price_error(const Catalog& catalog, const std::string& text) {
  try {
    (void)parse_price_option(catalog, text);
  } catch (const ConfigError& e) {
    return e.path() + ": " + e.message();
  }
  return "";
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("--price GPU=USD prices one GPU type; a label or basis prices the rest") {
    const Catalog catalog = test::shipped_catalog();
    const PriceOption o = parse_price_option(catalog, "h20=1.2,3yr-rental");
    const PriceChoice h20 = choose_price(catalog.gpu("h20"), o, std::nullopt);
    CHECK(*h20.usd_per_gpu_hour == doctest::Approx(1.2));
    CHECK(h20.basis == "user");
    const PriceChoice h100 = choose_price(catalog.gpu("h100-sxm"), o, std::nullopt);
    CHECK(*h100.usd_per_gpu_hour == doctest::Approx(1.30));
    CHECK(h100.basis == "3yr-rental");
    // --usd-per-gpu-hour prices every GPU that has no GPU=USD entry.
    CHECK(*choose_price(catalog.gpu("h100-sxm"), o, 2.5).usd_per_gpu_hour == doctest::Approx(2.5));
    CHECK(*choose_price(catalog.gpu("h20"), o, 2.5).usd_per_gpu_hour == doctest::Approx(1.2));
  }

  TEST_CASE("a GPU=USD entry for a GPU the run does not use is a warning, in estimate, sweep, compare, plan and report") {
    const Catalog catalog = test::shipped_catalog();
    const PriceOption o = parse_price_option(catalog, "h100-sxm=2.5,h20=1.2");
    const std::vector<const GpuSpec*> run_gpus{&catalog.gpu("h20"), &catalog.gpu("a100-80gb-sxm")};
    CHECK(unused_price_warnings(o, run_gpus) ==
          std::vector<std::string>{"--price h100-sxm=2.5: h100-sxm is not a GPU of this run (h20, a100-80gb-sxm); "
                                   "that price is not used"});
    CHECK(unused_price_warnings(parse_price_option(catalog, "3yr-rental"), run_gpus).empty());
    const std::string warning =
        "warning: --price h100-sxm=2.5: h100-sxm is not a GPU of this run (h100-pcie); that price is not used\n";
    const Run estimate = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--isl", "1000", "--osl",
                              "100", "--price", "h100-sxm=2.5"});
    CHECK(estimate.code == 0);
    CHECK(estimate.err == warning);
    const Run sweep = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--price", "h100-sxm=2.5", "--csv"});
    CHECK(sweep.code == 0);
    CHECK(sweep.err.find(warning) != std::string::npos);
    const Run compare = run({"compare", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--price", "h100-sxm=2.5"});
    CHECK(compare.code == 0);
    CHECK(compare.err.find(warning) != std::string::npos);
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--output-tokens-per-day", "1e8",
                          "--price", "h100-sxm=2.5"});
    CHECK(plan.code == 0);
    CHECK(plan.err.find(warning) != std::string::npos);
    const test::TempDir dir;
    const Run report = run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--price", "h100-sxm=2.5",
                            "--html", (dir.path() / "r.html").string()});
    CHECK(report.code == 0);
    CHECK(report.err.find(warning) != std::string::npos);
  }

  TEST_CASE("a basis name picks the GPU's first price on that basis") {
    const Catalog catalog = test::shipped_catalog();
    const PriceChoice owned = choose_price(catalog.gpu("h100-sxm"), parse_price_option(catalog, "owned"), std::nullopt);
    CHECK(owned.label == "tco-owned");  // owned is always our TCO model's figure
    CHECK(owned.basis == "owned");
    const PriceChoice published =
        choose_price(catalog.gpu("h100-sxm"), parse_price_option(catalog, "published-tco"), std::nullopt);
    CHECK(published.label == "neocloud-tco");  // a source's all-in TCO figure: its own basis
    CHECK(published.basis == "published-tco");
    const PriceChoice on_demand = choose_price(catalog.gpu("h100-sxm"), parse_price_option(catalog, "on-demand"), std::nullopt);
    CHECK(on_demand.label == "lambda-on-demand");
  }

  TEST_CASE("--price errors name the option") {
    const Catalog catalog = test::shipped_catalog();
    CHECK(price_error(catalog, "h2o=1.2") ==
          "--price: unknown GPU 'h2o'; did you mean 'h20', 'h200-sxm', 'l20'?; `llmsizer list gpus` shows them all");
    CHECK(price_error(catalog, "h20=abc") == "--price: h20: expected a number, got 'abc'");
    CHECK(price_error(catalog, "h20=0") == "--price: h20: 0 $/GPU-hour is out of range (> 0 and <= 1000)");
    CHECK(price_error(catalog, "h20=1,h20=2") == "--price: h20 is given two prices (1 and 2)");
    CHECK(price_error(catalog, "owned,on-demand") ==
          "--price: two price labels, 'owned' and 'on-demand'; give one label, and GPU=USD for single GPU types");
    try {
      (void)choose_price(catalog.gpu("a100-40gb-pcie"), parse_price_option(catalog, "owned"), std::nullopt);
      FAIL("expected an error");
    } catch (const ConfigError& e) {
      CHECK(e.path() == "--price");
      CHECK(e.message() == "a100-40gb-pcie has no price 'owned'; it has no prices, use --price a100-40gb-pcie=USD");
    }
    // A misspelt basis or label gets the closest of the GPU's labels and the basis names.
    for (const auto& [gpu, asked, expected] :
         {std::tuple{"h20", "ownd", "h20 has no price 'ownd' (it has: tco-owned (owned)); did you mean 'owned'?"},
          std::tuple{"h100-sxm", "aws-on-demnd",
                     "h100-sxm has no price 'aws-on-demnd' (it has: 3yr-rental (3yr-rental), neocloud-tco "
                     "(published-tco), hyperscaler-tco (published-tco), lambda-on-demand (on-demand), "
                     "aws-capacity-block (reserved), aws-on-demand (on-demand), tco-owned (owned)); did you mean "
                     "'aws-on-demand'?"},
          // A basis the GPU has no price on is spelt right: no did-you-mean to itself.
          std::tuple{"h20", "3yr-rental", "h20 has no price '3yr-rental' (it has: tco-owned (owned))"}}) {
      try {
        (void)choose_price(catalog.gpu(gpu), parse_price_option(catalog, asked), std::nullopt);
        FAIL("expected an error");
      } catch (const ConfigError& e) {
        CHECK(e.message() == expected);
      }
    }
    const test::Run cli = test::run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h20", "--isl", "100", "--osl",
                                     "100", "--price", "ownd"});
    CHECK(cli.code == 2);
    CHECK(cli.err == "error: --price: h20 has no price 'ownd' (it has: tco-owned (owned)); did you mean 'owned'?\n");
  }

  TEST_CASE("one basis for a command over several GPUs: never a mix") {
    const Catalog catalog = test::shipped_catalog();
    const GpuSpec& h20 = catalog.gpu("h20");
    const GpuSpec& h100 = catalog.gpu("h100-sxm");
    const GpuSpec& a100 = catalog.gpu("a100-80gb-sxm");
    // H100 has a 3-year rental and an owned price; H20 only its owned price: both are priced as owned.
    CHECK(common_price_basis({&h100, &h20}) == PriceBasis::owned);
    // Alone, the first basis in default_basis_order that the GPU has.
    CHECK(common_price_basis({&h100}) == PriceBasis::rental_3yr);
    CHECK(common_price_basis({&h20}) == PriceBasis::owned);
    CHECK(common_price_basis({&a100}) == PriceBasis::on_demand);
    // A100 80GB has one on-demand price, and H100 has one too: the one basis both have.
    CHECK(common_price_basis({&a100, &h100}) == PriceBasis::on_demand);
    // A100 on-demand only, H20 owned only: a tie, decided by default_basis_order (owned before on-demand).
    CHECK(common_price_basis({&a100, &h20}) == PriceBasis::owned);
    // A GPU's default price is its price on its own basis (list, estimate and a scenarios row).
    CHECK(default_price(h100).label == "3yr-rental");
    CHECK(default_price(h20).label == "tco-owned");
    CHECK_FALSE(default_price(catalog.gpu("h100-pcie")).usd_per_gpu_hour.has_value());
    // A GPU without a price on the chosen basis stays unpriced rather than priced on another.
    const std::optional<PriceBasis> basis = common_price_basis({&h100, &h20, &a100});
    REQUIRE(basis.has_value());
    for (const GpuSpec* gpu : {&h100, &h20, &a100}) {
      const PriceChoice c = choose_price(*gpu, PriceOption{}, std::nullopt, basis);
      if (c.usd_per_gpu_hour) CHECK(c.basis == name(*basis));
    }
    CHECK_FALSE(common_price_basis({&catalog.gpu("a100-40gb-pcie")}).has_value());
  }
}

TEST_SUITE("cli") {
  TEST_CASE("estimate on H20 with no price given has a $/Mtok and names its basis") {
    const Run r = run({"estimate", "--model", "glm-4.5", "--gpu", "h20", "--isl", "1000", "--osl", "200"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("cost per M output tokens") != std::string::npos);
    CHECK(r.out.find("(tco-owned, owned (TCO model) basis)") != std::string::npos);
  }

  TEST_CASE("--price h20=1.2 in estimate, sweep, compare and plan") {
    const Run estimate = run({"estimate", "--model", "glm-4.5", "--gpu", "h20", "--isl", "1000", "--osl", "200",
                              "--price", "h20=1.2"});
    REQUIRE(estimate.code == 0);
    CHECK(estimate.out.find("at $1.200/GPU-h (user)") != std::string::npos);
    const Run sweep = run({"sweep", "--model", "glm-4.5", "--gpu", "h20", "--isl", "1000", "--osl", "200",
                           "--price", "h20=1.2"});
    CHECK(sweep.code == 0);
    CHECK(sweep.out.find("$1.200/GPU-h") != std::string::npos);
    const Run compare = run({"compare", "--model", "glm-4.5", "--model", "deepseek-r1", "--gpu", "h20", "--isl",
                             "1000", "--osl", "200", "--price", "h20=1.2"});
    CHECK(compare.code == 0);
    const Run plan = run({"plan", "--model", "glm-4.5", "--gpu", "h20", "--output-tokens-per-day", "1e9", "--price",
                          "h20=1.2", "--json"});
    REQUIRE(plan.code == 0);
    CHECK(plan.out.find("\"usd_per_gpu_hour\": 1.2") != std::string::npos);
    const Run bad = run({"plan", "--model", "glm-4.5", "--gpu", "h20", "--output-tokens-per-day", "1e9", "--price",
                         "h20=x"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--price: h20: expected a number, got 'x'") != std::string::npos);
  }

  TEST_CASE("a GPU with no price at all stays unpriced beside priced ones") {
    const Run r = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "a100-40gb-pcie", "--gpu", "h100-sxm", "--isl",
                       "1000", "--osl", "200", "--max-gpus", "2"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\na100-40gb-pcie (40 GB, no price): ") != std::string::npos);
    CHECK(r.out.find("\nh100-sxm (80 GB, $1.300/GPU-h, 3-year rental): ") != std::string::npos);  // basis named
  }

  TEST_CASE("GPU types with no sourced price: exactly these, and every other one is priced") {
    // The shared data (prices_tco.yaml, gpus.yaml) gives no purchase or rental figure for these five;
    // every other profile carries at least one sourced price or a purchase price (an owned TCO price).
    // A price added to one of them must be sourced, and this list shrinks with it.
    const Catalog catalog = test::shipped_catalog();
    std::vector<std::string> unpriced;
    for (const GpuSpec& gpu : catalog.gpus) {
      if (gpu.prices.empty()) unpriced.push_back(gpu.name);
      for (const PricePoint& p : gpu.prices) {
        CAPTURE(gpu.name);
        CHECK(!p.source.empty());
        CHECK(!p.label.empty());
      }
    }
    CHECK(unpriced ==
          std::vector<std::string>{"a100-40gb-pcie", "h100-nvl", "h100-pcie", "h200-nvl", "rtx-pro-6000-blackwell-server"});
  }

  TEST_CASE("a GPU with no price at all: sweep, compare and plan name it and the --price that prices it, never $0") {
    const std::string note = "note: h100-pcie has no price in its profile: --price h100-pcie=USD gives it one";
    // Beside a priced GPU type.
    const Run sweep = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--gpu", "h100-sxm", "--isl",
                           "1000", "--osl", "200", "--max-gpus", "1", "--concurrency", "8"});
    REQUIRE(sweep.code == 0);
    CHECK(sweep.out.find("\n" + note + "\n") != std::string::npos);
    CHECK(sweep.out.find("\nh100-pcie (80 GB, no price): ") != std::string::npos);
    const Run json = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--gpu", "h100-sxm", "--isl",
                          "1000", "--osl", "200", "--max-gpus", "1", "--concurrency", "8", "--json"});
    REQUIRE(json.code == 0);
    const nlohmann::json frontier = nlohmann::json::parse(json.out)["frontier"];
    int pcie_rows = 0;
    for (const nlohmann::json& row : frontier) {
      const bool pcie = row["gpu"] == "h100-pcie";
      pcie_rows += pcie ? 1 : 0;
      CHECK(row["usd_per_mtok_output"].is_null() == pcie);  // missing is null, never 0
    }
    CHECK(pcie_rows > 0);
    // Alone: nothing is priced, and it still says which GPU and how.
    const Run compare = run({"compare", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--max-gpus", "1"});
    REQUIRE(compare.code == 0);
    CHECK(compare.out.find("\n" + note + "\n") != std::string::npos);
    CHECK(compare.out.find("- (no price)") != std::string::npos);
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--output-tokens-per-day", "1e8",
                          "--max-gpus", "1"});
    REQUIRE(plan.code == 0);
    CHECK(plan.out.find("; no GPU type has a price, so options are ranked by GPU count\n" + note + "\n") !=
          std::string::npos);
    // The plan's machine-readable rows: the note names the option, the cost columns are null.
    const Run plan_json = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--gpu", "h100-sxm",
                               "--output-tokens-per-day", "1e8", "--max-gpus", "1", "--json"});
    REQUIRE(plan_json.code == 0);
    const nlohmann::json options = nlohmann::json::parse(plan_json.out)["options"];
    bool seen = false;
    for (const nlohmann::json& o : options) {
      if (o["gpu"] != "h100-pcie") continue;
      seen = true;
      CHECK(o["note"] == "h100-pcie has no price in its profile: --price h100-pcie=USD gives it one");
      CHECK(o["usd_per_month"].is_null());
      CHECK(o["usd_per_gpu_hour"].is_null());
    }
    CHECK(seen);
  }

  TEST_CASE("estimate --scenarios --json: a row on a GPU with no price has null $ and a note naming --price") {
    const test::TempDir dir;
    const std::string file = (dir.path() / "rows.csv").string();
    {
      std::ofstream out(file);
      out << "id,model,gpu,isl,osl,concurrency\na,llama-3.1-8b,h100-pcie,1000,100,8\nb,llama-3.1-8b,h100-sxm,1000,100,8\n";
    }
    const Run r = run({"estimate", "--scenarios", file, "--json"});
    REQUIRE(r.code == 0);
    const nlohmann::json rows = nlohmann::json::parse(r.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["usd_per_mtok_output"].is_null());
    CHECK(rows[0]["notes"] ==
          nlohmann::json::array({"h100-pcie has no price in its profile: --price h100-pcie=USD gives it one"}));
    CHECK(rows[1]["usd_per_mtok_output"].get<double>() > 0);
    CHECK(rows[1]["notes"] == nlohmann::json::array());
  }

  TEST_CASE("report --html: a GPU with no price says so and names --price in its table and under its $/Mtok bar") {
    const test::TempDir dir;
    const std::string path = (dir.path() / "report.html").string();
    const Run r = run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-pcie", "--gpu", "h100-sxm", "--isl", "1000",
                       "--osl", "200", "--html", path});
    REQUIRE(r.code == 0);
    const std::string html = read_file(path);
    size_t mentions = 0;
    const std::string note = "h100-pcie has no price in its profile: --price h100-pcie=USD gives it one";
    for (size_t at = html.find(note); at != std::string::npos; at = html.find(note, at + 1)) ++mentions;
    CHECK(mentions >= 2);  // the GPU table's price cell and the $/Mtok chart's caption
    CHECK(html.find("no price (the note below says how to give one)") != std::string::npos);  // the bar
    CHECK(html.find("--price h100-sxm") == std::string::npos);
  }

  TEST_CASE("the issue's compare: no price and no request size given, $/Mtok on a named basis") {
    // `compare --model glm-4.5 --model deepseek-r1 --gpu h20` (up to 16 GPUs, to keep it quick):
    // requests default to 1,000 + 1,000 tokens as in plan, and H20 is priced on its owned (TCO model) basis.
    const Run r = run({"compare", "--model", "glm-4.5", "--model", "deepseek-r1", "--gpu", "h20", "--max-gpus", "16"});
    REQUIRE(r.code == 0);
    CHECK(r.out.rfind("1,000 input + 1,000 output tokens per request, no SLO;", 0) == 0);
    CHECK(r.out.find("$ on the owned (TCO model) price basis") != std::string::npos);
    CHECK(r.out.find("$/Mtok output  ") != std::string::npos);
    CHECK(r.out.find("- (no price)") == std::string::npos);
  }

  TEST_CASE("a GPU priced only on another basis: the note says which and how to compare it") {
    // A100 80GB has an on-demand price, H20 only its owned (TCO model) one: no basis covers both, the
    // tie goes to owned, so A100 is unpriced, and the note names A100's on-demand price and --price.
    const Run r = run({"compare", "--model", "llama-3.1-8b", "--gpu", "a100-80gb-sxm", "--gpu", "h20", "--max-gpus",
                       "2"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\nnote: a100-80gb-sxm has no owned (TCO model) price and one comparison does not mix price "
                     "bases; its profile prices it at $1.790/GPU-hour (lambda-on-demand, on-demand basis): --price "
                     "a100-80gb-sxm=1.790 compares it at that figure\n") != std::string::npos);
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "a100-80gb-sxm", "--gpu", "h20",
                          "--output-tokens-per-day", "1e8", "--max-gpus", "2"});
    REQUIRE(plan.code == 0);
    CHECK(plan.out.find("\nnote: a100-80gb-sxm has no owned (TCO model) price and one comparison does not mix price "
                        "bases;") != std::string::npos);
    CHECK(plan.out.find("; it is ranked after the priced options, by GPU count\n") != std::string::npos);
  }
}

}  // namespace llmsizer
