// io/calibration_loader.hpp — calibration/1 profiles (efficiency factors) in and out.
#pragma once

#include <string>

#include "estimator/efficiency.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {

[[nodiscard]] Calibration parse_calibration(const YAML::Node& root, const SourceText& source);
[[nodiscard]] Calibration load_calibration_file(const std::string& path);
/// A calibration/1 document that parse_calibration reads back to the same values.
[[nodiscard]] std::string calibration_to_yaml(const Calibration& calibration);

}  // namespace llmsizer
