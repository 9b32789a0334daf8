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

  TEST_CASE("a GPU's default basis is its own, whichever GPUs are beside it") {
    const Catalog catalog = test::shipped_catalog();
    const GpuSpec& h20 = catalog.gpu("h20");
    const GpuSpec& h100 = catalog.gpu("h100-sxm");
    const GpuSpec& a100 = catalog.gpu("a100-80gb-sxm");
    // The first basis in default_basis_order that the GPU has.
    CHECK(default_price_basis(h100) == PriceBasis::rental_3yr);
    CHECK(default_price_basis(h20) == PriceBasis::owned);
    CHECK(default_price_basis(a100) == PriceBasis::on_demand);
    CHECK_FALSE(default_price_basis(catalog.gpu("a100-40gb-pcie")).has_value());
    CHECK(default_price(h100).label == "3yr-rental");
    CHECK(default_price(h20).label == "tco-owned");
    CHECK_FALSE(default_price(catalog.gpu("h100-pcie")).usd_per_gpu_hour.has_value());
    // The basis a --price BASIS would put all of them on: H100 and H20 share only owned; a GPU without
    // any price does not stop it.
    CHECK(shared_price_basis({&h100, &h20}) == PriceBasis::owned);
    CHECK(shared_price_basis({&h100, &a100}) == PriceBasis::on_demand);
    CHECK(shared_price_basis({&h100, &h20, &catalog.gpu("a100-40gb-pcie")}) == PriceBasis::owned);
    CHECK_FALSE(shared_price_basis({&catalog.gpu("a100-40gb-pcie")}).has_value());
    // A mix is said, with each GPU's basis and the --price that puts them on one.
    CHECK_FALSE(mixed_basis_note({{&h100, "3yr-rental"}, {&h100, "3yr-rental"}, {&h20, ""}}).has_value());
    CHECK(mixed_basis_note({{&h100, "3yr-rental"}, {&h20, "owned"}}) ==
          "prices are on different bases (h100-sxm 3-year rental, h20 owned (TCO model)): each GPU type is priced on "
          "its own (its default basis, as when priced alone, or the price given), so its $ figures are not like for "
          "like with the others'; --price "
          "owned puts all of them on one basis");
    // A comparison leaves a GPU without the asked basis unpriced (a note says why), never on another basis.
    const PriceOption rental = parse_price_option(catalog, "3yr-rental");
    CHECK_FALSE(choose_price(h20, rental, std::nullopt, MissingNamedPrice::unpriced).usd_per_gpu_hour.has_value());
    CHECK(choose_price(h100, rental, std::nullopt, MissingNamedPrice::unpriced).basis == "3yr-rental");
    CHECK(unpriced_note(h20, "3yr-rental") ==
          "h20 has no 3-year rental price, the basis --price 3yr-rental asks for; its profile prices it at "
          "$0.851/GPU-hour (tco-owned, owned (TCO model) basis): --price h20=0.851 compares it at that figure");
    // A basis in capitals is the basis, not a label, and the note says it in lower case.
    CHECK(unpriced_note(h20, "3YR-Rental").rfind("h20 has no 3-year rental price, the basis --price 3yr-rental", 0) ==
          0);
  }
}

TEST_SUITE("cli") {
  TEST_CASE("plan and compare: one GPU's price does not change with the GPUs beside it") {
    // H200 alone is priced on its 3-year rental; beside H20 (which has only its owned price) it used
    // to move to the owned basis of the pair ($1.922). Each row names its basis; the mix gets a note.
    const auto plan = [](std::vector<std::string> gpus) {
      std::vector<std::string> args{"plan", "--model", "llama-3.1-8b", "--output-tokens-per-day", "1e8", "--csv"};
      for (const std::string& g : gpus) args.insert(args.end(), {"--gpu", g});
      return run(args);
    };
    const Run alone = plan({"h200-sxm"});
    const Run pair = plan({"h200-sxm", "h20"});
    REQUIRE(alone.code == 0);
    REQUIRE(pair.code == 0);
    const std::string h200 = "h200-sxm,";
    const auto price_of = [&](const std::string& csv) {
      const size_t row = csv.find("\nllama-3.1-8b," + h200);
      REQUIRE(row != std::string::npos);
      const std::string line = csv.substr(row, csv.find('\n', row + 1) - row);
      CHECK(line.find(",3yr-rental,3yr-rental,") != std::string::npos);  // price label and basis
      return line;
    };
    CHECK(price_of(alone.out).find(",1.6,") != std::string::npos);
    CHECK(price_of(pair.out).find(",1.6,") != std::string::npos);
    CHECK(pair.out.find(",tco-owned,owned,") != std::string::npos);  // H20 on its own owned basis
    const Run text =
        run({"plan", "--model", "llama-3.1-8b", "--output-tokens-per-day", "1e8", "--gpu", "h200-sxm", "--gpu", "h20"});
    CHECK(text.out.find("note: prices are on different bases (h200-sxm 3-year rental, h20 owned (TCO model))") !=
          std::string::npos);
    const Run compare = run({"compare", "--model", "llama-3.1-8b", "--gpu", "h200-sxm", "--gpu", "h20", "--json"});
    REQUIRE(compare.code == 0);
    CHECK(compare.out.find("\"usd_per_gpu_hour\": 1.6") != std::string::npos);
    // Asked for a basis H20 lacks: H20 unpriced with a note, not an error and not another basis.
    const Run rental =
        run({"compare", "--model", "llama-3.1-8b", "--gpu", "h200-sxm", "--gpu", "h20", "--price", "3yr-rental"});
    REQUIRE(rental.code == 0);
    CHECK(rental.out.find("note: h20 has no 3-year rental price, the basis --price 3yr-rental asks for") !=
          std::string::npos);
  }

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

  TEST_CASE("GPUs on different default bases: each keeps its own, and a note says so") {
    // A100 80GB has an on-demand price, H20 only its owned (TCO model) one: each is priced on its own
    // basis, and the note names both and that they share none.
    const Run r = run({"compare", "--model", "llama-3.1-8b", "--gpu", "a100-80gb-sxm", "--gpu", "h20", "--max-gpus",
                       "2"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\nnote: prices are on different bases (a100-80gb-sxm on-demand, h20 owned (TCO model)): each "
                     "GPU type is priced on its own (its default basis, as when priced alone, or the price given), so "
                     "its $ figures are not like for like with the others'; they share no basis: --price GPU=USD sets "
                     "one figure per GPU type\n") != std::string::npos);
    CHECK(r.out.find("$1.790 (on-demand)") != std::string::npos);
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "a100-80gb-sxm", "--gpu", "h20",
                          "--output-tokens-per-day", "1e8", "--max-gpus", "2", "--price", "owned"});
    REQUIRE(plan.code == 0);
    CHECK(plan.out.find("\nnote: a100-80gb-sxm has no owned (TCO model) price, the basis --price owned asks for;") !=
          std::string::npos);
    CHECK(plan.out.find("; it is ranked after the priced options, by GPU count\n") != std::string::npos);
  }
}

}  // namespace llmsizer
