// `llmsizer plan` — the fleet that serves a daily token demand on each GPU type, ranked by cost.
#include "estimator/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "cli/common_options.hpp"
#include "cli/emit.hpp"
#include "cli/plan_output.hpp"
#include "cli/sweep_common.hpp"
#include "estimator/text_format.hpp"
#include "io/config_error.hpp"
#include "request/resolved_estimate.hpp"

namespace llmsizer::cli {
namespace {

constexpr double max_tokens_per_day = 1e15;  // keeps every count far inside int64
/// Largest replica plan searches by default: 16 nodes of 8, room for wide expert parallelism
/// (DeepSeek's decode instances span 18 nodes, open-infra-index day 6) beyond sweep's 64.
constexpr int default_max_gpus_per_replica = 128;

struct PlanOptions {
  std::string model;
  std::vector<std::string> gpus;
  std::string output_per_day, input_per_day;
  std::optional<std::int64_t> isl, osl;
  std::optional<double> peak_to_average, ttft_ms, tpot_ms, usd_per_gpu_hour;
  std::string price, engine, weights, kv, overlap, xlsx, emit, calibration = "default";
  std::optional<int> tp, pp, dp, ep, mtp;
  std::vector<std::int64_t> concurrency;  // --concurrency: per replica, kept as given
  int max_gpus = default_max_gpus_per_replica;
  bool csv = false, json = false, allow_unrealistic = false, disaggregated = false;
};

/// A token count as typed: digits or scientific notation (2e9), finite, positive and whole.
double parse_count(const std::string& text, const std::string& option) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && stop == end && std::isinf(value))) {
    throw ConfigError(option,
                      fmt::format("'{}' is out of range (must be a positive count up to 1e15 tokens/day)", text));
  }
  if (text.empty() || ec != std::errc() || stop != end || std::isnan(value)) {
    throw ConfigError(option, fmt::format("'{}' is not a number; give a token count such as 2000000000 or 2e9", text));
  }
  if (value < 1 || value > max_tokens_per_day) {  // a count that rounds to 0 tokens is none
    throw ConfigError(option,
                      fmt::format("'{}' is out of range (must be a positive count up to 1e15 tokens/day)", text));
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
  p.weights_given = !o.weights.empty();
  p.kv_given = !o.kv.empty();
  p.concurrency_given = !o.concurrency.empty();
  p.max_gpus_per_replica = o.max_gpus;
  p.allow_unrealistic = o.allow_unrealistic;
  p.disaggregated = o.disaggregated;
  p.demand.peak_to_average = o.peak_to_average.value_or(default_peak_to_average);
  if (!o.input_per_day.empty()) {
    if (o.isl || o.osl) throw ConfigError("--input-tokens-per-day", "give either it or --isl/--osl, not both");
    p.demand.input_tokens_per_day = parse_count(o.input_per_day, "--input-tokens-per-day");
    const double isl =
        std::round(default_request_tokens * p.demand.input_tokens_per_day / p.demand.output_tokens_per_day);
    if (isl > (1LL << 31))
      throw ConfigError("--input-tokens-per-day", "implies prompts over 2^31 tokens; give --isl and --osl");
    p.isl = std::max<std::int64_t>(1, static_cast<std::int64_t>(isl));
  } else {
    p.isl = o.isl.value_or(default_request_tokens);
    p.osl = o.osl.value_or(default_request_tokens);
    if (p.isl < 1 || p.osl < 1) throw ConfigError(p.isl < 1 ? "--isl" : "--osl", "must be >= 1");
    p.demand.input_tokens_per_day =
        p.demand.output_tokens_per_day * static_cast<double>(p.isl) / static_cast<double>(p.osl);
  }
  return p;
}

