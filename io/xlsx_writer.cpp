#include "io/xlsx_writer.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>
#include <xlsxwriter.h>

#include "io/config_error.hpp"
#include "io/output_file.hpp"

namespace llmsizer {
namespace {

lxw_worksheet* add_worksheet(lxw_workbook* wb, const std::string& name) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  // Names are made valid and unique before any sheet is added; a refusal here is a bug, not bad input.
  if (ws == nullptr) throw std::logic_error(fmt::format("libxlsxwriter refused the worksheet name '{}'", name));
  return ws;
}

struct Formats {
  lxw_format* title;
  lxw_format* header;
  lxw_format* text;
  lxw_format* wrap;
  lxw_format* input_count;   // inputs are blue on light yellow: the cells a planner edits
  lxw_format* input_number;
  lxw_format* input_money;
  lxw_format* count;
  lxw_format* number;
  lxw_format* money;
  lxw_format* money_fine;
  lxw_format* percent;
};

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

// Rows (0-based) of a GPU sheet; the Summary refers to them by these names.
enum GpuRow : lxw_row_t {
  row_demand = 3, row_peak_ratio, row_price, row_throughput, row_gpus_per_replica, row_gpus_per_node, row_tdp,
  row_power_utilization, row_hours,
  row_average = 14, row_peak, row_replicas, row_gpus, row_nodes, row_capacity, row_utilization, row_tokens_month,
  row_cost_month, row_cost_mtok, row_power, row_energy,
};

std::string b(lxw_row_t row) { return fmt::format("B{}", row + 1); }

/// "='sheet'!$B$n": a formula that shows one cell of a GPU sheet (quotes in the name doubled).
std::string sheet_ref(const std::string& sheet, lxw_row_t row) {
  std::string quoted;
  for (char c : sheet) {
    quoted.push_back(c);
    if (c == '\'') quoted.push_back(c);
  }
  return fmt::format("='{}'!$B${}", quoted, row + 1);
}

void write_row(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& unit,
               const std::string& note, const Formats& f) {
  worksheet_write_string(ws, row, 0, label.c_str(), f.text);
  worksheet_write_string(ws, row, 2, unit.c_str(), f.text);
  worksheet_write_string(ws, row, 3, note.c_str(), f.wrap);
}

void input(lxw_worksheet* ws, lxw_row_t row, const std::string& label, double value, const std::string& unit,
           const std::string& note, lxw_format* format, const Formats& f) {
  write_row(ws, row, label, unit, note, f);
  worksheet_write_number(ws, row, 1, value, format);
}

/// `how` says the formula in words, for the reader of the sheet.
void output(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& formula, const std::string& how,
            double cached, const std::string& unit, lxw_format* format, const Formats& f) {
  write_row(ws, row, label, unit, fmt::format("{}   ({})", formula, how), f);
  worksheet_write_formula_num(ws, row, 1, formula.c_str(), format, cached);
}

/// A cost formula that reads "no price" while the price cell is empty.
void priced_output(lxw_worksheet* ws, lxw_row_t row, const std::string& label, const std::string& expression,
                   const std::string& how, const std::optional<double>& cached, const std::string& unit, lxw_format* format, const Formats& f) {
  const std::string formula = fmt::format("=IF(ISNUMBER({}),{},\"no price\")", b(row_price), expression);
  write_row(ws, row, label, unit, fmt::format("{}   ({})", formula, how), f);
  if (cached) worksheet_write_formula_num(ws, row, 1, formula.c_str(), format, *cached);
  else worksheet_write_formula_str(ws, row, 1, formula.c_str(), format, "no price");
}

void gpu_inputs(lxw_worksheet* ws, const PlanWorkbook& book, const PlanWorkbookOption& o, const Formats& f) {
  worksheet_write_string(ws, row_demand - 1, 0, "Input", f.header);
  worksheet_write_string(ws, row_demand - 1, 1, "Value", f.header);
  worksheet_write_string(ws, row_demand - 1, 2, "Unit", f.header);
  worksheet_write_string(ws, row_demand - 1, 3, "Source / note", f.header);
  input(ws, row_demand, "Output tokens per day", book.demand.output_tokens_per_day, "tokens/day", "demand", f.input_count, f);
  input(ws, row_peak_ratio, "Peak-to-average ratio", book.demand.peak_to_average, "ratio",
        book.peak_to_average_default ? "default 2.0 (diurnal peak about twice the mean)" : "given", f.input_number, f);
  write_row(ws, row_price, "Price", "$/GPU-hour",
            o.price_label.empty() ? "no price in the GPU profile: type one here" : o.price_label + ": " + o.price_source, f);
  if (o.unit.usd_per_gpu_hour) worksheet_write_number(ws, row_price, 1, *o.unit.usd_per_gpu_hour, f.input_money);
  else worksheet_write_blank(ws, row_price, 1, f.input_money);
  input(ws, row_throughput, "Output throughput per replica", o.unit.output_tok_s, "tokens/s",
        fmt::format("estimated: {}, {} requests in flight, TTFT {:.0f} ms, TPOT {:.1f} ms", o.configuration, o.concurrency,
                    o.ttft_ms, o.tpot_ms), f.input_number, f);
  input(ws, row_gpus_per_replica, "GPUs per replica", o.unit.gpus, "GPUs", o.configuration, f.input_count, f);
  input(ws, row_gpus_per_node, "GPUs per node", o.unit.gpus_per_node, "GPUs/node", o.gpu_file, f.input_count, f);
  input(ws, row_tdp, "TDP", o.unit.tdp_w, "W", o.gpu_file, f.input_count, f);
  input(ws, row_power_utilization, "Power utilization", o.unit.power_utilization, "fraction of TDP",
        "average board power while serving (calibration)", f.input_number, f);
  input(ws, row_hours, "Hours per month", hours_per_month, "h/month", "8760 h/year / 12", f.input_count, f);
}

void gpu_outputs(lxw_worksheet* ws, const PlanWorkbook& book, const PlanWorkbookOption& o, const Formats& f) {
  const lxw_row_t header = row_average - 1;
  worksheet_write_string(ws, header, 0, "Output", f.header);
  worksheet_write_string(ws, header, 1, "Value", f.header);
  worksheet_write_string(ws, header, 2, "Unit", f.header);
  worksheet_write_string(ws, header, 3, "Formula", f.header);
  const Fleet& fl = o.fleet;
  output(ws, row_average, "Average demand", fmt::format("={}/86400", b(row_demand)), "tokens per day / 86,400 s", book.demand.average_output_tok_s(),
         "tokens/s", f.number, f);
  output(ws, row_peak, "Peak demand", fmt::format("={}*{}", b(row_average), b(row_peak_ratio)), "average x peak-to-average", book.demand.peak_output_tok_s(),
         "tokens/s", f.number, f);
  output(ws, row_replicas, "Replicas", fmt::format("=ROUNDUP({}/{},0)", b(row_peak), b(row_throughput)),
         "peak demand / throughput per replica, rounded up", static_cast<double>(fl.replicas), "replicas", f.count, f);
  output(ws, row_gpus, "GPUs", fmt::format("={}*{}", b(row_replicas), b(row_gpus_per_replica)), "replicas x GPUs per replica", static_cast<double>(fl.gpus),
         "GPUs", f.count, f);
  output(ws, row_nodes, "Nodes", fmt::format("=ROUNDUP({}/{},0)", b(row_gpus), b(row_gpus_per_node)),
         "GPUs / GPUs per node, rounded up", static_cast<double>(fl.nodes), "nodes", f.count, f);
  output(ws, row_capacity, "Fleet capacity", fmt::format("={}*{}", b(row_replicas), b(row_throughput)),
         "replicas x throughput per replica", fl.capacity_output_tok_s, "tokens/s", f.number, f);
  output(ws, row_utilization, "Utilization (average)", fmt::format("={}/{}", b(row_average), b(row_capacity)),
         "average demand / fleet capacity", fl.utilization, "fraction", f.percent, f);
  output(ws, row_tokens_month, "Output tokens per month", fmt::format("={}*{}/24", b(row_demand), b(row_hours)),
         "tokens per day x hours per month / 24", book.demand.output_tokens_per_month(), "tokens/month", f.count, f);
  priced_output(ws, row_cost_month, "Cost per month", fmt::format("{}*{}*{}", b(row_gpus), b(row_price), b(row_hours)),
                "GPUs x price x hours per month", fl.usd_per_month, "$/month", f.money, f);
  priced_output(ws, row_cost_mtok, "Cost per million output tokens",
                fmt::format("{}/({}/1000000)", b(row_cost_month), b(row_tokens_month)),
                "cost per month / millions of output tokens per month", fl.usd_per_mtok_served, "$/Mtok",
                f.money_fine, f);
  output(ws, row_power, "Power", fmt::format("={}*{}*{}/1000", b(row_gpus), b(row_tdp), b(row_power_utilization)),
         "GPUs x TDP x power utilization / 1000", fl.power_kw, "kW", f.number, f);
  output(ws, row_energy, "Energy per month", fmt::format("={}*{}/1000", b(row_power), b(row_hours)),
         "power x hours per month / 1000", fl.energy_mwh_per_month, "MWh/month", f.number, f);
}

void gpu_sheet(lxw_workbook* wb, const PlanWorkbook& book, const PlanWorkbookOption& o, const std::string& sheet,
               const Formats& f) {
  lxw_worksheet* ws = add_worksheet(wb, sheet);
  worksheet_set_column(ws, 0, 0, 32, nullptr);
  worksheet_set_column(ws, 1, 1, 16, nullptr);
  worksheet_set_column(ws, 2, 2, 16, nullptr);
  worksheet_set_column(ws, 3, 3, 70, nullptr);
  worksheet_merge_range(ws, 0, 0, 0, 3, fmt::format("{}: fleet of {} replicas", o.gpu, book.model).c_str(), f.title);
  worksheet_merge_range(ws, 1, 0, 1, 3, "Blue cells are inputs: change the demand, price or throughput and the outputs recompute.",
                        f.text);
  gpu_inputs(ws, book, o, f);
  gpu_outputs(ws, book, o, f);
}

struct SummaryColumn {
  const char* header;
  double width;
};

constexpr SummaryColumn summary_columns[] = {
    {"Rank (by $/month)", 9}, {"GPU", 16}, {"Configuration", 40}, {"Replicas", 10}, {"GPUs per replica", 10},
    {"GPUs", 9}, {"Nodes", 8}, {"Requests in flight per replica", 12}, {"TTFT (ms)", 10}, {"TPOT (ms)", 10},
    {"Output throughput per replica (tokens/s)", 14}, {"Utilization (average)", 12}, {"Price ($/GPU-hour)", 11},
    {"Cost ($/month)", 14}, {"Cost ($/Mtok output)", 12}, {"Power (kW)", 10}, {"Energy (MWh/month)", 11},
    {"Price label", 20}, {"Note", 50}};
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
}

