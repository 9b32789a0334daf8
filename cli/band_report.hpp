// cli/band_report.hpp — the error bands from validation residuals, and how often measured runs fall
// inside them (validate's band coverage; `validate --write-bands`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/validation_report.hpp"
#include "estimator/error_bands.hpp"

namespace llmsizer::cli {

/// The regime of a measured run (estimator/error_bands.hpp).
[[nodiscard]] Regime regime_of(const MeasuredCase& c);

/// The band residuals of one run: ln(measured / predicted) of TTFT, TPOT and output throughput. A
/// closed-loop run that reports TTFT and TPOT but not throughput gets its measured throughput derived
/// from them (closed_loop_output_tok_s), as the source data's own `_derived` fields are.
void add_band_runs(const MeasuredRow& row, const Prediction& prediction, std::vector<BandRun>& out);

/// The band table of a set of runs, e.g. the leave-one-model-out ones, widened so that 80 % of each
/// model's runs fall inside the bands of the other models; `in_sample` are the same runs predicted
/// by the calibration the table is for (its staleness check). Names and provenance are the caller's.
[[nodiscard]] ErrorBands bands_from(const std::vector<BandRun>& runs, const std::vector<BandRun>& in_sample,
                                    int min_runs);

/// The measurement files as a bands/1 profile's `data` names them ("measurements.yaml, serving_sample.csv").
[[nodiscard]] std::string data_files(const std::vector<std::string>& files);
/// When the profile was written from these files but its in-sample check no longer matches the runs
/// predicted now (the model or the calibration changed since): a warning naming the command that
/// regenerates it. "" when current, or when the profile came from other files.
[[nodiscard]] std::string stale_bands_warning(const ErrorBands& bands, const std::vector<BandRun>& in_sample,
                                              const std::vector<std::string>& files);

/// Coverage of the 80 % bands: in each group (all runs; each architecture, GPU generation, engine
/// and concurrency band; own vs borrowed bands) and metric, the runs with a band and the share inside.
struct CoverageLine {
  std::string group;
  BandMetric metric = BandMetric::tpot;
  int runs = 0;
  int inside = 0;
  int wide = 0;  // runs whose band was borrowed from a coarser regime
};

/// Every run checked against `bands` (in sample when the bands came from these runs).
[[nodiscard]] std::vector<CoverageLine> band_coverage(const std::vector<BandRun>& runs, const ErrorBands& bands);
/// Each model's runs checked against the bands built from every other model's runs: how the bands
/// hold for a model they never saw.
[[nodiscard]] std::vector<CoverageLine> leave_one_model_out_coverage(const std::vector<BandRun>& runs, int min_runs);

/// The share inside of `group` and `metric` (0 runs when absent).
[[nodiscard]] CoverageLine coverage_of(const std::vector<CoverageLine>& lines, const std::string& group,
                                       BandMetric metric);
[[nodiscard]] std::string coverage_text(const std::vector<CoverageLine>& lines, const std::string& title);
[[nodiscard]] nlohmann::json coverage_json(const std::vector<CoverageLine>& lines);

}  // namespace llmsizer::cli
