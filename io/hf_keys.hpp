// io/hf_keys.hpp — what a config.json says that the importer does not read: never a silent guess.
#pragma once

#include <string>
#include <vector>

#include "io/hf_reader.hpp"

namespace llmsizer::hf {

/// A key (text model or top level) within two edits of a key the importer reads, while that key
/// is absent, is a ConfigError at the misspelt key ("unknown key; did you mean 'num_experts'?"):
/// importing without it would silently change the model (a MoE read as dense, the attention heads
/// as KV heads). A near miss whose key is present is only a warning (import_warnings).
void check_misspelt_keys(const Reader& r);

/// One warning per config key (text model and top level) that the importer neither reads nor
/// knows to leave parameters, KV and per-token cost unchanged, naming the key; a key whose value
/// is false, null, 0 or empty turns nothing on and is not named; a model_type outside the known families says which decoder it was read as.
/// `vision_config` is read by io/hf_vision.cpp, which names its own keys.
[[nodiscard]] std::vector<std::string> import_warnings(const Reader& r);
/// Whether a config value leaves the model as it is without the key: false, null, 0 or empty.
[[nodiscard]] bool turns_nothing_on(const Json& value);

}  // namespace llmsizer::hf
