// io/xlsx_internal.hpp — what the plan workbook's writers share (io/xlsx_writer.cpp writes the
// Summary and Sources sheets, io/xlsx_plan_sheets.cpp the Inputs and GPU sheets): cell formats, the
// rows of a GPU sheet the Summary links to, and where each input sits on the Inputs sheet.
#pragma once

#include <xlsxwriter.h>

#include <cstddef>
#include <string>
#include <vector>

#include "io/xlsx_writer.hpp"

namespace llmsizer::xlsx {

struct Formats {
  lxw_format* title;
  lxw_format* header;
  lxw_format* text;
  lxw_format* wrap;
  lxw_format* input_count;  // inputs are blue on light yellow: the cells a planner edits
  lxw_format* input_number;
  lxw_format* input_money;
  lxw_format* count;
  lxw_format* number;
  lxw_format* money;
  lxw_format* money_fine;
  lxw_format* percent;
};

[[nodiscard]] Formats make_formats(lxw_workbook* wb);
/// A worksheet whose name was made valid and unique beforehand (a refusal is a bug: logic_error).
[[nodiscard]] lxw_worksheet* add_worksheet(lxw_workbook* wb, const std::string& name);

/// The sheet name as a formula writes it: 'name', quotes doubled.
[[nodiscard]] std::string quoted_sheet(const std::string& sheet);
/// "='sheet'!$B$n": a formula that shows column B of row `row` (0-based) of `sheet`.
[[nodiscard]] std::string sheet_ref(const std::string& sheet, lxw_row_t row);

// Rows (0-based) of a GPU sheet; the Summary refers to them by these names.
enum GpuRow : lxw_row_t {
  row_demand = 3,
  row_peak_ratio,
  row_price,
  row_throughput,
  row_gpus_per_replica,
  row_gpus_per_node,
  row_tdp,
  row_power_utilization,
  row_hours,
  row_average = 14,
  row_peak,
  row_replicas,
  row_gpus,
  row_nodes,
  row_capacity,
  row_utilization,
  row_tokens_month,
  row_cost_month,
  row_cost_mtok,
  row_power,
  row_energy,
  // The chosen configuration against the Inputs sheet's SLO cells: the search ran for the SLOs at
  // generation time; these rows re-check its estimate when a planner edits them.
  row_slo_header = 27,
  row_ttft_estimate,
  row_tpot_estimate,
  row_meets_ttft,
  row_meets_tpot,
  row_meets_slo,
  row_slo_note,
};

inline constexpr const char* inputs_sheet_name = "Inputs";

// Rows (0-based) of the Inputs sheet.
enum InputRow : lxw_row_t {
  in_output_per_day = 3,
  in_input_per_day,
  in_peak_ratio,
  in_ttft,
  in_tpot,
  in_hours_month,
  in_hours_year,
  in_tco_header = 11,
  in_depreciation,
  in_capital_rate,
  in_server_ratio,
  in_gpu_utilization,
  in_overhead,
  in_pue,
  in_usd_per_kwh,
  in_hosting,
  in_tco_formula,
  in_gpu_header = 21,
  in_first_gpu,
};

/// Absolute references ("Inputs!$B$4") to the Inputs sheet's cells.
struct InputCells {
  std::string output_tokens_per_day;
  std::string peak_to_average;
  std::string hours_per_month;
  std::string ttft_target;         // ms, blank when no TTFT target
  std::string tpot_target;         // ms, blank when no TPOT target
  std::vector<std::string> price;  // per option: $/GPU-hour, empty cell when unpriced
  std::vector<std::string> tdp;    // per option: W
};

/// The Inputs sheet: demand, SLOs, the TCO inputs and one row per GPU type with its price (a
/// formula of the TCO cells when it is the owned cost).
InputCells inputs_sheet(lxw_workbook* wb, const PlanWorkbook& book, const Formats& f);
/// One GPU type's sheet, its demand, price, TDP and hours read from `inputs`.
void gpu_sheet(lxw_workbook* wb, const PlanWorkbook& book, std::size_t option, const std::string& sheet,
               const InputCells& inputs, const Formats& f);

}  // namespace llmsizer::xlsx
