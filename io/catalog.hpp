// io/catalog.hpp — every profile the tool knows, and name lookup (id, alias, HF repo id).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "estimator/efficiency.hpp"
#include "estimator/error_bands.hpp"
#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"
#include "hardware/tco.hpp"

namespace llmsizer {

struct Catalog {
  std::vector<GpuSpec> gpus;      // sorted by name
  std::vector<ModelSpec> models;  // sorted by name
  std::vector<std::filesystem::path> directories;  // searched, in order (later overrides earlier)
  std::vector<Calibration> calibrations;          // calibration/1 profiles, by name
  std::vector<ErrorBands> error_bands;            // bands/1 profiles, named after their calibration
  std::vector<TcoAssumptions> tco;                // tco/1 profiles; "default" prices every purchase
  /// What loading found worth saying: a calibration that replaces an earlier one of its name (the
  /// shipped default replaced by a `calibrate -o` output in a --profiles directory).
  std::vector<std::string> warnings;

  /// The calibration named `name` ("default" unless --calibration chose another).
  [[nodiscard]] const Calibration& calibration(const std::string& name = "default") const;
  /// The error bands of the calibration named `name`; nullptr when no bands/1 profile has that name.
  [[nodiscard]] const ErrorBands* bands(const std::string& name) const;

  /// Looks up by id, alias or HF repo id, case-insensitively. Unknown names throw ConfigError with the
  /// closest names. `option` names the flag in the message (e.g. "--gpu").
  [[nodiscard]] const GpuSpec& gpu(const std::string& name, const std::string& option = "--gpu") const;
  /// As gpu(); additionally a path to a model/1 YAML file or a Hugging Face config.json is loaded.
  [[nodiscard]] ModelSpec model(const std::string& name_or_path, const std::string& option = "--model") const;
  [[nodiscard]] const ModelSpec* find_model(const std::string& name) const;
  [[nodiscard]] const GpuSpec* find_gpu(const std::string& name) const;
  /// Up to three GPU or model names closest to `name`, quoted and comma-separated ("'h100-sxm',
  /// 'h200'"); "" when nothing is close.
  [[nodiscard]] std::string closest_names(const std::string& name) const;
};

/// Profile directories in order of precedence (lowest first): the profiles installed beside the
/// executable (<exe dir>/profiles or <exe dir>/../share/llmsizer/profiles), then each entry of
/// LLMSIZER_PROFILES (colon-separated), then each --profiles DIR.
[[nodiscard]] std::vector<std::filesystem::path> profile_directories(const std::vector<std::string>& extra);
/// As above, with the installed profiles looked for beside `installed_beside` instead of the
/// executable's directory (the Python module, whose executable is the interpreter).
[[nodiscard]] std::vector<std::filesystem::path> profile_directories(const std::vector<std::string>& extra,
                                                                     const std::filesystem::path& installed_beside);

/// Loads every *.yaml under `<dir>/gpus` and `<dir>/models` (or directly under `dir` by schema).
/// A profile with the same name in a later directory replaces the earlier one. Throws ConfigError on
/// the first invalid file.
[[nodiscard]] Catalog load_catalog(const std::vector<std::filesystem::path>& directories);

/// The directory holding the running executable.
[[nodiscard]] std::filesystem::path executable_directory();

}  // namespace llmsizer
