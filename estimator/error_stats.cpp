#include "estimator/error_stats.hpp"

#include <algorithm>
#include <cmath>

namespace llmsizer {

double relative_error(double predicted, double measured) { return (predicted - measured) / measured; }

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  if (p <= 0) return values.front();
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size(), std::max<size_t>(rank, 1)) - 1];
}

ErrorSummary summarize_errors(std::vector<double> signed_errors) {
  ErrorSummary s;
  s.rows = static_cast<int>(signed_errors.size());
  if (signed_errors.empty()) return s;
  std::vector<double> absolute(signed_errors.size());
  std::transform(signed_errors.begin(), signed_errors.end(), absolute.begin(), [](double e) { return std::fabs(e); });
  s.median_abs = percentile(absolute, 50);
  s.p90_abs = percentile(absolute, 90);
  s.bias = percentile(signed_errors, 50);
  return s;
}

}  // namespace llmsizer
