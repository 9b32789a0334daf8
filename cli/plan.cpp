// `llmsizer plan` — the fleet that serves a daily token demand on each GPU type, ranked by cost.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "cli/common_options.hpp"
#include "cli/scenario.hpp"
#include "cli/sweep_common.hpp"
#include "estimator/plan.hpp"
#include "estimator/text_format.hpp"
#include "io/config_error.hpp"
#include "io/xlsx_writer.hpp"

namespace llmsizer::cli {
namespace {

using nlohmann::json;

constexpr std::int64_t default_request_tokens = 1000;  // ISL and OSL when neither is given
constexpr double max_tokens_per_day = 1e15;             // keeps every count far inside int64

struct PlanOptions {
  std::string model;
  std::vector<std::string> gpus;
  std::string output_per_day, input_per_day;
  std::optional<std::int64_t> isl, osl;
  std::optional<double> peak_to_average, ttft_ms, tpot_ms, usd_per_gpu_hour;
  std::string price, engine, weights, kv, xlsx, calibration = "default";
  bool csv = false, json = false;
};

struct PlanOption {
  ScenarioResolver::Resolved resolved;
  ReplicaChoice choice;
  const PricePoint* price = nullptr;  // nullptr when unpriced or given with --usd-per-gpu-hour
  int rank = 0;                       // 1-based
  [[nodiscard]] bool feasible() const { return choice.deployment.has_value(); }
};

struct Plan {
  Demand demand;
  bool default_peak = true;
  std::int64_t isl = default_request_tokens, osl = default_request_tokens;
  ServiceLevel slo;
  std::vector<PlanOption> options;  // in rank order
};

/// A token count as typed: digits or scientific notation (2e9), finite, positive and whole.
double parse_count(const std::string& text, const std::string& option) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && stop == end && std::isinf(value))) {
    throw ConfigError(option, fmt::format("'{}' is out of range (must be a positive count up to 1e15 tokens/day)", text));
  }
  if (text.empty() || ec != std::errc() || stop != end || std::isnan(value)) {
    throw ConfigError(option, fmt::format("'{}' is not a number; give a token count such as 2000000000 or 2e9", text));
  }
  if (value < 1 || value > max_tokens_per_day) {  // a count that rounds to 0 tokens is none
    throw ConfigError(option, fmt::format("'{}' is out of range (must be a positive count up to 1e15 tokens/day)", text));
  }
  if (std::fabs(value - std::round(value)) > 1e-6) {
    throw ConfigError(option, fmt::format("'{}' is not a whole number of tokens", text));
  }
  return std::round(value);
}

constexpr double max_peak_to_average = 1000;

void check_peak_to_average(const std::optional<double>& value) {
  if (value && !(*value >= 1 && *value <= max_peak_to_average)) {
    throw ConfigError("--peak-to-average",
                      fmt::format("{} is out of range (must be >= 1 and <= {}: the peak is at least the average)",
                                  *value, max_peak_to_average));
  }
}

/// Demand, request shape and SLOs from the options, validated.
Plan plan_inputs(const PlanOptions& o) {
  Plan p;
  p.demand.output_tokens_per_day = parse_count(o.output_per_day, "--output-tokens-per-day");
  check_peak_to_average(o.peak_to_average);
  p.slo = slo_targets(o.ttft_ms, o.tpot_ms);
  check_usd_per_gpu_hour(o.usd_per_gpu_hour);
  p.default_peak = !o.peak_to_average;
  p.demand.peak_to_average = o.peak_to_average.value_or(default_peak_to_average);
  if (!o.input_per_day.empty()) {
    if (o.isl || o.osl) throw ConfigError("--input-tokens-per-day", "give either it or --isl/--osl, not both");
    p.demand.input_tokens_per_day = parse_count(o.input_per_day, "--input-tokens-per-day");
    const double isl = std::round(default_request_tokens * p.demand.input_tokens_per_day / p.demand.output_tokens_per_day);
    if (isl > (1LL << 31)) throw ConfigError("--input-tokens-per-day", "implies prompts over 2^31 tokens; give --isl and --osl");
    p.isl = std::max<std::int64_t>(1, static_cast<std::int64_t>(isl));
  } else {
    p.isl = o.isl.value_or(default_request_tokens);
    p.osl = o.osl.value_or(default_request_tokens);
    if (p.isl < 1 || p.osl < 1) throw ConfigError(p.isl < 1 ? "--isl" : "--osl", "must be >= 1");
    p.demand.input_tokens_per_day = p.demand.output_tokens_per_day * static_cast<double>(p.isl) / static_cast<double>(p.osl);
  }
  return p;
}

