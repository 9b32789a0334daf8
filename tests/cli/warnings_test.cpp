// Import warnings reach the user: show, fit, estimate, import-hf and check print each on stderr
// (ModelSpec::warnings, io/hf_keys.hpp), and the answer on stdout is still given.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

// A Hugging Face fixture with no known family and one key the importer does not read.
std::string unknown_config() {
  return test::source_path("tests/data/hf/unknown-family.json").string();
}

const std::string family_warning =
    "model_type 'brand_new' is not a known family: read as a generic decoder (attention as its keys say, a "
    "gated FFN, no biases unless attention_bias)";
const std::string key_warning =
    "config key 'use_cla' (true) is not understood and was ignored; the estimate does not include what it changes";

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("show, fit, estimate and import-hf print the import warnings on stderr") {
    const std::string expected =
        "warning: unknown-family: " + family_warning + "\nwarning: unknown-family: " + key_warning + "\n";
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"show", unknown_config()},
             {"import-hf", unknown_config()},
             {"fit", "--model", unknown_config(), "--gpu", "h100-sxm"},
             {"estimate", "--model", unknown_config(), "--gpu", "h100-sxm", "--isl", "1000", "--osl", "100"}}) {
      CAPTURE(args[0]);
      const test::Run r = test::run(args);
      CHECK(r.code == 0);
      CHECK(r.err == expected);
      CHECK_FALSE(r.out.empty());
    }
  }

  TEST_CASE("the JSON of show, fit, estimate, compare, sweep and plan carries the warnings") {
    const std::vector<std::string> expected = {family_warning, key_warning};
    const std::string model = unknown_config();
    const auto json_of = [](std::vector<std::string> args) {
      args.emplace_back("--json");
      const test::Run r = test::run(args);
      CAPTURE(args[0]);
      CAPTURE(r.err);
      REQUIRE(r.code == 0);
      return nlohmann::json::parse(r.out);
    };
    CHECK(json_of({"show", model}).at("warnings") == expected);
    CHECK(json_of({"estimate", "--model", model, "--gpu", "h100-sxm", "--isl", "1000", "--osl", "100"}).at("warnings") ==
          expected);
    for (const auto& row : json_of({"fit", "--model", model, "--gpu", "h100-sxm"})) {
      CHECK(row.at("warnings") == expected);
    }
    // compare: each row its own model's warnings (llama-3.1-8b has none).
    for (const auto& row : json_of({"compare", "--model", model, "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl",
                                    "1000", "--osl", "100"})) {
      CHECK(row.at("warnings") == (row.at("model") == "llama-3.1-8b" ? std::vector<std::string>{} : expected));
    }
    CHECK(json_of({"sweep", "--model", model, "--gpu", "h100-sxm", "--isl", "1000", "--osl", "100", "--max-gpus", "2"})
              .at("warnings") == expected);
    CHECK(json_of({"plan", "--model", model, "--gpu", "h100-sxm", "--output-tokens-per-day", "1e8", "--max-gpus", "4"})
              .at("warnings") == expected);
    // A request's own warning (a context within RoPE scaling only) joins the estimate's list.
    const auto stretched = json_of({"estimate", "--model", "qwen2.5-72b", "--gpu", "h200-sxm", "--gpus", "8", "--isl",
                                    "60000", "--osl", "1000"});
    REQUIRE(stretched.at("warnings").size() == 1);
    CHECK(stretched.at("warnings")[0].get<std::string>().find("yarn factor 4") != std::string::npos);
  }

  TEST_CASE("report lists the warnings in its page, and prints them as the other commands do") {
    const std::filesystem::path html = std::filesystem::temp_directory_path() / "llmsizer_warnings_report.html";
    const test::Run r = test::run({"report", "--model", unknown_config(), "--gpu", "h100-sxm", "--isl", "1000", "--osl",
                                   "100", "--html", html.string()});
    REQUIRE(r.code == 0);
    CHECK(r.err == "warning: unknown-family: " + family_warning + "\nwarning: unknown-family: " + key_warning + "\n");
    std::ifstream in(html);
    std::stringstream page;
    page << in.rdbuf();
    std::filesystem::remove(html);
    CHECK(page.str().find("<h2>Warnings</h2>") != std::string::npos);
    CHECK(page.str().find("<p class=\"warning\">warning: config key &#39;use_cla&#39; (true) is not understood") !=
          std::string::npos);
  }

  TEST_CASE("check names an estimated profile's warning") {
    const std::string profile = test::source_path("profiles/models/qwen3-max.yaml").string();
    const test::Run r = test::run({"check", profile});
    CHECK(r.code == 0);
    CHECK(r.err.rfind(profile + ": warning: an estimated profile (estimated: true)", 0) == 0);
  }

  TEST_CASE("check names the file of each warning and still counts it as ok") {
    const test::Run r = test::run({"check", unknown_config()});
    CHECK(r.code == 0);
    CHECK(r.err == unknown_config() + ": warning: " + family_warning + "\n" + unknown_config() + ": warning: " +
                       key_warning + "\n");
    CHECK(r.out == "checked 1 file: 1 ok, 0 with errors\n");
  }
}

}  // namespace llmsizer
