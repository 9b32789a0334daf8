// io/validate_files.hpp — validate one file of any kind the tool reads (for `check`).
#pragma once

#include <string>
#include <vector>

namespace llmsizer {

/// Loads and validates a gpu/1, model/1, calibration/1 or measurements file, or a Hugging Face
/// config.json. Returns a one-word description ("gpu h20"); throws ConfigError. A config.json's
/// import warnings (ModelSpec::warnings), prefixed with the file, are appended to `warnings`.
std::string validate_profile_file(const std::string& path, std::vector<std::string>* warnings = nullptr);

}  // namespace llmsizer
