// cli/sweep_common.hpp — the option checks, labels and output schema shared by `sweep` and `compare`.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "estimator/deployment.hpp"
#include "estimator/model_spec.hpp"
#include "estimator/plan.hpp"
#include "estimator/sweep.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/result_table.hpp"

namespace llmsizer::cli {

/// Largest instance `sweep`, `compare` and `report` search by default (--max-gpus).
inline constexpr int default_sweep_max_gpus = 64;
/// The largest --isl, --osl and --concurrency the commands accept (2^31).
inline constexpr std::int64_t max_tokens = 1LL << 31;

/// An integer column's cell (the int64_t alternative whatever the integer type given).
[[nodiscard]] inline Cell count_cell(std::int64_t value) {
  return Cell(value);
}

/// A request with --isl, --osl and --max-gpus checked and set; the caller fills the rest.
/// Throws ConfigError naming the option that is out of range.
[[nodiscard]] SweepRequest sized_request(std::int64_t isl, std::int64_t osl, int max_gpus);
/// The SLO of --ttft-ms and --tpot-ms (each optional). Throws ConfigError when one is out of range.
[[nodiscard]] ServiceLevel slo_targets(const std::optional<double>& ttft_ms, const std::optional<double>& tpot_ms);
/// The overlap a row runs, "none" or "two-batch" (Deployment::applied_overlap: two-batch only where
/// the layout has expert parallelism); a disaggregated row's where either pool runs it.
[[nodiscard]] Cell overlap_cell(const SweepRow& r);
/// Concurrency levels 1, 2, 4, ..., 1024.
[[nodiscard]] std::vector<std::int64_t> default_concurrencies();
/// The request's levels from --concurrency: none given, default_concurrencies with the search's
/// refinement (bisection, and doubling beyond 1024 where a deployment still meets the SLO); given,
/// exactly those, ascending and without repeats. Throws ConfigError when one is out of range.
void set_concurrencies(SweepRequest& request, const std::vector<std::int64_t>& given);
/// "SLO TTFT <= 500 ms, TPOT <= 50 ms", or "no SLO".
[[nodiscard]] std::string slo_text(const SweepRequest& request);

/// --tp, --pp, --dp, --ep: each restricts the searched layouts to that degree.
void add_layout_restrictions(CLI::App& app, std::optional<int>& tp, std::optional<int>& pp, std::optional<int>& dp,
                             std::optional<int>& ep);
/// The restriction those options give; throws ConfigError naming the option when one is below 1.
[[nodiscard]] LayoutHints layout_restriction(std::optional<int> tp, std::optional<int> pp, std::optional<int> dp,
                                             std::optional<int> ep);
/// --mtp: one MTP depth instead of the searched 0..max_searched_mtp_tokens.
void add_mtp_restriction(CLI::App& app, std::optional<int>& mtp);
/// Sets request.mtp_tokens from --mtp; throws ConfigError when it is out of range or the model has
/// no MTP module (the resolver's message).
void restrict_mtp(SweepRequest& request, const ModelSpec& model, std::optional<int> mtp);
/// --allow-unrealistic: let layouts flagged by estimator/realism.hpp be recommended.
void add_allow_unrealistic_option(CLI::App& app, bool& allow);

/// --disagg: search prefill/decode-disaggregated deployments too (off by default: it about doubles
/// the estimates a search runs; docs/methodology.md#disaggregated).
void add_disagg_option(CLI::App& app, bool& disaggregated);

/// The price notes of a comparison: the unpriced_note() of each GPU type without a price (`asked`: the
/// label or basis --price names, "" when none) and, when the priced ones are on more than one basis,
/// mixed_basis_note(). `sweep` and `compare` print them before their tables, `report` under its chart.
[[nodiscard]] std::vector<std::string> price_notes(const std::vector<SweepTarget>& targets, const std::string& asked);
/// One "note: ..." line per price_notes() entry; returns whether it printed any.
bool print_price_notes(const std::vector<SweepTarget>& targets, const std::string& asked, std::ostream& out);

/// The ttft_ms_p10, ttft_ms_p90, tpot_ms_p10 and tpot_ms_p90 columns of rows that carry a RowRange:
/// `range` gives a row's, nullptr where the row has no configuration.
template <class Row>
void add_latency_range_columns(Schema<Row>& s, const RowRange* (*range)(const Row&)) {
  struct Figure {
    const char* key;
    const char* description;
    std::optional<PercentileRange> RowRange::*figure;
    double PercentileRange::*end;
  };
  for (const Figure& f :
       {Figure{"ttft_ms_p10", "TTFT 10th percentile: 8 in 10 measured runs of this regime lie in p10-p90",
               &RowRange::ttft_s, &PercentileRange::p10},
        Figure{"ttft_ms_p90", "TTFT 90th percentile", &RowRange::ttft_s, &PercentileRange::p90},
        Figure{"tpot_ms_p10", "TPOT 10th percentile", &RowRange::tpot_s, &PercentileRange::p10},
        Figure{"tpot_ms_p90", "TPOT 90th percentile", &RowRange::tpot_s, &PercentileRange::p90}}) {
    s.add({f.key, "ms", f.description}, [range, f](const Row& row) {
      const RowRange* r = range(row);
      if (r == nullptr || !(r->*f.figure)) return Cell();
      return Cell(in_milliseconds(Seconds{*(r->*f.figure).*f.end}));
    });
  }
}

/// "1,308-39,037 ms" (" ms" from seconds; two decimals below 100 ms, as estimate shows them) or
/// "1,689-3,538" (a throughput as it is): the p10-p90 of a PercentileRange; "-" without one.
[[nodiscard]] std::string ms_range_text(const std::optional<PercentileRange>& seconds);
[[nodiscard]] std::string count_range_text(const std::optional<PercentileRange>& range);

/// The overlap a row runs: its instance's, or its pools' (Deployment::applied_overlap).
[[nodiscard]] Overlap applied_overlap(const SweepRow& row);
/// overlap_note (request/resolved_estimate.hpp) of `stated` over rows of which any runs `applied`,
/// printed as "note: ..." to `out`; returns whether it printed. `sweep` and `compare` print it
/// beside their price notes (stderr for --json, --csv and --xlsx, whose documents carry no notes list).
bool print_overlap_note(Overlap stated, Overlap applied, std::ostream& out);
/// Two-batch when any of `rows` runs it (applied_overlap), else none; `row_of` gives the row of an
/// element, nullptr for none.
template <class Range, class RowOf>
[[nodiscard]] Overlap applied_overlap_of_any(const Range& rows, RowOf row_of) {
  for (const auto& element : rows) {
    const SweepRow* row = row_of(element);
    if (row && applied_overlap(*row) == Overlap::two_batch) return Overlap::two_batch;
  }
  return Overlap::none;
}

/// Prints overlap_calibration_warning (request/resolver.hpp) of `overlap` under `calibration` to `err`.
void warn_overlap_calibration(Overlap overlap, const Calibration& calibration, std::ostream& err);

/// One configuration of a sweep as the writers see it; `row` nullptr when nothing fits, and every
/// column but model and GPU is then null.
struct SweepRowRef {
  const ModelSpec* model = nullptr;
  const GpuSpec* gpu = nullptr;
  const SweepRow* row = nullptr;
  std::string_view price_basis;            // SweepTarget::price_basis of the row's GPU type
  std::optional<double> usd_per_gpu_hour;  // SweepTarget::usd_per_gpu_hour of the row's GPU type
};

/// The one column schema of sweep rows: `sweep`'s table, CSV, JSON and XLSX, and the per-row
/// columns of `compare`, read it.
[[nodiscard]] const Schema<SweepRowRef>& sweep_schema();

/// The rows shown for one GPU type: its frontier by tok/s per user, then the cheapest SLO row if a
/// TTFT target kept it off the frontier.
[[nodiscard]] std::vector<std::size_t> shown_rows(const SweepResult& result, const SweepTargetResult& target);

/// The shown rows of every target, in target order, under sweep_schema().
[[nodiscard]] ResultTable sweep_table(const ModelSpec& model, const SweepResult& result,
                                      const std::vector<SweepTarget>& targets);

/// One row per target: its `best` row (the configuration plan and compare pick), else its fastest,
/// else none, under sweep_schema().
[[nodiscard]] ResultTable best_rows_table(const ModelSpec& model, const SweepResult& result,
                                          const std::vector<SweepTarget>& targets);

/// The GPU types a command sweeps at once: one per hardware thread (SweepRequest::threads).
[[nodiscard]] unsigned sweep_threads();

}  // namespace llmsizer::cli
