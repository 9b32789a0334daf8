// io/validate_files.hpp — validate one file of any kind the tool reads (for `check`).
#pragma once

#include <string>

namespace llmsizer {

/// Loads and validates a gpu/1, model/1, calibration/1 or measurements file, or a Hugging Face
/// config.json. Returns a one-word description ("gpu h20"); throws ConfigError.
std::string validate_profile_file(const std::string& path);

}  // namespace llmsizer
