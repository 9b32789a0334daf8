// Calibration loader (io/calibration_loader.hpp): the `bounds` calibrate keeps fitted parameters in.
#include "io/calibration_loader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "io/config_error.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace {

/// `text` parsed as the shipped priors file (errors name priors.yaml).
llmsizer::Calibration parse(const std::string& text) {
  const llmsizer::SourceText source = llmsizer::make_source("priors.yaml", text);
  return llmsizer::parse_calibration(llmsizer::parse_yaml(text, source), source);
}

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("calibration bounds: a range per fitted parameter, minimum below maximum") {
    const std::string text =
        llmsizer::read_file(llmsizer::test::source_path("profiles/calibration/priors.yaml").string());
    const llmsizer::SourceText source = llmsizer::make_source("priors.yaml", text);
    const llmsizer::Calibration priors = llmsizer::parse_calibration(llmsizer::parse_yaml(text, source), source);
    bool found = false;
    for (const llmsizer::ParameterBound& b : priors.bounds) {
      if (b.parameter != "trtllm.moe_layer_overhead") continue;
      found = true;
      CHECK(b.min == 0);
      CHECK(b.max == doctest::Approx(30e-6));  // written in microseconds
    }
    CHECK(found);
    const std::string from = "{parameter: trtllm.moe_layer_overhead, min_us: 0, max_us: 30}";
    REQUIRE(text.find(from) != std::string::npos);
    std::string bad = text;
    bad.replace(bad.find(from), from.size(), "{parameter: trtllm.moe_layer_overhead, min_us: 30, max_us: 0}");
    const llmsizer::SourceText bad_source = llmsizer::make_source("priors.yaml", bad);
    try {
      (void)llmsizer::parse_calibration(llmsizer::parse_yaml(bad, bad_source), bad_source);
      FAIL("accepted a bound with min > max");
    } catch (const llmsizer::ConfigError& e) {
      CAPTURE(e.format());
      CHECK(e.format().find("error: bounds[17].max_us: must be greater than the minimum") != std::string::npos);
    }
  }

  TEST_CASE("calibration engines: the prompt group share is a required fraction") {
    const std::string text =
        llmsizer::read_file(llmsizer::test::source_path("profiles/calibration/priors.yaml").string());
    const std::string from = "startup_burst_share: 0.5, prompt_group_share: 0.5,";
    REQUIRE(text.find(from) != std::string::npos);
    CHECK(parse(text).engines.at(1).prompt_group_share == 0.5);
    // A calibration written before the term existed names the file, the entry and the field, and is
    // refused: with the share silently 0 it would predict TTFTs its own fit never produced.
    std::string absent = text;
    absent.replace(absent.find(from), from.size(), "startup_burst_share: 0.5,");
    try {
      (void)parse(absent);
      FAIL("accepted an engine entry without prompt_group_share");
    } catch (const llmsizer::ConfigError& e) {
      CAPTURE(e.format());
      CHECK(e.format().find("priors.yaml:") == 0);
      CHECK(e.format().find("error: engines[0].prompt_group_share: missing; this calibration predates the "
                            "prompt-group term: refit it with `llmsizer calibrate`, or write "
                            "'prompt_group_share: 0' to run without the term") != std::string::npos);
    }
    std::string off = text;
    off.replace(off.find(from), from.size(), "startup_burst_share: 0.5, prompt_group_share: 0,");
    CHECK(parse(off).engines.at(0).prompt_group_share == 0.0);
    std::string bad = text;
    bad.replace(bad.find(from), from.size(), "startup_burst_share: 0.5, prompt_group_share: 1.5,");
    try {
      (void)parse(bad);
      FAIL("accepted a share above 1");
    } catch (const llmsizer::ConfigError& e) {
      CAPTURE(e.format());
      CHECK(e.format().find("error: engines[0].prompt_group_share: 1.5 is out of range (must be >= 0 and <= 1)") !=
            std::string::npos);
    }
  }

  TEST_CASE("calibration engines: the prefill launch cost per expert slot is required") {
    const std::string text =
        llmsizer::read_file(llmsizer::test::source_path("profiles/calibration/priors.yaml").string());
    const std::string from = "moe_layer_overhead_us: 15, prefill_expert_overhead_us: 100,";
    REQUIRE(text.find(from) != std::string::npos);
    CHECK(parse(text).engines.at(1).prefill_expert_overhead.value == doctest::Approx(100e-6));
    // Without the key a calibration fitted before the term would run with it off (0) unannounced.
    std::string absent = text;
    const size_t at = absent.find(from);
    absent.replace(at, from.size(), "moe_layer_overhead_us: 15,");
    const size_t line =
        static_cast<size_t>(std::count(absent.begin(), absent.begin() + static_cast<long>(at), '\n')) + 1;
    try {
      (void)parse(absent);
      FAIL("accepted an engine entry without prefill_expert_overhead_us");
    } catch (const llmsizer::ConfigError& e) {
      CAPTURE(e.format());
      CHECK(e.format().find("priors.yaml:" + std::to_string(line) + ":") == 0);
      CHECK(e.format().find("error: engines[1].prefill_expert_overhead_us: missing; this calibration predates the "
                            "prefill launch cost term: refit it with `llmsizer calibrate`, or write "
                            "'prefill_expert_overhead_us: 0' to run without the term") != std::string::npos);
    }
    std::string off = text;
    off.replace(off.find(from), from.size(), "moe_layer_overhead_us: 15, prefill_expert_overhead_us: 0,");
    CHECK(parse(off).engines.at(1).prefill_expert_overhead.value == 0.0);
  }

}  // TEST_SUITE("loader")
