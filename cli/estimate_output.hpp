// cli/estimate_output.hpp — writers of estimate results and the scenarios batch.
#pragma once

#include <string>
#include <vector>

#include "cli/estimate_row.hpp"

namespace llmsizer::cli {

/// The human explanation of one estimate: layout, memory, latency, throughput, cost, energy, bounds.
[[nodiscard]] std::string describe_estimate(const ScenarioResolver::Resolved& r, const Estimate& e);
/// Header + one CSV line per row.
[[nodiscard]] std::string estimate_csv(const std::vector<EstimateRow>& rows);

enum class ScenarioBatchFormat { table, csv, json };
/// Whether a batch's rows are formatted and written on a second thread beside the answering one
/// (cli/scenario_writer.hpp); the output is the same either way.
enum class WriterThread { none, separate };
/// `separate` where the machine has two hardware threads or more, else `none`.
[[nodiscard]] WriterThread default_writer_thread();

/// Runs every row of a scenarios CSV; command-line scenario options are defaults for empty cells.
/// Bad rows are reported on stderr with their line and in the `error` column; the others are
/// answered. Returns 0, or 2 when any row was bad.
int run_scenarios(const std::string& file, const ScenarioInput& defaults, const std::string& calibration,
                  ScenarioBatchFormat format, Context& context, WriterThread thread = default_writer_thread());

}  // namespace llmsizer::cli