PlanOption plan_gpu(ScenarioResolver& resolver, const PlanOptions& o, const Plan& plan, const std::string& gpu) {
  ScenarioInput in;
  in.model = o.model;
  in.gpu = gpu;
  in.weights = o.weights;
  in.kv = o.kv;
  in.engine = o.engine;
  in.isl = plan.isl;
  in.osl = plan.osl;
  in.price = o.price;
  in.usd_per_gpu_hour = o.usd_per_gpu_hour;
  PlanOption option{resolver.resolve(in), {}, nullptr, 0};
  const auto& r = option.resolved;
  if (!o.usd_per_gpu_hour && r.usd_per_gpu_hour) option.price = find_price(*r.gpu, r.price_label);
  option.choice = choose_replica(*r.prepared, *r.gpu, r.deployment, r.workload, r.efficiency, r.usd_per_gpu_hour,
                                 plan.demand, ReplicaSearch{plan.slo});
  return option;
}

Plan make_plan(const PlanOptions& o, Context& context) {
  Plan plan = plan_inputs(o);
  ScenarioResolver resolver(context, o.calibration);
  std::vector<PlanOption> options;
  std::vector<RankKey> keys;
  for (const std::string& gpu : o.gpus) {
    options.push_back(plan_gpu(resolver, o, plan, gpu));
    const PlanOption& p = options.back();
    for (size_t i = 0; i + 1 < options.size(); ++i) {
      if (options[i].resolved.gpu == p.resolved.gpu) {
        throw ConfigError("--gpu", fmt::format("'{}' names {} again; give each GPU type once", gpu, p.resolved.gpu->name));
      }
    }
    keys.push_back({p.feasible(), p.choice.fleet.usd_per_month, p.choice.fleet.gpus});
  }
  for (size_t index : rank_options(keys)) {
    plan.options.push_back(std::move(options[index]));
    plan.options.back().rank = static_cast<int>(plan.options.size());
  }
  return plan;
}

// ---- output: one column schema for the table, CSV, JSON and the workbook summary ----

enum class Style { text, count, number, money, percent };
struct PlanColumn {
  Column column;
  const char* label;  // table header; nullptr: not in the table
  Style style;
  int decimals;
  std::function<json(const PlanOption&)> get;
};

json when_feasible(const PlanOption& p, const std::function<json(const ReplicaChoice&)>& f) {
  return p.feasible() ? f(p.choice) : json(nullptr);
}
json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string layout_text(const Parallelism& p) {
  std::string text = fmt::format("tp{} pp{}", p.tp, p.pp);
  if (p.dp > 1) text += fmt::format(" dp{}", p.dp);
  if (p.ep > 1) text += fmt::format(" ep{}", p.ep);
  return text;
}
std::string weights_text(const Deployment& d) {
  return d.weights == d.experts ? std::string(name(d.weights)) : fmt::format("{}+{}", name(d.weights), name(d.experts));
}

