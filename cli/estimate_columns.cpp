// The one column schema of estimate results: table, JSON and CSV all read it.
#include <functional>

#include "cli/estimate_row.hpp"
#include "estimator/text_format.hpp"

namespace llmsizer::cli {
namespace {

using Getter = Schema<EstimateRow>::Getter;

Cell count(std::int64_t value) { return Cell(value); }
Cell text(std::string value) { return Cell(std::move(value)); }

/// A column whose value needs a resolved, fitting estimate.
Getter fitted(std::function<Cell(const Estimate&)> f) {
  return [f](const EstimateRow& r) { return r.estimate && r.estimate->fits ? f(*r.estimate) : Cell(); };
}
Getter resolved(std::function<Cell(const ScenarioResolver::Resolved&, const Estimate&)> f) {
  return [f](const EstimateRow& r) { return r.resolved && r.estimate ? f(*r.resolved, *r.estimate) : Cell(); };
}
/// The model or GPU a row describes: as resolved, else as asked.
Getter named(std::string ScenarioInput::*asked, std::function<std::string(const ScenarioResolver::Resolved&)> f) {
  return [asked, f](const EstimateRow& r) {
    return r.resolved ? text(f(*r.resolved)) : (r.input ? text(r.input->*asked) : Cell());
  };
}

void add_request_columns(Schema<EstimateRow>& s) {
  s.add({"id", "", "scenario id"}, [](const EstimateRow& r) { return text(r.input ? r.input->id : ""); });
  s.add({"model", "", "model"}, named(&ScenarioInput::model, [](auto& x) { return x.model->name; }));
  s.add({"gpu", "", "GPU"}, named(&ScenarioInput::gpu, [](auto& x) { return x.gpu->name; }));
  s.add({"gpus", "count", "GPUs in the deployment"},
        resolved([](auto& x, auto&) { return count(x.deployment.total_gpus()); }));
  s.add({"tp", "", "tensor parallel"}, resolved([](auto& x, auto&) { return count(x.deployment.parallel.tp); }));
  s.add({"pp", "", "pipeline stages"}, resolved([](auto& x, auto&) { return count(x.deployment.parallel.pp); }));
  s.add({"dp", "", "attention data parallel"}, resolved([](auto& x, auto&) { return count(x.deployment.parallel.dp); }));
  s.add({"ep", "", "expert parallel"}, resolved([](auto& x, auto&) { return count(x.deployment.parallel.ep); }));
  s.add({"replicas", "count", "independent instances"},
        resolved([](auto& x, auto&) { return count(x.deployment.replicas); }));
  s.add({"weights", "", "weight precision"}, resolved([](auto& x, auto&) { return text(weights_label(x.deployment)); }));
  s.add({"kv", "", "KV-cache precision"}, resolved([](auto& x, auto&) { return text(std::string(name(x.deployment.kv))); }));
  s.add({"engine", "", "engine overhead profile"}, resolved([](auto& x, auto&) { return text(x.engine); }));
  s.add({"isl", "tokens", "input tokens per request"}, resolved([](auto& x, auto&) { return count(x.workload.isl); }));
  s.add({"osl", "tokens", "output tokens per request"}, resolved([](auto& x, auto&) { return count(x.workload.osl); }));
  s.add({"concurrency", "requests", "requests in flight"}, resolved([](auto&, auto& e) { return count(e.concurrency); }));
}

void add_performance_columns(Schema<EstimateRow>& s) {
  s.add({"fits", "", "fits in memory"}, [](const EstimateRow& r) { return r.estimate ? Cell(r.estimate->fits) : Cell(); });
  s.add({"reason", "", "why it does not fit"}, [](const EstimateRow& r) {
    return r.estimate && !r.estimate->fits && !r.estimate->reasons.empty() ? text(r.estimate->reasons.front()) : Cell();
  });
  s.add({"ttft_ms", "ms", "mean time to first token"}, fitted([](auto& e) { return Cell(in_milliseconds(e.ttft)); }));
  s.add({"tpot_ms", "ms", "mean time per output token"}, fitted([](auto& e) { return Cell(in_milliseconds(e.tpot)); }));
  s.add({"output_tok_s", "tokens/s", "output throughput of the deployment"},
        fitted([](auto& e) { return Cell(e.output_tok_s); }));
  s.add({"output_tok_s_per_gpu", "tokens/s/GPU", "output throughput per GPU"},
        fitted([](auto& e) { return Cell(e.output_tok_s_per_gpu); }));
  s.add({"tok_s_per_user", "tokens/s", "decode speed one user sees (1/TPOT)"},
        fitted([](auto& e) { return Cell(e.tok_s_per_user); }));
  s.add({"input_tok_s", "tokens/s", "prompt tokens processed per second"},
        fitted([](auto& e) { return Cell(e.input_tok_s); }));
  s.add({"prefill_bound", "", "what limits prefill"},
        fitted([](auto& e) { return text(bound_name(e.prefill_detail.bound())); }));
  s.add({"decode_bound", "", "what limits decode"},
        fitted([](auto& e) { return text(bound_name(e.decode_detail.bound())); }));
  s.add({"usd_per_hour", "$/h", "deployment price per hour"}, fitted([](auto& e) { return optional_cell(e.usd_per_hour); }));
  s.add({"usd_per_mtok_output", "$/Mtok", "all GPU time per million output tokens"},
        fitted([](auto& e) { return optional_cell(e.usd_per_mtok_output); }));
  s.add({"usd_per_mtok_input", "$/Mtok", "prefill share of GPU time per million input tokens"},
        fitted([](auto& e) { return optional_cell(e.usd_per_mtok_input); }));
  s.add({"joules_per_output_token", "J/token", "energy per output token"},
        fitted([](auto& e) { return Cell(e.joules_per_output_token); }));
  s.add({"kwh_per_mtok_output", "kWh/Mtok", "energy per million output tokens"},
        fitted([](auto& e) { return Cell(e.kwh_per_mtok_output); }));
}

void add_memory_columns(Schema<EstimateRow>& s) {
  s.add({"weights_gb_per_gpu", "GB", "weights on the busiest GPU"},
        resolved([](auto&, auto& e) { return Cell(in_gigabytes(e.memory.need.weights)); }));
  s.add({"kv_gb_per_gpu", "GB", "KV cache on the busiest GPU"},
        resolved([](auto&, auto& e) { return Cell(in_gigabytes(e.memory.need.kv_cache)); }));
  s.add({"activations_gb_per_gpu", "GB", "activation workspace per GPU"},
        resolved([](auto&, auto& e) { return Cell(in_gigabytes(e.memory.need.activations)); }));
  s.add({"usable_gb_per_gpu", "GB", "usable memory per GPU"},
        resolved([](auto&, auto& e) { return Cell(in_gigabytes(e.memory.usable_per_gpu)); }));
  s.add({"free_kv_tokens", "tokens", "further KV tokens that fit"},
        resolved([](auto&, auto& e) { return Cell(e.memory.free_kv_tokens); }));
  s.add({"price", "", "price label used"},
        resolved([](auto& x, auto&) { return x.usd_per_gpu_hour ? text(x.price_label) : Cell(); }));
  s.add({"notes", "", "notes"}, [](const EstimateRow& r) {
    std::string joined;
    if (r.estimate)
      for (const std::string& n : r.estimate->notes) joined += (joined.empty() ? "" : "; ") + n;
    return text(joined);
  });
  s.add({"error", "", "why this scenario could not be estimated"},
        [](const EstimateRow& r) { return r.error.empty() ? Cell() : text(r.error); });
}

Schema<EstimateRow> make_schema() {
  Schema<EstimateRow> s;
  add_request_columns(s);
  add_performance_columns(s);
  add_memory_columns(s);
  return s;
}

}  // namespace

const Schema<EstimateRow>& estimate_schema() {
  static const Schema<EstimateRow> s = make_schema();  // immutable after first use
  return s;
}

const std::vector<Column>& estimate_columns() {
  return estimate_schema().columns();
}

ResultTable estimate_table(const std::vector<EstimateRow>& rows) {
  ResultTable table = estimate_schema().table();
  for (const EstimateRow& row : rows) table.rows.push_back(estimate_schema().cells(row));
  return table;
}

nlohmann::json estimate_value(const EstimateRow& row, size_t column) {
  return json_value(estimate_schema().value(row, column));
}

nlohmann::json estimate_json(const EstimateRow& row) {
  return json_object(estimate_table({row}), 0);
}

}  // namespace llmsizer::cli
