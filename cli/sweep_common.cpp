#include "cli/sweep_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <thread>
#include <utility>

#include "cli/scenario.hpp"
#include "estimator/plan.hpp"
#include "estimator/realism.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"
#include "request/price_choice.hpp"
#include "request/resolved_estimate.hpp"
#include "request/scenario_fields.hpp"

namespace llmsizer::cli {
namespace {

constexpr int max_gpu_limit = 4096;
constexpr std::int64_t max_concurrency = 1024;

std::optional<Seconds> latency_target(const std::optional<double>& ms, const char* option) {
  if (!ms) return std::nullopt;
  if (!(*ms > 0 && *ms <= 1e9)) {
    throw ConfigError(option, fmt::format("{} is out of range (must be > 0 and <= 1e9 ms)", *ms));
  }
  return milliseconds(*ms);
}

using Getter = Schema<SweepRowRef>::Getter;

/// A column read from the sweep row; null when nothing fits.
Getter of_row(std::function<Cell(const SweepRow&)> f) {
  return [f](const SweepRowRef& r) { return r.row ? f(*r.row) : Cell(); };
}

void add_layout_columns(Schema<SweepRowRef>& s) {
  s.add(columns::model, [](const SweepRowRef& r) { return Cell(r.model->name); });
  s.add(columns::gpu, [](const SweepRowRef& r) { return Cell(r.gpu->name); });
  s.add({"gpus", "count", "GPUs in the instance (both pools of a disaggregated one)"},
        of_row([](auto& r) { return count_cell(r.total_gpus()); }));
  // The degrees of one co-located instance; a disaggregated one's pools are in `pools`.
  auto degree = [](int Parallelism::*field) {
    return of_row([field](auto& r) { return r.pools ? Cell() : count_cell(r.deployment.parallel.*field); });
  };
  s.add(columns::tp, degree(&Parallelism::tp));
  s.add(columns::pp, degree(&Parallelism::pp));
  s.add(columns::dp, degree(&Parallelism::dp));
  s.add(columns::ep, degree(&Parallelism::ep));
  s.add({"pools", "", "prefill/decode-disaggregated (--disagg): xPyD and each pool's layout"},
        of_row([](auto& r) { return r.pools ? Cell(pools_label(*r.pools)) : Cell(); }));
  s.add(columns::weights, of_row([](auto& r) { return Cell(weights_label(r.deployment)); }));
  s.add(columns::kv, of_row([](auto& r) { return Cell(std::string(name(r.deployment.kv))); }));
  s.add(columns::mtp, of_row([](auto& r) { return count_cell(r.deployment.speculative_tokens); }));
  s.add(columns::overlap, of_row([](auto& r) { return overlap_cell(r); }));
  s.add(columns::concurrency, of_row([](auto& r) { return count_cell(r.concurrency); }));
}

void add_result_columns(Schema<SweepRowRef>& s) {
  s.add(columns::shown(columns::ttft_ms, {NumberStyle::commas, 1}),
        of_row([](auto& r) { return Cell(in_milliseconds(r.ttft)); }));
  s.add(columns::shown(columns::tpot_ms, {NumberStyle::commas, 2}),
        of_row([](auto& r) { return Cell(in_milliseconds(r.tpot)); }));
  s.add({"output_tok_s", "tokens/s", "output throughput of the instance"},
        of_row([](auto& r) { return Cell(r.output_tok_s); }));
  s.add(columns::shown(columns::output_tok_s_per_gpu, {NumberStyle::commas, 1}),
        of_row([](auto& r) { return Cell(r.output_tok_s_per_gpu); }));
  s.add(columns::shown(columns::tok_s_per_user, {NumberStyle::commas, 1}),
        of_row([](auto& r) { return Cell(r.tok_s_per_user); }));
  s.add(columns::shown(columns::usd_per_mtok_output, {NumberStyle::commas, 3}),
        of_row([](auto& r) { return optional_cell(r.usd_per_mtok_output); }));
  s.add({"meets_slo", "", "TTFT and TPOT within the --ttft-ms/--tpot-ms targets"},
        of_row([](auto& r) { return Cell(r.meets_slo); }));
  s.add({"realistic", "", "an engine would run it: tp within the scale-up domain, pp <= 4, >= 5 tok/s per user"},
        of_row([](auto& r) { return Cell(r.realistic); }));
  s.add({"cheapest", "", "lowest $/Mtok output of this GPU type meeting the SLO"},
        of_row([](auto& r) { return Cell(r.cheapest); }));
  s.add({"on_frontier", "", "no row of this GPU type is better in both tok/s per GPU and per user"},
        of_row([](auto& r) { return Cell(r.on_frontier); }));
  s.add({"memory_gb_per_gpu", "GB", "weights + KV + activations on the busiest GPU", {NumberStyle::commas, 1}},
        of_row([](auto& r) { return Cell(in_gigabytes(r.memory_per_gpu)); }));
  s.add(columns::shown(columns::joules_per_output_token, {NumberStyle::commas, 3}),
        of_row([](auto& r) { return Cell(r.joules_per_output_token); }));
  s.add(columns::price_basis, [](const SweepRowRef& r) {
    return r.row && r.row->usd_per_mtok_output ? Cell(std::string(r.price_basis)) : Cell();
  });
  s.add(columns::shown(columns::usd_per_gpu_hour, {NumberStyle::commas, 3}), [](const SweepRowRef& r) {
    return r.row && r.row->usd_per_mtok_output ? optional_cell(r.usd_per_gpu_hour) : Cell();
  });
}

Schema<SweepRowRef> make_sweep_schema() {
  Schema<SweepRowRef> s;
  add_layout_columns(s);
  add_result_columns(s);
  return s;
}

}  // namespace

Overlap applied_overlap(const SweepRow& row) {
  return row.pools ? row.pools->applied_overlap() : row.deployment.applied_overlap();
}

Cell overlap_cell(const SweepRow& r) {
  return Cell(std::string(overlap_name(applied_overlap(r))));
}

const Schema<SweepRowRef>& sweep_schema() {
  static const Schema<SweepRowRef> schema = make_sweep_schema();  // immutable after first use
  return schema;
}

std::vector<std::size_t> shown_rows(const SweepResult& result, const SweepTargetResult& t) {
  std::vector<std::size_t> rows = t.frontier;
  if (t.best && result.rows[*t.best].cheapest && !result.rows[*t.best].on_frontier) rows.push_back(*t.best);
  return rows;
}

ResultTable sweep_table(const ModelSpec& model, const SweepResult& result, const std::vector<SweepTarget>& targets) {
  ResultTable table = sweep_schema().table();
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    for (std::size_t i : shown_rows(result, result.targets[ti])) {
      table.rows.push_back(sweep_schema().cells(
          {&model, targets[ti].gpu, &result.rows[i], targets[ti].price_basis, targets[ti].usd_per_gpu_hour}));
    }
  }
  return table;
}

