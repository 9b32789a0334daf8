// request/resolver.hpp — a ScenarioInput resolved against the catalog into specs, a deployment
// (default layout, precisions, MTP), a workload, the calibration's efficiencies for an engine it
// lists, and a price. No command-line parsing and no I/O beyond the catalog lookups.
#pragma once

#include <concepts>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "estimator/disaggregation.hpp"
#include "estimator/layout.hpp"
#include "estimator/serving.hpp"
#include "io/catalog.hpp"
#include "request/price_choice.hpp"
#include "request/scenario_fields.hpp"
#include "request/scenario_input.hpp"

namespace llmsizer {

/// The weight precision, "weights+experts" when the routed experts differ ("fp8", "bf16+nvfp4").
[[nodiscard]] std::string weights_label(const Deployment& deployment);

/// The KV-cache precision an engine runs when the user names none (docs/methodology.md#kv-precision).
/// An engine whose KV follows the checkpoint (TensorRT-LLM: KvCacheConfig dtype 'auto' reads the
/// checkpoint's kv_cache_quant_algo) runs FP8 KV on a GPU with FP8 when the weights or experts were
/// quantized to FP8 or NVFP4 from the model's released precision: NVIDIA ModelOpt, which makes those
/// checkpoints, quantizes the KV cache to FP8 with them. Otherwise BF16, the activations' type
/// (vLLM and SGLang kv_cache_dtype 'auto' = the model dtype, engine_defaults.yaml).
[[nodiscard]] Precision default_kv_precision(const Deployment& deployment, const ModelSpec& model, const GpuSpec& gpu,
                                             const EngineEfficiency& engine);

/// --usd-per-gpu-hour (or a scenario's usd_per_gpu_hour cell): > 0 and at most the bound of profile prices.
void check_usd_per_gpu_hour(const std::optional<double>& usd_per_gpu_hour);

/// Parses a precision option, with did-you-mean. `option` names it in errors.
[[nodiscard]] Precision parse_precision_option(const std::string& text, const std::string& option);

/// The engine `engine` names, in the calibration's spelling ("SGLang" -> "sglang"): "" when empty,
/// "default", or one `calibration` lists, matched in any case. Otherwise throws ConfigError (--engine),
/// a near miss with a did-you-mean from the calibration's names.
[[nodiscard]] std::string engine_named(const Calibration& calibration, const std::string& engine);

/// The options (or CSV columns) a context-window problem names.
struct ContextOptions {
  std::string isl = "--isl";
  std::string osl = "--osl";
};

/// isl + osl against the model's context window. Beyond max_context and any reach of its RoPE
/// scaling: a ConfigError naming both numbers. Beyond max_context but within the RoPE-scaled reach:
/// the warning to print, naming the scaling. Within max_context: nullopt.
[[nodiscard]] std::optional<std::string> check_context(const ModelSpec& model, std::int64_t isl, std::int64_t osl,
                                                       const ContextOptions& options = {});

/// The warning of two-batch overlap under a calibration that hides a fraction of all communication
/// (comm_overlap > 0): the two micro-batches' schedule is the all-to-all's overlap (comm_overlap is not
/// applied to it again), while comm_overlap still hides part of the collectives the schedule leaves
/// serial, an overlap the calibration may have fitted on the same runs. nullopt otherwise.
[[nodiscard]] std::optional<std::string> overlap_calibration_warning(Overlap overlap, double comm_overlap,
                                                                     const std::string& calibration);

/// Caches prepared models so many scenarios resolve fast.
class ScenarioResolver {
 public:
  ScenarioResolver(const Catalog& catalog, std::string calibration_name = "default");
  /// Anything that hands out the catalog (the command line's context loads it on first use).
  template <typename CatalogHolder>
    requires requires(CatalogHolder& holder) {
      { holder.catalog() } -> std::convertible_to<const Catalog&>;
    }
  ScenarioResolver(CatalogHolder& holder, std::string calibration_name = "default")
      : ScenarioResolver(holder.catalog(), std::move(calibration_name)) {}

