// cli/scenario.hpp — one estimate request as the user states it (strings and optional numbers),
// resolved against the catalog into specs, a deployment and a workload; shared by `estimate`,
// `estimate --scenarios`, `validate`, `sweep`, `compare` and `plan`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "estimator/layout.hpp"
#include "estimator/serving.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {

struct ScenarioInput {
  std::string id;
  std::string model;
  std::string gpu;
  std::optional<int> gpus, tp, pp, dp, ep;
  std::string weights;  // empty: the model's native precisions
  std::string experts;  // routed experts' precision when it differs (empty: as weights)
  std::string kv;       // empty: bf16
  std::string engine;   // empty: the calibration's default
  std::string phase;    // mixed (default), decode or prefill (disaggregated serving)
  std::optional<std::int64_t> isl, osl, concurrency;  // concurrency 0: as many as fit
  std::optional<int> mtp;                    // speculative tokens
  std::optional<double> mtp_acceptance;
  std::string price;                         // price label
  std::optional<double> usd_per_gpu_hour;
  std::optional<double> memory_utilization;
};

/// Registers the scenario options on a subcommand (long names equal the CSV column names).
void add_scenario_options(CLI::App& app, ScenarioInput& input, bool require_workload);

/// The weight precision, "weights+experts" when the routed experts differ ("fp8", "bf16+nvfp4").
[[nodiscard]] std::string weights_label(const Deployment& deployment);

/// --usd-per-gpu-hour (or a scenario's usd_per_gpu_hour cell): > 0 and at most the bound of profile prices.
void check_usd_per_gpu_hour(const std::optional<double>& usd_per_gpu_hour);

/// Caches prepared models and calibrations so many scenarios resolve fast.
class ScenarioResolver {
 public:
  ScenarioResolver(Context& context, std::string calibration_name = "default");

  struct Resolved {
    std::shared_ptr<const ModelSpec> model;
    std::shared_ptr<const PreparedModel> prepared;
    const GpuSpec* gpu = nullptr;
    Deployment deployment;
    Workload workload;
    EfficiencyParams efficiency;
    std::optional<double> usd_per_gpu_hour;
    std::string price_label;
    std::string engine;
  };

  /// Throws ConfigError naming the option (or CSV column) that is wrong.
  [[nodiscard]] Resolved resolve(const ScenarioInput& input);
  [[nodiscard]] std::shared_ptr<const PreparedModel> prepared(const std::string& model_name);
  [[nodiscard]] const Calibration& calibration() const { return *calibration_; }
  [[nodiscard]] EfficiencyParams efficiency(const GpuSpec& gpu, const std::string& engine,
                                            std::optional<double> memory_utilization) const;
  [[nodiscard]] Context& context() { return context_; }

 private:
  Context& context_;
  const Calibration* calibration_;
  std::map<std::string, std::pair<std::shared_ptr<const ModelSpec>, std::shared_ptr<const PreparedModel>>> models_;
};

/// Parses a precision option, with did-you-mean. `option` names it in errors.
[[nodiscard]] Precision parse_precision_option(const std::string& text, const std::string& option);
/// The price to use: --usd-per-gpu-hour, else --price LABEL, else the GPU's first price (nullopt if none).
[[nodiscard]] std::optional<double> choose_price(const GpuSpec& gpu, const std::string& label,
                                                 std::optional<double> explicit_usd, std::string* label_used);

}  // namespace llmsizer::cli