void add_layout_restrictions(CLI::App& app, std::optional<int>& tp, std::optional<int>& pp, std::optional<int>& dp,
                             std::optional<int>& ep) {
  app.add_option("--tp", tp, "Search only layouts with this tensor parallel size");
  app.add_option("--pp", pp, "Search only layouts with this many pipeline stages");
  app.add_option("--dp", dp, "Search only layouts with this attention data parallel size");
  app.add_option("--ep", ep, "Search only layouts with this expert parallel size");
}

void add_disagg_option(CLI::App& app, bool& disaggregated) {
  app.add_flag("--disagg", disaggregated,
               "Also search prefill/decode-disaggregated deployments (xPyD: prefill workers sized to decode workers)");
}

LayoutHints layout_restriction(std::optional<int> tp, std::optional<int> pp, std::optional<int> dp,
                               std::optional<int> ep) {
  for (auto [value, option] : {std::pair{tp, "--tp"}, {pp, "--pp"}, {dp, "--dp"}, {ep, "--ep"}}) {
    if (value && *value < 1) throw ConfigError(option, fmt::format("{} is out of range (must be >= 1)", *value));
  }
  return {tp, pp, dp, ep};
}

void add_allow_unrealistic_option(CLI::App& app, bool& allow) {
  app.add_flag("--allow-unrealistic", allow,
               "Recommend layouts an engine would not run (tp beyond the scale-up domain, pp > 4, < 5 tok/s per user)");
}

ResultTable best_rows_table(const ModelSpec& model, const SweepResult& result,
                            const std::vector<SweepTarget>& targets) {
  ResultTable table = sweep_schema().table();
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const SweepTargetResult& t = result.targets[ti];
    const std::optional<std::size_t> index = t.best ? t.best : t.fastest;
    const SweepRow* row = index ? &result.rows[*index] : nullptr;
    table.rows.push_back(
        sweep_schema().cells({&model, targets[ti].gpu, row, targets[ti].price_basis, targets[ti].usd_per_gpu_hour}));
  }
  return table;
}

