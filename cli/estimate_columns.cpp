// The one column schema of estimate results: table, JSON and CSV all read it.
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "cli/scenario.hpp"
#include "estimator/text_format.hpp"

namespace llmsizer::cli {
namespace {

using nlohmann::json;
using Getter = std::function<json(const EstimateRow&)>;

json opt(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

/// A column whose value needs a resolved, fitting estimate.
Getter fitted(std::function<json(const Estimate&)> f) {
  return [f](const EstimateRow& r) { return r.estimate && r.estimate->fits ? f(*r.estimate) : json(nullptr); };
}
Getter resolved(std::function<json(const ScenarioResolver::Resolved&, const Estimate&)> f) {
  return [f](const EstimateRow& r) { return r.resolved && r.estimate ? f(*r.resolved, *r.estimate) : json(nullptr); };
}

struct Schema {
  std::vector<Column> columns;
  std::vector<Getter> getters;
  void add(Column c, Getter g) {
    columns.push_back(std::move(c));
    getters.push_back(std::move(g));
  }
};

Schema make_schema() {
  Schema s;
  s.add({"id", "", "scenario id"}, [](const EstimateRow& r) { return r.input ? json(r.input->id) : json(""); });
  s.add({"model", "", "model"}, [](const EstimateRow& r) {
    return r.resolved ? json(r.resolved->model->name) : (r.input ? json(r.input->model) : json(nullptr));
  });
  s.add({"gpu", "", "GPU"}, [](const EstimateRow& r) {
    return r.resolved ? json(r.resolved->gpu->name) : (r.input ? json(r.input->gpu) : json(nullptr));
  });
  s.add({"gpus", "count", "GPUs in the deployment"},
        resolved([](auto& x, auto&) { return json(x.deployment.total_gpus()); }));
  s.add({"tp", "", "tensor parallel"}, resolved([](auto& x, auto&) { return json(x.deployment.parallel.tp); }));
  s.add({"pp", "", "pipeline stages"}, resolved([](auto& x, auto&) { return json(x.deployment.parallel.pp); }));
  s.add({"dp", "", "attention data parallel"}, resolved([](auto& x, auto&) { return json(x.deployment.parallel.dp); }));
  s.add({"ep", "", "expert parallel"}, resolved([](auto& x, auto&) { return json(x.deployment.parallel.ep); }));
  s.add({"replicas", "count", "independent instances"},
        resolved([](auto& x, auto&) { return json(x.deployment.replicas); }));
  s.add({"weights", "", "weight precision"},
        resolved([](auto& x, auto&) { return json(weights_label(x.deployment)); }));
  s.add({"kv", "", "KV-cache precision"},
        resolved([](auto& x, auto&) { return json(std::string(name(x.deployment.kv))); }));
  s.add({"engine", "", "engine overhead profile"}, resolved([](auto& x, auto&) { return json(x.engine); }));
  s.add({"isl", "tokens", "input tokens per request"}, resolved([](auto& x, auto&) { return json(x.workload.isl); }));
  s.add({"osl", "tokens", "output tokens per request"}, resolved([](auto& x, auto&) { return json(x.workload.osl); }));
  s.add({"concurrency", "requests", "requests in flight"},
        resolved([](auto&, auto& e) { return json(e.concurrency); }));
  s.add({"fits", "", "fits in memory"},
        [](const EstimateRow& r) { return r.estimate ? json(r.estimate->fits) : json(nullptr); });
  s.add({"reason", "", "why it does not fit"}, [](const EstimateRow& r) {
    return r.estimate && !r.estimate->fits && !r.estimate->reasons.empty() ? json(r.estimate->reasons.front())
                                                                           : json(nullptr);
  });
  s.add({"ttft_ms", "ms", "mean time to first token"}, fitted([](auto& e) { return json(in_milliseconds(e.ttft)); }));
  s.add({"tpot_ms", "ms", "mean time per output token"}, fitted([](auto& e) { return e.has_tpot ? json(in_milliseconds(e.tpot)) : json(nullptr); }));
  s.add({"prefill_alone_ms", "ms", "prefill of one prompt on an idle deployment"}, fitted([](auto& e) { return json(in_milliseconds(e.prefill_alone)); }));
  s.add({"output_tok_s", "tokens/s", "output throughput of the deployment"},
        fitted([](auto& e) { return json(e.output_tok_s); }));
  s.add({"output_tok_s_per_gpu", "tokens/s/GPU", "output throughput per GPU"},
        fitted([](auto& e) { return json(e.output_tok_s_per_gpu); }));
  s.add({"tok_s_per_user", "tokens/s", "decode speed one user sees (1/TPOT)"},
        fitted([](auto& e) { return e.has_tpot ? json(e.tok_s_per_user) : json(nullptr); }));
  s.add({"input_tok_s", "tokens/s", "prompt tokens processed per second"},
        fitted([](auto& e) { return json(e.input_tok_s); }));
  s.add({"prefill_bound", "", "what limits prefill"},
        fitted([](auto& e) { return json(bound_name(e.prefill_detail.bound())); }));
  s.add({"decode_bound", "", "what limits decode"},
        fitted([](auto& e) { return json(bound_name(e.decode_detail.bound())); }));
  s.add({"usd_per_hour", "$/h", "deployment price per hour"}, fitted([](auto& e) { return opt(e.usd_per_hour); }));
  s.add({"usd_per_mtok_output", "$/Mtok", "all GPU time per million output tokens"},
        fitted([](auto& e) { return opt(e.usd_per_mtok_output); }));
  s.add({"usd_per_mtok_input", "$/Mtok", "prefill share of GPU time per million input tokens"},
        fitted([](auto& e) { return opt(e.usd_per_mtok_input); }));
  s.add({"joules_per_output_token", "J/token", "energy per output token"},
        fitted([](auto& e) { return json(e.joules_per_output_token); }));
  s.add({"kwh_per_mtok_output", "kWh/Mtok", "energy per million output tokens"},
        fitted([](auto& e) { return json(e.kwh_per_mtok_output); }));
  s.add({"weights_gb_per_gpu", "GB", "weights on the busiest GPU"},
        resolved([](auto&, auto& e) { return json(in_gigabytes(e.memory.need.weights)); }));
  s.add({"kv_gb_per_gpu", "GB", "KV cache on the busiest GPU"},
        resolved([](auto&, auto& e) { return json(in_gigabytes(e.memory.need.kv_cache)); }));
  s.add({"activations_gb_per_gpu", "GB", "activation workspace per GPU"},
        resolved([](auto&, auto& e) { return json(in_gigabytes(e.memory.need.activations)); }));
  s.add({"usable_gb_per_gpu", "GB", "usable memory per GPU"},
        resolved([](auto&, auto& e) { return json(in_gigabytes(e.memory.usable_per_gpu)); }));
  s.add({"free_kv_tokens", "tokens", "further KV tokens that fit"},
        resolved([](auto&, auto& e) { return json(e.memory.free_kv_tokens); }));
  s.add({"price", "", "price label used"},
        resolved([](auto& x, auto&) { return x.usd_per_gpu_hour ? json(x.price_label) : json(nullptr); }));
  s.add({"price_basis", "", "price basis: on-demand, reserved, 3yr-rental, owned or user"},
        resolved([](auto& x, auto&) { return x.usd_per_gpu_hour ? json(x.price_basis) : json(nullptr); }));
  s.add({"notes", "", "notes"}, [](const EstimateRow& r) {
    std::string text;
    if (r.estimate)
      for (const std::string& n : r.estimate->notes) text += (text.empty() ? "" : "; ") + n;
    return json(text);
  });
  s.add({"error", "", "why this scenario could not be estimated"},
        [](const EstimateRow& r) { return r.error.empty() ? json(nullptr) : json(r.error); });
  return s;
}

const Schema& schema() {
  static const Schema s = make_schema();  // immutable after first use
  return s;
}

std::string csv_text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get_ref<const std::string&>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  char buffer[32];  // fmt::format_to_n: no temporary string per number
  const auto end = fmt::format_to_n(buffer, sizeof buffer, "{:.6g}", v.get<double>());
  return std::string(buffer, std::min<size_t>(end.size, sizeof buffer));
}

}  // namespace

const std::vector<Column>& estimate_columns() {
  return schema().columns;
}

json estimate_value(const EstimateRow& row, size_t column) {
  return schema().getters[column](row);
}

json estimate_json(const EstimateRow& row) {
  json j = json::object();
  for (size_t i = 0; i < schema().columns.size(); ++i) j[schema().columns[i].key] = estimate_value(row, i);
  return j;
}

std::vector<std::string> estimate_csv_fields(const EstimateRow& row) {
  std::vector<std::string> fields;
  fields.reserve(schema().columns.size());
  for (size_t i = 0; i < schema().columns.size(); ++i) fields.push_back(csv_text(estimate_value(row, i)));
  return fields;
}

}  // namespace llmsizer::cli
