// cli/emit.hpp — `--emit vllm|sglang|trtllm` on estimate, compare, sweep and plan: the option, and
// the launch configuration of a sized deployment handed to the script writer (io/launch_script.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "estimator/disaggregation.hpp"
#include "estimator/serving.hpp"
#include "io/launch_script.hpp"

namespace llmsizer::cli {

/// Registers --emit ENGINE; the run function checks the name with parse_emit.
CLI::Option* add_emit_option(CLI::App& app, std::string& engine);

/// The engine --emit names; nullopt when the option was not given. Throws ConfigError (--emit).
[[nodiscard]] std::optional<LaunchEngine> parse_emit(const std::string& engine);

/// `config` labelled as one phase's side when `phase` is not mixed (estimate --phase prefill|decode):
/// the command serves that phase, sized alone, and the other phase needs its own deployment.
void label_phase(LaunchConfig& config, Phase phase);

/// The launch configuration of `deployment` running `running` requests of isl + osl tokens, with the
/// token budget of the engine the sizing assumed.
[[nodiscard]] LaunchConfig launch_config(const ModelSpec& model, const GpuSpec& gpu, const Deployment& deployment,
                                         std::int64_t running, const EfficiencyParams& efficiency, std::int64_t isl,
                                         std::int64_t osl);

/// The script for one replica of `deployment` at `concurrency` requests in flight (a sweep row):
/// the running batch is the estimate's (KV and the engine's max batch may hold fewer), and the
/// script is written for `replicas` such replicas.
[[nodiscard]] std::string sized_launch_script(LaunchEngine engine, const PreparedModel& model, const GpuSpec& gpu,
                                              const Deployment& deployment, std::int64_t concurrency,
                                              const EfficiencyParams& efficiency, std::int64_t isl, std::int64_t osl,
                                              std::int64_t replicas = 1);

/// The scripts of both pools of a disaggregated deployment (`replicas` copies of it): a header
/// naming the xPyD split, then the prefill pool's and the decode pool's command, each pool's batch
/// the one sized. The engine's disaggregation mode and KV connector are a comment, not a flag.
[[nodiscard]] std::string pools_launch_script(LaunchEngine engine, const ModelSpec& model, const GpuSpec& gpu,
                                              const DisaggregatedDeployment& pools, const EfficiencyParams& efficiency,
                                              std::int64_t isl, std::int64_t osl, std::int64_t replicas = 1);

}  // namespace llmsizer::cli
