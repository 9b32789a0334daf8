// base/ascii.hpp: the one case folding of names and option words.
#include "base/ascii.hpp"

#include <doctest/doctest.h>

#include <string>

namespace llmsizer {

TEST_SUITE("units") {
  TEST_CASE("ascii_lower folds A-Z only; ascii_iequals compares ignoring that case") {
    CHECK(ascii_lower("TWO-Batch_8B.yaml") == "two-batch_8b.yaml");
    CHECK(ascii_lower("ÄÖ-H100") == "ÄÖ-h100");  // UTF-8 bytes pass unchanged, whatever the locale
    CHECK(ascii_lower('@') == '@');
    CHECK(ascii_lower('[') == '[');  // the neighbours of A-Z stay
    CHECK(ascii_iequals("SGLang", "sglang"));
    CHECK_FALSE(ascii_iequals("sglang", "sglang "));
    CHECK_FALSE(ascii_iequals("a[", "A{"));
    static_assert(ascii_iequals("FP8", "fp8"));
  }
}

}  // namespace llmsizer
