// The one column schema of estimate results: table, JSON and CSV all read it.
#include <algorithm>
#include <functional>

#include "cli/estimate_row.hpp"
#include "estimator/disaggregation.hpp"
#include "estimator/text_format.hpp"
#include "io/columns.hpp"
#include "request/resolved_estimate.hpp"

namespace llmsizer::cli {
namespace {

// Each column writes its value into a CellSink (no Cell, std::string or allocation per value: a
// scenarios batch writes some seventy of them per row). The lambdas return what the sink puts:
// an integer (a count), a double, text, an optional of one (null when empty).
using Writer = Schema<EstimateRow>::Writer;

/// The estimate schema and each of its columns typed on CsvCellSink. A column's body is a generic
/// lambda (row, sink) made twice: for any CellSink (the schema, every writer) and for the final
/// CsvCellSink, whose calls then go straight to its inline methods, without a virtual call per value
/// (a scenarios batch's CSV writes some seventy values per row, docs/performance.md).
struct EstimateColumns {
  template <class F>
  void add(Column column, F body) {
    csv.emplace_back(body);
    schema.add(std::move(column), Writer(std::move(body)));
  }
  Schema<EstimateRow> schema;
  std::vector<std::function<void(const EstimateRow&, CsvCellSink&)>> csv;
};

std::int64_t count(std::int64_t value) {
  return value;
}

/// A column whose value needs a resolved, fitting estimate.
template <class F>  // a lambda, called inline (not through a second std::function per cell)
auto fitted(F f) {
  return [f](const EstimateRow& r, auto& s) {
    if (r.estimate && r.estimate->fits) {
      put_value(s, f(*r.estimate));
    } else {
      s.null();
    }
  };
}
template <class F>
auto resolved(F f) {
  return [f](const EstimateRow& r, auto& s) {
    if (r.resolved && r.estimate) {
      put_value(s, f(*r.resolved, *r.estimate));
    } else {
      s.null();
    }
  };
}
/// A column of one co-located deployment: empty for a disaggregated one (its pools have their own).
template <class F>
auto co_located(F f) {
  return [f](const EstimateRow& r, auto& s) {
    if (r.resolved && !r.resolved->pools) {
      put_value(s, f(*r.resolved));
    } else {
      s.null();
    }
  };
}
/// A column of the two pools of a disaggregated estimate: empty for one co-located deployment.
template <class F>
auto pooled(F f) {
  return [f](const EstimateRow& r, auto& s) {
    if (r.estimate && r.estimate->disaggregated) {
      put_value(s, f(*r.estimate->disaggregated));
    } else {
      s.null();
    }
  };
}
/// A fitting estimate's column that means something only when `applies` (a TTFT on the decode side
/// of disaggregated serving does not; nor output throughput on the prefill side).
template <class F>
auto fitted_when(bool (*applies)(const Estimate&), F f) {
  return [=](const EstimateRow& r, auto& s) {
    if (r.estimate && r.estimate->fits && applies(*r.estimate)) {
      put_value(s, f(*r.estimate));
    } else {
      s.null();
    }
  };
}
/// A column read from the whole row.
template <class F>
auto whole_row(F f) {
  return [f](const EstimateRow& r, auto& s) { put_value(s, f(r)); };
}
bool has_ttft(const Estimate& e) {
  return e.has_ttft;
}
bool has_tpot(const Estimate& e) {
  return e.has_tpot;
}
bool serves_output(const Estimate& e) {
  return e.serves_output;
}
bool co_located_estimate(const Estimate& e) {
  return !e.disaggregated;
}

/// The model or GPU a row describes: as resolved, else as asked.
template <class F>
auto named(std::string ScenarioInput::*asked, F f) {
  return [asked, f](const EstimateRow& r, auto& s) {
    if (r.resolved) {
      s.text(f(*r.resolved));
    } else if (r.input) {
      s.text(r.input->*asked);
    } else {
      s.null();
    }
  };
}

/// The layout of each pool of a disaggregated deployment, named as the scenario fields that ask for it.
void add_pool_columns(EstimateColumns& s) {
  for (const bool prefill : {true, false}) {
    const std::string pool = prefill ? "prefill" : "decode";
    auto of = [prefill](const Disaggregation& x) -> const PoolFigures& { return prefill ? x.prefill : x.decode; };
    auto layout = [of](int Parallelism::*degree) {
      return pooled([of, degree](const Disaggregation& x) { return count(of(x).deployment.parallel.*degree); });
    };
    s.add({pool + "_workers", "count", pool + " workers (xPyD)"},
          pooled([of](const Disaggregation& x) { return count(of(x).deployment.replicas); }));
    s.add({pool + "_tp", "", "tensor parallel of each " + pool + " worker"}, layout(&Parallelism::tp));
    s.add({pool + "_pp", "", "pipeline stages of each " + pool + " worker"}, layout(&Parallelism::pp));
    s.add({pool + "_dp", "", "attention data parallel of each " + pool + " worker"}, layout(&Parallelism::dp));
    s.add({pool + "_ep", "", "expert parallel of each " + pool + " worker"}, layout(&Parallelism::ep));
    s.add({pool + "_batch", "requests", "requests per " + pool + " worker"},
          pooled([of](const Disaggregation& x) { return count(of(x).batch); }));
  }
}

void add_request_columns(EstimateColumns& s) {
  s.add({"id", "", "scenario id"},
        whole_row([](const EstimateRow& r) { return r.input ? std::string_view(r.input->id) : std::string_view(); }));
  s.add(columns::model, named(&ScenarioInput::model, [](auto& x) -> std::string_view { return x.model->name; }));
  s.add(columns::gpu, named(&ScenarioInput::gpu, [](auto& x) -> std::string_view { return x.gpu->name; }));
  s.add({"gpus", "count", "GPUs in the deployment (both pools of a disaggregated one)"},
        resolved([](auto& x, auto&) { return count(x.pools ? x.pools->total_gpus() : x.deployment.total_gpus()); }));
  s.add(columns::tp, co_located([](auto& x) { return count(x.deployment.parallel.tp); }));
  s.add(columns::pp, co_located([](auto& x) { return count(x.deployment.parallel.pp); }));
  s.add(columns::dp, co_located([](auto& x) { return count(x.deployment.parallel.dp); }));
  s.add(columns::ep, co_located([](auto& x) { return count(x.deployment.parallel.ep); }));
  s.add({"replicas", "count", "independent instances"},
        co_located([](auto& x) { return count(x.deployment.replicas); }));
  add_pool_columns(s);
  s.add(columns::weights, resolved([](auto& x, auto&) { return weights_label(x.deployment); }));
  s.add(columns::kv, resolved([](auto& x, auto&) { return name(x.deployment.kv); }));
  // With pools, `deployment` holds the decode pool's drafting and overlap (request/resolver.hpp).
  s.add(columns::mtp, resolved([](auto& x, auto&) { return count(x.deployment.speculative_tokens); }));
  s.add({"mtp_acceptance", "", "acceptance rate of the first drafted token (empty without MTP)"},
        resolved([](auto& x, auto&) {
          const Deployment& d = x.deployment;
          return d.speculative_tokens > 0 ? std::optional<double>(d.speculative_acceptance) : std::nullopt;
        }));
  // The overlap run: a stated two-batch on an ep-1 layout is not applied (Deployment::applied_overlap).
  s.add(columns::overlap, resolved([](auto& x, auto&) { return overlap_name(applied_overlap(x)); }));
  s.add({"engine", "", "engine overhead profile"}, resolved([](auto& x, auto&) { return std::string_view(x.engine); }));
  s.add({"isl", "tokens", "input tokens per request"}, resolved([](auto& x, auto&) { return count(x.workload.isl); }));
  s.add({"osl", "tokens", "output tokens per request"}, resolved([](auto& x, auto&) { return count(x.workload.osl); }));
  s.add(columns::concurrency, resolved([](auto&, auto& e) { return count(e.concurrency); }));
}

/// The p10 or p90 of a metric: the estimate times its band factor; empty without a band.
template <class F>
auto banded(BandMetric metric, bool high, F value) {
  return [=](const EstimateRow& r, auto& s) {
    if (!r.resolved || !r.estimate || !r.estimate->fits) return s.null();
    const std::optional<double> v = value(*r.estimate);
    if (!v) return s.null();
    // The cached band read in place: a Band holds its regime's four strings.
    std::optional<Band> looked_up;
    if (!r.bands) looked_up = estimate_band(*r.resolved, metric);
    const std::optional<Band>& band = r.bands ? r.bands->band[static_cast<std::size_t>(metric)] : looked_up;
    if (!band) return s.null();
    s.number(*v * (high ? band->high_factor() : band->low_factor()));
  };
}

void add_band_columns(EstimateColumns& s) {
  auto ttft = [](const Estimate& e) { return std::optional<double>(in_milliseconds(e.ttft)); };
  auto tpot = [](const Estimate& e) {
    return e.has_tpot ? std::optional<double>(in_milliseconds(e.tpot)) : std::nullopt;
  };
  auto output = [](const Estimate& e) { return std::optional<double>(e.output_tok_s); };
  s.add({"ttft_ms_p10", "ms", "TTFT 10th percentile: 8 in 10 measured runs of this regime lie in p10-p90"},
        banded(BandMetric::ttft, false, ttft));
  s.add({"ttft_ms_p90", "ms", "TTFT 90th percentile of the measured runs of this regime"},
        banded(BandMetric::ttft, true, ttft));
  s.add({"tpot_ms_p10", "ms", "TPOT 10th percentile of the measured runs of this regime"},
        banded(BandMetric::tpot, false, tpot));
  s.add({"tpot_ms_p90", "ms", "TPOT 90th percentile of the measured runs of this regime"},
        banded(BandMetric::tpot, true, tpot));
  s.add({"output_tok_s_p10", "tokens/s", "output throughput 10th percentile of the measured runs of this regime"},
        banded(BandMetric::output_tok_s, false, output));
  s.add({"output_tok_s_p90", "tokens/s", "output throughput 90th percentile of the measured runs of this regime"},
        banded(BandMetric::output_tok_s, true, output));
  s.add({"band_basis", "", "the regime and runs the p10/p90 come from; 'wide' when borrowed from a coarser regime"},
        [](const EstimateRow& r, auto& s) {
          if (!r.resolved || !r.estimate || !r.estimate->fits) return s.null();
          if (r.bands) return s.text(r.bands->basis);
          s.text(band_basis(*r.resolved));
        });
}

void add_performance_columns(EstimateColumns& s) {
  s.add({"fits", "", "fits in memory"}, whole_row([](const EstimateRow& r) {
          return r.estimate ? std::optional<bool>(r.estimate->fits) : std::nullopt;
        }));
  s.add(columns::reason, whole_row([](const EstimateRow& r) {
          return r.estimate && !r.estimate->fits && !r.estimate->reasons.empty()
                     ? std::optional<std::string_view>(r.estimate->reasons.front())
                     : std::nullopt;
        }));
  // The KV cache (or the engine's max batch) limits how many of the requests in flight run at once.
  s.add({"running", "requests", "requests running at once (the rest queue)"},
        fitted([](auto& e) { return count(e.running); }));
  s.add({"queued", "requests", "requests waiting for KV cache or a batch slot"},
        fitted([](auto& e) { return count(e.queued); }));
  s.add(columns::shown(columns::ttft_ms, {NumberStyle::commas, 1}),
        fitted_when(has_ttft, [](auto& e) { return in_milliseconds(e.ttft); }));
  s.add(columns::shown(columns::tpot_ms, {NumberStyle::commas, 2}),
        fitted_when(has_tpot, [](auto& e) { return in_milliseconds(e.tpot); }));
  s.add({"prefill_alone_ms", "ms", "prefill of one prompt on an idle deployment"},
        fitted_when(has_ttft, [](auto& e) { return in_milliseconds(e.prefill_alone); }));
  s.add(columns::prefill_queue_ms, pooled([](auto& x) { return in_milliseconds(x.prefill_queue); }));
  s.add(columns::kv_transfer_ms, pooled([](auto& x) { return in_milliseconds(x.kv_transfer); }));
  s.add(columns::limited_by, pooled([](auto& x) { return x.prefill_limited ? "prefill" : "decode"; }));
  s.add(columns::balanced_prefill_per_decode, pooled([](auto& x) { return x.balanced_prefill_per_decode; }));
  s.add({"output_tok_s", "tokens/s", "output throughput of the deployment"},
        fitted_when(serves_output, [](auto& e) { return e.output_tok_s; }));
  s.add(columns::shown(columns::output_tok_s_per_gpu, {NumberStyle::commas, 1}),
        fitted_when(serves_output, [](auto& e) { return e.output_tok_s_per_gpu; }));
  s.add(columns::tok_s_per_user, fitted_when(has_tpot, [](auto& e) { return e.tok_s_per_user; }));
  s.add({"input_tok_s", "tokens/s", "prompt tokens processed per second"},
        fitted_when(has_ttft, [](auto& e) { return e.input_tok_s; }));
  add_band_columns(s);
  s.add({"prefill_bound", "", "what limits prefill"},
        fitted_when(has_ttft, [](auto& e) { return bound_name(e.prefill_detail.bound()); }));
  s.add({"decode_bound", "", "what limits decode"},
        fitted_when(has_tpot, [](auto& e) { return bound_name(e.decode_detail.bound()); }));
  s.add({"usd_per_hour", "$/h", "deployment price per hour"}, fitted([](auto& e) { return e.usd_per_hour; }));
  s.add(columns::shown(columns::usd_per_mtok_output, {NumberStyle::commas, 3}),
        fitted([](auto& e) { return e.usd_per_mtok_output; }));
  s.add({"usd_per_mtok_input", "$/Mtok", "prefill share of GPU time per million input tokens"},
        fitted([](auto& e) { return e.usd_per_mtok_input; }));
  s.add(columns::joules_per_output_token,
        fitted_when(serves_output, [](auto& e) { return e.joules_per_output_token; }));
  s.add({"kwh_per_mtok_output", "kWh/Mtok", "energy per million output tokens"},
        fitted_when(serves_output, [](auto& e) { return e.kwh_per_mtok_output; }));
}

/// Memory of one co-located deployment; a disaggregated one has a figure per pool.
template <class F>
auto memory(F f) {
  return [f](const EstimateRow& r, auto& s) {
    if (r.resolved && r.estimate && co_located_estimate(*r.estimate)) {
      put_value(s, f(r.estimate->memory));
    } else {
      s.null();
    }
  };
}

/// A price column's text: null when the row's GPU has no price.
std::optional<std::string_view> priced(const ScenarioResolver::Resolved& x, const std::string& text) {
  return x.usd_per_gpu_hour ? std::optional<std::string_view>(text) : std::nullopt;
}

void add_memory_columns(EstimateColumns& s) {
  s.add(columns::weights_gb_per_gpu, memory([](auto& m) { return in_gigabytes(m.need.weights); }));
  s.add(columns::kv_gb_per_gpu, memory([](auto& m) { return in_gigabytes(m.need.kv_cache); }));
  s.add(columns::activations_gb_per_gpu, memory([](auto& m) { return in_gigabytes(m.need.activations); }));
  s.add(columns::usable_gb_per_gpu, memory([](auto& m) { return in_gigabytes(m.usable_per_gpu); }));
  s.add(columns::free_kv_tokens, memory([](auto& m) { return columns::whole_tokens(m.free_kv_tokens); }));
  s.add({"prefill_gb_per_gpu", "GB", "disaggregated: weights + KV + activations on a prefill GPU"},
        pooled([](auto& x) { return in_gigabytes(x.prefill.memory.need.total()); }));
  s.add({"decode_gb_per_gpu", "GB", "disaggregated: weights + KV + activations on a decode GPU"},
        pooled([](auto& x) { return in_gigabytes(x.decode.memory.need.total()); }));
  s.add(columns::price, resolved([](auto& x, auto&) { return priced(x, x.price_label); }));
  s.add(columns::price_basis, resolved([](auto& x, auto&) { return priced(x, x.price_basis); }));
  s.add(columns::usd_per_gpu_hour, resolved([](auto& x, auto&) { return x.usd_per_gpu_hour; }));
  // A list in JSON, as every command's notes; CSV and text join it with "; ".
  s.add(columns::notes, [](const EstimateRow& r, auto& s) {
    if (!r.estimate) return s.list({});
    const bool unpriced = r.resolved && !r.resolved->usd_per_gpu_hour;
    // A price the user did not choose, on another basis than most GPUs' (text mode says it on stderr).
    std::optional<std::string> own;  // the note worked out here, when the row brings none cached
    const std::optional<std::string>* basis = &own;
    if (r.resolved && !unpriced && r.input && r.input->price.empty()) {
      if (r.basis_note) {
        basis = r.basis_note;
      } else {
        own = default_basis_note(*r.resolved->gpu, r.resolved->price_basis);
      }
    }
    if (!unpriced && !*basis) return s.list(r.estimate->notes);  // most rows: no copy
    std::vector<std::string> notes = r.estimate->notes;
    // Unpriced: the $ columns are empty, so say why; priced: the basis note.
    notes.push_back(unpriced ? unpriced_note(*r.resolved->gpu, r.resolved->price_basis) : **basis);
    s.list(notes);
  });
  s.add(columns::warnings, [](const EstimateRow& r, auto& s) {
    const bool model_warns = r.resolved && r.resolved->model && !r.resolved->model->warnings.empty();
    if (r.resolved && !model_warns) return s.list(r.resolved->warnings);  // most rows: no copy
    std::vector<std::string> all;
    if (model_warns) all = r.resolved->model->warnings;
    if (r.resolved) all.insert(all.end(), r.resolved->warnings.begin(), r.resolved->warnings.end());
    s.list(all);
  });
  s.add({"error", "", "why this scenario could not be estimated"}, whole_row([](const EstimateRow& r) {
          return r.error.empty() ? std::nullopt : std::optional<std::string_view>(r.error);
        }));
}

EstimateColumns make_columns() {
  EstimateColumns s;
  add_request_columns(s);
  add_performance_columns(s);
  add_memory_columns(s);
  return s;
}

const EstimateColumns& estimate_definitions() {
  static const EstimateColumns s = make_columns();  // immutable after first use
  return s;
}

}  // namespace

const Schema<EstimateRow>& estimate_schema() {
  return estimate_definitions().schema;
}

void write_estimate_csv(const EstimateRow& row, CsvCellSink& sink) {
  const std::vector<std::function<void(const EstimateRow&, CsvCellSink&)>>& columns = estimate_definitions().csv;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) sink.separator(',');
    columns[c](row, sink);
  }
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
