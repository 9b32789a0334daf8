// `llmsizer fit` — the smallest number of GPUs that holds a model, per weight precision.
#include <fmt/format.h>

#include <limits>

#include "cli/common_options.hpp"
#include "cli/scenario.hpp"
#include "estimator/admission.hpp"
#include "estimator/placement.hpp"
#include "estimator/realism.hpp"
#include "estimator/text_format.hpp"
#include "estimator/weight_candidates.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"
#include "io/result_table.hpp"

namespace llmsizer::cli {
namespace {

struct FitOptions {
  std::string model;
  std::string gpu;
  std::string weights;
  std::string kv;
  std::optional<std::int64_t> context;
  std::int64_t concurrency = 1;
  std::optional<double> memory_utilization;
  std::optional<int> max_gpus;
  bool json = false;
  bool csv = false;
  std::string calibration = "default";
};

struct FitRow {
  Deployment precisions;
  MinimumGpus result;
};

/// The --weights precision alone, else every candidate for memory (estimator/weight_candidates.hpp).
std::vector<Deployment> precision_rows(const ModelSpec& model, const GpuSpec& gpu, const FitOptions& o, Precision kv) {
  std::vector<WeightChoice> choices;
  if (!o.weights.empty()) {
    const Precision p = parse_precision_option(o.weights, "--weights");
    choices.push_back({p, p});
  } else {
    choices = weight_candidates({model.weights_precision, model.experts_precision}, gpu, CandidateUse::memory);
  }
  std::vector<Deployment> rows;
  for (const WeightChoice& choice : choices) {
    Deployment d;
    d.weights = choice.weights;
    d.experts = choice.experts;
    d.kv = kv;
    rows.push_back(d);
  }
  return rows;
}

std::string sentence(const ModelSpec& model, const GpuSpec& gpu, const FitRow& row, const Residency& in_flight,
                     const EfficiencyParams& efficiency) {
  if (!row.result.gpus) {
    return fmt::format("{} weights: does not fit on any count up to the limit; {}",
                       upper(weights_label(row.precisions)),
                       row.result.fit.reasons.empty() ? std::string() : row.result.fit.reasons.front());
  }
  const MemoryFit& fit = row.result.fit;
  const int n = *row.result.gpus;
  const double gpus = n;
  // What the layout holds: the sequences its engine runs at once; the rest queue.
  const Residency residency = admitted_residency(in_flight, row.result.deployment, efficiency);
  const std::string queued =
      residency.sequences < in_flight.sequences
          ? fmt::format("; the engine runs {} at once, the other {} queue", grouped(residency.sequences),
                        grouped(in_flight.sequences - residency.sequences))
          : std::string();
  const double kv_total = kv_bytes_per_sequence(model, row.precisions.kv, residency.context_tokens).value *
                          static_cast<double>(residency.sequences);
  return fmt::format("{} x {} ({} weights {} GB + KV for {} tokens {} GB of {} GB usable{})", n, gpu.name,
                     upper(weights_label(row.precisions)),
                     with_commas(in_gigabytes(weight_bytes(model, row.precisions.weights, row.precisions.experts))),
                     with_commas(static_cast<double>(residency.context_tokens * residency.sequences)),
                     with_commas(kv_total / 1e9), with_commas(in_gigabytes(fit.usable_per_gpu) * gpus), queued);
}

/// The one column schema of fit rows (JSON and CSV); the text table is the human view of the same rows.
Schema<FitRow> make_schema(const ModelSpec& model, const GpuSpec& gpu) {
  Schema<FitRow> s;
  auto layout = [](int Parallelism::*field) {
    return [field](const FitRow& r) {
      return r.result.gpus ? Cell(std::int64_t{r.result.deployment.parallel.*field}) : Cell();
    };
  };
  auto memory = [](Bytes MemoryPerGpu::*field) {
    return [field](const FitRow& r) { return Cell(in_gigabytes(r.result.fit.need.*field)); };
  };
  s.add(columns::model, [&model](const FitRow&) { return Cell(model.name); });
  s.add(columns::gpu, [&gpu](const FitRow&) { return Cell(gpu.name); });
  s.add(columns::weights, [](const FitRow& r) { return Cell(weights_label(r.precisions)); });
  s.add(columns::kv, [](const FitRow& r) { return Cell(std::string(name(r.precisions.kv))); });
  s.add({"fits", "", "fits on at most --max-gpus GPUs"},
        [](const FitRow& r) { return Cell(r.result.gpus.has_value()); });
  s.add(columns::layout_gpus,
        [](const FitRow& r) { return r.result.gpus ? Cell(std::int64_t{*r.result.gpus}) : Cell(); });
  s.add(columns::tp, layout(&Parallelism::tp));
  s.add(columns::pp, layout(&Parallelism::pp));
  s.add(columns::ep, layout(&Parallelism::ep));
  s.add(columns::dp, layout(&Parallelism::dp));
  s.add(columns::weights_gb_per_gpu, memory(&MemoryPerGpu::weights));
  s.add(columns::kv_gb_per_gpu, memory(&MemoryPerGpu::kv_cache));
  s.add(columns::activations_gb_per_gpu, memory(&MemoryPerGpu::activations));
  s.add(columns::usable_gb_per_gpu, [](const FitRow& r) { return Cell(in_gigabytes(r.result.fit.usable_per_gpu)); });
  s.add(columns::free_kv_tokens, [](const FitRow& r) {
    return Cell(r.result.gpus ? columns::whole_tokens(r.result.fit.free_kv_tokens) : std::int64_t{0});
  });
  s.add(columns::vision_gb_per_gpu, [&model](const FitRow& r) {
    return r.result.gpus ? Cell(in_gigabytes(place(prepare(model), r.result.deployment).weights.vision)) : Cell();
  });
  s.add(columns::notes, [](const FitRow& r) { return Cell(r.result.fit.notes); });
  s.add(columns::warnings, [&model](const FitRow&) { return Cell(model.warnings); });
  s.add(columns::reason, [](const FitRow& r) {
    const MemoryFitReport& fit = r.result.fit;
    return fit.fits || fit.reasons.empty() ? Cell() : Cell(fit.reasons.front());
  });
  return s;
}

ResultTable fit_table(const ModelSpec& model, const GpuSpec& gpu, const std::vector<FitRow>& rows) {
  const Schema<FitRow> schema = make_schema(model, gpu);
  ResultTable table = schema.table();
  for (const FitRow& row : rows) table.rows.push_back(schema.cells(row));
  return table;
}

int run_fit(const FitOptions& o, Context& context) {
  // Only the named model and GPU are parsed (io/catalog_index.hpp).
  std::optional<Catalog> named;
  const Catalog& catalog = context.catalog_for(named, {o.gpu}, {o.model});
  ScenarioResolver resolver(catalog, o.calibration);
  const auto prepared = resolver.prepared(o.model);
  const ModelSpec& model = *prepared->spec;
  print_model_warnings(model, *context.err);
  const GpuSpec& gpu = catalog.gpu(o.gpu);
  const EfficiencyParams efficiency = resolver.efficiency(gpu, "", o.memory_utilization);
  const Precision kv = o.kv.empty() ? Precision::bf16 : parse_precision_option(o.kv, "--kv");
  const std::int64_t context_tokens = o.context.value_or(model.max_context);
  constexpr std::int64_t max_count = std::int64_t{1} << 31;  // context x concurrency stays exact and small
  if (context_tokens < 1 || context_tokens > max_count) {
    throw ConfigError("--context",
                      fmt::format("{} is out of range (must be >= 1 and <= {})", context_tokens, max_count));
  }
  if (auto warning = check_context(model, context_tokens, 0, ContextOptions{"--context", "--context"})) {
    *context.err << "warning: " << *warning << "\n";
  }
  if (o.concurrency < 1 || o.concurrency > max_count) {
    throw ConfigError("--concurrency",
                      fmt::format("{} is out of range (must be >= 1 and <= {})", o.concurrency, max_count));
  }
  const int max_gpus = o.max_gpus.value_or(1024);
  if (max_gpus < 1 || max_gpus > 100000) {
    throw ConfigError("--max-gpus", fmt::format("{} is out of range (must be >= 1 and <= 100000)", max_gpus));
  }
  const Residency residency{context_tokens, o.concurrency};
  std::vector<FitRow> rows;
  for (const Deployment& d : precision_rows(model, gpu, o, kv)) {
    FitRow row{d, minimum_gpus(*prepared, gpu, d, residency, efficiency, max_gpus)};
    // Memory alone can need a layout an engine would not run: say so, as estimate and the search do
    // (no speed is known here, so only the layout is judged).
    if (row.result.gpus) {
      std::string note =
          unrealistic_note(gpu, row.result.deployment.parallel, nullptr, std::numeric_limits<double>::infinity());
      if (!note.empty()) row.result.fit.notes.push_back(std::move(note));
    }
    rows.push_back(std::move(row));
  }
  std::ostream& out = *context.out;
  if (o.json) {
    out << json_rows(fit_table(model, gpu, rows)).dump(2) << "\n";
    return 0;
  }
  if (o.csv) {
    out << csv_document(fit_table(model, gpu, rows));
    return 0;
  }
  const std::string visible =
      gpu.memory_visible ? fmt::format(", runtime sees {:.2f} GiB = {:.1f} GB", in_gibibytes(gpu.usable_capacity()),
                                       in_gigabytes(gpu.usable_capacity()))
                         : std::string();
  out << fmt::format("{} on {} ({:.0f} GB{}, {} per node, {:.0f}% usable): context {} tokens ({}) x {}, KV {}\n",
                     model.name, gpu.name, in_gigabytes(gpu.memory), visible, gpu.gpus_per_node,
                     efficiency.memory_utilization * 100, with_commas(static_cast<double>(context_tokens)),
                     o.context ? "--context" : "the model's full context; --context sets another",
                     count_of(o.concurrency, "sequence"), upper(name(kv)));
  constexpr Align left = Align::left, right = Align::right;
  TextTable table(
      {"weights", "min GPUs", "layout", "weights GB/GPU", "KV GB/GPU", "act GB/GPU", "free KV tokens", "notes"},
      {left, right, left, right, right, right, right, left});
  for (const FitRow& row : rows) {
    const MemoryFitReport& fit = row.result.fit;
    const Parallelism& p = row.result.deployment.parallel;
    const bool ok = row.result.gpus.has_value();
    std::string notes;
    for (const std::string& n : fit.notes) notes += (notes.empty() ? "" : "; ") + n;
    table.add_row({weights_label(row.precisions), ok ? std::to_string(*row.result.gpus) : "does not fit",
                   ok ? fmt::format("tp{} pp{}", p.tp, p.pp) : "-", ok ? fixed(in_gigabytes(fit.need.weights), 1) : "-",
                   ok ? fixed(in_gigabytes(fit.need.kv_cache), 1) : "-",
                   ok ? fixed(in_gigabytes(fit.need.activations), 1) : "-",
                   ok ? with_commas(static_cast<double>(columns::whole_tokens(fit.free_kv_tokens))) : "-", notes});
  }
  out << table.render();
  for (const FitRow& row : rows) out << "  " << sentence(model, gpu, row, residency, efficiency) << "\n";
  if (model.vision_params > 0) {
    out << fmt::format(
        "  vision tower: {} parameters, {:.1f} GB in 16-bit, inside the weights: on the first pipeline "
        "stage, split over tp\n",
        with_commas(static_cast<double>(model.vision_params)),
        in_gigabytes(bytes(static_cast<double>(model.vision_params) * sixteen_bit_bytes)));
  }
  return 0;
}

}  // namespace

Command add_fit(CLI::App& app, Context& context) {
  auto o = std::make_shared<FitOptions>();
  CLI::App* sub = app.add_subcommand("fit", "Smallest GPU count that holds a model, per weight precision");
  add_model_option(*sub, o->model);
  sub->add_option("--gpu", o->gpu, "GPU name or alias")->required();
  add_weights_option(*sub, o->weights, "Weight precision (default: one row per precision, native first)");
  add_kv_option(*sub, o->kv);
  sub->add_option("--context", o->context, "Tokens per sequence (default: the model's maximum context)");
  sub->add_option("--concurrency", o->concurrency, "Sequences resident at once (default 1)");
  add_memory_utilization_option(*sub, o->memory_utilization);
  sub->add_option("--max-gpus", o->max_gpus, "Largest GPU count to try (default 1024)");
  add_calibration_option(*sub, o->calibration);
  auto* json = sub->add_flag("--json", o->json, "Print a JSON array, one object per precision");
  sub->add_flag("--csv", o->csv, "Print CSV, one row per precision")->excludes(json);
  return {sub, [o, &context] { return run_fit(*o, context); }};
}

}  // namespace llmsizer::cli
