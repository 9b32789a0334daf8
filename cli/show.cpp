// `llmsizer show <model|gpu> [--json|--csv]` — one profile plus the facts derived from it; --csv
// prints its table (a model's weights per precision, a GPU's prices).
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "cli/command.hpp"
#include "estimator/model_stats.hpp"
#include "estimator/placement.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "io/result_table.hpp"
#include "io/spec_json.hpp"

namespace llmsizer::cli {
namespace {

struct ShowOptions {
  std::string name;
  bool json = false;
  bool csv = false;
};

const std::vector<Precision> shown_precisions = {Precision::bf16, Precision::fp8, Precision::nvfp4, Precision::int4};

std::string gb_text(Bytes b) {
  return fixed(in_gigabytes(b), 1) + " GB (" + fixed(in_gibibytes(b), 1) + " GiB)";
}

void print_model(const ModelSpec& model, std::ostream& out) {
  const ParamCounts p = count_params(model);
  out << fmt::format("{} — {}\n", model.name, model.display_name);
  if (!model.hf_repo.empty()) out << fmt::format("  Hugging Face: {}\n", model.hf_repo);
  out << fmt::format("  family {}, {} layers, hidden {}, {} heads", model.family, model.num_layers, model.hidden_size,
                     model.num_heads);
  if (const auto* gqa = std::get_if<GqaAttention>(&model.attention)) {
    out << fmt::format(", {} KV heads x {} (GQA)\n", gqa->num_kv_heads, gqa->head_dim);
  } else {
    const auto& mla = std::get<MlaAttention>(model.attention);
    out << fmt::format(", MLA (q_lora {}, kv_lora {}, rope {}, nope {}, v {})\n", mla.q_lora_rank, mla.kv_lora_rank,
                       mla.qk_rope_head_dim, mla.qk_nope_head_dim, mla.v_head_dim);
  }
  if (model.moe) {
    out << fmt::format("  MoE: {} routed experts, top-{}, {} shared, expert FFN {}, {} MoE layers of {}\n",
                       model.moe->num_experts, model.moe->experts_per_token, model.moe->num_shared_experts,
                       model.moe->expert_ffn_size, model.moe_layer_count(), model.num_layers);
  }
  out << fmt::format("  max context {} tokens, vocab {}, MTP layers {}\n",
                     with_commas(static_cast<double>(model.max_context)),
                     with_commas(static_cast<double>(model.vocab_size)), model.mtp_layers);
  if (model.rope_extended_context > 0) {
    out << fmt::format(
        "  RoPE scaling ({}) reaches {} tokens; requests beyond max context up to it run with a warning\n",
        model.rope_scaling, with_commas(static_cast<double>(model.rope_extended_context)));
  }
  out << fmt::format("  parameters: {} total, {} active per token", with_commas(p.total), with_commas(p.active));
  if (model.official_total_params) {
    out << fmt::format(" (official {:.1f}B", *model.official_total_params / 1e9);
    if (model.official_active_params) out << fmt::format(" / {:.1f}B", *model.official_active_params / 1e9);
    out << ")";
  }
  out << "\n";
  if (p.mtp > 0) out << fmt::format("  MTP modules add {} parameters (loaded only with MTP)\n", with_commas(p.mtp));
  if (p.vision > 0) {
    out << fmt::format(
        "  vision tower: {} parameters, {} in 16-bit, in the total; on the first pipeline stage, split "
        "over tp; per-token cost is the text model's\n",
        with_commas(p.vision), gb_text(bytes(p.vision * sixteen_bit_bytes)));
  }
  out << fmt::format("  weights at native precision ({}{}): {}\n", name(model.weights_precision),
                     model.experts_precision != model.weights_precision
                         ? fmt::format(", experts {}", name(model.experts_precision))
                         : std::string(),
                     gb_text(native_weight_bytes(model)));
  TextTable table({"weights", "size"}, {Align::left, Align::right});
  for (Precision precision : shown_precisions) {
    table.add_row({std::string(name(precision)), gb_text(weight_bytes(model, precision, precision))});
  }
  out << table.render();
  out << fmt::format("  KV cache per token: {} bytes in BF16, {} in FP8\n",
                     with_commas(kv_bytes_per_token(model, Precision::bf16)),
                     with_commas(kv_bytes_per_token(model, Precision::fp8)));
  out << fmt::format("  KV cache of one sequence at max context (BF16): {}\n",
                     gb_text(kv_bytes_per_sequence(model, Precision::bf16, model.max_context)));
  // An estimated profile's notes are what is published and what was assumed: the reader needs them.
  if (model.estimated) out << fmt::format("  estimated profile: {}\n", model.notes);
}

void print_gpu(const GpuSpec& gpu, std::ostream& out) {
  out << fmt::format("{} — {} ({}, {}, {})\n", gpu.name, gpu.display_name, gpu.vendor, gpu.generation, gpu.launch_year);
  out << fmt::format("  memory {:.0f} GB at {:.0f} GB/s\n", in_gigabytes(gpu.memory), gpu.memory_bandwidth.value / 1e9);
  out << "  dense TFLOPS:";
  for (int i = 0; i < compute_type_count; ++i) {
    if (gpu.dense_throughput[i])
      out << fmt::format(" {} {:g}", compute_type_names[i], gpu.dense_throughput[i]->value / 1e12);
  }
  out << "\n";
  out << fmt::format(
      "  scale-up {} ({} GPUs, {:.0f} GB/s per direction); scale-out {:.0f} GB/s per direction; "
      "{} GPUs per node; TDP {:.0f} W\n",
      gpu.scale_up.kind, gpu.scale_up.domain_gpus, gpu.scale_up.bandwidth_per_direction.value / 1e9,
      gpu.scale_out_bandwidth_per_direction.value / 1e9, gpu.gpus_per_node, gpu.tdp.value);
  if (!gpu.prices.empty()) {
    TextTable prices({"price", "$/GPU-hour", "date", "source"}, {Align::left, Align::right});
    for (const PricePoint& p : gpu.prices) prices.add_row({p.label, fixed(p.per_gpu_hour.value, 3), p.date, p.source});
    out << prices.render();
  }
}

/// A model's weights at each shown precision, one row each.
ResultTable model_weights_table(const ModelSpec& model) {
  struct Row {
    const ModelSpec* model;
    Precision precision;
    [[nodiscard]] Bytes bytes() const { return weight_bytes(*model, precision, precision); }
  };
  Schema<Row> s;
  s.add(columns::model, [](const Row& r) { return Cell(r.model->name); });
  s.add(columns::weights, [](const Row& r) { return Cell(std::string(name(r.precision))); });
  s.add({"weights_gb", "GB", "all weights at this precision, block scales included"},
        [](const Row& r) { return Cell(in_gigabytes(r.bytes())); });
  s.add({"weights_gib", "GiB", "the same in GiB"}, [](const Row& r) { return Cell(in_gibibytes(r.bytes())); });
  ResultTable table = s.table();
  for (Precision p : shown_precisions) table.rows.push_back(s.cells({&model, p}));
  return table;
}

/// A GPU's prices, one row each.
ResultTable gpu_prices_table(const GpuSpec& gpu) {
  Schema<PricePoint> s;
  s.add(columns::gpu, [&gpu](const PricePoint&) { return Cell(gpu.name); });
  s.add(columns::price, [](const PricePoint& p) { return Cell(p.label); });
  s.add(columns::price_basis, [](const PricePoint& p) { return Cell(std::string(name(p.basis))); });
  s.add(columns::usd_per_gpu_hour, [](const PricePoint& p) { return Cell(p.per_gpu_hour.value); });
  s.add({"date", "", "when the price was read"}, [](const PricePoint& p) { return Cell(p.date); });
  s.add({"source", "", "where the price comes from"}, [](const PricePoint& p) { return Cell(p.source); });
  ResultTable table = s.table();
  for (const PricePoint& p : gpu.prices) table.rows.push_back(s.cells(p));
  return table;
}

/// What `print` writes, escaped (io/config_error.hpp printable): display names, notes and sources come
/// from profile files and may hold control bytes.
template <typename Print>
std::string printable_text(Print print) {
  std::ostringstream text;
  print(text);
  return printable(text.str());
}

int run_show(const ShowOptions& options, Context& context) {
  const Catalog& catalog = context.catalog();
  std::ostream& out = *context.out;
  if (const GpuSpec* gpu = catalog.find_gpu(options.name)) {
    if (options.json)
      out << gpu_json(*gpu).dump(2) << "\n";
    else if (options.csv)
      out << csv_document(gpu_prices_table(*gpu));
    else
      out << printable_text([gpu](std::ostream& text) { print_gpu(*gpu, text); });
    return 0;
  }
  const std::filesystem::path path(options.name);
  std::error_code ec;
  const bool file = path.extension() == ".json" || path.extension() == ".yaml" || path.extension() == ".yml" ||
                    std::filesystem::is_regular_file(path, ec);
  if (!file && !catalog.find_model(options.name)) {
    const std::string hint = catalog.closest_names(options.name);
    throw ConfigError("show", fmt::format("unknown model or GPU '{}'{}; `llmsizer list models` and `llmsizer list "
                                          "gpus` show them all, and a path to a Hugging Face config.json works too",
                                          options.name, did_you_mean_one_of(hint)));
  }
  const ModelSpec model = catalog.model(options.name, "show");
  print_model_warnings(model, *context.err);
  if (options.json)
    out << model_json(model).dump(2) << "\n";
  else if (options.csv)
    out << csv_document(model_weights_table(model));
  else
    out << printable_text([&model](std::ostream& text) { print_model(model, text); });
  return 0;
}

}  // namespace

Command add_show(CLI::App& app, Context& context) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* sub = app.add_subcommand("show", "Show a model or GPU profile with derived facts");
  sub->add_option("name", options->name, "Model or GPU name, alias, HF repo id, or a config.json path")->required();
  auto* json = sub->add_flag("--json", options->json, "Print JSON");
  sub->add_flag("--csv", options->csv, "Print the table as CSV: a model's weights per precision, a GPU's prices")
      ->excludes(json);
  return {sub, [options, &context] { return run_show(*options, context); }};
}

}  // namespace llmsizer::cli
