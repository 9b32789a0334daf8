// io/xlsx_plan_sheets.cpp — the plan workbook's Inputs sheet and its GPU sheets (io/xlsx_internal.hpp).
#include <fmt/format.h>

#include <cmath>

#include "estimator/text_format.hpp"
#include "io/xlsx_internal.hpp"

namespace llmsizer::xlsx {
namespace {

// Columns (0-based) of the Inputs sheet's GPU table.
enum GpuColumn : lxw_col_t {
  col_gpu,
  col_basis,
  col_price,
  col_purchase,
  col_quoted_per,
  col_gpus_per_node,
  col_tdp,
  col_purchase_per_gpu,
  col_capital,
  col_energy,
  col_hosting,
  col_owned,
  col_source,
};

constexpr double hours_per_year = hours_per_month * 12;  // hardware/tco.cpp's 8760 h
constexpr const char* gpu_columns[] = {"GPU",
                                       "Price basis",
                                       "Price ($/GPU-hour)",
                                       "Purchase price ($)",
                                       "Quoted per (card or server)",
                                       "GPUs per node",
                                       "TDP (W)",
                                       "Purchase per GPU ($)",
                                       "Capital ($/GPU-hour)",
                                       "Energy ($/GPU-hour)",
                                       "Hosting ($/GPU-hour)",
                                       "Owned cost ($/GPU-hour)",
                                       "Price label and source"};

std::string cell(lxw_col_t col, lxw_row_t row) {
  return fmt::format("{}{}", static_cast<char>('A' + col), row + 1);
}
std::string b(lxw_row_t row) {
  return cell(1, row);
}
std::string abs_b(lxw_row_t row) {
  return fmt::format("$B${}", row + 1);
}
std::string inputs_ref(lxw_col_t col, lxw_row_t row) {
  return fmt::format("{}!${}${}", inputs_sheet_name, static_cast<char>('A' + col), row + 1);
}
/// A text literal inside a formula: quotes doubled.
std::string literal(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void labelled(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& unit,
              const std::string& note, const Formats& f) {
  worksheet_write_string(ws, row, 0, label.c_str(), f.text);
  worksheet_write_string(ws, row, 2, unit.c_str(), f.text);
  worksheet_write_string(ws, row, 3, note.c_str(), f.wrap);
}

void input(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::optional<double>& value,
           const std::string& unit, const std::string& note, lxw_format* format, const Formats& f) {
  labelled(ws, row, label, unit, note, f);
  if (value)
    worksheet_write_number(ws, row, 1, *value, format);
  else
    worksheet_write_blank(ws, row, 1, format);
}

void header(lxw_worksheet* ws, lxw_row_t row, const std::vector<std::string>& names, const Formats& f) {
  for (lxw_col_t c = 0; c < names.size(); ++c) worksheet_write_string(ws, row, c, names[c].c_str(), f.header);
}

void demand_inputs(lxw_worksheet* ws, const PlanWorkbook& book, const Formats& f) {
  header(ws, in_output_per_day - 1, {"Input", "Value", "Unit", "Source / note"}, f);
  input(ws, in_output_per_day, "Output tokens per day", book.demand.output_tokens_per_day, "tokens/day", "demand",
        f.input_count, f);
  input(ws, in_input_per_day, "Input tokens per day", book.demand.input_tokens_per_day, "tokens/day",
        fmt::format("prompts: the configurations were estimated at {} input + {} output tokens per request", book.isl,
                    book.osl),
        f.input_count, f);
  input(ws, in_peak_ratio, "Peak-to-average ratio", book.demand.peak_to_average, "ratio",
        book.peak_to_average_default ? "default 2.0 (diurnal peak about twice the mean)" : "given", f.input_number, f);
  const std::string searched =
      "the configurations were chosen for it when the workbook was generated; editing it re-checks each GPU sheet's "
      "configuration against it (its Service levels rows), it does not re-run the search";
  input(ws, in_ttft, "TTFT target", book.ttft_slo_ms, "ms", book.ttft_slo_ms ? searched : "none", f.input_number, f);
  input(ws, in_tpot, "TPOT target", book.tpot_slo_ms, "ms", book.tpot_slo_ms ? searched : "none", f.input_number, f);
  input(ws, in_hours_month, "Hours per month", hours_per_month, "h/month", "8760 h/year / 12", f.input_count, f);
  input(ws, in_hours_year, "Hours per year", hours_per_year, "h/year", "365 x 24 (hardware/tco.cpp)", f.input_count, f);
}

void tco_inputs(lxw_worksheet* ws, const PlanWorkbook& book, const Formats& f) {
  worksheet_merge_range(
      ws, in_tco_header, 0, in_tco_header, 3,
      fmt::format("Owner's cost (TCO) inputs: {}", book.tco ? book.tco_file : "no tco/1 profile loaded").c_str(),
      f.header);
  const auto value = [&](double TcoAssumptions::*field) {
    return book.tco ? std::optional<double>((*book.tco).*field) : std::nullopt;
  };
  std::optional<double> overhead;
  if (book.tco) overhead = book.tco->server_overhead_per_gpu.value;
  input(ws, in_depreciation, "Years of depreciation", value(&TcoAssumptions::depreciation_years), "years",
        "straight-line life of the hardware", f.input_number, f);
  input(ws, in_capital_rate, "Cost of capital", value(&TcoAssumptions::cost_of_capital_per_year), "per year",
        "annual rate (0.10 = 10%)", f.input_number, f);
  input(ws, in_server_ratio, "Server-to-card cost ratio", value(&TcoAssumptions::server_to_card_cost_ratio), "ratio",
        "raises a price quoted per card to its share of the server", f.input_number, f);
  input(ws, in_gpu_utilization, "GPU utilisation", value(&TcoAssumptions::gpu_utilization), "fraction of TDP",
        "average GPU draw", f.input_number, f);
  input(ws, in_overhead, "Server overhead power", overhead, "W per GPU", "CPUs, NICs, switches, fans, PSU loss",
        f.input_count, f);
  input(ws, in_pue, "PUE", value(&TcoAssumptions::pue), "ratio", "facility power / IT power", f.input_number, f);
  input(ws, in_usd_per_kwh, "Electricity", value(&TcoAssumptions::usd_per_kwh), "$/kWh", "", f.input_money, f);
  input(ws, in_hosting, "Hosting", value(&TcoAssumptions::hosting_usd_per_kw_month), "$/kW-month",
        "colocation rent per kW of provisioned IT power, power excluded", f.input_number, f);
  worksheet_merge_range(ws, in_tco_formula, 0, in_tco_formula, 12,
                        "Owned $/GPU-hour as hardware/tco.hpp owned_cost_per_gpu_hour: capital = purchase per GPU x "
                        "r / (1 - (1 + r)^-n) / 8760 h; energy = (TDP x utilisation + overhead) / 1000 x PUE x $/kWh; "
                        "hosting = (TDP + overhead) / 1000 x $/kW-month x 12 / 8760 h",
                        f.wrap);
}

/// Columns D..L of one GPU's row: its purchase and the TCO formulas over it. Returns the owned cost.
double tco_cells(lxw_worksheet* ws, lxw_row_t row, const PlanWorkbook& book, const PlanWorkbookOption& o,
                 const Formats& f) {
  const PurchasePrice& purchase = *o.purchase;
  const TcoAssumptions& a = *book.tco;
  worksheet_write_number(ws, row, col_purchase, purchase.amount.value, f.input_money);
  worksheet_write_string(ws, row, col_quoted_per, purchase.per_server ? "server" : "card", f.input_count);
  worksheet_write_number(ws, row, col_gpus_per_node, o.gpus_per_node, f.input_count);
  const Usd per_gpu = purchase_per_gpu(purchase, o.gpus_per_node, a);
  const TcoBreakdown cost = owned_cost_per_gpu_hour(per_gpu, watts(o.tdp_w), a);
  const auto formula = [&](lxw_col_t col, const std::string& text, double cached) {
    worksheet_write_formula_num(ws, row, col, text.c_str(), f.money_fine, cached);
  };
  formula(col_purchase_per_gpu,
          fmt::format("=IF({}=\"server\",{}/{},{}*{})", cell(col_quoted_per, row), cell(col_purchase, row),
                      cell(col_gpus_per_node, row), cell(col_purchase, row), abs_b(in_server_ratio)),
          per_gpu.value);
  const std::string rate = abs_b(in_capital_rate), years = abs_b(in_depreciation), year_hours = abs_b(in_hours_year);
  formula(col_capital,
          fmt::format("={}*IF({}=0,1/{},{}/(1-(1+{})^(-{})))/{}", cell(col_purchase_per_gpu, row), rate, years, rate,
                      rate, years, year_hours),
          cost.capital_per_gpu_hour.value);
  formula(col_energy,
          fmt::format("=({}*{}+{})/1000*{}*{}", cell(col_tdp, row), abs_b(in_gpu_utilization), abs_b(in_overhead),
                      abs_b(in_pue), abs_b(in_usd_per_kwh)),
          cost.energy_per_gpu_hour.value);
  formula(col_hosting,
          fmt::format("=({}+{})/1000*{}*12/{}", cell(col_tdp, row), abs_b(in_overhead), abs_b(in_hosting), year_hours),
          cost.hosting_per_gpu_hour.value);
  formula(col_owned, fmt::format("={}+{}+{}", cell(col_capital, row), cell(col_energy, row), cell(col_hosting, row)),
          cost.total().value);
  return cost.total().value;
}

void gpu_price_row(lxw_worksheet* ws, lxw_row_t row, const PlanWorkbook& book, const PlanWorkbookOption& o,
                   const Formats& f) {
  worksheet_write_string(ws, row, col_gpu, o.gpu.c_str(), f.text);
  worksheet_write_string(ws, row, col_basis, o.price_basis.empty() ? "-" : o.price_basis.c_str(), f.text);
  worksheet_write_number(ws, row, col_tdp, o.tdp_w, f.input_count);
  const bool has_tco = o.purchase && book.tco;
  const double owned = has_tco ? tco_cells(ws, row, book, o, f) : 0.0;
  if (o.price_from_tco && has_tco) {
    worksheet_write_formula_num(ws, row, col_price, fmt::format("={}", cell(col_owned, row)).c_str(), f.money_fine,
                                owned);
  } else if (o.unit.usd_per_gpu_hour) {
    worksheet_write_number(ws, row, col_price, *o.unit.usd_per_gpu_hour, f.input_money);
  } else {
    worksheet_write_blank(ws, row, col_price, f.input_money);
  }
  const std::string source = o.price_label.empty() ? "no price in the GPU profile: type one in column C"
                                                   : o.price_label + ": " + o.price_source;
  worksheet_write_string(ws, row, col_source, source.c_str(), f.text);
}

}  // namespace

InputCells inputs_sheet(lxw_workbook* wb, const PlanWorkbook& book, const Formats& f) {
  lxw_worksheet* ws = add_worksheet(wb, inputs_sheet_name);
  const double widths[] = {32, 16, 16, 60, 12, 10, 10, 14, 14, 14, 14, 14, 80};
  for (lxw_col_t c = 0; c < std::size(widths); ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);
  const std::string title = fmt::format("=\"Inputs: \"&{}&\", \"&TEXT({},\"#,##0\")&\" output tokens/day\"",
                                        literal(book.model), b(in_output_per_day));
  worksheet_merge_range(ws, 0, 0, 0, 3, "", f.title);
  worksheet_write_formula_str(
      ws, 0, 0, title.c_str(), f.title,
      fmt::format("Inputs: {}, {} output tokens/day", book.model, with_commas(book.demand.output_tokens_per_day))
          .c_str());
  worksheet_merge_range(ws, 1, 0, 1, 3,
                        "Blue cells are inputs: every GPU sheet reads its demand, price, TDP and hours from here.",
                        f.text);
  demand_inputs(ws, book, f);
  tco_inputs(ws, book, f);
  header(ws, in_gpu_header, std::vector<std::string>(std::begin(gpu_columns), std::end(gpu_columns)), f);
  InputCells cells{inputs_ref(1, in_output_per_day),
                   inputs_ref(1, in_peak_ratio),
                   inputs_ref(1, in_hours_month),
                   inputs_ref(1, in_ttft),
                   inputs_ref(1, in_tpot),
                   {},
                   {}};
  for (std::size_t i = 0; i < book.options.size(); ++i) {
    const lxw_row_t row = in_first_gpu + static_cast<lxw_row_t>(i);
    gpu_price_row(ws, row, book, book.options[i], f);
    cells.price.push_back(inputs_ref(col_price, row));
    cells.tdp.push_back(inputs_ref(col_tdp, row));
  }
  return cells;
}

namespace {

std::string gpu_b(lxw_row_t row) {
  return fmt::format("B{}", row + 1);
}

void gpu_row(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& unit,
             const std::string& note, const Formats& f) {
  labelled(ws, row, label, unit, note, f);
}

/// `how` says the formula in words, for the reader of the sheet.
void output(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& formula,
            const std::string& how, double cached, const std::string& unit, lxw_format* format, const Formats& f) {
  gpu_row(ws, row, label, unit, fmt::format("{}   ({})", formula, how), f);
  worksheet_write_formula_num(ws, row, 1, formula.c_str(), format, cached);
}

/// A formula that reads "no price" while the price cell is not a number.
void priced_output(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& price_cell,
                   const std::string& expression, const std::string& how, const std::optional<double>& cached,
                   const std::string& unit, lxw_format* format, const Formats& f) {
  const std::string formula = fmt::format("=IF(ISNUMBER({}),{},\"no price\")", price_cell, expression);
  gpu_row(ws, row, label, unit, fmt::format("{}   ({})", formula, how), f);
  if (cached)
    worksheet_write_formula_num(ws, row, 1, formula.c_str(), format, *cached);
  else
    worksheet_write_formula_str(ws, row, 1, formula.c_str(), format, "no price");
}

void gpu_inputs(lxw_worksheet* ws, const PlanWorkbook& book, const PlanWorkbookOption& o, std::size_t option,
                const InputCells& in, const Formats& f) {
  header(ws, row_demand - 1, {"Input", "Value", "Unit", "Source / note"}, f);
  output(ws, row_demand, "Output tokens per day", "=" + in.output_tokens_per_day, "Inputs sheet",
         book.demand.output_tokens_per_day, "tokens/day", f.count, f);
  output(ws, row_peak_ratio, "Peak-to-average ratio", "=" + in.peak_to_average, "Inputs sheet",
         book.demand.peak_to_average, "ratio", f.number, f);
  priced_output(ws, row_price, "Price", in.price[option], in.price[option],
                o.price_label.empty() ? "Inputs sheet; no price in the GPU profile: type one there"
                                      : "Inputs sheet; " + o.price_label + ": " + o.price_source,
                o.unit.usd_per_gpu_hour, "$/GPU-hour", f.money_fine, f);
  input(ws, row_throughput, "Output throughput per replica", o.unit.output_tok_s, "tokens/s",
        fmt::format("estimated: {}, {} requests in flight, TTFT {:.0f} ms, TPOT {:.1f} ms", o.configuration,
                    o.concurrency, o.ttft_ms, o.tpot_ms),
        f.input_number, f);
  input(ws, row_gpus_per_replica, "GPUs per replica", o.unit.gpus, "GPUs", o.configuration, f.input_count, f);
  input(ws, row_gpus_per_node, "GPUs per node", o.unit.gpus_per_node, "GPUs/node", o.gpu_file, f.input_count, f);
  output(ws, row_tdp, "TDP", "=" + in.tdp[option], "Inputs sheet", o.unit.tdp_w, "W", f.count, f);
  input(ws, row_power_utilization, "Power utilization", o.unit.power_utilization, "fraction of TDP",
        "average board power while serving (calibration)", f.input_number, f);
  output(ws, row_hours, "Hours per month", "=" + in.hours_per_month, "Inputs sheet", hours_per_month, "h/month",
         f.count, f);
}

void gpu_outputs(lxw_worksheet* ws, const PlanWorkbook& book, const PlanWorkbookOption& o, const Formats& f) {
  header(ws, row_average - 1, {"Output", "Value", "Unit", "Formula"}, f);
  const Fleet& fl = o.fleet;
  const auto B = gpu_b;
  output(ws, row_average, "Average demand", fmt::format("={}/86400", B(row_demand)), "tokens per day / 86,400 s",
         book.demand.average_output_tok_s(), "tokens/s", f.number, f);
  output(ws, row_peak, "Peak demand", fmt::format("={}*{}", B(row_average), B(row_peak_ratio)),
         "average x peak-to-average", book.demand.peak_output_tok_s(), "tokens/s", f.number, f);
  output(ws, row_replicas, "Replicas", fmt::format("=ROUNDUP({}/{},0)", B(row_peak), B(row_throughput)),
         "peak demand / throughput per replica, rounded up", static_cast<double>(fl.replicas), "replicas", f.count, f);
  output(ws, row_gpus, "GPUs", fmt::format("={}*{}", B(row_replicas), B(row_gpus_per_replica)),
         "replicas x GPUs per replica", static_cast<double>(fl.gpus), "GPUs", f.count, f);
  output(ws, row_nodes, "Nodes", fmt::format("=ROUNDUP({}/{},0)", B(row_gpus), B(row_gpus_per_node)),
         "GPUs / GPUs per node, rounded up", static_cast<double>(fl.nodes), "nodes", f.count, f);
  output(ws, row_capacity, "Fleet capacity", fmt::format("={}*{}", B(row_replicas), B(row_throughput)),
         "replicas x throughput per replica", fl.capacity_output_tok_s, "tokens/s", f.number, f);
  output(ws, row_utilization, "Utilization (average)", fmt::format("={}/{}", B(row_average), B(row_capacity)),
         "average demand / fleet capacity", fl.utilization, "fraction", f.percent, f);
  output(ws, row_tokens_month, "Output tokens per month", fmt::format("={}*{}/24", B(row_demand), B(row_hours)),
         "tokens per day x hours per month / 24", book.demand.output_tokens_per_month(), "tokens/month", f.count, f);
  priced_output(ws, row_cost_month, "Cost per month", B(row_price),
                fmt::format("{}*{}*{}", B(row_gpus), B(row_price), B(row_hours)), "GPUs x price x hours per month",
                fl.usd_per_month, "$/month", f.money, f);
  priced_output(ws, row_cost_mtok, "Cost per million output tokens served", B(row_price),
                fmt::format("{}/({}/1000000)", B(row_cost_month), B(row_tokens_month)),
                "cost per month / millions of output tokens served per month (the demand)", fl.usd_per_mtok_served,
                "$/Mtok", f.money_fine, f);
  output(ws, row_power, "Power", fmt::format("={}*{}*{}/1000", B(row_gpus), B(row_tdp), B(row_power_utilization)),
         "GPUs x TDP x power utilization / 1000", fl.power_kw, "kW", f.number, f);
  output(ws, row_energy, "Energy per month", fmt::format("={}*{}/1000", B(row_power), B(row_hours)),
         "power x hours per month / 1000", fl.energy_mwh_per_month, "MWh/month", f.number, f);
}

/// One "Meets the ... target" row: "yes" while the estimate is within the Inputs cell, "no" above
/// it, "no target" while the cell is blank.
void meets_target(lxw_worksheet* ws, lxw_row_t row, const std::string& label, lxw_row_t estimate,
                  const std::string& target, const std::optional<double>& target_ms, double estimate_ms,
                  const Formats& f) {
  const std::string formula =
      fmt::format("=IF(ISNUMBER({0}),IF({1}<={0},\"yes\",\"no\"),\"no target\")", target, gpu_b(estimate));
  gpu_row(ws, row, label, "", fmt::format("{}   (the estimate against the Inputs sheet's target)", formula), f);
  const char* cached = !target_ms ? "no target" : estimate_ms <= *target_ms ? "yes" : "no";
  worksheet_write_formula_str(ws, row, 1, formula.c_str(), f.text, cached);
}

constexpr const char* other_slos = "no: chosen for other SLOs; run plan again";

/// The chosen configuration's TTFT and TPOT against the SLO cells of the Inputs sheet, live.
void gpu_service_levels(lxw_worksheet* ws, const PlanWorkbook& book, const PlanWorkbookOption& o, const InputCells& in,
                        const Formats& f) {
  header(ws, row_slo_header, {"Service level", "Value", "Unit", "Formula / note"}, f);
  const std::string at = fmt::format("estimated for {} at {} requests in flight", o.configuration, o.concurrency);
  gpu_row(ws, row_ttft_estimate, "TTFT of the configuration", "ms", at, f);
  worksheet_write_number(ws, row_ttft_estimate, 1, o.ttft_ms, f.number);
  gpu_row(ws, row_tpot_estimate, "TPOT of the configuration", "ms", at, f);
  worksheet_write_number(ws, row_tpot_estimate, 1, o.tpot_ms, f.number);
  meets_target(ws, row_meets_ttft, "Meets the TTFT target", row_ttft_estimate, in.ttft_target, book.ttft_slo_ms,
               o.ttft_ms, f);
  meets_target(ws, row_meets_tpot, "Meets the TPOT target", row_tpot_estimate, in.tpot_target, book.tpot_slo_ms,
               o.tpot_ms, f);
  const bool meets =
      (!book.ttft_slo_ms || o.ttft_ms <= *book.ttft_slo_ms) && (!book.tpot_slo_ms || o.tpot_ms <= *book.tpot_slo_ms);
  const std::string formula = fmt::format("=IF(OR({}=\"no\",{}=\"no\"),{},\"yes\")", gpu_b(row_meets_ttft),
                                          gpu_b(row_meets_tpot), literal(other_slos));
  gpu_row(ws, row_meets_slo, "Meets the SLOs", "", formula, f);
  worksheet_write_formula_str(ws, row_meets_slo, 1, formula.c_str(), f.text, meets ? "yes" : other_slos);
  worksheet_merge_range(
      ws, row_slo_note, 0, row_slo_note, 3,
      fmt::format("The configuration on this sheet was chosen by plan's search for the SLOs at generation time ({}). "
                  "Editing the SLO cells on the Inputs sheet re-checks it in the rows above; it does not re-run the "
                  "search. For a configuration chosen for new SLOs, run plan again.",
                  book.slo_text)
          .c_str(),
      f.wrap);
}

}  // namespace

void gpu_sheet(lxw_workbook* wb, const PlanWorkbook& book, std::size_t option, const std::string& sheet,
               const InputCells& inputs, const Formats& f) {
  const PlanWorkbookOption& o = book.options[option];
  lxw_worksheet* ws = add_worksheet(wb, sheet);
  const double widths[] = {32, 16, 16, 70};
  for (lxw_col_t c = 0; c < std::size(widths); ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);
  worksheet_merge_range(ws, 0, 0, 0, 3, "", f.title);
  const std::string title = fmt::format(
      "={}&\": fleet of \"&TEXT({},\"#,##0\")&\" replicas of \"&TEXT({},\"#,##0\")&"
      "\" GPUs for \"&{}",
      literal(o.gpu), gpu_b(row_replicas), gpu_b(row_gpus_per_replica), literal(book.model));
  worksheet_write_formula_str(ws, 0, 0, title.c_str(), f.title,
                              fmt::format("{}: fleet of {} replicas of {} GPUs for {}", o.gpu,
                                          with_commas(static_cast<double>(o.fleet.replicas)), o.unit.gpus, book.model)
                                  .c_str());
  worksheet_merge_range(ws, 1, 0, 1, 3,
                        "Blue cells are inputs; demand, price, TDP, hours and SLOs come from the Inputs sheet. The "
                        "configuration was chosen for the SLOs at generation time (Service levels, below).",
                        f.text);
  gpu_inputs(ws, book, o, option, inputs, f);
  gpu_outputs(ws, book, o, f);
  gpu_service_levels(ws, book, o, inputs, f);
}

}  // namespace llmsizer::xlsx
