// cli/validation_report.hpp — predicted vs measured, summarised per source, split and regime.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/measured_cases.hpp"
#include "estimator/error_bands.hpp"
#include "estimator/error_stats.hpp"

namespace llmsizer::cli {

struct RowError {
  const MeasuredRow* row = nullptr;
  Metric metric = Metric::tpot;
  double measured = 0;
  double predicted = 0;
  double error = 0;  // (predicted − measured) / measured
};

/// One run's error in a band metric (cli/band_report.hpp).
struct BandRun {
  const MeasuredRow* row = nullptr;
  Residual residual;     // metric, regime, ln(measured / predicted)
  bool derived = false;  // measured throughput derived from measured TTFT and TPOT
};

struct SummaryLine {
  std::string group;  // a source name, "held-out", "all", "concurrency <= 64"
  Metric metric = Metric::tpot;
  ErrorSummary summary;
};

struct ValidationResult {
  std::vector<RowError> errors;
  std::vector<SummaryLine> by_source;
  std::vector<SummaryLine> overall;  // all rows, held-out rows, training rows, concurrency <= 64
  std::vector<SummaryLine> regimes;  // by model, GPU, engine, precision and concurrency band
  std::vector<BandRun> band_runs;    // every fitting run's band residuals
  std::vector<std::pair<const MeasuredRow*, std::string>> not_fitting;
  std::vector<const MeasuredRow*> not_estimated;  // skipped, excluded, errors
  int estimated = 0;
};

[[nodiscard]] ValidationResult evaluate_rows(const std::vector<MeasuredRow>& rows, const Calibration& calibration);
/// The same from given predictions, one per row (rows that are not usable are ignored), e.g. the
/// leave-one-model-out ones.
[[nodiscard]] ValidationResult evaluate_predictions(const std::vector<MeasuredRow>& rows,
                                                    const std::vector<Prediction>& predictions);
/// Predictions of each usable row by the calibration fitted from `prior` without the row's model.
[[nodiscard]] std::vector<Prediction> leave_one_model_out_predictions(const std::vector<MeasuredRow>& rows,
                                                                      const Calibration& prior, double prior_strength);
/// The regime table (model, GPU, engine, precision, concurrency band) as text; `title` heads it.
[[nodiscard]] std::string regime_text(const ValidationResult& r, const std::string& title);
/// The overall summary line of `group` and `metric` (rows == 0 when absent).
[[nodiscard]] ErrorSummary overall_summary(const ValidationResult& r, const std::string& group, Metric metric);

[[nodiscard]] std::string validation_text(const ValidationResult& r, int worst);
[[nodiscard]] nlohmann::json validation_json(const ValidationResult& r);
[[nodiscard]] std::string validation_csv(const ValidationResult& r);
/// Predicted vs measured on log axes, one panel each for TPOT and output tokens/s per GPU, with the
/// y = x line; training and held-out rows in different colours. One standalone SVG document.
[[nodiscard]] std::string validation_svg(const ValidationResult& r);

}  // namespace llmsizer::cli
