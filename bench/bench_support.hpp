// bench/bench_support.hpp — the shipped catalog, loaded once per process, and fixtures the
// benchmarks share (docs/performance.md).
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "estimator/prepared_model.hpp"
#include "io/catalog.hpp"

namespace llmsizer::bench {

inline const std::filesystem::path& profiles_dir() {
  static const std::filesystem::path dir = std::filesystem::path(LLMSIZER_SOURCE_DIR) / "profiles";
  return dir;
}

/// The shipped profiles, loaded on first use and kept for the process.
inline const Catalog& catalog() {
  static const Catalog loaded = load_catalog({profiles_dir()});
  return loaded;
}

/// A model from the catalog with its prepared constants (the PreparedModel points into the spec).
struct Model {
  std::unique_ptr<ModelSpec> spec;
  PreparedModel prepared;
};

inline Model model(const std::string& name) {
  Model m;
  m.spec = std::make_unique<ModelSpec>(catalog().model(name));
  m.prepared = prepare(*m.spec);
  return m;
}

inline EfficiencyParams efficiency(const GpuSpec& gpu) {
  return catalog().calibration().resolve(gpu.generation, "");
}

/// A positive integer from the environment, else `fallback`.
inline long env_or(const char* name, long fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  const long value = std::strtol(text, nullptr, 10);
  return value > 0 ? value : fallback;
}

}  // namespace llmsizer::bench
