// io/profile_loader.hpp — gpu/1 and model/1 profiles: parse, validate, build specs.
#pragma once

#include <string>
#include <string_view>

#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {

enum class ProfileKind { gpu, model, calibration, bands, measurements, tco, unknown };

/// The `schema:` of a document ("gpu/1" → gpu), or unknown; a map with a `measurements:` list and no
/// `schema:` is the shared measurements format (`schema_version: 1`, validation/*.yaml).
[[nodiscard]] ProfileKind profile_kind(const YAML::Node& root);
/// The kind a `schema:` value names ("gpu/1" → gpu), or unknown.
[[nodiscard]] ProfileKind profile_kind(std::string_view schema);

/// Parses and validates a gpu/1 document. Throws ConfigError.
[[nodiscard]] GpuSpec parse_gpu(const YAML::Node& root, const SourceText& source);
/// Parses and validates a model/1 document. Throws ConfigError.
[[nodiscard]] ModelSpec parse_model(const YAML::Node& root, const SourceText& source);

[[nodiscard]] GpuSpec load_gpu_file(const std::string& path);
[[nodiscard]] ModelSpec load_model_file(const std::string& path);

/// Cross-field rules of a model (heads divisible by KV heads, top-k <= experts, ...), shared by the
/// YAML loader and the Hugging Face importer. `fail(path, message)` reports the first violation.
template <class Fail>
void validate_model(const ModelSpec& model, Fail&& fail);

}  // namespace llmsizer

#include "io/profile_loader_validate.hpp"
