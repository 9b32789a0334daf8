// Tests of the bands/1 loader: a round trip, and one bad input per error path with the exact message,
// line, caret included.
#include "io/bands_loader.hpp"

#include <doctest/doctest.h>

#include <string>

#include "io/config_error.hpp"
#include "tests/test_support.hpp"

namespace {

// Line numbers matter to the expected messages below.
const std::string good_bands =
    "schema: bands/1\n"                                                         // 1
    "name: default\n"                                                           // 2
    "source: test\n"                                                            // 3
    "min_runs: 20\n"                                                            // 4
    "widening: {ttft: 1.5, tpot: 1.2, output_tok_s: 1.25}\n"                    // 5
    "in_sample_mean_log_ratio: {ttft: 0.1, tpot: -0.05, output_tok_s: 0.02}\n"  // 6
    "bands:\n"                                                                  // 7
    "  - {metric: tpot, architecture: moe, generation: hopper, engine: trtllm, concurrency: \"1-8\", "
    "runs: 30, p10_log_ratio: -0.1, p50_log_ratio: 0, p90_log_ratio: 0.2}\n"  // 8
    "  - {metric: tpot, architecture: \"*\", generation: \"*\", engine: \"*\", concurrency: \"*\", "
    "runs: 30, p10_log_ratio: -0.1, p50_log_ratio: 0, p90_log_ratio: 0.2}\n";  // 9

std::string error_of(const std::string& text) {
  try {
    const llmsizer::SourceText source = llmsizer::make_source("bad.yaml", text);
    (void)llmsizer::parse_error_bands(llmsizer::parse_yaml(text, source), source);
  } catch (const llmsizer::ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("bands/1 reads back what it writes") {
    const llmsizer::SourceText source = llmsizer::make_source("good.yaml", good_bands);
    const llmsizer::ErrorBands b = llmsizer::parse_error_bands(llmsizer::parse_yaml(good_bands, source), source);
    CHECK(b.name == "default");
    CHECK(b.min_runs == 20);
    REQUIRE(b.entries.size() == 2);
    CHECK(b.entries[0].regime.label() == "all runs");  // sorted: "*" before letters
    CHECK(b.entries[1].regime.label() == "moe, hopper, trtllm, concurrency 1-8");
    CHECK(b.entries[1].runs == 30);
    const std::string yaml = llmsizer::error_bands_to_yaml(b);
    const llmsizer::SourceText again = llmsizer::make_source("again.yaml", yaml);
    const llmsizer::ErrorBands c = llmsizer::parse_error_bands(llmsizer::parse_yaml(yaml, again), again);
    CHECK(llmsizer::error_bands_to_yaml(c) == yaml);
  }

  TEST_CASE("bands/1 errors name the field, the line and the column") {
    CHECK(error_of(good_bands) == "(no error)");
    CHECK(error_of(replaced(good_bands, "min_runs", "min_run")) ==
          "bad.yaml:4:1: error: min_run: unknown key; did you mean 'min_runs'?\nmin_run: 20\n^");
    CHECK(first_line(error_of(
              replaced(good_bands, "metric: tpot, architecture: moe", "metric: tpot_ms, architecture: moe"))) ==
          "bad.yaml:8:14: error: bands[0].metric: unknown metric 'tpot_ms' (expected ttft, tpot or output_tok_s)");
    CHECK(
        error_of(replaced(good_bands,
                          "runs: 30, p10_log_ratio: -0.1, p50_log_ratio: 0, p90_log_ratio: 0.2}\n  - {metric: tpot, "
                          "architecture: \"*\"",
                          "runs: 30, p10_log_ratio: -0.1, p50_log_ratio: 0.3, p90_log_ratio: 0.2}\n  - {metric: tpot, "
                          "architecture: \"*\""))
            .starts_with("bad.yaml:8:"));
    CHECK(
        error_of(replaced(good_bands, "architecture: \"*\", generation: \"*\", engine: \"*\", concurrency: \"*\"",
                          "architecture: moe, generation: hopper, engine: trtllm, concurrency: \"1-8\""))
            .starts_with("bad.yaml:9:14: error: bands[1].metric: tpot of regime 'moe, hopper, trtllm, concurrency 1-8' "
                         "is listed twice (also on line 8)"));
    CHECK(error_of(replaced(good_bands, "schema: bands/1", "schema: bands/2")) ==
          "bad.yaml:1:9: error: schema: expected 'bands/1'\nschema: bands/2\n        ^");
    CHECK(error_of(
              replaced(
                  good_bands,
                  "runs: 30, p10_log_ratio: -0.1, p50_log_ratio: 0, p90_log_ratio: 0.2}\n  - {metric: tpot, "
                  "architecture: \"*\"",
                  "p10_log_ratio: -0.1, p50_log_ratio: 0, p90_log_ratio: 0.2}\n  - {metric: tpot, architecture: \"*\""))
              .starts_with("bad.yaml:8:5: error: bands[0].runs: missing"));
    CHECK(first_line(error_of(replaced(good_bands, "tpot: 1.2", "tpot: 0.5"))).starts_with("bad.yaml:5:"));
  }
}