void summary_sheet(lxw_workbook* wb, const PlanWorkbook& book, const std::vector<std::string>& sheets,
                   const Formats& f) {
  lxw_worksheet* ws = add_worksheet(wb, "Summary");
  worksheet_merge_range(ws, 0, 0, 0, 12, book.title.c_str(), f.title);
  worksheet_merge_range(ws, 1, 0, 1, 18,
                         fmt::format("Peak demand {:.0f} output tokens/s (average x peak-to-average {:.2f}); SLOs: {}. "
                                     "Figures link to the per-GPU sheets: edit inputs there.",
                                     book.demand.peak_output_tok_s(), book.demand.peak_to_average, book.slo_text).c_str(), f.text);
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

/// Closes the workbook and renames the temporary file over `path`, or throws naming `path`.
void close_workbook(lxw_workbook* wb, OutputFile& file, const std::string& path) {
  const lxw_error status = workbook_close(wb);
  if (status != LXW_NO_ERROR) throw ConfigError(path, 0, 0, "", fmt::format("cannot write: {}", lxw_strerror(status)));
  file.commit();
}

}  // namespace

void write_table_workbook(const std::string& path, const std::string& sheet_name, const ResultTable& table) {
  OutputFile file(path);
  lxw_workbook* wb = workbook_new(file.temp_path().c_str());
  if (!wb) throw ConfigError(path, 0, 0, "", "cannot write: could not start the workbook");
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
  close_workbook(wb, file, path);
}

void write_plan_workbook(const std::string& path, const PlanWorkbook& book) {
  std::vector<std::string> gpus;
  for (const PlanWorkbookOption& o : book.options) gpus.push_back(o.gpu);
  // One sheet per option (infeasible ones keep a name so indices line up; they get no sheet).
  const std::vector<std::string> sheets = unique_worksheet_names(gpus, {"Summary", "Sources"});
  OutputFile file(path);
  lxw_workbook* wb = workbook_new(file.temp_path().c_str());
  if (!wb) throw ConfigError(path, 0, 0, "", "cannot write: could not start the workbook");
  const Formats f = make_formats(wb);
  summary_sheet(wb, book, sheets, f);
  for (std::size_t i = 0; i < book.options.size(); ++i) {
    if (book.options[i].feasible) gpu_sheet(wb, book, book.options[i], sheets[i], f);
  }
  sources_sheet(wb, book, f);
  close_workbook(wb, file, path);
}

}  // namespace llmsizer
