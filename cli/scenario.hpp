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


}  // namespace llmsizer::cli
