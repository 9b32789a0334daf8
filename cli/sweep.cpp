// `llmsizer sweep` — every deployment of a model on some GPU types; per GPU type the Pareto frontier
// of output tokens/s per GPU against tokens/s per user, which rows meet the SLOs, and the cheapest.
#include "estimator/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli/common_options.hpp"
#include "cli/scenario.hpp"
#include "cli/sweep_common.hpp"
#include "io/output_file.hpp"
#include "estimator/text_format.hpp"
#include "io/config_error.hpp"

namespace llmsizer::cli {
namespace {

using nlohmann::json;

struct SweepOptions {
  std::string model;
  std::vector<std::string> gpus;
  bool all_gpus = false;
  std::int64_t isl = 0;
  std::int64_t osl = 0;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  int max_gpus = 64;
  std::vector<std::string> weights;
  std::string kv;
  std::string engine;
  std::vector<std::int64_t> concurrency;
  std::string price;
  std::optional<double> usd_per_gpu_hour;
  std::string calibration = "default";
  bool csv = false;
  bool json = false;
  std::string xlsx;
};

constexpr std::int64_t max_tokens = 1LL << 31;
constexpr auto progress_delay = std::chrono::milliseconds(500);

SweepRequest make_request(const SweepOptions& o) {
  SweepRequest r = sized_request(o.isl, o.osl, o.max_gpus);
  r.kv = o.kv.empty() ? Precision::bf16 : parse_precision_option(o.kv, "--kv");
  r.slo = slo_targets(o.ttft_ms, o.tpot_ms);
  r.concurrencies = o.concurrency.empty() ? default_concurrencies() : o.concurrency;
  for (std::int64_t c : r.concurrencies) {
    if (c < 1 || c > max_tokens) throw ConfigError("--concurrency", fmt::format("{} is out of range (1 to 2^31)", c));
  }
  std::sort(r.concurrencies.begin(), r.concurrencies.end());
  r.concurrencies.erase(std::unique(r.concurrencies.begin(), r.concurrencies.end()), r.concurrencies.end());
  return r;
}

/// One target per GPU. With --all-gpus a GPU without the --price label is unpriced rather than an error.
std::vector<SweepTarget> make_targets(const SweepOptions& o, Context& context, const ScenarioResolver& resolver) {
  if (o.gpus.empty() && !o.all_gpus) throw ConfigError("--gpu", "missing: name a GPU or pass --all-gpus");
  check_engine(resolver.calibration(), o.engine);
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
  for (const GpuSpec* gpu : gpus) {
    SweepTarget t{gpu, resolver.efficiency(*gpu, o.engine, std::nullopt), std::nullopt, weights};
    if (!o.all_gpus || o.price.empty() || o.usd_per_gpu_hour || find_price(*gpu, o.price)) {
      t.usd_per_gpu_hour = choose_price(*gpu, o.price, o.usd_per_gpu_hour, nullptr);
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

/// The one column schema of sweep rows: table, CSV, JSON and XLSX read it.
struct SweepColumn {
  Column column;
  int decimals;  // in the text table; -1 for text and integers
  std::function<json(const SweepRow&, const GpuSpec&)> value;
};

const std::vector<SweepColumn>& sweep_columns() {
  static const std::vector<SweepColumn> columns = {
      // immutable after first use
      {{"gpu", "", "GPU type"}, -1, [](auto&, const GpuSpec& g) { return json(g.name); }},
      {{"gpus", "count", "GPUs in the instance"},
       -1,
       [](const SweepRow& r, auto&) { return json(r.deployment.total_gpus()); }},
      {{"tp", "", "tensor parallel"}, -1, [](const SweepRow& r, auto&) { return json(r.deployment.parallel.tp); }},
      {{"pp", "", "pipeline stages"}, -1, [](const SweepRow& r, auto&) { return json(r.deployment.parallel.pp); }},
      {{"dp", "", "attention data parallel"},
       -1,
       [](const SweepRow& r, auto&) { return json(r.deployment.parallel.dp); }},
      {{"ep", "", "expert parallel"}, -1, [](const SweepRow& r, auto&) { return json(r.deployment.parallel.ep); }},
      {{"weights", "", "weight precision"},
       -1,
       [](const SweepRow& r, auto&) { return json(weights_label(r.deployment)); }},
      {{"kv", "", "KV-cache precision"},
       -1,
       [](const SweepRow& r, auto&) { return json(std::string(name(r.deployment.kv))); }},
      {{"concurrency", "requests", "requests in flight"},
       -1,
       [](const SweepRow& r, auto&) { return json(r.concurrency); }},
      {{"ttft_ms", "ms", "mean time to first token"},
       1,
       [](const SweepRow& r, auto&) { return json(in_milliseconds(r.ttft)); }},
      {{"tpot_ms", "ms", "mean time per output token"},
       2,
       [](const SweepRow& r, auto&) { return json(in_milliseconds(r.tpot)); }},
      {{"output_tok_s", "tokens/s", "output throughput of the instance"},
       0,
       [](const SweepRow& r, auto&) { return json(r.output_tok_s); }},
      {{"output_tok_s_per_gpu", "tokens/s/GPU", "output throughput per GPU"},
       1,
       [](const SweepRow& r, auto&) { return json(r.output_tok_s_per_gpu); }},
      {{"tok_s_per_user", "tokens/s", "decode speed one user sees (1/TPOT)"},
       1,
       [](const SweepRow& r, auto&) { return json(r.tok_s_per_user); }},
      {{"usd_per_mtok_output", "$/Mtok", "all GPU time per million output tokens"},
       3,
       [](const SweepRow& r, auto&) { return r.usd_per_mtok_output ? json(*r.usd_per_mtok_output) : json(nullptr); }},
      {{"meets_slo", "", "TTFT and TPOT within the --ttft-ms/--tpot-ms targets"},
       -1,
       [](const SweepRow& r, auto&) { return json(r.meets_slo); }},
      {{"cheapest", "", "lowest $/Mtok output of this GPU type meeting the SLO"},
       -1,
       [](const SweepRow& r, auto&) { return json(r.cheapest); }},
      {{"on_frontier", "", "no row of this GPU type is better in both tok/s per GPU and per user"},
       -1,
       [](const SweepRow& r, auto&) { return json(r.on_frontier); }},
      {{"memory_gb_per_gpu", "GB", "weights + KV + activations on the busiest GPU"},
       1,
       [](const SweepRow& r, auto&) { return json(in_gigabytes(r.memory_per_gpu)); }},
      {{"joules_per_output_token", "J/token", "energy per output token"},
       3,
       [](const SweepRow& r, auto&) { return json(r.joules_per_output_token); }},
  };
  return columns;
}

/// The rows shown for one GPU type: its frontier by tok/s per user, then the cheapest SLO row if a
/// TTFT target kept it off the frontier.
std::vector<std::size_t> shown_rows(const SweepResult& result, const SweepTargetResult& t) {
  std::vector<std::size_t> rows = t.frontier;
  if (t.best && result.rows[*t.best].cheapest && !result.rows[*t.best].on_frontier) rows.push_back(*t.best);
  return rows;
}

std::string cell_text(const json& v, int decimals) {
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return with_commas(static_cast<double>(v.get<long long>()));
  return with_commas(v.get<double>(), std::max(0, decimals));
}

std::string csv_text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return fmt::format("{:.6g}", v.get<double>());
}

std::string target_heading(const SweepResult& result, const SweepTargetResult& t, const SweepTarget& target,
                           int max_gpus) {
  const GpuSpec& gpu = *target.gpu;
  const std::string price =
      target.usd_per_gpu_hour ? fmt::format("${:.2f}/GPU-h", *target.usd_per_gpu_hour) : "no price";
  if (t.end_row == t.first_row) {
    return fmt::format("{} ({:.0f} GB, {}): nothing fits on up to {} GPUs\n", gpu.name, in_gigabytes(gpu.memory), price,
                       max_gpus);
  }
  std::string line = fmt::format("{} ({:.0f} GB, {}): {} frontier rows of {} configurations that fit", gpu.name,
                                 in_gigabytes(gpu.memory), price, t.frontier.size(),
                                 with_commas(static_cast<double>(t.end_row - t.first_row)));
  if (!t.best)
    line += "; none meets the SLO";
  else if (!result.rows[*t.best].usd_per_mtok_output)
    line += "; no price, so no cheapest row";
  return line + "\n";
}

void print_table(const SweepResult& result, const std::vector<SweepTarget>& targets, const SweepRequest& request,
                 std::ostream& out) {
  const auto& columns = sweep_columns();
  constexpr std::size_t first_shown = 1, end_shown = 16;  // gpus .. meets_slo; the GPU is in the heading
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const SweepTargetResult& t = result.targets[ti];
    out << "\n" << target_heading(result, t, targets[ti], request.max_gpus);
    if (t.end_row == t.first_row) continue;
    std::vector<std::string> headers;
    for (std::size_t c = first_shown; c < end_shown; ++c) headers.push_back(columns[c].column.key);
    headers.push_back("note");
    TextTable table(headers);
    for (std::size_t i : shown_rows(result, t)) {
      const SweepRow& row = result.rows[i];
      std::vector<std::string> cells;
      for (std::size_t c = first_shown; c < end_shown; ++c) {
        cells.push_back(cell_text(columns[c].value(row, *targets[ti].gpu), columns[c].decimals));
      }
      cells.push_back(row.cheapest ? (row.on_frontier ? "<- cheapest" : "<- cheapest (off the frontier: TTFT)") : "");
      table.add_row(std::move(cells));
    }
    out << table.render();
  }
}

std::string csv_document(const SweepResult& result, const std::vector<SweepTarget>& targets) {
  std::vector<std::string> header;
  for (const SweepColumn& c : sweep_columns()) header.push_back(c.column.key);
  std::string out = csv_line(header);
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    for (std::size_t i : shown_rows(result, result.targets[ti])) {
      std::vector<std::string> fields;
      for (const SweepColumn& c : sweep_columns())
        fields.push_back(csv_text(c.value(result.rows[i], *targets[ti].gpu)));
      out += csv_line(fields);
    }
  }
  return out;
}

json json_document(const ModelSpec& model, const SweepResult& result, const std::vector<SweepTarget>& targets,
                   const SweepRequest& request) {
  json rows = json::array();
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    for (std::size_t i : shown_rows(result, result.targets[ti])) {
      json row = json::object();
      for (const SweepColumn& c : sweep_columns()) row[c.column.key] = c.value(result.rows[i], *targets[ti].gpu);
      rows.push_back(std::move(row));
    }
  }
  const auto ms = [](const std::optional<Seconds>& s) { return s ? json(in_milliseconds(*s)) : json(nullptr); };
  return json{{"model", model.name},
              {"isl", request.isl},
              {"osl", request.osl},
              {"ttft_ms_target", ms(request.slo.ttft)},
              {"tpot_ms_target", ms(request.slo.tpot)},
              {"configs_evaluated", result.configs_evaluated},
              {"configs_pruned", result.configs_pruned},
              {"frontier", std::move(rows)}};
}

void write_cell(lxw_worksheet* sheet, lxw_row_t r, lxw_col_t c, const json& v) {
  if (v.is_null()) return;
  if (v.is_boolean())
    worksheet_write_boolean(sheet, r, c, v.get<bool>() ? 1 : 0, nullptr);
  else if (v.is_string())
    worksheet_write_string(sheet, r, c, v.get<std::string>().c_str(), nullptr);
  else
    worksheet_write_number(sheet, r, c, v.get<double>(), nullptr);
}

/// The frontier rows as one sheet, through an OutputFile so nothing is half-written.
void write_xlsx(const std::string& path, const SweepResult& result, const std::vector<SweepTarget>& targets) {
  OutputFile file(path);
  lxw_workbook* book = workbook_new(file.temp_path().c_str());
  if (!book) throw ConfigError(path, 0, 0, "", "cannot write: could not create the workbook");
  lxw_worksheet* sheet = workbook_add_worksheet(book, "frontier");
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  const auto& columns = sweep_columns();
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const Column& col = columns[c].column;
    const std::string header = col.unit.empty() ? col.key : fmt::format("{} ({})", col.key, col.unit);
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), header.c_str(), bold);
  }
  worksheet_freeze_panes(sheet, 1, 0);
  lxw_row_t r = 1;
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    for (std::size_t i : shown_rows(result, result.targets[ti])) {
      for (std::size_t c = 0; c < columns.size(); ++c) {
        write_cell(sheet, r, static_cast<lxw_col_t>(c), columns[c].value(result.rows[i], *targets[ti].gpu));
      }
      ++r;
    }
  }
  const lxw_error status = workbook_close(book);
  if (status != LXW_NO_ERROR) throw ConfigError(path, 0, 0, "", fmt::format("cannot write: {}", lxw_strerror(status)));
  file.commit();
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

