// io/measurement_text.hpp — how measured rows' prose is read (io/measurements.cpp): precisions,
// engines and degrees named in the words sources use ("fp8 (block)", "TensorRT-LLM 0.17", "EP72").
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace llmsizer::measurement_text {

// Longer words first, so that "nvfp4" is not read as "fp4".
inline constexpr std::array<std::string_view, 8> precision_words = {"nvfp4", "mxfp4", "fp4",  "fp8",
                                                             "int8",  "int4",  "bf16", "fp16"};
inline constexpr std::array<std::string_view, 4> engine_words = {"tensorrt-llm", "trtllm", "sglang", "vllm"};
inline constexpr std::array<std::string_view, 3> phase_words = {"mixed", "decode", "prefill"};

/// Whether a scalar is written as a number (YAML's .nan/.inf spellings included) rather than prose.
[[nodiscard]] bool looks_numeric(const std::string& s);
/// Whether a value is one word (a name) rather than prose ("not stated in summary", "DeepSeek
/// in-house"): a name the loader does not know is a typo, not a statement.
[[nodiscard]] bool one_word(const std::string& text);
/// Lower-case precision text with the long spellings sources use in their short form
/// ("bfloat16" → "bf16", "float16" → "fp16", "float8" → "fp8").
[[nodiscard]] std::string precision_text(std::string text);
/// The first precision word in lower-case text ("fp4" read as nvfp4), and where it ends.
[[nodiscard]] std::optional<std::pair<std::string, size_t>> precision_word(const std::string& text, size_t from = 0);
/// The engine a text names ("trtllm", "sglang", "vllm"), or "" for another.
[[nodiscard]] std::string engine_of(const std::string& text);
/// The number right after the first case-insensitive `prefix` that has digits after it ("EP72" → 72).
[[nodiscard]] std::optional<int> number_after(const std::string& text, const std::string& prefix);

}  // namespace llmsizer::measurement_text