  struct Resolved {
    std::shared_ptr<const ModelSpec> model;
    std::shared_ptr<const PreparedModel> prepared;
    const GpuSpec* gpu = nullptr;
    Deployment deployment;  // with `pools`: the decode pool's (precisions, MTP)
    /// Two pools (prefill/decode-disaggregated serving) when the request names them; nullopt: one
    /// co-located deployment, `deployment`.
    std::optional<DisaggregatedDeployment> pools;
    Workload workload;
    EfficiencyParams efficiency;
    std::optional<double> usd_per_gpu_hour;
    std::string price_label;
    std::string price_basis;  // a price_basis_names entry; "user" when given; "" unpriced
    std::string engine;
    std::vector<std::string> warnings;  // what the request stretches (a RoPE-scaled context); printed, not fatal
    const ErrorBands* error_bands = nullptr;  // the calibration's bands/1 profile; nullptr: none shipped
    bool layout_chosen = false;  // one co-located deployment laid out by default_layout (no --gpus, no degree)
  };

  /// Throws ConfigError naming the option (or CSV column) that is wrong.
  [[nodiscard]] Resolved resolve(const ScenarioInput& input);
  [[nodiscard]] std::shared_ptr<const PreparedModel> prepared(const std::string& model_name);

  // resolve() is these steps in this order (each throws ConfigError as resolve() does), which a batch
  // of rows (request/scenario_rows.hpp) runs apart to share what rows have in common:
  /// 1. Required fields present and every number in range.
  static void check_request(const ScenarioInput& input);
  /// 2. Model, GPU, engine, efficiency, phase (into workload.phase), the model's MTP limits.
  void resolve_names(const ScenarioInput& input, Resolved& resolved);
  /// 3. The workload (isl, osl, concurrency; the phase kept) and its context-window check (warnings).
  void resolve_workload(const ScenarioInput& input, Resolved& resolved) const;
  /// 4. The precisions asked for, then the deployment: `layout` of one co-located deployment (or the
  ///    two pools of a disaggregated one).
  [[nodiscard]] Deployment precisions(const ScenarioInput& input, const Resolved& resolved) const;
  [[nodiscard]] Deployment layout(const ScenarioInput& input, const Resolved& resolved, const Deployment& base,
                                  const Workload& workload) const;
  /// 5. The price and the calibration's error bands.
  void resolve_price(const ScenarioInput& input, Resolved& resolved) const;
  /// Whether layout() reads only `input`'s degrees, not the workload: a co-located request that gives
  /// --tp, --pp, --dp or --ep (otherwise the smallest layout that fits depends on the workload).
  [[nodiscard]] static bool layout_given(const ScenarioInput& input);
  [[nodiscard]] const Calibration& calibration() const { return *calibration_; }
  [[nodiscard]] const Catalog& catalog() const { return catalog_; }
  /// What every later resolve() does with a GPU that lacks the label or basis --price names: an
  /// error (the default) or leave it unpriced (a command comparing several GPU types).
  void on_missing_named_price(MissingNamedPrice missing) { missing_price_ = missing; }
  [[nodiscard]] EfficiencyParams efficiency(const GpuSpec& gpu, const std::string& engine,
                                            std::optional<double> memory_utilization) const;

 private:
  [[nodiscard]] const std::pair<std::shared_ptr<const ModelSpec>, std::shared_ptr<const PreparedModel>>& prepared_entry(
      const std::string& model_name);
  /// catalog_.gpu(name), remembered by name.
  [[nodiscard]] const GpuSpec& gpu(const std::string& name);
  [[nodiscard]] DisaggregatedDeployment pools(const ScenarioInput& input, const Resolved& resolved,
                                              const Deployment& base) const;

  const Catalog& catalog_;
  const Calibration* calibration_;
  MissingNamedPrice missing_price_ = MissingNamedPrice::error;
  std::map<std::string, std::pair<std::shared_ptr<const ModelSpec>, std::shared_ptr<const PreparedModel>>> models_;
  std::map<std::string, const GpuSpec*, std::less<>> gpus_;
};

}  // namespace llmsizer