int run_sweep(const SweepOptions& o, Context& context) {
  ScenarioResolver resolver(context, o.calibration);
  const auto prepared = resolver.prepared(o.model);
  const SweepRequest request = make_request(o);
  const std::vector<SweepTarget> targets = make_targets(o, context, resolver);
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
  if (o.json) {
    out << json_document(*prepared->spec, result, targets, request).dump(2) << "\n";
  } else if (o.csv) {
    out << csv_document(result, targets);
  } else if (!o.xlsx.empty()) {
    write_xlsx(o.xlsx, result, targets);
    out << fmt::format("wrote the frontier of {} GPU type{} to {}\n", targets.size(), targets.size() == 1 ? "" : "s",
                       o.xlsx);
  } else {
    out << fmt::format(
        "{}: {} input + {} output tokens per request, {}: {} configurations evaluated ({} ruled out by memory) in {} "
        "ms\n",
        prepared->spec->name, with_commas(static_cast<double>(request.isl)),
        with_commas(static_cast<double>(request.osl)), slo_text(request),
        with_commas(static_cast<double>(result.configs_evaluated)),
        with_commas(static_cast<double>(result.configs_pruned)), fixed(elapsed_ms, elapsed_ms < 10 ? 1 : 0));
    print_table(result, targets, request, out);
  }
  return 0;
}

}  // namespace

