// io/xlsx_writer.hpp — every workbook llmsizer writes: any result table as one sheet, and the
// `plan` workbook: a Summary sheet ranking the options, an Inputs sheet (demand, peak factor, SLOs,
// prices and every TCO input), one sheet per GPU type whose counts and costs are formulas of the Inputs cells and of
// its estimated throughput (so editing the price, a TCO input or the demand recomputes), and a Sources sheet. Formulas
// carry the computed value as their cached result, so viewers that do not recalculate still show numbers.
//
// The sheets are written by io/xlsx_writer.cpp and io/xlsx_plan_sheets.cpp, the only files that use
// libxlsxwriter; they are built into the module llmsizer-xlsx.so, which io/xlsx_loader.cpp loads
// when a workbook is written (io/xlsx_module.hpp), so that no other command pays for loading it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "estimator/plan.hpp"
#include "hardware/gpu_spec.hpp"
#include "hardware/tco.hpp"
#include "io/result_table.hpp"

namespace llmsizer {

/// One GPU type's option, in rank order.
struct PlanWorkbookOption {
  std::string gpu;
  bool feasible = false;
  std::string configuration;  // "tp8 pp1 dp1 ep1, FP8 weights, KV BF16"
  std::string note;           // why there is no configuration, or "no price"
  ReplicaUnit unit;
  Fleet fleet;
  std::int64_t concurrency = 0;  // requests in flight per replica
  double ttft_ms = 0;
  double tpot_ms = 0;
  std::string price_label;    // empty when unpriced
  std::string price_basis;    // on-demand, reserved, 3yr-rental, owned, published-tco, user; empty when unpriced
  /// The price is the TCO model's owned cost (hardware/tco.hpp): the workbook computes it from the
  /// Inputs sheet's TCO cells and `purchase`.
  bool price_from_tco = false;
  std::optional<PurchasePrice> purchase;  // shown with its TCO cost whenever the GPU has one
  double tdp_w = 0;
  int gpus_per_node = 8;
  std::string price_source;
  std::string price_date;
  std::string gpu_file;
  std::vector<Citation> gpu_sources;
};

struct PlanWorkbook {
  std::string title;            // "glm-4.5: fleet for 2,000,000,000 output tokens/day" (cached; a formula of Inputs)
  Demand demand;
  bool peak_to_average_default = true;
  std::string slo_text;         // "TPOT <= 50 ms" or "none"
  std::optional<double> ttft_slo_ms, tpot_slo_ms;
  std::int64_t isl = 0, osl = 0;  // the request shape the configurations were estimated at
  std::optional<TcoAssumptions> tco;  // the owner's assumptions (tco/1 "default"); nullopt: none loaded
  std::string tco_file;
  std::string model;
  std::string model_file;
  std::vector<Citation> model_sources;
  std::string calibration;      // name, date, data, result as one line
  std::vector<PlanWorkbookOption> options;
};

/// Writes the workbook to `path` via a temporary file in the same directory and a rename; throws
/// ConfigError (exit 2) when it cannot be written, leaving nothing behind.
void write_plan_workbook(const std::string& path, const PlanWorkbook& book);

/// `table` as one sheet named `sheet`: a bold header "key (unit)" frozen above the rows, numbers
/// as numbers, flags as booleans, empty cells for null. Written like write_plan_workbook.
void write_table_workbook(const std::string& path, const std::string& sheet, const ResultTable& table);

/// A worksheet name Excel accepts: []:*?/\ replaced by '_', no leading or trailing apostrophe, at most
/// 31 characters (cut between UTF-8 characters).
[[nodiscard]] std::string worksheet_name(const std::string& text);

/// worksheet_name of each of `wanted`, made unique case-insensitively (as spreadsheet programs compare
/// them) against each other and against `taken`: "summary" beside "Summary" becomes "summary (2)".
[[nodiscard]] std::vector<std::string> unique_worksheet_names(const std::vector<std::string>& wanted,
                                                              const std::vector<std::string>& taken);

}  // namespace llmsizer
