// io/launch_script.hpp — `--emit vllm|sglang|trtllm`: the engine's command line for a sized
// configuration, so a user can start what was sized (docs/emit.md). One table maps each setting to
// each engine's flag (io/launch_script.cpp); a setting an engine has no flag for becomes a comment
// line of the script, never an invented flag.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "estimator/deployment.hpp"

namespace llmsizer {

enum class LaunchEngine : unsigned char { vllm, sglang, trtllm };
inline constexpr std::array<std::string_view, 3> launch_engine_names = {"vllm", "sglang", "trtllm"};

/// Parses an engine name; throws ConfigError (`option`) with the accepted names and a
/// did-you-mean for anything else.
[[nodiscard]] LaunchEngine parse_launch_engine(const std::string& text, const std::string& option);

/// What the script starts: one instance of the sized deployment (replicas are started alike).
struct LaunchConfig {
  std::string label;                 // "glm-4.5 on 8 x h20", for the header comment
  std::string model_path;            // Hugging Face repo, else the profile name
  Deployment deployment;             // layout, precisions, MTP depth, replicas
  Precision native_weights = Precision::bf16;  // the checkpoint's own precisions
  Precision native_experts = Precision::bf16;
  std::int64_t running = 1;          // requests running at once across the deployment (the batch)
  std::int64_t chunk_tokens = 8192;  // chunked-prefill token budget per iteration
  std::int64_t max_model_len = 0;    // prompt + output tokens per request
  int gpus_per_node = 8;
};

/// The script: a header comment, comment lines for settings without a flag, the command with one
/// flag per line, and (TensorRT-LLM) the extra-options YAML it reads.
[[nodiscard]] std::string launch_script(LaunchEngine engine, const LaunchConfig& config);

}  // namespace llmsizer
