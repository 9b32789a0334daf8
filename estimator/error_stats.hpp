// estimator/error_stats.hpp — how far predictions are from measurements.
#pragma once

#include <vector>

namespace llmsizer {

/// Summary of relative errors (predicted − measured) / measured over a set of rows.
struct ErrorSummary {
  int rows = 0;
  double median_abs = 0;   // median |error|
  double p90_abs = 0;      // 90th percentile |error| (nearest rank)
  double bias = 0;         // median signed error: > 0 means the estimator predicts too high
};

[[nodiscard]] double relative_error(double predicted, double measured);
[[nodiscard]] ErrorSummary summarize_errors(std::vector<double> signed_errors);
/// Nearest-rank percentile (p in [0, 100]) of a non-empty vector; 0 for an empty one.
[[nodiscard]] double percentile(std::vector<double> values, double p);

}  // namespace llmsizer