std::vector<PlanColumn> plan_columns() {
  auto par = [](int Parallelism::*field) {
    return [field](const PlanOption& p) { return when_feasible(p, [&](auto& c) { return json(c.deployment->parallel.*field); }); };
  };
  auto fleet = [](auto f) { return [f](const PlanOption& p) { return when_feasible(p, [&](auto& c) { return json(f(c.fleet)); }); }; };
  auto est = [](auto f) { return [f](const PlanOption& p) { return when_feasible(p, [&](auto& c) { return json(f(c.estimate)); }); }; };
  return {
      {{"gpu", "", "GPU type"}, "gpu", Style::text, 0, [](auto& p) { return json(p.resolved.gpu->name); }},
      {{"replicas", "count", "model instances"}, "replicas", Style::count, 0, fleet([](auto& f) { return f.replicas; })},
      {{"gpus_per_replica", "count", "GPUs per instance"}, "GPUs/replica", Style::count, 0,
       [](auto& p) { return when_feasible(p, [](auto& c) { return json(c.deployment->total_gpus()); }); }},
      {{"gpus", "count", "GPUs in the fleet"}, "GPUs", Style::count, 0, fleet([](auto& f) { return f.gpus; })},
      {{"nodes", "count", "nodes in the fleet"}, "nodes", Style::count, 0, fleet([](auto& f) { return f.nodes; })},
      {{"tp", "", "tensor parallel"}, nullptr, Style::count, 0, par(&Parallelism::tp)},
      {{"pp", "", "pipeline stages"}, nullptr, Style::count, 0, par(&Parallelism::pp)},
      {{"dp", "", "attention data parallel"}, nullptr, Style::count, 0, par(&Parallelism::dp)},
      {{"ep", "", "expert parallel"}, nullptr, Style::count, 0, par(&Parallelism::ep)},
      {{"weights", "", "weight precision"}, nullptr, Style::text, 0,
       [](auto& p) { return when_feasible(p, [](auto& c) { return json(weights_text(*c.deployment)); }); }},
      {{"concurrency_per_replica", "requests", "requests in flight per replica"}, "req/replica", Style::count, 0,
       est([](auto& e) { return e.concurrency; })},
      {{"ttft_ms", "ms", "mean time to first token"}, "TTFT ms", Style::number, 0, est([](auto& e) { return in_milliseconds(e.ttft); })},
      {{"tpot_ms", "ms", "mean time per output token"}, "TPOT ms", Style::number, 1, est([](auto& e) { return in_milliseconds(e.tpot); })},
      {{"output_tok_s_per_replica", "tokens/s", "output throughput of one replica"}, "tok/s/replica", Style::number, 0,
       est([](auto& e) { return e.output_tok_s; })},
      {{"utilization", "fraction", "average demand / fleet capacity"}, "util", Style::percent, 0, fleet([](auto& f) { return f.utilization; })},
      {{"usd_per_gpu_hour", "$/GPU-hour", "price"}, "$/GPU-h", Style::money, 3, [](auto& p) { return optional_json(p.resolved.usd_per_gpu_hour); }},
      {{"usd_per_month", "$/month", "GPUs x $/GPU-hour x 730 h"}, "$/month", Style::money, 0,
       [](auto& p) { return p.feasible() ? optional_json(p.choice.fleet.usd_per_month) : json(nullptr); }},
      {{"usd_per_mtok", "$/Mtok", "$/month per million output tokens served"}, "$/Mtok", Style::money, 3,
       [](auto& p) { return p.feasible() ? optional_json(p.choice.fleet.usd_per_mtok_output) : json(nullptr); }},
      {{"power_kw", "kW", "GPUs x TDP x power utilization"}, "kW", Style::number, 1, fleet([](auto& f) { return f.power_kw; })},
      {{"energy_mwh_per_month", "MWh/month", "power x 730 h"}, "MWh/month", Style::number, 1,
       fleet([](auto& f) { return f.energy_mwh_per_month; })},
      {{"rank", "", "1 = recommended"}, "rank", Style::count, 0, [](auto& p) { return json(p.rank); }},
      {{"price", "", "price label used"}, nullptr, Style::text, 0,
       [](auto& p) { return p.resolved.usd_per_gpu_hour ? json(p.resolved.price_label) : json(nullptr); }},
      {{"note", "", "why there is no option, or that there is no price"}, nullptr, Style::text, 0, [](auto& p) {
         if (!p.feasible()) return json(p.choice.why_none);
         return p.resolved.usd_per_gpu_hour ? json(nullptr) : json("no price; pass --usd-per-gpu-hour");
       }},
  };
}

