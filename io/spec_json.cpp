#include "io/spec_json.hpp"

#include "estimator/model_stats.hpp"
#include "hardware/tco.hpp"
#include "io/model_schema.hpp"

namespace llmsizer {

std::string layer_kind_name(LayerAttention kind) {
  switch (kind) {
    case LayerAttention::full:
      return "full";
    case LayerAttention::sliding:
      return "sliding";
    case LayerAttention::chunked:
      return "chunked";
    case LayerAttention::linear:
      return "linear";
    case LayerAttention::none:
      return "none";
  }
  return "full";
}

namespace {

// Sets `j` at a dotted path ("attention.head_dim"), making the maps on the way.
void set_at(nlohmann::json& j, std::string_view path, nlohmann::json value) {
  nlohmann::json* node = &j;
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
    node = &(*node)[std::string(path.substr(0, dot))];
    path.remove_prefix(dot + 1);
  }
  (*node)[std::string(path)] = std::move(value);
}

// The profile's fields that `show --json` lists, as the schema table places them.
void put_schema_fields(nlohmann::json& j, const ModelSpec& model) {
  for (const ModelField& field : model_fields()) {
    if (!shown_for(field, field.json, model)) continue;
    if (field.type == FieldType::text) set_at(j, field.json_path, field.get_text(model));
    if (field.type == FieldType::integer) set_at(j, field.json_path, field.get(model));
    if (field.type == FieldType::boolean) set_at(j, field.json_path, field.get(model) != 0);
  }
}

}  // namespace

nlohmann::json model_json(const ModelSpec& model) {
  using nlohmann::json;
  const ParamCounts params = count_params(model);
  json j;
  j["name"] = model.name;
  j["display_name"] = model.display_name;
  j["aliases"] = model.aliases;
  j["moe"] = nullptr;  // replaced by the MoE rows when the model has experts
  put_schema_fields(j, model);
  j["attention"]["kind"] = model.is_mla() ? "mla" : "gqa";
  json layers = json::object();
  for (LayerAttention kind : model.layer_attention)
    layers[layer_kind_name(kind)] = layers.value(layer_kind_name(kind), 0) + 1;
  j["attention"]["layers"] = layers;
  if (model.moe) j["moe"]["moe_layers"] = model.moe_layer_count();
  j["precision"] = {{"weights", std::string(name(model.weights_precision))},
                    {"experts", std::string(name(model.experts_precision))}};
  j["params_total"] = params.total;
  j["params_active"] = params.active;
  j["params_mtp"] = params.mtp;
  j["params_breakdown"] = {{"embedding", params.embedding},
                           {"lm_head", params.lm_head},
                           {"attention", params.attention},
                           {"dense_ffn", params.dense_ffn},
                           {"routed_experts", params.routed_experts},
                           {"shared_experts", params.shared_experts},
                           {"router", params.router},
                           {"norms", params.norms},
                           {"vision", params.vision}};
  if (model.official_total_params) {
    j["params_official"] = {{"total", *model.official_total_params}, {"source", model.official_params_source}};
    if (model.official_active_params) j["params_official"]["active"] = *model.official_active_params;
  }
  j["weights_bytes"] = native_weight_bytes(model).value;
  j["weights_bytes_by_precision"] = {{"bf16", weight_bytes(model, Precision::bf16, Precision::bf16).value},
                                     {"fp8", weight_bytes(model, Precision::fp8, Precision::fp8).value},
                                     {"nvfp4", weight_bytes(model, Precision::nvfp4, Precision::nvfp4).value},
                                     {"mxfp4", weight_bytes(model, Precision::mxfp4, Precision::mxfp4).value},
                                     {"int4", weight_bytes(model, Precision::int4, Precision::int4).value}};
  j["kv_bytes_per_token"] = kv_bytes_per_token(model, Precision::bf16);
  j["kv_bytes_per_token_fp8"] = kv_bytes_per_token(model, Precision::fp8);
  j["kv_bytes_per_sequence_at_max_context"] = kv_bytes_per_sequence(model, Precision::bf16, model.max_context).value;
  j["file"] = model.file;
  j["warnings"] = model.warnings;  // what an import could not read (ModelSpec::warnings); [] for profiles
  return j;
}

nlohmann::json gpu_json(const GpuSpec& gpu) {
  using nlohmann::json;
  json j;
  j["name"] = gpu.name;
  j["display_name"] = gpu.display_name;
  j["aliases"] = gpu.aliases;
  j["vendor"] = gpu.vendor;
  j["generation"] = gpu.generation;
  j["launch_year"] = gpu.launch_year;
  j["memory_gb"] = in_gigabytes(gpu.memory);
  j["memory_bw_gbps"] = gpu.memory_bandwidth.value / 1e9;
  json tflops = json::object();
  for (int i = 0; i < compute_type_count; ++i) {
    if (gpu.dense_throughput[i]) tflops[std::string(compute_type_names[i])] = gpu.dense_throughput[i]->value / 1e12;
  }
  j["dense_tflops"] = tflops;
  j["scale_up"] = {{"kind", gpu.scale_up.kind},
                   {"domain_gpus", gpu.scale_up.domain_gpus},
                   {"bw_gbps_per_dir", gpu.scale_up.bandwidth_per_direction.value / 1e9}};
  j["scale_out_bw_gbps_per_dir"] = gpu.scale_out_bandwidth_per_direction.value / 1e9;
  j["gpus_per_node"] = gpu.gpus_per_node;
  j["tdp_w"] = gpu.tdp.value;
  json prices = json::array();
  for (const PricePoint& p : gpu.prices) {
    prices.push_back(
        {{"label", p.label},
         {"basis", std::string(name(p.basis))},
         {"usd_per_gpu_hour", p.per_gpu_hour.value},
         {"source", p.source},
         {"date", p.date}});
  }
  j["prices"] = prices;
  j["file"] = gpu.file;
  return j;
}

}  // namespace llmsizer
