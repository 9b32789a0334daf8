// cli/report_search.hpp — `report`'s section from the one search: the sweep run once over the
// report's GPU types, its best configuration per GPU type (as plan and compare choose it), a $/Mtok
// chart of those choices, and the GPU types' Pareto frontiers overlaid on one chart.
#pragma once

#include <vector>

#include "cli/scenario.hpp"
#include "estimator/sweep.hpp"
#include "io/html_report.hpp"
#include "io/svg_bar_chart.hpp"
#include "io/svg_chart.hpp"

namespace llmsizer::cli {

/// The report's series colours, one per GPU type (or per line of a chart), in this order.
inline constexpr const char* chart_palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                                "#ff7f0e", "#8c564b", "#17becf"};

/// What the report's search is asked beyond the GPUs: the SLO, whether --kv fixed the KV precision,
/// and whether --disagg adds prefill/decode-disaggregated deployments.
struct ReportSearch {
  ServiceLevel slo;
  bool kv_given = false;
  bool disaggregated = false;
  std::string price_asked;  // the label or basis --price names, "" when none (price_notes)
};

/// The sweep over `gpus` (the report's isl/osl and `search`).
[[nodiscard]] SweepResult report_sweep(const std::vector<const ScenarioResolver::Resolved*>& gpus,
                                       const ReportSearch& search, std::vector<SweepTarget>& targets,
                                       SweepRequest& request);

/// $/Mtok output of each GPU type's best row; a note where it has no price or no row meets the SLO.
[[nodiscard]] BarChart cost_by_gpu_chart(const SweepResult& result, const std::vector<SweepTarget>& targets,
                                         const ServiceLevel& slo);
/// Each GPU type's frontier (output tok/s per GPU against tok/s per user) as one series, its best
/// row marked; the TPOT target as a reference line.
[[nodiscard]] Chart frontiers_chart(const SweepResult& result, const std::vector<SweepTarget>& targets,
                                    const ServiceLevel& slo);

/// The best-per-GPU table and both charts, from one sweep.
void search_section(HtmlReport& page, const std::vector<const ScenarioResolver::Resolved*>& gpus,
                    const ReportSearch& search);

}  // namespace llmsizer::cli