std::string table_cell(const PlanColumn& c, const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  const double x = v.get<double>();
  switch (c.style) {
    case Style::money: return "$" + with_commas(x, c.decimals);
    case Style::percent: return fixed(x * 100, c.decimals) + "%";
    default: return with_commas(x, c.decimals);
  }
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return fmt::format("{:.10g}", v.get<double>());
}

std::string infeasible_notes(const Plan& plan) {
  std::string out;
  for (const PlanOption& p : plan.options) {
    if (!p.feasible()) out += fmt::format("note: {}: {}\n", p.resolved.gpu->name, p.choice.why_none);
  }
  return out;
}

std::string recommendation(const Plan& plan) {
  if (plan.options.empty() || !plan.options.front().feasible()) {
    return "recommendation: none: no GPU type serves this demand within the SLOs\n" + infeasible_notes(plan);
  }
  const PlanOption& best = plan.options.front();
  const Fleet& f = best.choice.fleet;
  std::string out = fmt::format("recommendation: {}: {} GPUs ({} nodes, {} replicas of {} GPUs)", best.resolved.gpu->name,
                                with_commas(static_cast<double>(f.gpus)), with_commas(static_cast<double>(f.nodes)),
                                with_commas(static_cast<double>(f.replicas)), best.choice.deployment->total_gpus());
  out += f.usd_per_month ? fmt::format(" at ${}/month, {} per million output tokens ({} at ${:.3f}/GPU-hour)\n",
                                       with_commas(*f.usd_per_month),
                                       f.usd_per_mtok_output ? fmt::format("${:.3f}", *f.usd_per_mtok_output) : "- (no tokens)",
                                       best.resolved.price_label,
                                       *best.resolved.usd_per_gpu_hour)
                           : "; no GPU type has a price, so options are ranked by GPU count\n";
  for (const PlanOption& p : plan.options) {
    if (p.feasible() && !p.resolved.usd_per_gpu_hour && f.usd_per_month) {
      out += fmt::format("note: {} has no price: ranked after the priced options by GPU count; pass --usd-per-gpu-hour to compare\n",
                         p.resolved.gpu->name);
    }
  }
  return out + infeasible_notes(plan);
}

/// 2.0, 2.5, 1.75: a ratio with at least one decimal, so "2.0" reads as the ratio it is.
std::string ratio_text(double ratio) {
  return ratio == std::round(ratio) ? fmt::format("{:.1f}", ratio) : fmt::format("{:g}", ratio);
}

std::string demand_text(const Plan& plan, const std::string& model) {
  const Demand& d = plan.demand;
  std::string out = fmt::format("{}: fleet for {} output tokens/day ({} input tokens/day; requests of {} input + {} output tokens)\n",
                                model, with_commas(d.output_tokens_per_day), with_commas(d.input_tokens_per_day),
                                with_commas(static_cast<double>(plan.isl)), with_commas(static_cast<double>(plan.osl)));
  out += fmt::format("demand: average {} output tokens/s; sized for the peak {} tokens/s = average x peak-to-average {}{}\n",
                     with_commas(d.average_output_tok_s()), with_commas(d.peak_output_tok_s()), ratio_text(d.peak_to_average),
                     plan.default_peak ? " (the default; set --peak-to-average)" : "");
  return out;
}

