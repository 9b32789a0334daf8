#include "cli/plan_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "cli/sweep_common.hpp"
#include "estimator/text_format.hpp"
#include "io/columns.hpp"
#include "io/tco_loader.hpp"
#include "request/price_choice.hpp"

namespace llmsizer::cli {
namespace {

using nlohmann::json;
using PlanGetter = Schema<PlanOption>::Getter;

PlanGetter when_feasible(std::function<Cell(const ReplicaChoice&)> f) {
  return [f](const PlanOption& p) { return p.feasible() ? f(p.choice) : Cell(); };
}
PlanGetter of_fleet(std::function<Cell(const Fleet&)> f) {
  return when_feasible([f](const ReplicaChoice& c) { return f(c.fleet); });
}
PlanGetter of_chosen_row(std::function<Cell(const SweepRow&)> f) {
  return when_feasible([f](const ReplicaChoice& c) { return f(c.row); });
}
/// A degree of one co-located instance; a disaggregated replica's pools are in the `pools` column.
PlanGetter of_layout(int Parallelism::*field) {
  return when_feasible([field](const ReplicaChoice& c) {
    return c.row.pools ? Cell() : Cell(std::int64_t{c.deployment->parallel.*field});
  });
}
/// The replica's layout as text: tp/pp/dp/ep, or both pools of a disaggregated one.
std::string replica_layout(const ReplicaChoice& c) {
  return c.row.pools ? pools_label(*c.row.pools) : layout_label(c.deployment->parallel);
}

constexpr CellFormat money0{NumberStyle::money, 0};
constexpr CellFormat money3{NumberStyle::money, 3};
constexpr CellFormat one_decimal{NumberStyle::commas, 1};

void add_fleet_columns(Schema<PlanOption>& s) {
  s.add(columns::model, [](const PlanOption& p) { return Cell(p.resolved.model->name); });
  s.add(columns::gpu, [](const PlanOption& p) { return Cell(p.resolved.gpu->name); });
  s.add({"replicas", "count", "model instances"}, of_fleet([](auto& f) { return count_cell(f.replicas); }));
  s.add({"gpus_per_replica", "count", "GPUs per instance", {}, "GPUs/replica"},
        when_feasible([](auto& c) { return count_cell(c.row.total_gpus()); }));
  s.add({"gpus", "count", "GPUs in the fleet", {}, "GPUs"}, of_fleet([](auto& f) { return count_cell(f.gpus); }));
  s.add({"nodes", "count", "nodes in the fleet"}, of_fleet([](auto& f) { return count_cell(f.nodes); }));
  s.add(columns::tp, of_layout(&Parallelism::tp));
  s.add(columns::pp, of_layout(&Parallelism::pp));
  s.add(columns::dp, of_layout(&Parallelism::dp));
  s.add(columns::ep, of_layout(&Parallelism::ep));
  s.add({"pools", "", "prefill/decode-disaggregated replica (plan --disagg): xPyD and each pool's layout"},
        when_feasible([](auto& c) { return c.row.pools ? Cell(pools_label(*c.row.pools)) : Cell(); }));
  s.add(columns::weights, when_feasible([](auto& c) { return Cell(weights_label(*c.deployment)); }));
  s.add(columns::kv, when_feasible([](auto& c) { return Cell(std::string(name(c.deployment->kv))); }));
  s.add(columns::mtp, when_feasible([](auto& c) { return count_cell(c.deployment->speculative_tokens); }));
  s.add(columns::overlap, of_chosen_row(overlap_cell));
}

void add_serving_columns(Schema<PlanOption>& s) {
  s.add({"concurrency_per_replica", "requests", "requests in flight per replica", {}, "req/replica"},
        of_chosen_row([](auto& e) { return count_cell(e.concurrency); }));
  s.add(columns::shown(columns::ttft_ms, {}, "TTFT ms"),
        of_chosen_row([](auto& e) { return Cell(in_milliseconds(e.ttft)); }));
  s.add(columns::shown(columns::tpot_ms, one_decimal, "TPOT ms"),
        of_chosen_row([](auto& e) { return Cell(in_milliseconds(e.tpot)); }));
  s.add({"output_tok_s_per_replica", "tokens/s", "output throughput of one replica", {}, "tok/s/replica"},
        of_chosen_row([](auto& e) { return Cell(e.output_tok_s); }));
  s.add(columns::shown(columns::output_tok_s_per_gpu, {}, "tok/s/GPU"),
        of_chosen_row([](auto& e) { return Cell(e.output_tok_s_per_gpu); }));
  s.add({"utilization", "fraction", "average demand / fleet capacity", {NumberStyle::percent, 0}, "util"},
        of_fleet([](auto& f) { return Cell(f.utilization); }));
}

void add_cost_columns(Schema<PlanOption>& s) {
  s.add(columns::shown(columns::usd_per_gpu_hour, money3, "$/GPU-h"),
        [](const PlanOption& p) { return optional_cell(p.resolved.usd_per_gpu_hour); });
  s.add({"usd_per_month", "$/month", "GPUs x $/GPU-hour x 730 h", money0, "$/month"},
        of_fleet([](auto& f) { return optional_cell(f.usd_per_month); }));
  s.add(columns::shown(columns::usd_per_mtok_output, money3, "$/Mtok busy"),
        of_chosen_row([](auto& r) { return optional_cell(r.usd_per_mtok_output); }));
  s.add(columns::shown(columns::usd_per_mtok_served, money3, "$/Mtok served"),
        of_fleet([](auto& f) { return optional_cell(f.usd_per_mtok_served); }));
  s.add({"power_kw", "kW",
         "the GPU boards' power: GPUs x TDP x power utilization (no host, network or cooling; the TCO's "
         "power adds them)",
         one_decimal, "GPU kW"},
        of_fleet([](auto& f) { return Cell(f.power_kw); }));
  s.add({"energy_mwh_per_month", "MWh/month", "power x 730 h", one_decimal, "MWh/month"},
        of_fleet([](auto& f) { return Cell(f.energy_mwh_per_month); }));
  s.add({"rank", "", "1 = recommended"}, [](const PlanOption& p) { return count_cell(p.rank); });
  s.add(columns::price,
        [](const PlanOption& p) { return p.resolved.usd_per_gpu_hour ? Cell(p.resolved.price_label) : Cell(); });
  s.add(columns::shown(columns::price_basis, {}, "basis"),
        [](const PlanOption& p) { return p.resolved.usd_per_gpu_hour ? Cell(p.resolved.price_basis) : Cell(); });
  s.add({"note", "", "why there is no option, that there is no price, or a cheaper unrealistic layout"},
        [](const PlanOption& p) {
          if (!p.feasible()) return Cell(p.choice.why_none);
          std::string note = p.price_note;
          if (!p.choice.unrealistic_note.empty()) note += (note.empty() ? "" : "; ") + p.choice.unrealistic_note;
          if (!p.overlap_note.empty()) note += (note.empty() ? "" : "; ") + p.overlap_note;
          return note.empty() ? Cell() : Cell(note);
        });
}

/// A p10 or p90 of the chosen replica's throughput range; empty without.
PlanGetter of_throughput(double PercentileRange::*end) {
  return [=](const PlanOption& p) {
    const std::optional<PercentileRange>& r = p.range.output_tok_s;
    return p.feasible() && r ? Cell((*r).*end) : Cell();
  };
}
/// A figure of the fleet at one end of the throughput range; empty without the range.
PlanGetter of_fleet_end(Fleet FleetRange::*end, std::function<Cell(const Fleet&)> f) {
  return [=](const PlanOption& p) { return p.feasible() && p.fleet_range ? f((*p.fleet_range).*end) : Cell(); };
}

void add_range_columns(Schema<PlanOption>& s) {
  add_latency_range_columns<PlanOption>(s, [](const PlanOption& p) { return p.feasible() ? &p.range : nullptr; });
  s.add({"output_tok_s_per_replica_p10", "tokens/s", "a replica's output throughput, 10th percentile"},
        of_throughput(&PercentileRange::p10));
  s.add({"output_tok_s_per_replica_p90", "tokens/s", "a replica's output throughput, 90th percentile"},
        of_throughput(&PercentileRange::p90));
  s.add({"gpus_optimistic", "count", "fleet GPUs if a replica serves its throughput p90"},
        of_fleet_end(&FleetRange::optimistic, [](auto& f) { return count_cell(f.gpus); }));
  s.add({"gpus_pessimistic", "count", "fleet GPUs if a replica serves its throughput p10"},
        of_fleet_end(&FleetRange::pessimistic, [](auto& f) { return count_cell(f.gpus); }));
  s.add({"usd_per_month_optimistic", "$/month", "$/month of the gpus_optimistic fleet", money0},
        of_fleet_end(&FleetRange::optimistic, [](auto& f) { return optional_cell(f.usd_per_month); }));
  s.add({"usd_per_month_pessimistic", "$/month", "$/month of the gpus_pessimistic fleet", money0},
        of_fleet_end(&FleetRange::pessimistic, [](auto& f) { return optional_cell(f.usd_per_month); }));
  s.add({"meets_slo_at_p90", "", "the SLO still holds with TTFT and TPOT at their p90 (empty without an SLO)"},
        [](const PlanOption& p) {
          return p.feasible() && p.range.meets_slo_at_p90 ? Cell(*p.range.meets_slo_at_p90) : Cell();
        });
}

const Schema<PlanOption>& plan_schema() {
  static const Schema<PlanOption> schema = [] {  // immutable after first use
    Schema<PlanOption> s;
    add_fleet_columns(s);
    add_serving_columns(s);
    add_cost_columns(s);
    add_range_columns(s);
    return s;
  }();
  return schema;
}

std::string infeasible_notes(const Plan& plan) {
  std::string out;
  for (const PlanOption& p : plan.options) {
    if (!p.feasible()) out += fmt::format("note: {}: {}\n", p.resolved.gpu->name, p.choice.why_none);
  }
  return out;
}

std::string unrealistic_notes(const Plan& plan) {
  std::string out;
  for (const PlanOption& p : plan.options) {
    if (!p.choice.unrealistic_note.empty())
      out += fmt::format("note: {}: {}\n", p.resolved.gpu->name, p.choice.unrealistic_note);
    if (p.feasible() && !p.overlap_note.empty())
      out += fmt::format("note: {}: {}\n", p.resolved.gpu->name, p.overlap_note);
  }
  return out;
}

/// 2.0, 2.5, 1.75: a ratio with at least one decimal, so "2.0" reads as the ratio it is.
std::string ratio_text(double ratio) {
  return ratio == std::round(ratio) ? fmt::format("{:.1f}", ratio) : fmt::format("{:g}", ratio);
}

std::string demand_text(const Plan& plan, const std::string& model) {
  const Demand& d = plan.demand;
  std::string out =
      fmt::format("{}: fleet for {} output tokens/day ({} input tokens/day; requests of {} input + {} output tokens)\n",
                  model, with_commas(d.output_tokens_per_day), with_commas(d.input_tokens_per_day),
                  with_commas(static_cast<double>(plan.isl)), with_commas(static_cast<double>(plan.osl)));
  out += fmt::format(
      "demand: average {} output tokens/s; sized for the peak {} tokens/s = average x peak-to-average {}{}\n",
      with_commas(d.average_output_tok_s()), with_commas(d.peak_output_tok_s()), ratio_text(d.peak_to_average),
      plan.default_peak ? " (the default; set --peak-to-average)" : "");
  return out;
}

/// The ranked table: rank first ("-" without an option), the layout after the GPUs per replica.
std::string ranked_table(const Plan& plan) {
  const ResultTable table = plan_table(plan);
  std::vector<std::size_t> shown;
  for (const char* key :
       {"gpu", "replicas", "gpus_per_replica", "gpus", "nodes", "weights", "kv", "mtp", "concurrency_per_replica",
        "ttft_ms", "tpot_ms", "output_tok_s_per_replica", "utilization", "usd_per_gpu_hour", "price_basis",
        "usd_per_month", "usd_per_mtok_served", "power_kw", "energy_mwh_per_month"}) {
    shown.push_back(table.index(key));
  }
  const std::size_t layout_after = 3;  // rank, gpu, replicas, GPUs/replica
  std::vector<std::string> headers{"rank"};
  for (std::size_t c : shown) headers.push_back(table.columns[c].header());
  headers.insert(headers.begin() + layout_after + 1, "layout");
  std::vector<Align> align{Align::right};  // the rank
  for (Align a : text_alignment(table, shown)) align.push_back(a);
  align.insert(align.begin() + layout_after + 1, Align::left);
  TextTable text(headers, std::move(align));
  for (std::size_t r = 0; r < plan.options.size(); ++r) {
    const PlanOption& p = plan.options[r];
    std::vector<std::string> cells{p.feasible() ? std::to_string(p.rank) : "-"};
    for (std::string& cell : text_cells(table, r, shown)) cells.push_back(std::move(cell));
    cells.insert(cells.begin() + layout_after + 1, p.feasible() ? replica_layout(p.choice) : "-");
    text.add_row(std::move(cells));
  }
  return text.render();
}

/// One option's 80 % range: the fleet at each end of the replica's throughput range, TTFT and TPOT,
/// and whether the SLO holds at their p90.
std::string range_line(const PlanOption& p, const ServiceLevel& slo) {
  const RowRange& r = p.range;
  if (!r.output_tok_s && !r.tpot_s && !r.ttft_s) {
    return p.choice.row.pools ? "no band: the bands come from co-located serving runs, not from disaggregated pools"
                              : "no band: no bands/1 profile for this calibration";
  }
  std::string out;
  if (p.fleet_range) {
    const Fleet& best = p.fleet_range->optimistic;
    const Fleet& worst = p.fleet_range->pessimistic;
    const auto usd = [](const Fleet& f) {
      return f.usd_per_month ? money_text(*f.usd_per_month, 0) : std::string("-");
    };
    out = best.gpus == worst.gpus ? fmt::format("{} at either end ({}/month)", count_of(best.gpus, "GPU"), usd(best))
                                  : fmt::format("{}-{} GPUs ({}-{}/month)", with_commas(static_cast<double>(best.gpus)),
                                                with_commas(static_cast<double>(worst.gpus)), usd(best), usd(worst));
    out += fmt::format(" for a replica's output of {} down to {} tok/s; ", with_commas(r.output_tok_s->p90),
                       with_commas(r.output_tok_s->p10));
  }
  out += "TTFT " + ms_range_text(r.ttft_s) + ", TPOT " + ms_range_text(r.tpot_s);
  if (r.meets_slo_at_p90)
    out += *r.meets_slo_at_p90 ? fmt::format("; {} still met at the p90", describe_slo(slo))
                               : fmt::format("; {} NOT met at the p90", describe_slo(slo));
  if (r.wide) out += " (wide: few measurements for this regime)";
  return out;
}

std::string range_text(const Plan& plan) {
  std::string out;
  for (const PlanOption& p : plan.options) {
    if (p.feasible()) out += fmt::format("  {}: {}\n", p.resolved.gpu->name, range_line(p, plan.slo));
  }
  if (out.empty()) return out;
  return "80% range (the estimator's measured error in each replica's regime, docs/validation.md#error-bands; "
         "GPUs from the throughput's p90 to its p10):\n" +
         out;
}

/// A profile path from "profiles/" on, so the workbook does not record where the tool was built.
std::string profile_path(const std::string& file) {
  const size_t at = file.rfind("profiles/");
  return at == std::string::npos ? file : file.substr(at);
}

PlanWorkbookOption workbook_option(const PlanOption& p) {
  PlanWorkbookOption w;
  const auto& r = p.resolved;
  w.gpu = r.gpu->name;
  w.feasible = p.feasible();
  w.note = p.feasible() ? (r.usd_per_gpu_hour ? "" : "no price: type one in the GPU sheet") : p.choice.why_none;
  if (p.feasible()) {
    const Deployment& d = *p.choice.deployment;
    w.configuration = fmt::format("{} GPUs {}, {} weights, KV {}{}", p.choice.row.total_gpus(),
                                  replica_layout(p.choice), upper(weights_label(d)), upper(name(d.kv)),
                                  d.speculative_tokens > 0 ? fmt::format(", MTP {}", d.speculative_tokens) : "");
    w.unit = {p.choice.row.output_tok_s, p.choice.row.total_gpus(), std::max(1, r.gpu->gpus_per_node),
              r.usd_per_gpu_hour,        r.gpu->tdp.value,          r.efficiency.power_utilization};
    w.fleet = p.choice.fleet;
    w.concurrency = p.choice.row.concurrency;
    w.ttft_ms = in_milliseconds(p.choice.row.ttft);
    w.tpot_ms = in_milliseconds(p.choice.row.tpot);
  }
  if (r.usd_per_gpu_hour) w.price_label = fmt::format("{} ({})", r.price_label, price_basis_text(r.price_basis));
  w.price_basis = r.usd_per_gpu_hour ? r.price_basis : "";
  w.price_from_tco = p.price != nullptr && p.price->label == owned_price_label;
  w.purchase = r.gpu->purchase;
  w.tdp_w = r.gpu->tdp.value;
  w.gpus_per_node = std::max(1, r.gpu->gpus_per_node);
  w.price_source = p.price ? p.price->source : (r.usd_per_gpu_hour ? "--usd-per-gpu-hour on the command line" : "");
  w.price_date = p.price ? p.price->date : "";
  w.gpu_file = profile_path(r.gpu->file);
  w.gpu_sources = r.gpu->sources;
  return w;
}

}  // namespace

ResultTable plan_table(const Plan& plan) {
  ResultTable table = plan_schema().table();
  for (const PlanOption& p : plan.options) table.rows.push_back(plan_schema().cells(p));
  return table;
}

std::string recommendation(const Plan& plan) {
  if (plan.options.empty() || !plan.options.front().feasible()) {
    return "recommendation: none: no GPU type serves this demand within the SLOs\n" + infeasible_notes(plan);
  }
  const PlanOption& best = plan.options.front();
  const Fleet& f = best.choice.fleet;
  std::string out = fmt::format("recommendation: {}: {} ({}, {} of {})", best.resolved.gpu->name,
                                count_of(f.gpus, "GPU"), count_of(f.nodes, "node"), count_of(f.replicas, "replica"),
                                count_of(best.choice.row.total_gpus(), "GPU"));
  out += f.usd_per_month
             ? fmt::format(" at {}/month, {} per million output tokens served ({} at {}/GPU-hour, {} basis)\n",
                           money_text(*f.usd_per_month, 0),
                           f.usd_per_mtok_served ? money_text(*f.usd_per_mtok_served, 3) : "- (no tokens)",
                           best.resolved.price_label, money_text(*best.resolved.usd_per_gpu_hour, 3),
                           price_basis_text(best.resolved.price_basis))
             : "; no GPU type has a price, so options are ranked by GPU count\n";
  for (const PlanOption& p : plan.options) {
    if (p.feasible() && !p.resolved.usd_per_gpu_hour) {
      out += fmt::format("note: {}{}\n", p.price_note,
                         f.usd_per_month ? "; it is ranked after the priced options, by GPU count" : "");
    }
  }
  if (!plan.basis_note.empty()) out += "note: " + plan.basis_note + "\n";
  if (best.range.meets_slo_at_p90 == false)  // the estimator's error at its pessimistic end (range above)
    out += fmt::format("note: the recommended option misses {} at the p90 of the 80% range\n", describe_slo(plan.slo));
  return out + unrealistic_notes(plan) + infeasible_notes(plan);
}

std::string plan_text(const Plan& plan) {
  const auto& first = plan.options.front().resolved;
  std::string out = demand_text(plan, first.model->name);
  out += fmt::format("SLOs: {}; weights {}, KV {}; engine {}; $/month at {:g} h/month; power at {:.0f}% of TDP\n",
                     describe_slo(plan.slo), plan.weights_given ? upper(weights_label(first.deployment)) : "searched",
                     plan.kv_given ? upper(name(first.deployment.kv)) : "searched", first.engine, hours_per_month,
                     first.efficiency.power_utilization * 100);
  out += fmt::format(
      "search: the sweep's layouts (tp, pp, attention dp, ep), {}, KV precision, MTP depth (models with MTP) and "
      "{}{}, up to {} GPUs per replica, realistic layouts {}; per GPU type the fewest fleet GPUs "
      "in whole replicas\n",
      plan.weights_given ? "the given weights" : "weight precisions",
      plan.concurrency_given ? "the given concurrencies (--concurrency)" : "concurrency",
      plan.disaggregated ? ", co-located or as prefill/decode-disaggregated pools (--disagg)" : "",
      plan.max_gpus_per_replica, plan.allow_unrealistic ? "or not (--allow-unrealistic)" : "only");
  return out + ranked_table(plan) + range_text(plan) + recommendation(plan);
}

json plan_json(const Plan& plan) {
  const Demand& d = plan.demand;
  json demand = {{"output_tokens_per_day", d.output_tokens_per_day},
                 {"input_tokens_per_day", d.input_tokens_per_day},
                 {"isl", plan.isl},
                 {"osl", plan.osl},
                 {"peak_to_average", d.peak_to_average},
                 {"peak_to_average_is_default", plan.default_peak},
                 {"average_output_tok_s", d.average_output_tok_s()},
                 {"peak_output_tok_s", d.peak_output_tok_s()},
                 {"hours_per_month", hours_per_month},
                 {"ttft_ms", plan.slo.ttft ? json(in_milliseconds(*plan.slo.ttft)) : json(nullptr)},
                 {"tpot_ms", plan.slo.tpot ? json(in_milliseconds(*plan.slo.tpot)) : json(nullptr)}};
  const bool any = !plan.options.empty() && plan.options.front().feasible();
  std::vector<std::string> warnings;  // the model's, then what the request stretches (as stderr shows them)
  if (!plan.options.empty()) {
    const ScenarioResolver::Resolved& first = plan.options.front().resolved;
    if (first.model != nullptr) warnings = first.model->warnings;
    warnings.insert(warnings.end(), first.warnings.begin(), first.warnings.end());
  }
  return {{"demand", demand},
          {"options", json_rows(plan_table(plan))},
          {"recommendation", any ? json(plan.options.front().resolved.gpu->name) : json(nullptr)},
          {"price_note", plan.basis_note.empty() ? json(nullptr) : json(plan.basis_note)},
          {"warnings", warnings}};
}

PlanWorkbook workbook_of(const Plan& plan, const Calibration& cal, const TcoAssumptions* tco) {
  const auto& model = *plan.options.front().resolved.model;
  PlanWorkbook book;
  book.title =
      fmt::format("{}: fleet for {} output tokens/day", model.name, with_commas(plan.demand.output_tokens_per_day));
  book.demand = plan.demand;
  book.peak_to_average_default = plan.default_peak;
  book.slo_text = describe_slo(plan.slo);
  if (plan.slo.ttft) book.ttft_slo_ms = in_milliseconds(*plan.slo.ttft);
  if (plan.slo.tpot) book.tpot_slo_ms = in_milliseconds(*plan.slo.tpot);
  book.isl = plan.isl;
  book.osl = plan.osl;
  if (tco) book.tco = *tco;
  if (tco) book.tco_file = profile_path(tco->source);
  book.model = model.name;
  book.model_file = profile_path(model.file);
  book.model_sources = model.sources;
  book.calibration = fmt::format("{} (fitted {}: {}; {})", cal.name, cal.fitted_on, cal.data, cal.result);
  for (const PlanOption& p : plan.options) book.options.push_back(workbook_option(p));
  return book;
}

}  // namespace llmsizer::cli
