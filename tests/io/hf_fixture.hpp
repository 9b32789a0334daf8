// tests/io/hf_fixture.hpp — the config.json fixtures under tests/data/hf/, a small valid config to
// edit, the formatted error of importing one, and the tolerance on official parameter counts (#14:
// 3 % total, 6 % active), shared by the importer's tests.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/profile_loader.hpp"

namespace llmsizer::test {

inline std::string fixture_path(const std::string& name) {
  return std::string(LLMSIZER_SOURCE_DIR) + "/tests/data/hf/" + name + ".json";
}

inline ModelSpec import_fixture(const std::string& name) {
  return import_hf_config_file(fixture_path(name));
}

inline ModelSpec catalog_model(const std::string& id) {
  return load_model_file(std::string(LLMSIZER_SOURCE_DIR) + "/profiles/models/" + id + ".yaml");
}

/// The formatted ConfigError of importing `json` as `file`, or "(no error)".
inline std::string import_error(const std::string& json, const std::string& file = "bad.json") {
  try {
    (void)import_hf_config(json, file);
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

// A small valid dense config; `extra` adds or overrides keys.
inline std::string small_config(const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json config = {{"model_type", "llama"},    {"hidden_size", 256},
                           {"num_hidden_layers", 4},   {"num_attention_heads", 8},
                           {"num_key_value_heads", 2}, {"intermediate_size", 512},
                           {"vocab_size", 1000},       {"max_position_embeddings", 4096}};
  if (extra.is_object()) config.update(extra);
  return config.dump(2);
}

inline ModelSpec import_small(const nlohmann::json& extra, const std::string& file = "small.json") {
  return import_hf_config(small_config(extra), file);
}

inline void check_within(double counted, double official, double tolerance) {
  CAPTURE(counted);
  CAPTURE(official);
  CHECK(std::abs(counted / official - 1.0) <= tolerance);
}

constexpr double total_tolerance = 0.03;
constexpr double active_tolerance = 0.06;

}  // namespace llmsizer::test
