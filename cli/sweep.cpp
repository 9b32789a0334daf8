// `llmsizer sweep` — every deployment of a model on some GPU types; per GPU type the Pareto frontier
// of output tokens/s per GPU against tokens/s per user, which rows meet the SLOs, and the cheapest.
#include "estimator/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli/common_options.hpp"
#include "cli/emit.hpp"
#include "cli/scenario.hpp"
#include "cli/sweep_common.hpp"
#include "estimator/realism.hpp"
#include "estimator/text_format.hpp"
#include "io/config_error.hpp"
#include "io/xlsx_writer.hpp"

namespace llmsizer::cli {
namespace {

using nlohmann::json;

struct SweepOptions {
  std::string model;
  std::vector<std::string> gpus;
  bool all_gpus = false;
  std::int64_t isl = default_request_tokens;
  std::int64_t osl = default_request_tokens;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  int max_gpus = default_sweep_max_gpus;
  std::vector<std::string> weights;
  std::string kv;
  std::string engine;
  std::vector<std::int64_t> concurrency;
  std::string price;
  std::optional<double> usd_per_gpu_hour;
  std::string calibration = "default";
  std::optional<int> tp, pp, dp, ep;
  std::optional<int> mtp;
  std::string overlap;
  bool allow_unrealistic = false;
  bool disaggregated = false;
  bool csv = false;
  bool json = false;
  std::string xlsx;
  std::string emit;
};

constexpr auto progress_delay = std::chrono::milliseconds(500);

SweepRequest make_request(const SweepOptions& o) {
  SweepRequest r = sized_request(o.isl, o.osl, o.max_gpus);
  r.kv = o.kv.empty() ? Precision::bf16 : parse_precision_option(o.kv, "--kv");
  r.slo = slo_targets(o.ttft_ms, o.tpot_ms);
  r.search_kv = o.kv.empty();
  set_concurrencies(r, o.concurrency);
  r.only = layout_restriction(o.tp, o.pp, o.dp, o.ep);
  r.allow_unrealistic = o.allow_unrealistic;
  r.disaggregated = o.disaggregated;
  r.overlap = overlap_named(o.overlap, "--overlap");
  r.keep = SweepRows::shown;  // the command prints the frontier, the best rows and the counts
  r.threads = sweep_threads();
  return r;
}

/// One target per GPU, each priced on its own default basis; a GPU without the --price label or basis
/// is unpriced (with a note) rather than an error.
std::vector<SweepTarget> make_targets(const SweepOptions& o, Context& context, const ScenarioResolver& resolver) {
  if (o.gpus.empty() && !o.all_gpus) throw ConfigError("--gpu", "missing: name a GPU or pass --all-gpus");
  const std::string engine = engine_named(resolver.calibration(), o.engine);
  check_usd_per_gpu_hour(o.usd_per_gpu_hour);
  std::vector<WeightChoice> weights;
  for (const std::string& w : o.weights) {
    const Precision p = parse_precision_option(w, "--weights");
    if (std::find(weights.begin(), weights.end(), WeightChoice{p, p}) == weights.end()) weights.push_back({p, p});
  }
  std::vector<const GpuSpec*> gpus;
  if (o.all_gpus) {
    for (const GpuSpec& g : context.catalog().gpus) gpus.push_back(&g);
  }
  for (const std::string& name : o.gpus) gpus.push_back(&context.catalog().gpu(name));
  std::vector<SweepTarget> targets;
  const PriceOption price = parse_price_option(context.catalog(), o.price);
  check_price_label(price, gpus);
  print_warnings(unused_price_warnings(price, gpus), *context.err);
  for (const GpuSpec* gpu : gpus) {
    SweepTarget t{gpu, resolver.efficiency(*gpu, engine, std::nullopt), std::nullopt, weights, {}};
    const PriceChoice chosen = choose_price(*gpu, price, o.usd_per_gpu_hour, MissingNamedPrice::unpriced);
    t.usd_per_gpu_hour = chosen.usd_per_gpu_hour;
    if (chosen.usd_per_gpu_hour) t.price_basis = chosen.basis;
    targets.push_back(std::move(t));
  }
  return targets;
}

std::string target_heading(const SweepResult& result, const SweepTargetResult& t, const SweepTarget& target,
                           int max_gpus) {
  const GpuSpec& gpu = *target.gpu;
  const std::string price = target.usd_per_gpu_hour ? fmt::format("${:.3f}/GPU-h, {}", *target.usd_per_gpu_hour,
                                                                  price_basis_text(target.price_basis))
                                                    : "no price";
  if (t.nothing_fits()) {
    return fmt::format("{} ({:.0f} GB, {}): nothing fits on up to {} GPUs\n", gpu.name, in_gigabytes(gpu.memory), price,
                       max_gpus);
  }
  std::string line =
      fmt::format("{} ({:.0f} GB, {}): {} frontier rows of {} configurations that fit", gpu.name,
                  in_gigabytes(gpu.memory), price, t.frontier.size(), with_commas(static_cast<double>(t.fitted)));
  if (!t.best)
    line += t.best_if_unrealistic ? "; only unrealistic rows meet the SLO (--allow-unrealistic to pick one)"
                                  : "; none meets the SLO";
  else if (!result.rows[*t.best].usd_per_mtok_output)
    line += "; no price, so no cheapest row";
  return line + "\n";
}

void print_table(const SweepResult& result, const std::vector<SweepTarget>& targets, const SweepRequest& request,
                 const ResultTable& table, std::ostream& out) {
  // gpus .. meets_slo; the model and GPU are in the headings
  std::vector<std::size_t> shown;
  for (std::size_t c = table.index("gpus"); c <= table.index("realistic"); ++c) shown.push_back(c);
  std::vector<std::string> headers;
  for (std::size_t c : shown) headers.push_back(table.columns[c].key);
  headers.emplace_back("note");
  std::size_t row = 0;  // the table holds the shown rows of every target, in target order
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const SweepTargetResult& t = result.targets[ti];
    out << "\n" << target_heading(result, t, targets[ti], request.max_gpus);
    std::vector<Align> align = text_alignment(table, shown);
    align.push_back(Align::left);  // the note
    TextTable text(headers, std::move(align));
    for (std::size_t i : shown_rows(result, t)) {
      std::vector<std::string> cells = text_cells(table, row++, shown);
      const SweepRow& r = result.rows[i];
      std::string note = r.cheapest ? (r.on_frontier ? "<- cheapest" : "<- cheapest (off the frontier: TTFT)") : "";
      if (!r.realistic) {
        note = unrealistic_note(*targets[ti].gpu, r.deployment.parallel, r.pools ? &r.pools->prefill.parallel : nullptr,
                                r.tok_s_per_user);
      }
      cells.push_back(std::move(note));
      text.add_row(std::move(cells));
    }
    if (!t.nothing_fits()) out << text.render();
  }
}

nlohmann::json json_document(const ModelSpec& model, const SweepResult& result, const ResultTable& table,
                             const SweepRequest& request) {
  const auto ms = [](const std::optional<Seconds>& s) { return s ? json(in_milliseconds(*s)) : json(nullptr); };
  return json{{"model", model.name},
              {"isl", request.isl},
              {"osl", request.osl},
              {"ttft_ms_target", ms(request.slo.ttft)},
              {"tpot_ms_target", ms(request.slo.tpot)},
              {"configs_evaluated", result.configs_evaluated},
              {"configs_pruned", result.configs_pruned},
              {"frontier", json_rows(table)},
              {"warnings", model.warnings}};
}

/// "\rsweep: 40% (12/30 GPU counts)" on a terminal's stderr, once the sweep has run long enough to notice.
class ProgressLine {
 public:
  /// `err` nullptr: no progress (stderr is not a terminal).
  explicit ProgressLine(std::ostream* err) : err_(err), start_(std::chrono::steady_clock::now()) {}
  ~ProgressLine() {
    if (shown_) *err_ << "\r" << std::string(60, ' ') << "\r" << std::flush;
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  void update(std::size_t done, std::size_t total) {
    if (!err_ || std::chrono::steady_clock::now() - start_ < progress_delay) return;
    *err_ << fmt::format("\rsweep: {:3.0f}% ({}/{} GPU counts)", 100.0 * done / std::max<std::size_t>(1, total), done,
                         total)
          << std::flush;
    shown_ = true;
  }

 private:
  std::ostream* err_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

/// The launch script of each GPU type's best row (the one `compare` and `plan` would pick).
std::string sweep_scripts(LaunchEngine engine, const PreparedModel& model, const SweepResult& result,
                          const std::vector<SweepTarget>& targets, const SweepRequest& request) {
  std::string out;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const std::optional<std::size_t> best = result.targets[t].best;
    out += fmt::format("{}# sweep: the best configuration on {}\n", out.empty() ? "" : "\n", targets[t].gpu->name);
    if (!best) {
      out += "# none meets the SLO\n";
      continue;
    }
    const SweepRow& row = result.rows[*best];
    if (row.pools) {
      out += pools_launch_script(engine, *model.spec, *targets[t].gpu, *row.pools, targets[t].efficiency, request.isl,
                                 request.osl);
      continue;
    }
    out += sized_launch_script(engine, model, *targets[t].gpu, row.deployment, row.concurrency, targets[t].efficiency,
                               request.isl, request.osl);
  }
  return out;
}

int run_sweep(const SweepOptions& o, Context& context) {
  const std::optional<LaunchEngine> emit = parse_emit(o.emit);
  ScenarioResolver resolver(context, o.calibration);
  const auto prepared = resolver.prepared(o.model);
  print_model_warnings(*prepared->spec, *context.err);
  SweepRequest request = make_request(o);
  restrict_mtp(request, *prepared->spec, o.mtp);
  const std::vector<SweepTarget> targets = make_targets(o, context, resolver);
  warn_overlap_calibration(request.overlap, resolver.calibration(), *context.err);
  const auto start = std::chrono::steady_clock::now();
  SweepResult result;
  {
    const bool terminal = context.err == &std::cerr && ::isatty(STDERR_FILENO);
    ProgressLine progress(terminal ? context.err : nullptr);
    result =
        sweep(*prepared, targets, request, [&](std::size_t done, std::size_t total) { progress.update(done, total); });
  }
  const double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::ostream& out = *context.out;
  const ResultTable table = sweep_table(*prepared->spec, result, targets);
  // Of the rows kept: the frontiers and the best rows.
  const Overlap applied = applied_overlap_of_any(result.rows, [](const SweepRow& row) { return &row; });
  if (emit || o.json || o.csv || !o.xlsx.empty()) print_overlap_note(request.overlap, applied, *context.err);
  if (emit) {
    out << sweep_scripts(*emit, *prepared, result, targets, request);
  } else if (o.json) {
    out << json_document(*prepared->spec, result, table, request).dump(2) << "\n";
  } else if (o.csv) {
    out << csv_document(table);
  } else if (!o.xlsx.empty()) {
    write_table_workbook(o.xlsx, "frontier", table);
    out << fmt::format("wrote the frontier of {} GPU type{} to {}\n", targets.size(), targets.size() == 1 ? "" : "s",
                       o.xlsx);
  } else {
    out << fmt::format(
        "{}: {} input + {} output tokens per request, {}: {} configurations estimated, {} more ruled out by "
        "memory, in {} ms\n",
        prepared->spec->name, with_commas(static_cast<double>(request.isl)),
        with_commas(static_cast<double>(request.osl)), slo_text(request),
        with_commas(static_cast<double>(result.configs_evaluated)),
        with_commas(static_cast<double>(result.configs_pruned)), fixed(elapsed_ms, elapsed_ms < 10 ? 1 : 0));
    print_price_notes(targets, parse_price_option(context.catalog(), o.price).label, out);
    print_overlap_note(request.overlap, applied, out);
    print_table(result, targets, request, table, out);
  }
  return 0;
}

}  // namespace

Command add_sweep(CLI::App& app, Context& context) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Pareto frontier of tok/s per GPU vs tok/s per user over GPU count, layout, precision and concurrency");
  add_model_option(*sub, o->model);
  auto* gpu = add_gpus_option(*sub, o->gpus);
  sub->add_flag("--all-gpus", o->all_gpus, "Sweep every GPU profile")->excludes(gpu);
  add_request_size_options(*sub, o->isl, o->osl);
  add_slo_options(*sub, o->ttft_ms, o->tpot_ms);
  sub->add_option("--max-gpus", o->max_gpus, "Largest GPU count per instance (default 64)");
  sub->add_option("--weights", o->weights,
                  "Weight precisions (repeatable; default: native, plus fp8 and nvfp4 where native)");
  add_kv_option(*sub, o->kv);
  add_mtp_restriction(*sub, o->mtp);
  add_overlap_option(*sub, o->overlap);
  add_engine_option(*sub, o->engine);
  add_concurrency_list_option(*sub, o->concurrency, "Requests in flight (repeatable; default 1, 2, 4, ..., 1024)");
  add_price_options(*sub, o->price, o->usd_per_gpu_hour);
  add_layout_restrictions(*sub, o->tp, o->pp, o->dp, o->ep);
  add_allow_unrealistic_option(*sub, o->allow_unrealistic);
  add_disagg_option(*sub, o->disaggregated);
  add_calibration_option(*sub, o->calibration);
  auto* csv = sub->add_flag("--csv", o->csv, "Print the frontier rows as CSV");
  auto* json =
      sub->add_flag("--json", o->json, "Print {model, configs_evaluated, frontier: [rows]} as JSON")->excludes(csv);
  auto* xlsx = sub->add_option("--xlsx", o->xlsx, "Write the frontier rows to an Excel workbook")
                   ->type_name("FILE")
                   ->excludes(csv)
                   ->excludes(json);
  add_emit_option(*sub, o->emit)->excludes(csv)->excludes(json)->excludes(xlsx);
  return {sub, [o, &context] { return run_sweep(*o, context); }};
}

}  // namespace llmsizer::cli