PlanOption plan_gpu(ScenarioResolver& resolver, const PlanOptions& o, const Plan& plan, const std::string& gpu) {
  ScenarioInput in;
  in.model = o.model;
  in.gpu = gpu;
  in.weights = o.weights;
  in.kv = o.kv;
  in.overlap = o.overlap;
  in.engine = o.engine;
  in.isl = plan.isl;
  in.osl = plan.osl;
  in.price = o.price;
  in.usd_per_gpu_hour = o.usd_per_gpu_hour;
  PlanOption option{resolver.resolve(in), {}, nullptr, 0, {}, {}};
  const auto& r = option.resolved;
  if (!o.usd_per_gpu_hour && r.usd_per_gpu_hour) option.price = find_price(*r.gpu, r.price_label);
  // The sweep's search, ranked for this demand: --weights and the layout options restrict it.
  std::vector<WeightChoice> weights;
  if (!o.weights.empty()) weights.push_back({r.deployment.weights, r.deployment.experts});
  const SweepTarget target{r.gpu, r.efficiency, r.usd_per_gpu_hour, weights, r.price_basis};
  SweepRequest request = sized_request(plan.isl, plan.osl, o.max_gpus);
  request.slo = plan.slo;
  request.kv = r.deployment.kv;
  request.search_kv = o.kv.empty();
  restrict_mtp(request, *r.prepared->spec, o.mtp);
  set_concurrencies(request, o.concurrency);
  request.only = layout_restriction(o.tp, o.pp, o.dp, o.ep);
  request.peak_output_tok_s = plan.demand.peak_output_tok_s();
  request.allow_unrealistic = o.allow_unrealistic;
  request.disaggregated = o.disaggregated;
  request.overlap = r.deployment.overlap;
  option.choice = plan_replica(sweep(*r.prepared, {target}, request), 0, target, request, plan.demand);
  if (option.feasible()) {
    option.overlap_note = overlap_note(request.overlap, applied_overlap(option.choice.row)).value_or("");
    option.range =
        row_range(r.error_bands, r.model->is_moe(), r.gpu->generation, r.engine, option.choice.row, plan.slo);
    option.fleet_range = fleet_range(plan.demand, option.choice.unit, option.range);
  }
  return option;
}

Plan make_plan(const PlanOptions& o, Context& context) {
  Plan plan = plan_inputs(o);
  ScenarioResolver resolver(context, o.calibration);
  print_model_warnings(*resolver.prepared(o.model)->spec, *context.err);
  warn_overlap_calibration(overlap_named(o.overlap, "--overlap"), resolver.calibration(), *context.err);
  std::vector<const GpuSpec*> gpus;
  for (const std::string& gpu : o.gpus) gpus.push_back(&context.catalog().gpu(gpu));
  // Each GPU type on its own default basis, as alone (a mix gets a note); one without the --price
  // label or basis stays unpriced with a note.
  resolver.on_missing_named_price(MissingNamedPrice::unpriced);
  const PriceOption price = parse_price_option(context.catalog(), o.price);
  check_price_label(price, gpus);
  print_warnings(unused_price_warnings(price, gpus), *context.err);
  std::vector<PlanOption> options;
  std::vector<RankKey> keys;
  for (const std::string& gpu : o.gpus) {
    options.push_back(plan_gpu(resolver, o, plan, gpu));
    const PlanOption& p = options.back();
    for (size_t i = 0; i + 1 < options.size(); ++i) {
      if (options[i].resolved.gpu == p.resolved.gpu) {
        throw ConfigError("--gpu",
                          fmt::format("'{}' names {} again; give each GPU type once", gpu, p.resolved.gpu->name));
      }
    }
    if (!p.resolved.usd_per_gpu_hour) options.back().price_note = unpriced_note(*p.resolved.gpu, price.label);
    keys.push_back({p.feasible(), p.choice.fleet.usd_per_month, p.choice.fleet.gpus});
  }
  std::vector<PricedGpu> priced;  // in the order the GPUs were given
  for (const PlanOption& p : options) {
    priced.push_back({p.resolved.gpu, p.resolved.usd_per_gpu_hour ? p.resolved.price_basis : std::string()});
  }
  // Ranked by the $/month shown whatever the bases (the figures a buyer compares); a mix is a caveat.
  plan.basis_note = mixed_basis_note(priced).value_or("");
  for (PlanOption& p : options) {  // the CSV's and JSON rows' note column carries it too
    if (p.resolved.usd_per_gpu_hour) p.price_note = plan.basis_note;
  }
  for (size_t index : rank_options(keys)) {
    plan.options.push_back(std::move(options[index]));
    plan.options.back().rank = static_cast<int>(plan.options.size());
  }
  return plan;
}

/// The launch script of each GPU type's replica, in rank order, for its whole fleet.
std::string plan_scripts(LaunchEngine engine, const Plan& plan) {
  std::string out;
  for (const PlanOption& p : plan.options) {
    if (!p.feasible()) continue;
    const ScenarioResolver::Resolved& r = p.resolved;
    out += fmt::format("{}# plan rank {}: {} on {}\n", out.empty() ? "" : "\n", p.rank,
                       count_of(p.choice.fleet.replicas, "replica"), r.gpu->name);
    if (p.choice.row.pools) {
      out += pools_launch_script(engine, *r.model, *r.gpu, *p.choice.row.pools, r.efficiency, plan.isl, plan.osl,
                                 p.choice.fleet.replicas);
      continue;
    }
    out += sized_launch_script(engine, *r.prepared, *r.gpu, *p.choice.deployment, p.choice.row.concurrency,
                               r.efficiency, plan.isl, plan.osl, p.choice.fleet.replicas);
  }
  return out;
}

