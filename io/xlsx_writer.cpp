#include "io/xlsx_writer.hpp"

#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "estimator/text_format.hpp"
#include "io/xlsx_internal.hpp"
#include "io/xlsx_module.hpp"

namespace llmsizer {
namespace xlsx {

lxw_worksheet* add_worksheet(lxw_workbook* wb, const std::string& name) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  // Names are made valid and unique before any sheet is added; a refusal here is a bug, not bad input.
  if (ws == nullptr) throw std::logic_error(fmt::format("libxlsxwriter refused the worksheet name '{}'", name));
  return ws;
}

namespace {
lxw_format* add_format(lxw_workbook* wb, const char* num_format, bool input) {
  lxw_format* f = workbook_add_format(wb);
  if (num_format) format_set_num_format(f, num_format);
  if (input) {
    format_set_font_color(f, LXW_COLOR_BLUE);
    format_set_bg_color(f, 0xFFF8DC);
    format_set_border(f, LXW_BORDER_THIN);
  }
  return f;
}
}  // namespace

Formats make_formats(lxw_workbook* wb) {
  Formats f{};
  f.title = workbook_add_format(wb);
  format_set_bold(f.title);
  format_set_font_size(f.title, 14);
  f.header = workbook_add_format(wb);
  format_set_bold(f.header);
  format_set_bg_color(f.header, 0xE7ECF1);
  format_set_bottom(f.header, LXW_BORDER_THIN);
  format_set_text_wrap(f.header);
  format_set_align(f.header, LXW_ALIGN_VERTICAL_TOP);
  f.text = workbook_add_format(wb);
  f.wrap = workbook_add_format(wb);
  format_set_text_wrap(f.wrap);
  format_set_align(f.wrap, LXW_ALIGN_VERTICAL_TOP);
  f.input_count = add_format(wb, "#,##0", true);
  f.input_number = add_format(wb, "#,##0.00", true);
  f.input_money = add_format(wb, "$#,##0.000", true);
  f.count = add_format(wb, "#,##0", false);
  f.number = add_format(wb, "#,##0.0", false);
  f.money = add_format(wb, "$#,##0", false);
  f.money_fine = add_format(wb, "$#,##0.000", false);
  f.percent = add_format(wb, "0.0%", false);
  return f;
}

std::string quoted_sheet(const std::string& sheet) {
  std::string quoted = "'";
  for (char c : sheet) {
    quoted.push_back(c);
    if (c == '\'') quoted.push_back(c);
  }
  return quoted + "'";
}

std::string sheet_ref(const std::string& sheet, lxw_row_t row) {
  return fmt::format("={}!$B${}", quoted_sheet(sheet), row + 1);
}

}  // namespace xlsx

