// cli/plan_output.hpp — what `plan` decided, and its writers: one column schema for the table, CSV,
// JSON and the workbook summary (io/result_table.hpp, io/xlsx_writer.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/common_options.hpp"
#include "cli/scenario.hpp"
#include "estimator/plan.hpp"
#include "io/result_table.hpp"
#include "io/xlsx_writer.hpp"

namespace llmsizer::cli {

/// One GPU type's answer.
struct PlanOption {
  ScenarioResolver::Resolved resolved;
  ReplicaChoice choice;
  const PricePoint* price = nullptr;  // nullptr when unpriced or given with --usd-per-gpu-hour
  int rank = 0;                       // 1-based
  std::string price_note;             // unpriced_note() when unpriced, else the plan's basis_note
  std::string overlap_note;           // overlap_note() of the chosen replica (two-batch with ep 1)
  RowRange range;                     // the chosen replica's 80 % range (row_range)
  std::optional<FleetRange> fleet_range;
  [[nodiscard]] bool feasible() const { return choice.deployment.has_value(); }
};

struct Plan {
  Demand demand;
  bool default_peak = true;
  std::int64_t isl = default_request_tokens, osl = default_request_tokens;
  ServiceLevel slo;
  bool weights_given = false;      // --weights fixed the precision instead of searching
  bool kv_given = false;           // --kv fixed the KV precision instead of searching
  bool concurrency_given = false;  // --concurrency fixed the levels instead of searching
  int max_gpus_per_replica = 128;  // --max-gpus
  bool allow_unrealistic = false;
  bool disaggregated = false;       // --disagg: the search includes prefill/decode-disaggregated replicas
  std::vector<PlanOption> options;  // in rank order
  std::string basis_note;           // mixed_basis_note() when the options are priced on several bases
};

/// One row per option, in rank order, under the plan schema.
[[nodiscard]] ResultTable plan_table(const Plan& plan);
/// The people's view: demand, assumptions, the ranked table and the recommendation.
[[nodiscard]] std::string plan_text(const Plan& plan);
/// {demand, options: [rows], recommendation}.
[[nodiscard]] nlohmann::json plan_json(const Plan& plan);
/// "recommendation: h200-sxm: ..." and a note per unpriced or infeasible GPU type.
[[nodiscard]] std::string recommendation(const Plan& plan);
/// The workbook's inputs, cached values and sources.
/// `tco`: the owner's assumptions behind owned prices (the catalog's tco/1 "default"), nullptr when none.
[[nodiscard]] PlanWorkbook workbook_of(const Plan& plan, const Calibration& calibration, const TcoAssumptions* tco);

}  // namespace llmsizer::cli