SweepRequest sized_request(std::int64_t isl, std::int64_t osl, int max_gpus) {
  for (auto [value, option] : {std::pair{isl, "--isl"}, {osl, "--osl"}}) {
    if (value < 1 || value > max_tokens)
      throw ConfigError(option, fmt::format("{} is out of range (1 to 2^31)", value));
  }
  if (max_gpus < 1 || max_gpus > max_gpu_limit) {
    throw ConfigError("--max-gpus", fmt::format("{} is out of range (1 to {})", max_gpus, max_gpu_limit));
  }
  SweepRequest r;
  r.isl = isl;
  r.osl = osl;
  r.max_gpus = max_gpus;
  r.search_kv = true;
  r.search_mtp = true;
  r.mtp_acceptance = default_mtp_acceptance;
  r.mtp_acceptance_decay = default_mtp_acceptance_decay;
  r.refine_concurrency = true;
  return r;
}

ServiceLevel slo_targets(const std::optional<double>& ttft_ms, const std::optional<double>& tpot_ms) {
  return {latency_target(ttft_ms, "--ttft-ms"), latency_target(tpot_ms, "--tpot-ms")};
}

std::vector<std::int64_t> default_concurrencies() {
  std::vector<std::int64_t> levels;
  for (std::int64_t c = 1; c <= max_concurrency; c *= 2) levels.push_back(c);
  return levels;
}

void set_concurrencies(SweepRequest& r, const std::vector<std::int64_t>& given) {
  r.concurrencies = given.empty() ? default_concurrencies() : given;
  r.refine_concurrency = given.empty();  // levels the user names are kept as given
  for (std::int64_t c : r.concurrencies) {
    if (c < 1 || c > max_tokens) throw ConfigError("--concurrency", fmt::format("{} is out of range (1 to 2^31)", c));
  }
  std::sort(r.concurrencies.begin(), r.concurrencies.end());
  r.concurrencies.erase(std::unique(r.concurrencies.begin(), r.concurrencies.end()), r.concurrencies.end());
}

void add_mtp_restriction(CLI::App& app, std::optional<int>& mtp) {
  app.add_option("--mtp", mtp,
                 fmt::format("MTP draft tokens to use (default: 0 to {} searched where the model has MTP)",
                             max_searched_mtp_tokens));
}

void restrict_mtp(SweepRequest& request, const ModelSpec& model, std::optional<int> mtp) {
  if (!mtp) return;
  if (*mtp < 0 || *mtp > max_mtp_draft_tokens) {
    throw ConfigError("--mtp", fmt::format("{} is out of range (must be >= 0 and <= {})", *mtp, max_mtp_draft_tokens));
  }
  if (*mtp > 0 && model.mtp_layers == 0) {
    throw ConfigError("--mtp", fmt::format("{} has no MTP module (mtp_layers 0); speculative decoding with --mtp needs "
                                           "one",
                                           model.name));
  }
  request.mtp_tokens = mtp;
}

std::string slo_text(const SweepRequest& r) {
  return r.slo.ttft || r.slo.tpot ? "SLO " + describe_slo(r.slo) : "no SLO";
}

std::vector<std::string> price_notes(const std::vector<SweepTarget>& targets, const std::string& asked) {
  std::vector<std::string> notes;
  std::vector<PricedGpu> priced;
  for (const SweepTarget& t : targets) {
    if (!t.usd_per_gpu_hour) notes.push_back(unpriced_note(*t.gpu, asked));
    priced.push_back({t.gpu, t.usd_per_gpu_hour ? t.price_basis : std::string()});
  }
  if (auto mixed = mixed_basis_note(priced)) notes.push_back(std::move(*mixed));
  return notes;
}

bool print_price_notes(const std::vector<SweepTarget>& targets, const std::string& asked, std::ostream& out) {
  const std::vector<std::string> notes = price_notes(targets, asked);
  for (const std::string& note : notes) out << "note: " << note << "\n";
  return !notes.empty();
}

std::string ms_range_text(const std::optional<PercentileRange>& seconds) {
  if (!seconds) return "-";
  const auto ms = [](double s) {
    return in_milliseconds(Seconds{s}) >= 100 ? with_commas(in_milliseconds(Seconds{s}))
                                              : fixed(in_milliseconds(Seconds{s}), 2);
  };
  return fmt::format("{}-{} ms", ms(seconds->p10), ms(seconds->p90));
}

std::string count_range_text(const std::optional<PercentileRange>& range) {
  return range ? fmt::format("{}-{}", with_commas(range->p10), with_commas(range->p90)) : "-";
}

bool print_overlap_note(Overlap stated, Overlap applied, std::ostream& out) {
  const std::optional<std::string> note = overlap_note(stated, applied);
  if (note) out << "note: " << *note << "\n";
  return note.has_value();
}

void warn_overlap_calibration(Overlap overlap, const Calibration& calibration, std::ostream& err) {
  if (auto warning = overlap_calibration_warning(overlap, calibration.comm_overlap, calibration.name)) {
    print_warnings({*warning}, err);
  }
}

unsigned sweep_threads() {
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace llmsizer::cli
