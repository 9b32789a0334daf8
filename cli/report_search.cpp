#include "cli/report_search.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/sweep_common.hpp"
#include "estimator/plan.hpp"
#include "estimator/text_format.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {
namespace {

constexpr std::size_t palette_size = std::size(chart_palette);

std::string row_text(const SweepRow& r) {
  return fmt::format(
      "{} {}, {} weights, KV {}{}, {}", count_of(r.total_gpus(), "GPU"),
      r.pools ? pools_label(*r.pools) : layout_label(r.deployment.parallel), upper(weights_label(r.deployment)),
      upper(name(r.deployment.kv)),
      r.deployment.speculative_tokens > 0 ? fmt::format(", MTP {}", r.deployment.speculative_tokens) : "",
      count_of(r.concurrency, "request"));
}

std::string point_tooltip(const std::string& gpu, const SweepRow& r) {
  return fmt::format("{}: {} output tok/s per GPU at {} tok/s per user ({})", gpu,
                     with_commas(r.output_tok_s_per_gpu, 1), with_commas(r.tok_s_per_user, 1), row_text(r));
}

}  // namespace

SweepResult report_sweep(const std::vector<const ScenarioResolver::Resolved*>& gpus, const ReportSearch& search,
                         std::vector<SweepTarget>& targets, SweepRequest& request) {
  const auto& first = *gpus.front();
  request = sized_request(first.workload.isl, first.workload.osl, default_sweep_max_gpus);
  request.slo = search.slo;
  request.kv = first.deployment.kv;
  request.search_kv = !search.kv_given;
  request.disaggregated = search.disaggregated;
  request.overlap = first.deployment.overlap;
  request.concurrencies = default_concurrencies();
  request.keep = SweepRows::shown;  // the section reads the frontiers and the best rows
  request.threads = sweep_threads();
  targets.clear();
  for (const auto* g : gpus) targets.push_back({g->gpu, g->efficiency, g->usd_per_gpu_hour, {}, g->price_basis});
  return sweep(*first.prepared, targets, request);
}

BarChart cost_by_gpu_chart(const SweepResult& result, const std::vector<SweepTarget>& targets,
                           const ServiceLevel& slo) {
  BarChart chart;
  chart.title = fmt::format("Cost per million output tokens, best configuration per GPU type ({})", describe_slo(slo));
  chart.axis_title = "$ per million output tokens (all GPU time, busy replica)";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const SweepTargetResult& t = result.targets[i];
    Bar bar{targets[i].gpu->name, std::nullopt, "", "", chart_palette[i % palette_size]};
    if (!t.best) {
      bar.note = t.nothing_fits() ? "nothing fits" : "no configuration meets the SLOs";
    } else if (const SweepRow& row = result.rows[*t.best]; !row.usd_per_mtok_output) {
      bar.note = "no price (the note below says how to give one)";
    } else {
      bar.value = *row.usd_per_mtok_output;
      bar.value_text = fmt::format("${:.3f}", *row.usd_per_mtok_output);
      bar.note =
          fmt::format("(${:.3f}/GPU-h, {})", *targets[i].usd_per_gpu_hour, price_basis_text(targets[i].price_basis));
    }
    chart.bars.push_back(std::move(bar));
  }
  return chart;
}

Chart frontiers_chart(const SweepResult& result, const std::vector<SweepTarget>& targets, const ServiceLevel& slo) {
  Chart c;
  c.title = "Pareto frontiers: throughput per GPU against speed per user, every GPU type";
  c.x = {"decode speed per user (output tokens/s per request)", false, {}, {}};
  c.y = {"throughput (output tokens/s per GPU)", true, {}, {}};
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const SweepTargetResult& t = result.targets[i];
    if (t.frontier.empty()) continue;
    const std::string& gpu = targets[i].gpu->name;
    ChartSeries line{
        fmt::format("{} frontier", gpu), chart_palette[i % palette_size], Marker::circle, false, LineStyle::solid, {}};
    for (std::size_t row : t.frontier) {
      const SweepRow& r = result.rows[row];
      line.points.push_back({r.tok_s_per_user, r.output_tok_s_per_gpu, "", point_tooltip(gpu, r)});
    }
    c.series.push_back(std::move(line));
    if (t.best) {
      const SweepRow& r = result.rows[*t.best];
      c.series.push_back({fmt::format("{} best meeting the SLOs", gpu),
                          chart_palette[i % palette_size],
                          Marker::diamond,
                          true,
                          LineStyle::none,
                          {{r.tok_s_per_user, r.output_tok_s_per_gpu, "", point_tooltip(gpu, r)}}});
    }
  }
  if (slo.tpot) {
    c.references.push_back(
        {true, 1.0 / slo.tpot->value, fmt::format("TPOT SLO {:g} ms", in_milliseconds(*slo.tpot)), "#d62728"});
  }
  return c;
}

void search_section(HtmlReport& page, const std::vector<const ScenarioResolver::Resolved*>& gpus,
                    const ReportSearch& search) {
  std::vector<SweepTarget> targets;
  SweepRequest request;
  const SweepResult result = report_sweep(gpus, search, targets, request);
  const ServiceLevel& slo = search.slo;
  page.table(fmt::format("The sweep's best realistic configuration meeting the SLOs ({}), as plan and compare choose "
                         "it: layouts{}, precisions (weights, KV), MTP depth and concurrency up to {} GPUs",
                         describe_slo(slo),
                         search.disaggregated ? " co-located or as prefill/decode-disaggregated pools (--disagg)" : "",
                         request.max_gpus),
             best_rows_table(*gpus.front()->model, result, targets));
  std::string cost_caption =
      "$/Mtok of the configuration in the table above, per GPU type: its price over its output tokens per GPU-hour. "
      "Prices on different bases are not like for like; each bar names its basis.";
  for (const std::string& note : price_notes(targets, search.price_asked)) cost_caption += " Note: " + note + ".";
  page.figures({{render_bar_svg(cost_by_gpu_chart(result, targets, slo)), cost_caption},
                {render_svg(frontiers_chart(result, targets, slo)),
                 "Every GPU type's frontier from the same search: no configuration of that type is better in both "
                 "throughput per GPU and speed per user. Diamonds: the configuration in the table above."}});
}

}  // namespace llmsizer::cli
