// estimator/calibration_fit.hpp — predicted vs measured for measured deployments, and the least-
// squares fit of the calibration's physically meaningful factors (docs/validation.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "estimator/efficiency.hpp"
#include "estimator/prepared_model.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// One measured deployment, ready to estimate.
struct MeasuredCase {
  std::string id;
  std::string source;
  const PreparedModel* model = nullptr;
  const GpuSpec* gpu = nullptr;
  Deployment deployment;
  Workload workload;
  std::string engine;
  bool holdout = false;  // kept out of calibration; used to report honest error
  // Measured means (SI): absent when the source does not report them.
  std::optional<double> tpot_s, ttft_s, output_tok_s_per_gpu, input_tok_s_per_gpu;
};

enum class Metric : unsigned char { tpot, ttft, output_per_gpu, input_per_gpu };
inline constexpr int metric_count = 4;
[[nodiscard]] const char* metric_name(Metric m);

struct Prediction {
  bool fits = false;
  std::string reason;
  std::optional<double> value[metric_count];  // SI, same units as the measured
};

[[nodiscard]] std::optional<double> measured_value(const MeasuredCase& c, Metric m);
[[nodiscard]] Prediction predict(const MeasuredCase& c, const Calibration& calibration);

/// A factor the fit may move: which field, of which generation/engine ("*" = all), its prior
/// and how strongly the prior holds (standard deviation in log space).
struct FitParameter {
  std::string name;   // e.g. "hopper.bandwidth_fraction", "sglang.step_overhead"
  double prior = 0;
  double log_sigma = 0.5;
  bool fraction = false;  // bounded to (0, 1): fitted on the logit scale, else on the log scale
  double min = 0;         // physical range (priors.yaml `bounds`); when min < max the fit works on
  double max = 0;         // the logit of (x - min) / (max - min), so no value outside it is reachable
};

struct FitResult {
  Calibration calibration;
  std::vector<FitParameter> fitted;        // parameters the data constrained, with final values in prior
  std::vector<std::string> unconstrained;  // parameters left at their prior (too few sensitive rows)
  int residuals = 0;
  double cost_before = 0;
  double cost_after = 0;
  int iterations = 0;
};

/// The candidate parameters for a calibration: per-generation compute and bandwidth fractions,
/// FP8/FP4 derates, per-engine step and layer overheads, MoE-layer overhead, collective latencies,
/// attention fraction. Priors are the calibration's current values.
[[nodiscard]] std::vector<FitParameter> candidate_parameters(const Calibration& calibration);

/// Levenberg–Marquardt on log(predicted / measured) over every metric of every training case, with
/// a ridge pull toward the priors so sparsely measured parameters stay physical. Parameters that
/// fewer than `min_sensitive_rows` residuals depend on are not moved.
[[nodiscard]] FitResult fit_calibration(const std::vector<MeasuredCase>& training, const Calibration& prior,
                                        int min_sensitive_rows = 3, int max_iterations = 40,
                                        double prior_strength = 1.0);

/// Leave-one-model-out cross-validation: for each model of `cases` (by model name), the calibration
/// is fitted from `prior` on the cases of every other model and predicts that model's cases, so the
/// error says how the estimator does on a model calibration never saw. Returns one prediction per
/// case, in order. Fit arguments as fit_calibration's.
[[nodiscard]] std::vector<Prediction> leave_one_model_out(const std::vector<MeasuredCase>& cases,
                                                          const Calibration& prior, int min_sensitive_rows = 3,
                                                          int max_iterations = 40, double prior_strength = 1.0);

/// Reads / writes one named parameter of a calibration (all matching entries for "*").
[[nodiscard]] double get_parameter(const Calibration& c, const std::string& name);
void set_parameter(Calibration& c, const std::string& name, double value);

/// Deterministic split: about 30% of ids (by FNV-1a hash) are held out.
[[nodiscard]] bool is_holdout(const std::string& id);

}  // namespace llmsizer
