// plan and compare rank by the $ they show whenever every option is priced, whatever each price's
// basis; a mix of bases is a note in every output (text, CSV, JSON). Also compare's table without an
// SLO and under two-batch overlap, and plan --emit ENGINE sizing with that engine.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// deepseek-r1 on H20 (priced by the user) and H200 (its 3-year rental), 2e9 output tokens/day, TPOT 50 ms.
const std::vector<std::string> ranking_plan_args = {"plan", "--model",   "deepseek-r1", "--gpu",
                                                    "h20",  "--gpu",     "h200-sxm",    "--output-tokens-per-day",
                                                    "2e9",  "--tpot-ms", "50"};

nlohmann::json ranking_json(std::vector<std::string> args) {
  args.push_back("--json");
  const test::Run r = test::run(args);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

using test::with;

constexpr const char* mixed_note_start = "prices are on different bases (h20 user-given, h200-sxm 3-year rental)";

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE("a misspelt --price label stops plan, compare, sweep and report with a did-you-mean") {
    // Comparisons leave a GPU without the asked basis unpriced; a label no GPU of the run has, and no
    // basis name, is a typo: exit 2, nothing answered.
    const std::string expected_start = "error: --price: unknown price '3yr-rentl': neither a basis";
    const std::vector<std::vector<std::string>> commands = {
        with(ranking_plan_args, {"--price", "3yr-rentl"}),
        {"compare", "--model", "llama-3.1-8b", "--gpu", "h20", "--gpu", "h200-sxm", "--price", "3yr-rentl"},
        {"sweep", "--model", "llama-3.1-8b", "--gpu", "h200-sxm", "--max-gpus", "1", "--price", "3yr-rentl"},
        {"report", "--model", "llama-3.1-8b", "--gpu", "h200-sxm", "--price", "3yr-rentl", "--html", "/dev/null"},
    };
    for (const auto& args : commands) {
      CAPTURE(args.front());
      const test::Run r = test::run(args);
      CHECK(r.code == 2);
      CHECK(r.out == "");
      CHECK(r.err.rfind(expected_start, 0) == 0);
      CHECK(r.err.find("did you mean '3yr-rental'?") != std::string::npos);
    }
    // A basis only some GPUs have is no typo: the others are unpriced with a note.
    CHECK(test::run(with(ranking_plan_args, {"--price", "3yr-rental"})).code == 0);
  }

  TEST_CASE("plan ranks by $/month whether or not the prices share a basis") {
    // H20 at a user-given $0.15 against H200 on its 3-year rental: the cheaper fleet is first, and
    // giving H200 its own rental price by hand (the same figure) does not change the order.
    for (const auto& more : {std::vector<std::string>{"--price", "h20=0.15"},
                             std::vector<std::string>{"--price", "h20=0.15", "--price", "h200-sxm=1.6"}}) {
      const nlohmann::json plan = ranking_json(with(ranking_plan_args, more));
      const nlohmann::json& options = plan["options"];
      REQUIRE(options.size() == 2);
      CAPTURE(more.size());
      CHECK(options[0]["usd_per_month"].get<double>() < options[1]["usd_per_month"].get<double>());
      CHECK(options[0]["gpu"] == "h20");
    }
  }

  TEST_CASE("the mixed-basis note is in plan's and compare's text, CSV and JSON") {
    const std::vector<std::string> price{"--price", "h20=0.15"};
    const test::Run text = test::run(with(ranking_plan_args, price));
    CHECK(text.out.find(std::string("note: ") + mixed_note_start) != std::string::npos);
    CHECK(text.out.find("ranked by fleet GPUs") == std::string::npos);
    const test::Run csv = test::run(with(ranking_plan_args, {"--price", "h20=0.15", "--csv"}));
    REQUIRE(csv.code == 0);
    size_t rows = 0;
    for (size_t at = csv.out.find(mixed_note_start); at != std::string::npos;
         at = csv.out.find(mixed_note_start, at + 1))
      ++rows;
    CHECK(rows == 2);  // the note column of both priced rows
    const std::vector<std::string> compare{"compare",  "--model",   "deepseek-r1", "--gpu",   "h20",     "--gpu",
                                           "h200-sxm", "--tpot-ms", "50",          "--price", "h20=0.15"};
    const test::Run compare_csv = test::run(with(compare, {"--csv"}));
    REQUIRE(compare_csv.code == 0);
    CHECK(compare_csv.out.find(mixed_note_start) != std::string::npos);
    const nlohmann::json rows_json = ranking_json(compare);
    REQUIRE(rows_json.size() == 2);
    for (const nlohmann::json& row : rows_json) {
      CAPTURE(row["gpu"]);
      bool noted = false;
      for (const nlohmann::json& w : row["warnings"])
        noted = noted || w.get<std::string>().rfind(mixed_note_start, 0) == 0;
      CHECK(noted);
      // Ranked by the $/Mtok shown: H20's user-given $ is the lower one.
      CHECK(row["rank"] == (row["gpu"] == "h20" ? 1 : 2));
    }
  }

  TEST_CASE("a user-given price beside a basis: the note does not suggest the --price already given") {
    const test::Run r = test::run(with(ranking_plan_args, {"--price", "owned", "--price", "h20=0.15"}));
    REQUIRE(r.code == 0);
    const size_t note = r.out.find("note: prices are on different bases (h20 user-given, h200-sxm owned (TCO model))");
    REQUIRE(note != std::string::npos);
    const std::string line = r.out.substr(note, r.out.find('\n', note) - note);
    CHECK(line.find("--price owned puts all of them on one basis") == std::string::npos);
    CHECK(line.find("--price GPU=USD for every GPU type") != std::string::npos);
  }

  TEST_CASE("compare without an SLO shows no SLO verdict; the table has the overlap; two-batch says both reads") {
    const test::Run none = test::run({"compare", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--max-gpus", "8"});
    REQUIRE(none.code == 0);
    CHECK(none.out.find("\nmeets SLO                - (no SLO)") != std::string::npos);
    CHECK(none.out.find("\noverlap                  none") != std::string::npos);
    const test::Run two = test::run(
        {"compare", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--max-gpus", "8", "--overlap", "two-batch"});
    REQUIRE(two.code == 0);
    CHECK(two.out.find("\noverlap                  two-batch") != std::string::npos);
    CHECK(two.out.find("of weights resident per GPU, each of a decode step's 2 micro-batches reads them, ") !=
          std::string::npos);
  }

  TEST_CASE("plan --emit ENGINE without --engine plans with that engine; the header's count is per replica") {
    const std::vector<std::string> base{
        "plan", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--output-tokens-per-day", "2e9", "--tpot-ms", "50"};
    const test::Run emitted = test::run(with(base, {"--emit", "SGLang"}));
    const test::Run engine = test::run(with(base, {"--emit", "sglang", "--engine", "sglang"}));
    REQUIRE(emitted.code == 0);
    CHECK(emitted.out == engine.out);
    const nlohmann::json plan = ranking_json(with(base, {"--engine", "sglang"}));
    const nlohmann::json& best = plan["options"][0];
    const auto per_replica = best["concurrency_per_replica"].get<std::int64_t>();
    const std::string flag = "--max-running-requests " + std::to_string(per_replica) + " ";
    if (best["replicas"].get<int>() > 1) {
      CHECK(emitted.out.find(" requests at once per replica (") != std::string::npos);
    }
    CHECK(emitted.out.find(flag) != std::string::npos);
  }
}

}  // namespace llmsizer
