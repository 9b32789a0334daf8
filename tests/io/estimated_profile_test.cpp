// Estimated profiles (estimated: true): a closed model whose size alone is published loads with a
// warning that every command prints, and its assumed layout lands near the published total.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "estimator/model_stats.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

const std::string estimated_warning =
    "warning: qwen3-max: an estimated profile (estimated: true): the architecture is not published, so memory, "
    "latency and cost are approximations; `llmsizer show qwen3-max` says what is and is not published\n";

}  // namespace

TEST_SUITE("profiles") {
  TEST_CASE("qwen3-max is estimated, counts about the published 1T, and says what is assumed") {
    const ModelSpec m = test::shipped_model("qwen3-max");
    CHECK(m.estimated);
    REQUIRE(m.warnings.size() == 1);
    CHECK("warning: qwen3-max: " + m.warnings[0] + "\n" == estimated_warning);
    const ParamCounts p = count_params(m);
    REQUIRE(m.official_total_params);
    CHECK(std::abs(p.total / *m.official_total_params - 1.0) <= 0.03);
    CHECK(m.notes.find("Not published") != std::string::npos);
    CHECK(!test::shipped_model("qwen3-235b-a22b").estimated);
  }

  TEST_CASE("every command that uses an estimated profile says so") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"show", "qwen3-max"},
             {"fit", "--model", "qwen3-max", "--gpu", "h200-sxm"},
             {"estimate", "--model", "qwen3-max", "--gpu", "h200-sxm", "--gpus", "16", "--isl", "1000", "--osl", "100"},
             {"sweep", "--model", "qwen3-max", "--gpu", "b200", "--isl", "1000", "--osl", "100", "--max-gpus", "16"},
             {"compare", "--model", "qwen3-max", "--model", "kimi-k2", "--gpu", "b200", "--isl", "1000", "--osl",
              "100"},
             {"plan", "--model", "qwen3-max", "--gpu", "b200", "--output-tokens-per-day", "1e9", "--max-gpus", "16"}}) {
      const Run r = run(args);
      CAPTURE(args[0]);
      CHECK(r.code == 0);
      CHECK(r.err.find(estimated_warning) != std::string::npos);
    }
    CHECK(run({"show", "qwen3-max"}).out.find("  estimated profile: ESTIMATED. Closed weights, API only. Published:") !=
          std::string::npos);
    const Run json = run({"show", "qwen3-max", "--json"});
    REQUIRE(json.code == 0);
    const auto j = nlohmann::json::parse(json.out);
    CHECK(j.at("estimated") == true);
    CHECK(j.at("warnings").size() == 1);
    // A published architecture carries no flag and no warning.
    const Run published = run({"show", "qwen3-235b-a22b", "--json"});
    CHECK(!nlohmann::json::parse(published.out).contains("estimated"));
    CHECK(published.err.empty());
  }
}

}  // namespace llmsizer
