// `llmsizer compare` — models side by side on GPUs, each at its best configuration that meets the
// SLOs (from the same sweep as `llmsizer sweep`), with why they differ.
#include <fmt/format.h>

#include <algorithm>

#include "cli/common_options.hpp"
#include "cli/compare_why.hpp"
#include "cli/emit.hpp"
#include "cli/scenario.hpp"
#include "cli/sweep_common.hpp"
#include "estimator/realism.hpp"
#include "estimator/sweep.hpp"
#include "estimator/text_format.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"

namespace llmsizer::cli {
namespace {

struct CompareOptions {
  std::vector<std::string> models;
  std::vector<std::string> gpus;
  std::int64_t isl = default_request_tokens;
  std::int64_t osl = default_request_tokens;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  int max_gpus = default_sweep_max_gpus;
  std::string price;
  std::optional<double> usd_per_gpu_hour;
  std::string calibration = "default";
  std::optional<int> tp, pp, dp, ep, mtp;
  std::string overlap;
  bool allow_unrealistic = false;
  bool disaggregated = false;
  bool json = false;
  bool csv = false;
  std::string emit;
};

SweepRequest make_request(const CompareOptions& o) {
  SweepRequest r = sized_request(o.isl, o.osl, o.max_gpus);
  r.slo = slo_targets(o.ttft_ms, o.tpot_ms);
  r.concurrencies = default_concurrencies();
  r.only = layout_restriction(o.tp, o.pp, o.dp, o.ep);
  r.allow_unrealistic = o.allow_unrealistic;
  r.disaggregated = o.disaggregated;
  r.overlap = overlap_named(o.overlap, "--overlap");
  r.keep = SweepRows::shown;  // choose() reads only the best, fastest and smallest-count figures
  r.threads = sweep_threads();
  return r;
}

Choice choose(const PreparedModel& prepared, const SweepResult& result, std::size_t target, const SweepTarget& st,
              const SweepRequest& request, const ErrorBands* bands) {
  const SweepTargetResult& t = result.targets[target];
  Choice c;
  c.model = prepared.spec;
  c.prepared = &prepared;
  c.gpu = st.gpu;
  c.price_basis = st.price_basis;
  c.meets_slo = t.best.has_value();
  c.usd_per_gpu_hour = st.usd_per_gpu_hour;
  c.efficiency = &st.efficiency;
  const std::optional<std::size_t> index = t.best ? t.best : t.fastest;
  if (!index) return c;
  c.row = &result.rows[*index];
  c.range =
      row_range(bands, prepared.spec->is_moe(), st.gpu->generation, st.efficiency.engine.engine, *c.row, request.slo);
  const WeightChoice chosen{c.row->deployment.weights, c.row->deployment.experts};
  for (std::size_t w = 0; w < t.weights.size(); ++w) {
    if (t.weights[w] == chosen) c.min_gpus = t.min_gpus[w];
  }
  // The row's own estimate again (the sweep keeps only its headline figures), read by explain().
  if (c.row->pools) {
    const Workload workload{request.isl, request.osl, 0, Phase::mixed};
    const Estimate e =
        estimate_disaggregated(prepared, *st.gpu, *c.row->pools, workload, st.efficiency, st.usd_per_gpu_hour);
    if (e.fits) c.why = explain_disaggregated(prepared, *st.gpu, workload, st.efficiency, e);
    return c;
  }
  const Workload workload{request.isl, request.osl, c.row->concurrency, Phase::mixed};
  const Estimate e = estimate(prepared, *st.gpu, c.row->deployment, workload, st.efficiency, st.usd_per_gpu_hour);
  if (e.fits) c.why = explain(prepared, *st.gpu, c.row->deployment, workload, st.efficiency, e);
  return c;
}

/// One candidate's why: its prefill, decode and memory clauses, or why there is none.
std::string why(const Choice& c) {
  if (!c.row) return "nothing fits";
  if (!c.why) return "";
  const std::string pools = pools_text(*c.why);
  return "prefill: " + prefill_text(*c.why) + "; decode: " + decode_text(*c.why) + "; memory: " + memory_text(*c.why) +
         (pools.empty() ? "" : "; pools: " + pools);
}

void add_range_columns(Schema<Choice>& s) {
  add_latency_range_columns<Choice>(s, [](const Choice& c) { return c.row ? &c.range : nullptr; });
  for (const auto& [key, end] : {std::pair{"output_tok_s_per_gpu_p10", &PercentileRange::p10},
                                 std::pair{"output_tok_s_per_gpu_p90", &PercentileRange::p90}}) {
    s.add({key, "tokens/s", "output throughput per GPU, 10th or 90th percentile"}, [end](const Choice& c) {
      const auto& r = c.range.output_tok_s;
      return c.row && r ? Cell((*r).*end / c.row->total_gpus()) : Cell();
    });
  }
  s.add({"meets_slo_at_p90", "", "the SLO still holds with TTFT and TPOT at their p90 (empty without an SLO)"},
        [](const Choice& c) { return c.row && c.range.meets_slo_at_p90 ? Cell(*c.range.meets_slo_at_p90) : Cell(); });
}

/// The one column schema of compare rows: the model and GPU, the smallest count that holds the
/// chosen precision, the chosen sweep row under the sweep's own column keys, and why.
Schema<Choice> make_schema() {
  Schema<Choice> s;
  const Schema<SweepRowRef>& sweep = sweep_schema();
  const ResultTable keys = sweep.table();
  auto from_sweep = [&](const std::string& key) {
    const std::size_t column = keys.index(key);
    s.add(sweep.columns()[column], [column](const Choice& c) {
      return sweep_schema().value({c.model, c.gpu, c.row, c.price_basis, c.usd_per_gpu_hour}, column);
    });
  };
  from_sweep("model");
  from_sweep("gpu");
  s.add(columns::min_gpus, [](const Choice& c) { return c.min_gpus ? Cell(std::int64_t{*c.min_gpus}) : Cell(); });
  for (const char* key : {"gpus",
                          "tp",
                          "pp",
                          "dp",
                          "ep",
                          "pools",
                          "weights",
                          "kv",
                          "mtp",
                          "overlap",
                          "concurrency",
                          "memory_gb_per_gpu",
                          "ttft_ms",
                          "tpot_ms",
                          "output_tok_s_per_gpu",
                          "tok_s_per_user",
                          "usd_per_mtok_output",
                          "joules_per_output_token",
                          "realistic",
                          "price_basis"}) {
    from_sweep(key);
  }
  from_sweep("usd_per_gpu_hour");
  s.add({"meets_slo", "", "the configuration shown meets the SLO (else it is the fastest)"},
        [](const Choice& c) { return Cell(c.meets_slo); });
  add_range_columns(s);
  add_why_columns(s);
  s.add({"why", "", "what bounds prefill and decode, and the memory: resident and read weights, KV headroom, batch"},
        [](const Choice& c) { return Cell(why(c)); });
  return s;
}

/// `notes`: the run's price notes (price_notes), on every row after the model's own warnings.
ResultTable compare_table(const std::vector<Choice>& choices, const std::vector<std::string>& notes) {
  Schema<Choice> schema = make_schema();
  schema.add(columns::warnings, [&notes](const Choice& c) {
    std::vector<std::string> all = c.model->warnings;
    all.insert(all.end(), notes.begin(), notes.end());
    return Cell(all);
  });
  ResultTable table = schema.table();
  for (const Choice& c : choices) table.rows.push_back(schema.cells(c));
  return table;
}

/// One line of the side-by-side table: a label and one cell per (model, GPU), "-" when nothing fits.
/// `values`: right for a figure, left for a label.
void add_metric(TextTable& table, const std::string& label, const std::vector<Choice>& choices,
                const std::function<std::string(const SweepRow&)>& cell, Align values = Align::right) {
  std::vector<std::string> cells{label};
  for (const Choice& c : choices) cells.push_back(c.row ? cell(*c.row) : "-");
  table.add_row(std::move(cells), values);
}

/// The 80 % range of the TTFT, TPOT and throughput rows, and whether the SLO holds at the p90s.
void add_range_rows(TextTable& table, const std::vector<Choice>& choices, const SweepRequest& request) {
  const auto row = [&](const std::string& label, const std::function<std::string(const Choice&)>& cell) {
    std::vector<std::string> cells{label};
    for (const Choice& c : choices) cells.push_back(c.row ? cell(c) : "-");
    table.add_row(std::move(cells), Align::right);
  };
  row("TTFT 80% range", [](const Choice& c) { return ms_range_text(c.range.ttft_s); });
  row("TPOT 80% range", [](const Choice& c) { return ms_range_text(c.range.tpot_s); });
  row("tok/s per GPU 80% range", [](const Choice& c) {
    const auto& r = c.range.output_tok_s;
    const double gpus = c.row->total_gpus();
    return count_range_text(r ? std::optional(PercentileRange{r->p10 / gpus, r->p90 / gpus}) : std::nullopt);
  });
  if (!request.slo.ttft && !request.slo.tpot) return;
  row("meets SLO at the p90", [](const Choice& c) {
    return !c.range.meets_slo_at_p90 ? std::string("-") : *c.range.meets_slo_at_p90 ? "yes" : "no";
  });
}

std::string row_layout_text(const SweepRow& r) {
  if (r.pools) return fmt::format("{}: {}", count_of(r.total_gpus(), "GPU"), pools_label(*r.pools));
  const Parallelism& p = r.deployment.parallel;
  return fmt::format("{}: tp{} pp{} dp{} ep{}", count_of(r.deployment.total_gpus(), "GPU"), p.tp, p.pp, p.dp, p.ep);
}

void print_table(const std::vector<Choice>& choices, const SweepRequest& request, std::ostream& out) {
  std::vector<std::string> headers{""};
  for (const Choice& c : choices) headers.push_back(fmt::format("{} on {}", c.model->name, c.gpu->name));
  TextTable table(headers);
  std::vector<std::string> needed{"GPUs needed (min fit)"};
  for (const Choice& c : choices) needed.push_back(c.min_gpus ? std::to_string(*c.min_gpus) : "-");
  table.add_row(needed, Align::right);
  add_metric(table, "best configuration", choices, row_layout_text, Align::left);
  add_metric(
      table, "weights", choices, [](const SweepRow& r) { return upper(weights_label(r.deployment)); }, Align::left);
  add_metric(
      table, "KV cache", choices, [](const SweepRow& r) { return upper(std::string(name(r.deployment.kv))); },
      Align::left);
  add_metric(table, "MTP draft tokens", choices,
             [](const SweepRow& r) { return std::to_string(r.deployment.speculative_tokens); });
  add_metric(
      table, "overlap", choices, [](const SweepRow& r) { return std::string(overlap_name(applied_overlap(r))); },
      Align::left);
  add_metric(table, "concurrency", choices,
             [](const SweepRow& r) { return with_commas(static_cast<double>(r.concurrency)); });
  add_metric(table, "memory per GPU", choices,
             [](const SweepRow& r) { return fixed(in_gigabytes(r.memory_per_gpu), 1) + " GB"; });
  add_metric(table, "TTFT", choices, [](const SweepRow& r) { return with_commas(in_milliseconds(r.ttft), 1) + " ms"; });
  add_metric(table, "TPOT", choices, [](const SweepRow& r) { return fixed(in_milliseconds(r.tpot), 2) + " ms"; });
  add_metric(table, "output tok/s per GPU", choices,
             [](const SweepRow& r) { return with_commas(r.output_tok_s_per_gpu, 1); });
  add_range_rows(table, choices, request);
  add_metric(table, "tok/s per user", choices, [](const SweepRow& r) { return fixed(r.tok_s_per_user, 1); });
  add_metric(table, "$/Mtok output", choices, [](const SweepRow& r) {
    return r.usd_per_mtok_output ? money_text(*r.usd_per_mtok_output, 3) : std::string("- (no price)");
  });
  std::vector<std::string> price{"$/GPU-hour (basis)"};
  for (const Choice& c : choices) {
    price.push_back(c.usd_per_gpu_hour ? fmt::format("{} ({})", money_text(*c.usd_per_gpu_hour, 3), c.price_basis)
                                       : "- (no price)");
  }
  table.add_row(price, Align::right);
  add_metric(table, "J/token", choices, [](const SweepRow& r) { return fixed(r.joules_per_output_token, 3); });
  std::vector<std::string> slo{"meets SLO"};
  const bool any_slo = request.slo.ttft || request.slo.tpot;
  for (const Choice& c : choices) {
    slo.push_back(c.row && !any_slo ? "- (no SLO)"
                  : c.meets_slo     ? "yes"
                  : c.row           ? "no: fastest shown"
                                    : fmt::format("nothing fits on {} GPUs", request.max_gpus));
  }
  table.add_row(slo, Align::left);
  std::vector<std::string> realistic{"realistic"};
  for (const Choice& c : choices) {
    realistic.push_back(!c.row ? "-" : c.row->realistic ? "yes" : "no: " + unrealistic_reason(*c.gpu, *c.row));
  }
  table.add_row(realistic, Align::left);
  out << table.render() << "\nwhy:\n";
  for (const Choice& c : choices) {
    out << fmt::format("  {} on {}:{}\n", c.model->name, c.gpu->name, c.why ? "" : " " + why(c));
    if (!c.why) continue;
    out << "    prefill: " << prefill_text(*c.why) << "\n    decode: " << decode_text(*c.why)
        << "\n    memory: " << memory_text(*c.why) << "\n";
    if (c.why->pools) out << "    pools: " << pools_text(*c.why) << "\n";
  }
  for (const Choice& c : choices) {
    if (!c.decisive.empty()) out << "\ndecisive: " << c.decisive << "\n";
  }
  const std::vector<std::string> phases = phase_lines(choices);
  if (!phases.empty()) out << "\nper phase, each GPU at its configuration above:\n";
  for (const std::string& line : phases) out << "  " << line << "\n";
}

/// The launch script of every candidate that fits, the winner first.
void print_launch_scripts(LaunchEngine engine, const std::vector<Choice>& choices, const SweepRequest& request,
                          std::ostream& out) {
  std::vector<const Choice*> ranked;
  for (const Choice& c : choices) {
    if (c.rank && c.why) ranked.push_back(&c);
  }
  std::sort(ranked.begin(), ranked.end(), [](const Choice* a, const Choice* b) { return *a->rank < *b->rank; });
  for (const Choice* c : ranked) {
    if (c != ranked.front()) out << "\n";
    out << fmt::format("# compare rank {}\n", *c->rank);
    if (c->row->pools) {
      out << pools_launch_script(engine, *c->model, *c->gpu, *c->row->pools, *c->efficiency, request.isl, request.osl);
      continue;
    }
    out << launch_script(engine, launch_config(*c->model, *c->gpu, c->row->deployment, c->why->running, *c->efficiency,
                                               request.isl, request.osl));
  }
}

/// "$ on the owned (TCO) basis", one clause per basis the GPU prices use, or "no prices".
std::string basis_clause(const std::vector<SweepTarget>& targets) {
  std::vector<std::string> bases;
  for (const SweepTarget& t : targets) {
    const std::string text = price_basis_text(t.price_basis);
    if (!text.empty() && std::find(bases.begin(), bases.end(), text) == bases.end()) bases.push_back(text);
  }
  if (bases.empty()) return "no prices";
  std::string list;
  for (const std::string& b : bases) list += (list.empty() ? "" : ", ") + b;
  return fmt::format("$ on the {} price basis{}", list,
                     bases.size() > 1 ? " (mixed: not like for like, see the note)" : "");
}

std::string heading(const SweepRequest& r, const std::vector<SweepTarget>& targets) {
  return fmt::format(
      "{} input + {} output tokens per request, {}; each at its lowest $/Mtok output{} "
      "(highest output tok/s per GPU when unpriced) among realistic layouts{}{}, up to {} GPUs; {}\n\n",
      with_commas(static_cast<double>(r.isl)), with_commas(static_cast<double>(r.osl)), slo_text(r),
      r.slo.ttft || r.slo.tpot ? " that meets the SLO" : "", r.allow_unrealistic ? " or not" : "",
      r.disaggregated ? ", co-located or as prefill/decode-disaggregated pools (--disagg)" : "", r.max_gpus,
      basis_clause(targets));
}

int run_compare(const CompareOptions& o, Context& context) {
  ScenarioResolver resolver(context, o.calibration);
  const SweepRequest request = make_request(o);
  warn_overlap_calibration(request.overlap, resolver.calibration(), *context.err);
  const std::optional<LaunchEngine> emit = parse_emit(o.emit);
  check_usd_per_gpu_hour(o.usd_per_gpu_hour);
  std::vector<SweepTarget> targets;
  std::vector<const GpuSpec*> gpus;
  for (const std::string& name : o.gpus) gpus.push_back(&context.catalog().gpu(name));
  const PriceOption price = parse_price_option(context.catalog(), o.price);
  check_price_label(price, gpus);
  print_warnings(unused_price_warnings(price, gpus), *context.err);
  for (const GpuSpec* gpu : gpus) {  // each on its own default basis, as alone; a mix gets a note
    const PriceChoice chosen = choose_price(*gpu, price, o.usd_per_gpu_hour, MissingNamedPrice::unpriced);
    targets.push_back({gpu, resolver.efficiency(*gpu, "", std::nullopt), chosen.usd_per_gpu_hour, {}, chosen.basis});
  }
  std::vector<std::shared_ptr<const PreparedModel>> prepared;
  for (const std::string& name : o.models) {
    prepared.push_back(resolver.prepared(name));
    print_model_warnings(*prepared.back()->spec, *context.err);
  }
  const ErrorBands* bands = context.catalog().bands(resolver.calibration().name);
  std::vector<SweepResult> results;  // the rows the choices point into
  results.reserve(prepared.size());
  std::vector<Choice> choices;
  for (const auto& model : prepared) {
    SweepRequest model_request = request;  // --mtp is checked against each model's MTP module
    restrict_mtp(model_request, *model->spec, o.mtp);
    const SweepResult& result = results.emplace_back(sweep(*model, targets, model_request));
    for (std::size_t t = 0; t < targets.size(); ++t)
      choices.push_back(choose(*model, result, t, targets[t], model_request, bands));
  }
  rank_choices(choices);
  std::ostream& out = *context.out;
  const Overlap applied = applied_overlap_of_any(choices, [](const Choice& c) { return c.row; });
  if (emit || o.json || o.csv) print_overlap_note(request.overlap, applied, *context.err);
  if (emit) {
    print_launch_scripts(*emit, choices, request, out);
    return 0;
  }
  const std::vector<std::string> notes = price_notes(targets, price.label);
  if (o.json) {
    out << json_rows(compare_table(choices, notes)).dump(2) << "\n";
    return 0;
  }
  if (o.csv) {
    out << csv_document(compare_table(choices, notes));
    return 0;
  }
  out << heading(request, targets);
  for (const std::string& note : notes) out << "note: " << note << "\n";
  if (print_overlap_note(request.overlap, applied, out) || !notes.empty()) out << "\n";
  print_table(choices, request, out);
  return 0;
}

}  // namespace

Command add_compare(CLI::App& app, Context& context) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* sub =
      app.add_subcommand("compare", "Models side by side on GPUs, each at its best configuration meeting the SLOs");
  add_model_option(*sub, o->models);
  add_gpus_option(*sub, o->gpus)->required();
  add_request_size_options(*sub, o->isl, o->osl);
  add_slo_options(*sub, o->ttft_ms, o->tpot_ms);
  sub->add_option("--max-gpus", o->max_gpus, "Largest GPU count per instance (default 64)");
  add_price_options(*sub, o->price, o->usd_per_gpu_hour);
  add_layout_restrictions(*sub, o->tp, o->pp, o->dp, o->ep);
  add_mtp_restriction(*sub, o->mtp);
  add_overlap_option(*sub, o->overlap);
  add_allow_unrealistic_option(*sub, o->allow_unrealistic);
  add_disagg_option(*sub, o->disaggregated);
  add_calibration_option(*sub, o->calibration);
  auto* json = sub->add_flag("--json", o->json, "Print a JSON array, one object per (model, GPU)");
  auto* csv = sub->add_flag("--csv", o->csv, "Print CSV, one row per (model, GPU)")->excludes(json);
  add_emit_option(*sub, o->emit)->excludes(json)->excludes(csv);
  return {sub, [o, &context] { return run_compare(*o, context); }};
}

}  // namespace llmsizer::cli
