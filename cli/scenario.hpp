// cli/scenario.hpp — the scenario options of `estimate`; the request itself (ScenarioInput, its
// fields, ScenarioResolver) lives in request/, which this header brings in for every cli/ file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "io/table.hpp"
#include "request/resolver.hpp"

namespace llmsizer::cli {

/// Registers every scenario field (request/scenario_fields.hpp) as an option on a subcommand: the
/// long name is the CSV column with '_' -> '-', and the text goes through the field's own parser,
/// so the command line and a scenarios CSV read numbers alike.
void add_scenario_options(CLI::App& app, ScenarioInput& input, bool require_workload);

/// Output columns of an estimate, shared by table, JSON and CSV writers.
struct EstimateRow {
  const ScenarioInput* input = nullptr;
  const ScenarioResolver::Resolved* resolved = nullptr;
  const Estimate* estimate = nullptr;
  std::string error;  // a bad scenario row: the message, other columns empty
};

[[nodiscard]] const std::vector<Column>& estimate_columns();
/// The value of `column` for `row` as JSON (numbers, strings, booleans or null).
[[nodiscard]] nlohmann::json estimate_value(const EstimateRow& row, size_t column);
[[nodiscard]] nlohmann::json estimate_json(const EstimateRow& row);
[[nodiscard]] std::vector<std::string> estimate_csv_fields(const EstimateRow& row);

}  // namespace llmsizer::cli