int print_table(const Plan& plan, const std::vector<PlanColumn>& columns, std::ostream& out) {
  out << demand_text(plan, plan.options.front().resolved.model->name);
  const auto& first = plan.options.front().resolved;
  out << fmt::format("SLOs: {}; weights {}, KV {}; engine {}; $/month at {:g} h/month; power at {:.0f}% of TDP\n",
                     describe_slo(plan.slo), upper(weights_text(first.deployment)), upper(name(first.deployment.kv)), first.engine,
                     hours_per_month, first.efficiency.power_utilization * 100);
  std::vector<const PlanColumn*> shown;
  for (const PlanColumn& c : columns) if (c.label && c.column.key != "rank") shown.push_back(&c);
  std::vector<std::string> headers{"rank"};
  for (const PlanColumn* c : shown) {
    headers.emplace_back(c->label);
    if (c->column.key == "gpus_per_replica") headers.emplace_back("layout");
  }
  TextTable table(headers);
  for (const PlanOption& p : plan.options) {
    std::vector<std::string> cells{p.feasible() ? std::to_string(p.rank) : "-"};
    for (const PlanColumn* c : shown) {
      cells.push_back(table_cell(*c, c->get(p)));
      if (c->column.key == "gpus_per_replica") cells.push_back(p.feasible() ? layout_text(p.choice.deployment->parallel) : "-");
    }
    table.add_row(cells);
  }
  out << table.render() << recommendation(plan);
  return 0;
}

json plan_json(const Plan& plan, const std::vector<PlanColumn>& columns) {
  const Demand& d = plan.demand;
  json demand = {{"output_tokens_per_day", d.output_tokens_per_day}, {"input_tokens_per_day", d.input_tokens_per_day},
                 {"isl", plan.isl}, {"osl", plan.osl}, {"peak_to_average", d.peak_to_average},
                 {"peak_to_average_is_default", plan.default_peak}, {"average_output_tok_s", d.average_output_tok_s()},
                 {"peak_output_tok_s", d.peak_output_tok_s()}, {"hours_per_month", hours_per_month},
                 {"ttft_ms", plan.slo.ttft ? json(in_milliseconds(*plan.slo.ttft)) : json(nullptr)},
                 {"tpot_ms", plan.slo.tpot ? json(in_milliseconds(*plan.slo.tpot)) : json(nullptr)}};
  json options = json::array();
  for (const PlanOption& p : plan.options) {
    json row = json::object();
    for (const PlanColumn& c : columns) row[c.column.key] = c.get(p);
    options.push_back(row);
  }
  const bool any = !plan.options.empty() && plan.options.front().feasible();
  return {{"demand", demand}, {"options", options},
          {"recommendation", any ? json(plan.options.front().resolved.gpu->name) : json(nullptr)}};
}

/// A profile path from "profiles/" on, so the workbook does not record where the tool was built.
std::string profile_path(const std::string& file) {
  const size_t at = file.rfind("profiles/");
  return at == std::string::npos ? file : file.substr(at);
}

PlanWorkbook workbook_of(const Plan& plan, const ScenarioResolver& resolver) {
  const auto& model = *plan.options.front().resolved.model;
  const Calibration& cal = resolver.calibration();
  PlanWorkbook book{fmt::format("{}: fleet for {} output tokens/day", model.name, with_commas(plan.demand.output_tokens_per_day)),
                    plan.demand, plan.default_peak, describe_slo(plan.slo), model.name, profile_path(model.file), model.sources,
                    fmt::format("{} (fitted {}: {}; {})", cal.name, cal.fitted_on, cal.data, cal.result), {}};
  for (const PlanOption& p : plan.options) {
    PlanWorkbookOption w;
    const auto& r = p.resolved;
    w.gpu = r.gpu->name;
    w.feasible = p.feasible();
    w.note = p.feasible() ? (r.usd_per_gpu_hour ? "" : "no price: type one in the GPU sheet") : p.choice.why_none;
    if (p.feasible()) {
      const Deployment& d = *p.choice.deployment;
      w.configuration = fmt::format("{} GPUs {}, {} weights, KV {}", d.total_gpus(), layout_text(d.parallel),
                                    upper(weights_text(d)), upper(name(d.kv)));
      w.unit = {p.choice.estimate.output_tok_s, d.total_gpus(), std::max(1, r.gpu->gpus_per_node), r.usd_per_gpu_hour,
                r.gpu->tdp.value, r.efficiency.power_utilization};
      w.fleet = p.choice.fleet;
      w.concurrency = p.choice.estimate.concurrency;
      w.ttft_ms = in_milliseconds(p.choice.estimate.ttft);
      w.tpot_ms = in_milliseconds(p.choice.estimate.tpot);
    }
    if (r.usd_per_gpu_hour) w.price_label = r.price_label;
    w.price_source = p.price ? p.price->source : (r.usd_per_gpu_hour ? "--usd-per-gpu-hour on the command line" : "");
    w.price_date = p.price ? p.price->date : "";
    w.gpu_file = profile_path(r.gpu->file);
    w.gpu_sources = r.gpu->sources;
    book.options.push_back(std::move(w));
  }
  return book;
}