int run_plan(const PlanOptions& given, Context& context) {
  const std::optional<LaunchEngine> emit = parse_emit(given.emit);
  PlanOptions o = given;
  // --emit ENGINE without --engine sizes with that engine's overheads, so the command runs what was planned.
  if (emit && o.engine.empty()) o.engine = std::string(launch_engine_names[static_cast<int>(*emit)]);
  const Plan plan = make_plan(o, context);
  std::ostream& out = *context.out;
  if (emit) {
    out << plan_scripts(*emit, plan);
  } else if (o.json) {
    out << plan_json(plan).dump(2) << "\n";
  } else if (o.csv) {
    out << csv_document(plan_table(plan));
  } else if (!o.xlsx.empty()) {
    const auto& tco = context.catalog().tco;
    const auto found =
        std::find_if(tco.begin(), tco.end(), [](const TcoAssumptions& a) { return a.name == "default"; });
    write_plan_workbook(o.xlsx, workbook_of(plan, ScenarioResolver(context, o.calibration).calibration(),
                                            found == tco.end() ? nullptr : &*found));
    out << fmt::format("wrote {}: Summary, Inputs, {} GPU sheet(s), Sources\n", o.xlsx,
                       std::count_if(plan.options.begin(), plan.options.end(), [](auto& p) { return p.feasible(); }));
    out << recommendation(plan);
  } else {
    out << plan_text(plan);
  }
  return 0;
}

}  // namespace

Command add_plan(CLI::App& app, Context& context) {
  auto o = std::make_shared<PlanOptions>();
  CLI::App* sub =
      app.add_subcommand("plan", "Fleet (GPUs, nodes, $/month, power) to serve a daily token demand, per GPU type");
  add_model_option(*sub, o->model);
  add_gpus_option(*sub, o->gpus)->required();
  sub->add_option("--output-tokens-per-day", o->output_per_day, "Output tokens to serve per day (2e9 accepted)")
      ->required();
  sub->add_option("--input-tokens-per-day", o->input_per_day, "Prompt tokens per day; sets ISL:OSL (OSL 1000)");
  sub->add_option("--isl", o->isl, "Input tokens per request (default 1000)");
  sub->add_option("--osl", o->osl, "Output tokens per request (default 1000)");
  sub->add_option("--peak-to-average", o->peak_to_average, "Peak-hour demand over the daily average (default 2.0)");
  add_slo_options(*sub, o->ttft_ms, o->tpot_ms);
  add_price_options(*sub, o->price, o->usd_per_gpu_hour);
  add_engine_option(*sub, o->engine);
  add_weights_option(*sub, o->weights);
  add_kv_option(*sub, o->kv);
  add_mtp_restriction(*sub, o->mtp);
  add_concurrency_list_option(*sub, o->concurrency,
                              "Requests in flight per replica to try (repeatable; default 1, 2, 4, ..., 1024, "
                              "bisected and, where the SLO still holds, doubled beyond)");
  add_overlap_option(*sub, o->overlap);
  add_layout_restrictions(*sub, o->tp, o->pp, o->dp, o->ep);
  sub->add_option("--max-gpus", o->max_gpus, "Largest GPU count per replica (default 128)");
  add_allow_unrealistic_option(*sub, o->allow_unrealistic);
  add_disagg_option(*sub, o->disaggregated);
  add_calibration_option(*sub, o->calibration);
  auto* xlsx =
      sub->add_option("--xlsx", o->xlsx, "Write a workbook with formulas (Summary, one sheet per GPU, Sources)");
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV, one row per GPU type");
  auto* js = sub->add_flag("--json", o->json, "Print JSON: demand, options, recommendation");
  xlsx->excludes(csv)->excludes(js);
  csv->excludes(js);
  add_emit_option(*sub, o->emit)
      ->description(
          "Print each GPU type's launch commands (vllm, sglang or trtllm) instead of the table; without "
          "--engine the plan uses that engine's overheads")
      ->excludes(xlsx)
      ->excludes(csv)
      ->excludes(js);
  return {sub, [o, &context] { return run_plan(*o, context); }};
}

}  // namespace llmsizer::cli