namespace {

using namespace xlsx;

struct SummaryColumn {
  const char* header;
  double width;
};

constexpr SummaryColumn summary_columns[] = {{"Rank (by $/month)", 9},
                                             {"GPU", 16},
                                             {"Configuration", 40},
                                             {"Replicas", 10},
                                             {"GPUs per replica", 10},
                                             {"GPUs", 9},
                                             {"Nodes", 8},
                                             {"Requests in flight per replica", 12},
                                             {"TTFT (ms)", 10},
                                             {"TPOT (ms)", 10},
                                             {"Output throughput per replica (tokens/s)", 14},
                                             {"Utilization (average)", 12},
                                             {"Price ($/GPU-hour)", 11},
                                             {"Cost ($/month)", 14},
                                             {"Cost ($/Mtok served)", 12},
                                             {"Power (kW)", 10},
                                             {"Energy (MWh/month)", 11},
                                             {"Price label", 20},
                                             {"Note", 50},
                                             {"Meets the SLOs on the Inputs sheet", 16}};
constexpr lxw_row_t summary_first_row = 4;

constexpr lxw_col_t cost_column = 13;  // "Cost ($/month)"

void summary_links(lxw_worksheet* ws, lxw_row_t row, const PlanWorkbookOption& o, const std::string& sheet,
                   const Formats& f) {
  auto link = [&](lxw_col_t col, lxw_row_t source, double cached, lxw_format* format) {
    worksheet_write_formula_num(ws, row, col, sheet_ref(sheet, source).c_str(), format, cached);
  };
  link(3, row_replicas, static_cast<double>(o.fleet.replicas), f.count);
  link(4, row_gpus_per_replica, o.unit.gpus, f.count);
  link(5, row_gpus, static_cast<double>(o.fleet.gpus), f.count);
  link(6, row_nodes, static_cast<double>(o.fleet.nodes), f.count);
  link(10, row_throughput, o.unit.output_tok_s, f.number);
  link(11, row_utilization, o.fleet.utilization, f.percent);
  auto priced = [&](lxw_col_t col, const std::string& formula, const std::optional<double>& cached, lxw_format* format) {
    if (cached) worksheet_write_formula_num(ws, row, col, formula.c_str(), format, *cached);
    else worksheet_write_formula_str(ws, row, col, formula.c_str(), format, "no price");
  };
  const std::string price = sheet_ref(sheet, row_price).substr(1);
  priced(12, fmt::format("=IF(ISNUMBER({0}),{0},\"no price\")", price), o.unit.usd_per_gpu_hour, f.money_fine);
  priced(cost_column, sheet_ref(sheet, row_cost_month), o.fleet.usd_per_month, f.money);
  priced(cost_column + 1, sheet_ref(sheet, row_cost_mtok), o.fleet.usd_per_mtok_served, f.money_fine);
  link(15, row_power, o.fleet.power_kw, f.number);
  link(16, row_energy, o.fleet.energy_mwh_per_month, f.number);
  // The GPU sheet's live verdict; cached "yes": plan chose the configuration for these SLOs.
  worksheet_write_formula_str(ws, row, 19, sheet_ref(sheet, row_meets_slo).c_str(), f.text, "yes");
}

/// The Summary's two title lines, formulas of the Inputs sheet's demand and peak factor.
void summary_titles(lxw_worksheet* ws, const PlanWorkbook& book, const Formats& f) {
  const std::string demand = fmt::format("{}!$B${}", inputs_sheet_name, in_output_per_day + 1);
  const std::string peak = fmt::format("{}!$B${}", inputs_sheet_name, in_peak_ratio + 1);
  std::string model;
  for (char c : book.model) model += c == '"' ? std::string("\"\"") : std::string(1, c);
  worksheet_merge_range(ws, 0, 0, 0, 12, "", f.title);
  worksheet_write_formula_str(
      ws, 0, 0, fmt::format("=\"{}: fleet for \"&TEXT({},\"#,##0\")&\" output tokens/day\"", model, demand).c_str(),
      f.title, book.title.c_str());
  worksheet_merge_range(ws, 1, 0, 1, 18, "", f.text);
  const std::string tail = fmt::format(
      "; configurations chosen for the SLOs at generation time: {}. Inputs are on the Inputs sheet; figures link to "
      "the per-GPU sheets, which re-check each configuration against the SLO cells.",
      book.slo_text);
  worksheet_write_formula_str(
      ws, 1, 0,
      fmt::format("=\"Peak demand \"&TEXT({0}/86400*{1},\"#,##0\")&\" output tokens/s (average x peak-to-average "
                  "\"&TEXT({1},\"0.00\")&\"){2}\"",
                  demand, peak, tail)
          .c_str(),
      f.text,
      fmt::format("Peak demand {} output tokens/s (average x peak-to-average {:.2f}){}",
                  with_commas(book.demand.peak_output_tok_s()), book.demand.peak_to_average, tail)
          .c_str());
}

void summary_sheet(lxw_workbook* wb, const PlanWorkbook& book, const std::vector<std::string>& sheets,
                   const Formats& f) {
  lxw_worksheet* ws = add_worksheet(wb, "Summary");
  summary_titles(ws, book, f);
  const lxw_row_t header = summary_first_row - 1;
  worksheet_set_row(ws, header, 45, nullptr);
  for (lxw_col_t c = 0; c < std::size(summary_columns); ++c) {
    worksheet_write_string(ws, header, c, summary_columns[c].header, f.header);
    worksheet_set_column(ws, c, c, summary_columns[c].width, nullptr);
  }
  const lxw_row_t last = summary_first_row + static_cast<lxw_row_t>(book.options.size()) - 1;
  const char cost_letter = static_cast<char>('A' + cost_column);
  const std::string cost_range = fmt::format("${0}${1}:${0}${2}", cost_letter, summary_first_row + 1, last + 1);
  int priced_rank = 0;
  for (size_t i = 0; i < book.options.size(); ++i) {
    const PlanWorkbookOption& o = book.options[i];
    const lxw_row_t row = summary_first_row + static_cast<lxw_row_t>(i);
    worksheet_write_string(ws, row, 1, o.gpu.c_str(), f.text);
    worksheet_write_string(ws, row, 18, o.note.c_str(), f.text);
    if (!o.feasible) {
      worksheet_write_string(ws, row, 0, "-", f.text);
      continue;
    }
    const std::string cost_cell = fmt::format("{}{}", cost_letter, row + 1);
    const std::string rank = fmt::format("=IF(ISNUMBER({0}),RANK({0},{1},1),\"-\")", cost_cell, cost_range);
    if (o.fleet.usd_per_month) worksheet_write_formula_num(ws, row, 0, rank.c_str(), f.count, ++priced_rank);
    else worksheet_write_formula_str(ws, row, 0, rank.c_str(), f.count, "-");
    worksheet_write_string(ws, row, 2, o.configuration.c_str(), f.text);
    worksheet_write_number(ws, row, 7, static_cast<double>(o.concurrency), f.count);
    worksheet_write_number(ws, row, 8, o.ttft_ms, f.number);
    worksheet_write_number(ws, row, 9, o.tpot_ms, f.number);
    worksheet_write_string(ws, row, 17, o.price_label.c_str(), f.text);
    summary_links(ws, row, o, sheets[i], f);
  }
  worksheet_freeze_panes(ws, summary_first_row, 2);
}

void sources_sheet(lxw_workbook* wb, const PlanWorkbook& book, const Formats& f) {
  lxw_worksheet* ws = add_worksheet(wb, "Sources");
  const double widths[] = {30, 28, 90, 12};
  for (lxw_col_t c = 0; c < 4; ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);
  const char* headers[] = {"Item", "Value / fields", "Source", "Date"};
  for (lxw_col_t c = 0; c < 4; ++c) worksheet_write_string(ws, 0, c, headers[c], f.header);
  lxw_row_t row = 1;
  auto line = [&](const std::string& item, const std::string& value, const std::string& source, const std::string& date) {
    worksheet_write_string(ws, row, 0, item.c_str(), f.text);
    worksheet_write_string(ws, row, 1, value.c_str(), f.wrap);
    worksheet_write_string(ws, row, 2, source.c_str(), f.wrap);
    worksheet_write_string(ws, row, 3, date.c_str(), f.text);
    ++row;
  };
  for (const PlanWorkbookOption& o : book.options) {
    if (o.unit.usd_per_gpu_hour) {
      line(o.gpu + " price", fmt::format("{} ${:.3f}/GPU-hour", o.price_label, *o.unit.usd_per_gpu_hour), o.price_source, o.price_date);
    } else {
      line(o.gpu + " price", "none", "no price in the GPU profile; type one in the GPU sheet", "");
    }
  }
  auto citations = [&](const std::string& item, const std::string& file, const std::vector<Citation>& cites) {
    line(item, "profile file", file, "");
    for (const Citation& c : cites) {
      std::string fields;
      for (const std::string& field : c.fields) fields += (fields.empty() ? "" : ", ") + field;
      line(item, fields, c.cite, "");
    }
  };
  for (const PlanWorkbookOption& o : book.options) citations(o.gpu + " profile", o.gpu_file, o.gpu_sources);
  citations(book.model + " profile", book.model_file, book.model_sources);
  line("Calibration", "efficiency factors", book.calibration, "");
  if (book.tco) line("TCO assumptions", "owned $/GPU-hour inputs (Inputs sheet)", book.tco_file + " (each figure cited there)", "");
  line("Hours per month", "730", "8760 hours per year / 12", "");
  line("Peak-to-average ratio", fmt::format("{:g}", book.demand.peak_to_average),
       book.peak_to_average_default ? "default: diurnal traffic peaks at about twice its mean" : "given on the command line", "");
}

void write_table_cell(lxw_worksheet* sheet, lxw_row_t r, lxw_col_t c, const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return;
  if (const bool* flag = std::get_if<bool>(&cell)) {
    worksheet_write_boolean(sheet, r, c, *flag ? 1 : 0, nullptr);
  } else if (const auto* count = std::get_if<std::int64_t>(&cell)) {
    worksheet_write_number(sheet, r, c, static_cast<double>(*count), nullptr);
  } else if (const double* value = std::get_if<double>(&cell)) {
    worksheet_write_number(sheet, r, c, *value, nullptr);
  } else {
    worksheet_write_string(sheet, r, c, csv_text(cell).c_str(), nullptr);
  }
}

/// Closes the workbook: the file is complete, or the reason it is not.
WriteResult close_workbook(lxw_workbook* wb) {
  const lxw_error status = workbook_close(wb);
  if (status != LXW_NO_ERROR) {
    return {WriteResult::Kind::cannot_write, fmt::format("cannot write: {}", lxw_strerror(status))};
  }
  return {};
}

const WriteResult cannot_start{WriteResult::Kind::cannot_write, "cannot write: could not start the workbook"};

WriteResult write_table_file(const std::string& file, const std::string& sheet_name, const ResultTable& table) {
  lxw_workbook* wb = workbook_new(file.c_str());
  if (!wb) return cannot_start;
  lxw_worksheet* sheet = add_worksheet(wb, worksheet_name(sheet_name));
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    const Column& col = table.columns[c];
    const std::string header = col.unit.empty() ? col.key : fmt::format("{} ({})", col.key, col.unit);
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), header.c_str(), bold);
  }
  worksheet_freeze_panes(sheet, 1, 0);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
      write_table_cell(sheet, static_cast<lxw_row_t>(r + 1), static_cast<lxw_col_t>(c), table.rows[r][c]);
    }
  }
  return close_workbook(wb);
}

