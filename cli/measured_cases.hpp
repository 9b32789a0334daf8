// cli/measured_cases.hpp — measurement files resolved into estimator cases (validate, calibrate).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/scenario.hpp"
#include "estimator/calibration_fit.hpp"
#include "io/measurements.hpp"

namespace llmsizer::cli {

/// A measurement and what became of it.
struct MeasuredRow {
  Measurement measurement;
  std::string status;  // "estimated", "skipped: <why>", "excluded: quality C", "error: <message>"
  bool usable = false;
  bool users = false;  // from a file the user gave, not a shipped one: neither training nor held out
  MeasuredCase estimate_case;
};

/// The shipped measurements file (next to the executable, or `installed_beside` when not empty), for
/// when no --measurements is given.
[[nodiscard]] std::string shipped_measurements_path(const std::filesystem::path& installed_beside = {});
/// The shipped measured serving runs (validation/serving_sample.csv), included by --shipped.
[[nodiscard]] std::string shipped_serving_runs_path(const std::filesystem::path& installed_beside = {});

/// Loads every file and resolves each row against the catalog. Rows without enough inputs, rows of
/// quality C (ambiguous normalisation) and rows naming unknown models/GPUs are kept with a status.
[[nodiscard]] std::vector<MeasuredRow> load_measured_rows(const std::vector<std::string>& files,
                                                          ScenarioResolver& resolver);

/// Registers --measurements FILE (repeatable) and --shipped.
void add_measurement_options(CLI::App& app, std::vector<std::string>& files, bool& with_shipped);
/// The files to read: `files`, the shipped ones first with `with_shipped`, the shipped measurements
/// when `files` is empty; shipped files are looked for as Context::installed_beside says.
[[nodiscard]] std::vector<std::string> measurement_files(const std::vector<std::string>& files, bool with_shipped,
                                                         const std::filesystem::path& installed_beside);

}  // namespace llmsizer::cli
