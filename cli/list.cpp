// `llmsizer list models|gpus [--json|--csv]` — the catalog at a glance.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "estimator/model_stats.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"
#include "io/result_table.hpp"
#include "io/spec_json.hpp"
#include "request/price_choice.hpp"

namespace llmsizer::cli {
namespace {

struct ListOptions {
  std::string what;
  bool json = false;
  bool csv = false;
};

constexpr double bytes_per_kb = 1e3;  // KV per token is shown in kB (SI)
constexpr double per_giga = 1e9;      // GB/s and TFLOPS columns: SI prefixes
constexpr double per_tera = 1e12;
constexpr CellFormat plain0{NumberStyle::plain, 0};
constexpr CellFormat plain1{NumberStyle::plain, 1};

/// The one column schema of `list models`: the table and the CSV.
Schema<ModelSpec> model_schema() {
  Schema<ModelSpec> s;
  s.add({"model", "", "model name", {}, "name"}, [](const ModelSpec& m) { return Cell(m.name); });
  s.add({"family", "", "model family"}, [](const ModelSpec& m) { return Cell(m.family); });
  s.add({"layers", "count", "decoder layers", {NumberStyle::plain, 0}},
        [](const ModelSpec& m) { return Cell(std::int64_t{m.num_layers}); });
  s.add({"params", "count", "total parameters", {NumberStyle::billions, 1}},
        [](const ModelSpec& m) { return Cell(count_params(m).total); });
  s.add({"active_params", "count", "parameters one token reads", {NumberStyle::billions, 1}, "active"},
        [](const ModelSpec& m) { return Cell(count_params(m).active); });
  s.add({"experts", "", "routed experts per token / experts, or dense"}, [](const ModelSpec& m) {
    return Cell(m.moe ? fmt::format("{}/{}", m.moe->experts_per_token, m.moe->num_experts) : std::string("dense"));
  });
  s.add({"attention", "", "MLA or GQA"},
        [](const ModelSpec& m) { return Cell(std::string(m.is_mla() ? "MLA" : "GQA")); });
  s.add({"native", "", "native weight precision (+ routed experts' when it differs)"}, [](const ModelSpec& m) {
    return Cell(m.experts_precision == m.weights_precision
                    ? std::string(name(m.weights_precision))
                    : fmt::format("{}+{}", name(m.weights_precision), name(m.experts_precision)));
  });
  s.add({"weights_gb", "GB", "weights at the native precision", plain1, "weights GB"},
        [](const ModelSpec& m) { return Cell(in_gigabytes(native_weight_bytes(m))); });
  s.add({"kv_kb_per_token", "kB", "BF16 KV cache per token", plain1, "KV KB/token"},
        [](const ModelSpec& m) { return Cell(kv_bytes_per_token(m, Precision::bf16) / bytes_per_kb); });
  s.add({"context", "tokens", "maximum context"}, [](const ModelSpec& m) { return Cell(std::int64_t{m.max_context}); });
  return s;
}

Cell tflops(const GpuSpec& gpu, ComputeType c) {
  return gpu.throughput(c) ? Cell(gpu.throughput(c)->value / per_tera) : Cell();
}

/// The one column schema of `list gpus`: the table and the CSV.
Schema<GpuSpec> gpu_schema() {
  Schema<GpuSpec> s;
  s.add({"gpu", "", "GPU name", {}, "name"}, [](const GpuSpec& g) { return Cell(g.name); });
  s.add({"vendor", "", "vendor"}, [](const GpuSpec& g) { return Cell(g.vendor); });
  s.add({"generation", "", "architecture generation", {}, "gen"}, [](const GpuSpec& g) { return Cell(g.generation); });
  s.add({"launch_year", "", "launch year", plain0, "year"},
        [](const GpuSpec& g) { return Cell(std::int64_t{g.launch_year}); });
  s.add({"memory_gb", "GB", "device memory", plain0, "memory GB"},
        [](const GpuSpec& g) { return Cell(in_gigabytes(g.memory)); });
  s.add({"hbm_gb_per_s", "GB/s", "memory bandwidth", plain0, "HBM GB/s"},
        [](const GpuSpec& g) { return Cell(g.memory_bandwidth.value / per_giga); });
  s.add({"bf16_tflops", "TFLOPS", "dense BF16", plain0, "BF16 TFLOPS"},
        [](auto& g) { return tflops(g, ComputeType::bf16); });
  s.add({"fp8_tflops", "TFLOPS", "dense FP8", plain0, "FP8 TFLOPS"},
        [](auto& g) { return tflops(g, ComputeType::fp8); });
  s.add({"fp4_tflops", "TFLOPS", "dense FP4", plain0, "FP4 TFLOPS"},
        [](auto& g) { return tflops(g, ComputeType::fp4); });
  s.add(
      {"scale_up_gb_per_s_per_direction", "GB/s", "scale-up link bandwidth per direction", plain0, "scale-up GB/s/dir"},
      [](const GpuSpec& g) { return Cell(g.scale_up.bandwidth_per_direction.value / per_giga); });
  s.add({"scale_up_domain_gpus", "count", "GPUs in one scale-up domain", plain0, "domain"},
        [](const GpuSpec& g) { return Cell(std::int64_t{g.scale_up.domain_gpus}); });
  s.add({"tdp_w", "W", "thermal design power", plain0, "TDP W"}, [](const GpuSpec& g) { return Cell(g.tdp.value); });
  s.add({"usd_per_gpu_hour",
         "$/GPU-hour",
         "the price a command on this GPU alone uses (choose_price)",
         {NumberStyle::plain, 2},
         "$/GPU-h"},
        [](const GpuSpec& g) { return optional_cell(default_price(g).usd_per_gpu_hour); });
  s.add(columns::shown(columns::price_basis, {}, "basis"), [](const GpuSpec& g) {
    const PriceChoice p = default_price(g);
    return p.usd_per_gpu_hour ? Cell(p.basis) : Cell();
  });
  s.add(columns::shown(columns::price, {}, "price"), [](const GpuSpec& g) {
    const PriceChoice p = default_price(g);
    return p.usd_per_gpu_hour ? Cell(p.label) : Cell();
  });
  return s;
}

/// A GPU's list --json object: its profile, and the price a command on it alone uses.
nlohmann::json listed_gpu_json(const GpuSpec& gpu) {
  nlohmann::json j = gpu_json(gpu);
  const PriceChoice p = default_price(gpu);
  j["default_price"] =
      p.usd_per_gpu_hour
          ? nlohmann::json{{"label", p.label}, {"basis", p.basis}, {"usd_per_gpu_hour", *p.usd_per_gpu_hour}}
          : nlohmann::json();
  return j;
}

template <class Spec>
ResultTable catalog_table(const Schema<Spec>& schema, const std::vector<Spec>& specs) {
  ResultTable table = schema.table();
  for (const Spec& spec : specs) table.rows.push_back(schema.cells(spec));
  return table;
}

/// The catalog, or nullptr when a profile is broken: then every broken profile has been said, as
/// `check` says them, not only the first.
const Catalog* checked_catalog(Context& context) {
  try {
    return &context.catalog();
  } catch (const ConfigError& error) {
    // An error in a profile file; a missing --profiles directory or one name on two profiles (a rule
    // of the catalog as a whole) says its own message.
    const bool in_a_file = !error.file().empty() && error.line() > 0;
    if (in_a_file && context.preloaded == nullptr &&
        report_profile_errors(profile_directory_paths(context), *context.err, false).errors > 0) {
      return nullptr;
    }
    throw;
  }
}

int run_list(const ListOptions& options, Context& context) {
  const Catalog* loaded = checked_catalog(context);
  if (loaded == nullptr) return 2;
  const Catalog& catalog = *loaded;
  std::ostream& out = *context.out;
  const bool models = options.what == "models";
  if (options.json) {  // the profiles themselves, in profile units (io/spec_json.hpp)
    nlohmann::json array = nlohmann::json::array();
    if (models) {
      for (const ModelSpec& model : catalog.models) array.push_back(model_json(model));
    } else {
      for (const GpuSpec& gpu : catalog.gpus) array.push_back(listed_gpu_json(gpu));
    }
    out << array.dump(2) << "\n";
    return 0;
  }
  const ResultTable table =
      models ? catalog_table(model_schema(), catalog.models) : catalog_table(gpu_schema(), catalog.gpus);
  out << (options.csv ? csv_document(table) : text_document(table));
  return 0;
}

}  // namespace

Command add_list(CLI::App& app, Context& context) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List the models or GPUs in the catalog");
  sub->add_option("what", options->what, "models or gpus")->required()->check(one_of({"models", "gpus"}, "list"));
  auto* json = sub->add_flag("--json", options->json, "Print a JSON array of objects");
  sub->add_flag("--csv", options->csv, "Print CSV, one row per model or GPU")->excludes(json);
  return {sub, [options, &context] { return run_list(*options, context); }};
}

}  // namespace llmsizer::cli
