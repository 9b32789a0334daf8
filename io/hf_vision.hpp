// io/hf_vision.hpp — the vision tower of a multimodal config.json (`vision_config`): its parameter
// count by the layout of the checkpoint's family (Qwen2-VL, Qwen2.5-VL, Qwen3-VL, Llama 4, Gemma 3,
// LLaVA), the projector into the text model included. Part of io/hf_import.cpp; the formulas per
// family are in docs/profiles.md#hugging-face-import ("Vision towers").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/hf_reader.hpp"

namespace llmsizer::hf {

struct VisionTower {
  std::int64_t params = 0;            // 0: no vision_config, or a layout not known (a warning says so)
  std::vector<std::string> warnings;  // a layout not known, a required key absent, keys not accounted for
};

/// The tower of `vision_config` when the config has one, with a warning naming every key of it that
/// the family's layout neither reads nor knows to leave the count unchanged.
[[nodiscard]] VisionTower read_vision_tower(const Reader& r, std::int64_t text_hidden_size);

}  // namespace llmsizer::hf
