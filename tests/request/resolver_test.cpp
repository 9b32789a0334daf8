// request/resolver: engine names come from the calibration, and the shared option groups parse
// through the scenario fields in every subcommand.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "request/resolver.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

std::string engine_error(const Calibration& calibration, const std::string& engine) {
  try {
    check_engine(calibration, engine);
  } catch (const ConfigError& e) {
    return e.path() + ": " + e.message();
  }
  return "";
}

Calibration with_engines(const std::vector<std::string>& names) {
  Calibration c;
  for (const std::string& n : names) {
    EngineEfficiency e;
    e.engine = n;
    c.engines.push_back(e);
  }
  return c;
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("engines: accepted and suggested from the calibration's list, not from a list in the code") {
    const Calibration shipped = test::shipped_catalog().calibration("default");
    for (const char* known : {"", "default", "trtllm", "vllm", "sglang"}) CHECK(engine_error(shipped, known).empty());
    CHECK(engine_error(shipped, "vlm") ==
          "--engine: unknown engine 'vlm' (expected trtllm, vllm or sglang); did you mean 'vllm'?");
    // A calibration that lists another engine accepts it, suggests it, and no longer knows vllm.
    const Calibration custom = with_engines({"default", "lmdeploy", "tgi"});
    CHECK(engine_error(custom, "lmdeploy").empty());
    CHECK(engine_error(custom, "lmdeplo") ==
          "--engine: unknown engine 'lmdeplo' (expected lmdeploy or tgi); did you mean 'lmdeploy'?");
    CHECK(engine_error(custom, "vllm") == "--engine: unknown engine 'vllm' (expected lmdeploy or tgi)");
    CHECK(engine_error(with_engines({}), "vllm") == "--engine: unknown engine 'vllm' (expected default)");
  }

  TEST_CASE("engines: estimate, sweep and plan check --engine against the same list") {
    const std::string expected =
        "error: --engine: unknown engine 'sglng' (expected trtllm, vllm or sglang); did you mean 'sglang'?\n";
    const Run estimate = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl",
                              "100", "--engine", "sglng"});
    CHECK(estimate.err == expected);
    const Run sweep = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                           "--engine", "sglng"});
    CHECK(sweep.err == expected);
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9",
                          "--engine", "sglng"});
    CHECK(plan.err == expected);
  }

  TEST_CASE("shared options: --isl is the isl field in estimate, sweep, compare and report") {
    const std::string expected = "error: --isl: 0 is out of range (must be >= 1 and <= 2147483648)\n";
    for (const char* command : {"estimate", "sweep", "compare", "report"}) {
      CAPTURE(command);
      std::vector<std::string> args = {command, "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "0", "--osl", "100"};
      if (std::string(command) == "report") args.insert(args.end(), {"--html", "x.html"});
      const Run r = run(args);
      CHECK(r.code == 2);
      CHECK(r.err == expected);
    }
  }

  TEST_CASE("shared options: sweep's repeatable --concurrency reads each value as the concurrency field") {
    const Run r = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                       "--max-gpus", "1", "--concurrency", "010", "--json"});
    REQUIRE(r.code == 0);
    const auto frontier = nlohmann::json::parse(r.out).at("frontier");
    REQUIRE_FALSE(frontier.empty());
    for (const auto& row : frontier) CHECK(row["concurrency"] == 10);  // decimal, not octal 8
    const Run bad = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                         "--concurrency", "4", "--concurrency", "lots"});
    CHECK(bad.err == "error: --concurrency: expected a whole number, got 'lots'\n");
  }

  TEST_CASE("shared options: --usd-per-gpu-hour parses and checks alike in every subcommand") {
    const std::string expected = "error: --usd-per-gpu-hour: 0 is out of range (must be > 0 and <= 1000 $/GPU-hour)\n";
    const std::vector<std::vector<std::string>> commands = {
        {"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100"},
        {"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100"},
        {"compare", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100"},
        {"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9"},
        {"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100", "--html", "x.html"}};
    for (std::vector<std::string> args : commands) {
      CAPTURE(args[0]);
      args.emplace_back("--usd-per-gpu-hour");
      args.emplace_back("0");
      const Run r = run(args);
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == expected);
    }
  }
}

}  // namespace llmsizer
