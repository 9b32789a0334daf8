// io/hf_keys.hpp — what a config.json says that the importer does not read: never a silent guess.
#pragma once

#include <string>
#include <vector>

#include "io/hf_reader.hpp"

namespace llmsizer::hf {

/// One warning per config key (text model and top level) that the importer neither reads nor
/// knows to leave parameters, KV and per-token cost unchanged, naming the key; a key whose value
/// is false, null, 0 or empty turns nothing on and is not named; a model_type outside the known families says which decoder it was read as.
/// `vision_config` is read by io/hf_vision.cpp, which names its own keys.
[[nodiscard]] std::vector<std::string> import_warnings(const Reader& r);
/// Whether a config value leaves the model as it is without the key: false, null, 0 or empty.
[[nodiscard]] bool turns_nothing_on(const Json& value);

}  // namespace llmsizer::hf
