#include "cli/emit.hpp"

#include <fmt/format.h>

namespace llmsizer::cli {

CLI::Option* add_emit_option(CLI::App& app, std::string& engine) {
  return app.add_option("--emit", engine,
                        "Print the engine's launch command for the sized configuration instead of the table: vllm, "
                        "sglang or trtllm");
}

std::optional<LaunchEngine> parse_emit(const std::string& engine) {
  if (engine.empty()) return std::nullopt;
  return parse_launch_engine(engine, "--emit");
}

LaunchConfig launch_config(const ModelSpec& model, const GpuSpec& gpu, const Deployment& deployment,
                           std::int64_t running, const EfficiencyParams& efficiency, std::int64_t isl,
                           std::int64_t osl) {
  LaunchConfig c;
  c.label = fmt::format("{} on {} x {}", model.name, deployment.total_gpus(), gpu.name);
  c.model_path = model.hf_repo.empty() ? model.name : model.hf_repo;
  c.deployment = deployment;
  c.native_weights = model.weights_precision;
  c.native_experts = model.experts_precision;
  c.running = running;
  c.chunk_tokens = efficiency.engine.prefill_chunk_tokens;
  c.max_model_len = isl + osl;
  c.gpus_per_node = gpu.gpus_per_node;
  return c;
}

void label_phase(LaunchConfig& config, Phase phase) {
  if (phase == Phase::mixed) return;
  const bool prefill = phase == Phase::prefill;
  config.label = fmt::format("the {} side only of {} (--phase {}: sized for {} alone; {} needs its own deployment)",
                             prefill ? "prefill" : "decode", config.label, prefill ? "prefill" : "decode",
                             prefill ? "prompts" : "decoding", prefill ? "decoding" : "prefill");
}

std::string sized_launch_script(LaunchEngine engine, const PreparedModel& model, const GpuSpec& gpu,
                                const Deployment& deployment, std::int64_t concurrency,
                                const EfficiencyParams& efficiency, std::int64_t isl, std::int64_t osl,
                                std::int64_t replicas) {
  const Estimate e =
      estimate(model, gpu, deployment, Workload{isl, osl, concurrency, Phase::mixed}, efficiency, std::nullopt);
  if (!e.fits) return "# does not fit: " + (e.reasons.empty() ? std::string("memory") : e.reasons.front()) + "\n";
  LaunchConfig c = launch_config(*model.spec, gpu, deployment, e.running * replicas, efficiency, isl, osl);
  c.deployment.replicas = static_cast<int>(replicas * deployment.replicas);
  return launch_script(engine, c);
}

std::string pools_launch_script(LaunchEngine engine, const ModelSpec& model, const GpuSpec& gpu,
                                const DisaggregatedDeployment& pools, const EfficiencyParams& efficiency,
                                std::int64_t isl, std::int64_t osl, std::int64_t replicas) {
  std::string out = fmt::format(
      "# disaggregated {}{}: start both pools\n"
      "# every request is prefilled on a prefill worker and its KV cache moved to a decode worker over the\n"
      "# scale-out network; the engine's prefill/decode disaggregation mode, its KV-transfer connector and a\n"
      "# router in front are not set below\n",
      pools_label(pools), replicas > 1 ? fmt::format(", {} copies", replicas) : "");
  const std::pair<const char*, std::pair<const Deployment*, std::int64_t>> sides[] = {
      {"prefill", {&pools.prefill, pools.prefill_batch}}, {"decode", {&pools.decode, pools.decode_batch}}};
  for (const auto& [pool, side] : sides) {
    Deployment d = *side.first;
    d.replicas = static_cast<int>(d.replicas * replicas);
    LaunchConfig c =
        launch_config(model, gpu, d, std::max<std::int64_t>(1, side.second) * d.replicas, efficiency, isl, osl);
    c.label = fmt::format("the {} pool of {}", pool, c.label);
    out += "\n" + launch_script(engine, c);
  }
  return out;
}

}  // namespace llmsizer::cli
