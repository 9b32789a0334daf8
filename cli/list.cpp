// `llmsizer list models|gpus [--json]` — the catalog at a glance.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "estimator/model_stats.hpp"
#include "io/config_error.hpp"
#include "io/spec_json.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {
namespace {

struct ListOptions {
  std::string what;
  bool json = false;
};

std::string billions(double count) { return fixed(count / 1e9, 1) + "B"; }

int run_list(const ListOptions& options, Context& context) {
  const Catalog& catalog = context.catalog();
  std::ostream& out = *context.out;
  if (options.what == "models") {
    if (options.json) {
      nlohmann::json array = nlohmann::json::array();
      for (const ModelSpec& model : catalog.models) array.push_back(model_json(model));
      out << array.dump(2) << "\n";
      return 0;
    }
    TextTable table({"name", "family", "layers", "params", "active", "experts", "attention", "native", "weights GB",
                     "KV KB/token", "context"});
    for (const ModelSpec& model : catalog.models) {
      const ParamCounts params = count_params(model);
      const std::string experts =
          model.moe ? fmt::format("{}/{}", model.moe->experts_per_token, model.moe->num_experts) : "dense";
      const std::string precision = model.experts_precision == model.weights_precision
                                        ? std::string(name(model.weights_precision))
                                        : fmt::format("{}+{}", name(model.weights_precision), name(model.experts_precision));
      table.add_row({model.name, model.family, std::to_string(model.num_layers), billions(params.total),
                     billions(params.active), experts, model.is_mla() ? "MLA" : "GQA", precision,
                     fixed(in_gigabytes(native_weight_bytes(model)), 1),
                     fixed(kv_bytes_per_token(model, Precision::bf16) / 1e3, 1), with_commas(static_cast<double>(model.max_context))});
    }
    out << table.render();
    return 0;
  }
  if (options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const GpuSpec& gpu : catalog.gpus) array.push_back(gpu_json(gpu));
    out << array.dump(2) << "\n";
    return 0;
  }
  TextTable table({"name", "vendor", "gen", "year", "memory GB", "HBM GB/s", "BF16 TFLOPS", "FP8 TFLOPS", "FP4 TFLOPS",
                   "scale-up GB/s/dir", "domain", "TDP W", "$/GPU-h"});
  auto tflops = [](const GpuSpec& gpu, ComputeType c) {
    return gpu.throughput(c) ? fixed(gpu.throughput(c)->value / 1e12, 0) : std::string("-");
  };
  for (const GpuSpec& gpu : catalog.gpus) {
    table.add_row({gpu.name, gpu.vendor, gpu.generation, std::to_string(gpu.launch_year), fixed(in_gigabytes(gpu.memory), 0),
                   fixed(gpu.memory_bandwidth.value / 1e9, 0), tflops(gpu, ComputeType::bf16), tflops(gpu, ComputeType::fp8),
                   tflops(gpu, ComputeType::fp4), fixed(gpu.scale_up.bandwidth_per_direction.value / 1e9, 0),
                   std::to_string(gpu.scale_up.domain_gpus), fixed(gpu.tdp.value, 0),
                   gpu.prices.empty() ? "-" : fixed(gpu.prices.front().per_gpu_hour.value, 2)});
  }
  out << table.render();
  return 0;
}

}  // namespace

Command add_list(CLI::App& app, Context& context) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List the models or GPUs in the catalog");
  sub->add_option("what", options->what, "models or gpus")->required()->check(CLI::IsMember({"models", "gpus"}));
  sub->add_flag("--json", options->json, "Print a JSON array of objects");
  return {sub, [options, &context] { return run_list(*options, context); }};
}

}  // namespace llmsizer::cli
