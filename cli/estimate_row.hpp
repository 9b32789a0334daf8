// cli/estimate_row.hpp — the one output schema of estimate results (`estimate`, `estimate
// --scenarios`): the table, JSON, CSV writers of io/result_table.hpp all read it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/scenario.hpp"
#include "io/result_table.hpp"

namespace llmsizer::cli {

/// One estimate as the writers see it: what was asked, what it resolved to, and the answer.
struct EstimateRow {
  const ScenarioInput* input = nullptr;
  const ScenarioResolver::Resolved* resolved = nullptr;
  const Estimate* estimate = nullptr;
  std::string error;  // a bad scenario row: the message, other columns empty
};

[[nodiscard]] const Schema<EstimateRow>& estimate_schema();
[[nodiscard]] const std::vector<Column>& estimate_columns();
/// The rows under the estimate schema.
[[nodiscard]] ResultTable estimate_table(const std::vector<EstimateRow>& rows);
/// The value of `column` for `row` as JSON (numbers, strings, booleans or null).
[[nodiscard]] nlohmann::json estimate_value(const EstimateRow& row, size_t column);
[[nodiscard]] nlohmann::json estimate_json(const EstimateRow& row);

}  // namespace llmsizer::cli
