// io/bands_loader.hpp — bands/1 profiles (the estimator's error bands per regime) in and out.
#pragma once

#include <string>

#include "estimator/error_bands.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {

/// Parses and validates a bands/1 document: known keys only, each band's metric and regime fields
/// named, runs >= 1, p10 <= p90, no regime listed twice. Throws ConfigError at file:line:col.
[[nodiscard]] ErrorBands parse_error_bands(const YAML::Node& root, const SourceText& source);
[[nodiscard]] ErrorBands load_error_bands_file(const std::string& path);
/// A bands/1 document that parse_error_bands reads back to the same table; byte-identical for the
/// same table, so the shipped file can be compared with a fresh run.
[[nodiscard]] std::string error_bands_to_yaml(const ErrorBands& bands);

}  // namespace llmsizer
