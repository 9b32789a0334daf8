// tests/cli/validation_json.hpp — reading `validate --json` in the validate tests.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace llmsizer::test {

/// `key` of the overall summary line of `group` and `metric`; fails the test when there is none.
inline double summary_value(const nlohmann::json& j, const std::string& group, const std::string& metric,
                            const char* key) {
  for (const auto& line : j["overall"]) {
    if (line["group"] == group && line["metric"] == metric) return line[key].get<double>();
  }
  FAIL("no summary line for " << group << " / " << metric);
  return 0;
}

}  // namespace llmsizer::test
