// tests/io/hf_fixture.hpp — the config.json fixtures under tests/data/hf/ and the tolerance on
// official parameter counts (#14: 3 % total, 6 % active), shared by the importer's family tests.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "io/hf_import.hpp"

namespace llmsizer::test {

inline ModelSpec import_fixture(const std::string& name) {
  return import_hf_config_file(std::string(LLMSIZER_SOURCE_DIR) + "/tests/data/hf/" + name + ".json");
}

inline void check_within(double counted, double official, double tolerance) {
  CAPTURE(counted);
  CAPTURE(official);
  CHECK(std::abs(counted / official - 1.0) <= tolerance);
}

constexpr double total_tolerance = 0.03;
constexpr double active_tolerance = 0.06;

}  // namespace llmsizer::test