int run_plan(const PlanOptions& o, Context& context) {
  const Plan plan = make_plan(o, context);
  const std::vector<PlanColumn> columns = plan_columns();
  std::ostream& out = *context.out;
  if (o.json) {
    out << plan_json(plan, columns).dump(2) << "\n";
  } else if (o.csv) {
    std::vector<std::string> header;
    for (const PlanColumn& c : columns) header.push_back(c.column.key);
    out << csv_line(header);
    for (const PlanOption& p : plan.options) {
      std::vector<std::string> fields;
      for (const PlanColumn& c : columns) fields.push_back(csv_cell(c.get(p)));
      out << csv_line(fields);
    }
  } else if (!o.xlsx.empty()) {
    write_plan_workbook(o.xlsx, workbook_of(plan, ScenarioResolver(context, o.calibration)));
    out << fmt::format("wrote {}: Summary, {} GPU sheet(s), Sources\n", o.xlsx,
                       std::count_if(plan.options.begin(), plan.options.end(), [](auto& p) { return p.feasible(); }));
    out << recommendation(plan);
  } else {
    return print_table(plan, columns, out);
  }
  return 0;
}

}  // namespace

Command add_plan(CLI::App& app, Context& context) {
  auto o = std::make_shared<PlanOptions>();
  CLI::App* sub = app.add_subcommand("plan", "Fleet (GPUs, nodes, $/month, power) to serve a daily token demand, per GPU type");
  sub->add_option("--model", o->model, "Model name, alias, HF repo id, or path to config.json")->required();
  sub->add_option("--gpu", o->gpus, "GPU type to plan for (repeatable)")->required();
  sub->add_option("--output-tokens-per-day", o->output_per_day, "Output tokens to serve per day (2e9 accepted)")->required();
  sub->add_option("--input-tokens-per-day", o->input_per_day, "Prompt tokens per day; sets ISL:OSL (OSL 1000)");
  sub->add_option("--isl", o->isl, "Input tokens per request (default 1000)");
  sub->add_option("--osl", o->osl, "Output tokens per request (default 1000)");
  sub->add_option("--peak-to-average", o->peak_to_average, "Peak-hour demand over the daily average (default 2.0)");
  sub->add_option("--ttft-ms", o->ttft_ms, "Time-to-first-token SLO in ms");
  sub->add_option("--tpot-ms", o->tpot_ms, "Time-per-output-token SLO in ms");
  add_price_options(*sub, o->price, o->usd_per_gpu_hour);
  add_engine_option(*sub, o->engine);
  add_weights_option(*sub, o->weights);
  add_kv_option(*sub, o->kv);
  add_calibration_option(*sub, o->calibration);
  auto* xlsx = sub->add_option("--xlsx", o->xlsx, "Write a workbook with formulas (Summary, one sheet per GPU, Sources)");
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV, one row per GPU type");
  auto* js = sub->add_flag("--json", o->json, "Print JSON: demand, options, recommendation");
  xlsx->excludes(csv)->excludes(js);
  csv->excludes(js);
  return {sub, [o, &context] { return run_plan(*o, context); }};
}

}  // namespace llmsizer::cli