Command add_sweep(CLI::App& app, Context& context) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "Pareto frontier of tok/s per GPU vs tok/s per user over GPU count, layout, precision and concurrency");
  sub->add_option("--model", o->model, "Model name, alias, HF repo id, or path to config.json")->required();
  auto* gpu = sub->add_option("--gpu", o->gpus, "GPU name or alias (repeatable)");
  sub->add_flag("--all-gpus", o->all_gpus, "Sweep every GPU profile")->excludes(gpu);
  add_request_size_options(*sub, o->isl, o->osl);
  sub->add_option("--ttft-ms", o->ttft_ms, "TTFT target in ms (meets_slo)");
  sub->add_option("--tpot-ms", o->tpot_ms, "TPOT target in ms (meets_slo)");
  sub->add_option("--max-gpus", o->max_gpus, "Largest GPU count per instance (default 64)");
  sub->add_option("--weights", o->weights,
                  "Weight precisions (repeatable; default: native, plus fp8 and nvfp4 where native)");
  add_kv_option(*sub, o->kv);
  add_engine_option(*sub, o->engine);
  add_concurrency_list_option(*sub, o->concurrency, "Requests in flight (repeatable; default 1, 2, 4, ..., 1024)");
  add_price_options(*sub, o->price, o->usd_per_gpu_hour);
  add_calibration_option(*sub, o->calibration);
  auto* csv = sub->add_flag("--csv", o->csv, "Print the frontier rows as CSV");
  auto* json =
      sub->add_flag("--json", o->json, "Print {model, configs_evaluated, frontier: [rows]} as JSON")->excludes(csv);
  sub->add_option("--xlsx", o->xlsx, "Write the frontier rows to an Excel workbook")
      ->type_name("FILE")
      ->excludes(csv)
      ->excludes(json);
  return {sub, [o, &context] { return run_sweep(*o, context); }};
}

}  // namespace llmsizer::cli
