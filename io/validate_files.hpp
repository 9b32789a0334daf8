// io/validate_files.hpp — validate one file of any kind the tool reads (for `check`).
#pragma once

#include <string>
#include <vector>

#include "io/config_error.hpp"

namespace llmsizer {

/// Loads and validates a gpu/1, model/1, calibration/1 or measurements file, or a Hugging Face
/// config.json. Returns a one-word description ("gpu h20"); throws ConfigError. A config.json's
/// import warnings (ModelSpec::warnings), prefixed with the file, are appended to `warnings`.
/// With `errors`, a YAML profile's field errors are appended there and reading goes on (a
/// measurements file row by row); a rule error is thrown only when no field failed (then the file
/// is in error when `errors` is not empty).
std::string validate_profile_file(const std::string& path, std::vector<std::string>* warnings = nullptr,
                                  std::vector<ConfigError>* errors = nullptr);

}  // namespace llmsizer
