// cli/estimate_row.hpp — the one output schema of estimate results (`estimate`, `estimate
// --scenarios`): the table, JSON, CSV writers of io/result_table.hpp all read it.
#pragma once

#include <array>
#include <deque>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "cli/scenario.hpp"
#include "estimator/error_bands.hpp"
#include "io/result_table.hpp"

namespace llmsizer::cli {

/// The error bands of one row's regime: estimate_band of each metric (by BandMetric) and band_basis.
struct RowBands {
  std::array<std::optional<Band>, std::size(band_metrics)> band;
  std::string basis;
};

/// One estimate as the writers see it: what was asked, what it resolved to, and the answer.
struct EstimateRow {
  const ScenarioInput* input = nullptr;
  const ScenarioResolver::Resolved* resolved = nullptr;
  const Estimate* estimate = nullptr;
  std::string error;                // a bad scenario row: the message, other columns empty
  const RowBands* bands = nullptr;  // of `resolved`, when the writer cached them (BandCache); else looked up
  /// default_basis_note of `resolved`'s GPU and price basis, when the writer cached it (BasisNoteCache);
  /// nullptr: worked out for the row.
  const std::optional<std::string>* basis_note = nullptr;
};

/// The 80 % band of an estimate's metric, from the calibration's bands/1 profile and the estimate's
/// regime (model architecture, GPU generation, engine, concurrency band); nullopt without bands.
[[nodiscard]] std::optional<Band> estimate_band(const ScenarioResolver::Resolved& r, BandMetric metric);
/// Which runs the bands come from, per metric, and "wide: ..." where a regime had too few runs.
[[nodiscard]] std::string band_basis(const ScenarioResolver::Resolved& r);

/// RowBands by regime, for callers that write many rows (`estimate --scenarios`, the Python module):
/// the band lookups and the basis text cost more than the estimate itself, and rows share a handful of
/// regimes. Valid while the resolver's catalog lives.
class BandCache {
 public:
  [[nodiscard]] const RowBands& of(const ScenarioResolver::Resolved& resolved);

 private:
  // What estimate_band and band_basis read of a Resolved, and its bands.
  struct Entry {
    const ErrorBands* error_bands;
    bool moe;
    std::string generation;
    std::string engine;
    std::string concurrency;  // concurrency_band()
    bool pools;
    Phase phase;
    RowBands bands;
  };
  std::deque<Entry> cached_;         // a few dozen regimes at most; entries never move
  std::vector<std::size_t> hashes_;  // of cached_[i]'s key, scanned first
};

/// default_basis_note by GPU and price basis, for callers that write many rows (`estimate
/// --scenarios`): the note's text is formatted once. Valid while the catalog lives.
class BasisNoteCache {
 public:
  [[nodiscard]] const std::optional<std::string>& of(const GpuSpec& gpu, const std::string& basis);

 private:
  struct Entry {
    const GpuSpec* gpu;
    std::string basis;
    std::optional<std::string> note;
  };
  std::deque<Entry> cached_;  // a few GPUs and bases; entries never move
};

[[nodiscard]] const Schema<EstimateRow>& estimate_schema();
[[nodiscard]] const std::vector<Column>& estimate_columns();
/// The CSV line of `row` under the estimate schema, without its line end: each column's value as
/// the schema's writer puts it into a CsvCellSink, comma-separated (the rows of `estimate --scenarios
/// --csv`; the columns are typed on the sink, so no virtual call per value).
void write_estimate_csv(const EstimateRow& row, CsvCellSink& sink);
/// The rows under the estimate schema.
[[nodiscard]] ResultTable estimate_table(const std::vector<EstimateRow>& rows);
/// The value of `column` for `row` as JSON (numbers, strings, booleans or null).
[[nodiscard]] nlohmann::json estimate_value(const EstimateRow& row, size_t column);
[[nodiscard]] nlohmann::json estimate_json(const EstimateRow& row);

}  // namespace llmsizer::cli
