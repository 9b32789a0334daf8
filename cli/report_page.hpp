// cli/report_page.hpp — what `report` shows for each GPU type, and the page's tables built from it:
// the memory-fit table for the workload's context and the cost table at the chosen concurrency.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/scenario.hpp"
#include "estimator/layout.hpp"
#include "estimator/serving.hpp"
#include "estimator/step_time.hpp"
#include "hardware/achievable.hpp"
#include "io/html_report.hpp"

namespace llmsizer::cli {

/// One weight precision of the fit table: its smallest GPU count.
struct FitTableRow {
  std::string weights;
  MinimumGpus minimum;
};

/// Everything the page shows for one GPU type.
struct GpuSection {
  ScenarioResolver::Resolved resolved;
  std::vector<FitTableRow> fit;
  std::vector<Estimate> ladder;  // the default layout across concurrency
  std::optional<size_t> chosen;  // index into ladder
  bool chosen_meets_slo = false;
  bool fixed_concurrency = false;  // --concurrency given
  std::string problem;             // why there is nothing to chart
  std::string price_note;          // unpriced_note() when unpriced
  OperatorBreakdown prefill{}, decode{};
  Roofs roofs{};
};

/// "8 GPUs: tp8 pp1": a deployment's GPU count and layout.
[[nodiscard]] std::string layout_text(const Deployment& d);

/// What the memory-fit table sizes for: the workload's context, not the model's full one as `fit` does.
[[nodiscard]] std::string fit_context_text(const ScenarioResolver::Resolved& r);
/// The smallest GPU count per weight precision of every GPU type, one table.
void fit_table(HtmlReport& page, const std::vector<GpuSection>& sections);
/// Latency, throughput, price, cost and energy of each GPU type at its chosen concurrency.
void cost_table(HtmlReport& page, const std::vector<GpuSection>& sections);

}  // namespace llmsizer::cli
