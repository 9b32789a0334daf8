// Import warnings reach the user: show, fit, estimate, import-hf and check print each on stderr
// (ModelSpec::warnings, io/hf_keys.hpp), and the answer on stdout is still given.
#include <doctest/doctest.h>

#include <string>

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

  TEST_CASE("check names the file of each warning and still counts it as ok") {
    const test::Run r = test::run({"check", unknown_config()});
    CHECK(r.code == 0);
    CHECK(r.err == unknown_config() + ": warning: " + family_warning + "\n" + unknown_config() + ": warning: " +
                       key_warning + "\n");
    CHECK(r.out == "checked 1 file: 1 ok, 0 with errors\n");
  }
}

}  // namespace llmsizer