WriteResult write_plan_file(const std::string& file, const PlanWorkbook& book) {
  std::vector<std::string> gpus;
  for (const PlanWorkbookOption& o : book.options) gpus.push_back(o.gpu);
  // One sheet per option (infeasible ones keep a name so indices line up; they get no sheet).
  const std::vector<std::string> sheets = unique_worksheet_names(gpus, {"Summary", inputs_sheet_name, "Sources"});
  lxw_workbook* wb = workbook_new(file.c_str());
  if (!wb) return cannot_start;
  const Formats f = make_formats(wb);
  summary_sheet(wb, book, sheets, f);
  const InputCells inputs = inputs_sheet(wb, book, f);
  for (std::size_t i = 0; i < book.options.size(); ++i) {
    if (book.options[i].feasible) gpu_sheet(wb, book, i, sheets[i], inputs, f);
  }
  sources_sheet(wb, book, f);
  return close_workbook(wb);
}

/// A write that threw (a worksheet name libxlsxwriter refused, memory) is a bug, reported as one.
template <typename Write>
WriteResult guarded(Write write) {
  try {
    return write();
  } catch (const std::exception& e) {
    return {WriteResult::Kind::internal, e.what()};
  }
}

WriteResult write_table_entry(const std::string& file, const std::string& sheet, const ResultTable& table) {
  return guarded([&] { return write_table_file(file, sheet, table); });
}
WriteResult write_plan_entry(const std::string& file, const PlanWorkbook& book) {
  return guarded([&] { return write_plan_file(file, book); });
}

const ModuleApi module_api{layout_stamp(), write_table_entry, write_plan_entry};

}  // namespace
}  // namespace llmsizer

/// The module's entry point, looked up by io/xlsx_loader.cpp (the only symbol it exports).
extern "C" __attribute__((visibility("default"))) const llmsizer::xlsx::ModuleApi* llmsizer_xlsx_module() {
  return &llmsizer::module_api;
}
