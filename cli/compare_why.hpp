// cli/compare_why.hpp — `compare`'s "why", read off each candidate's estimate (estimator/explain.hpp):
// what bounds prefill and decode with the figures, KV headroom and the batch it buys, resident against
// read weight bytes; the one factor that decides between the winner and the runner-up; and, for a
// model on several GPUs, which GPU wins each phase and by how much.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "estimator/explain.hpp"
#include "estimator/plan.hpp"
#include "estimator/sweep.hpp"
#include "io/result_table.hpp"

namespace llmsizer::cli {

/// One (model, GPU) of the comparison: the row chosen, or none when nothing fits.
struct Choice {
  const ModelSpec* model = nullptr;
  const PreparedModel* prepared = nullptr;
  const GpuSpec* gpu = nullptr;
  const SweepRow* row = nullptr;  // best meeting the SLO, else the fastest
  std::string price_basis;        // of the GPU's price; "" unpriced
  std::optional<int> min_gpus;    // smallest count that holds the chosen precision
  bool meets_slo = false;
  std::optional<double> usd_per_gpu_hour;        // the price the row was costed at
  const EfficiencyParams* efficiency = nullptr;  // the target's, the row was estimated under
  std::optional<Explanation> why;                // of the row's estimate
  RowRange range;                                // the row's 80 % range (row_range)
  // Filled by rank_choices from all choices:
  std::optional<int> rank;           // 1 = the winner among the rows shown
  std::string decisive;              // on the winner: why it beats the runner-up
  std::optional<bool> wins_prefill;  // among the same model's GPUs (none with one GPU)
  std::optional<bool> wins_decode;
};

/// Ranks the choices with a row (meeting the SLO first; then lowest $/Mtok output when every one is
/// priced, else highest output tok/s per GPU), writes the winner's decisive sentence and each model's
/// per-phase GPU winners.
void rank_choices(std::vector<Choice>& choices);

/// The prefill, decode and memory clauses of one candidate (empty when nothing fits).
[[nodiscard]] std::string prefill_text(const Explanation& x);
[[nodiscard]] std::string decode_text(const Explanation& x);
[[nodiscard]] std::string memory_text(const Explanation& x);
/// A disaggregated candidate's pools: which sets the rate, the balance, what the hand-off adds to
/// TTFT; "" for one co-located deployment.
[[nodiscard]] std::string pools_text(const Explanation& x);

/// Per model on two or more GPUs, one line per phase: which GPU wins it and by how much.
[[nodiscard]] std::vector<std::string> phase_lines(const std::vector<Choice>& choices);

/// The why columns of compare's schema (bounds, shares, bytes, headroom, rank, decisive, ...).
void add_why_columns(Schema<Choice>& schema);

}  // namespace llmsizer::cli
