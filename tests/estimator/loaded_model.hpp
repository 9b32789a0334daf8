// tests/estimator/loaded_model.hpp — a shipped model, GPU and calibration loaded together, for the
// estimator tests that evaluate the core directly.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/model_spec.hpp"
#include "estimator/prepared_model.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/calibration_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer::test {

/// A shipped model with its prepared constants (which point into the spec, so the spec lives on
/// the heap and does not move), a shipped GPU and the shipped calibration for its generation and
/// `engine` (the default engine when empty).
struct Loaded {
  std::unique_ptr<ModelSpec> model;
  PreparedModel prepared;
  GpuSpec gpu;
  EfficiencyParams efficiency;
};

inline Loaded load(const std::string& model, const std::string& gpu, const std::string& engine = "") {
  Loaded l;
  l.model = std::make_unique<ModelSpec>(shipped_model(model));
  l.prepared = prepare(*l.model);
  l.gpu = shipped_gpu(gpu);
  l.efficiency =
      load_calibration_file(source_path("profiles/calibration/default.yaml").string()).resolve(l.gpu.generation, engine);
  return l;
}

/// `tp`-way tensor parallel, one stage, no attention-DP or EP, weights and experts at `weights`.
inline Deployment tp_layout(Precision weights, int tp) {
  Deployment d;
  d.weights = d.experts = weights;
  d.parallel = Parallelism{tp, 1, 1, 1};
  return d;
}

}  // namespace llmsizer::test
