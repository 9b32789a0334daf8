// `llmsizer report` — one self-contained HTML page per model: fit table, roofline and throughput/
// latency charts per GPU, the cost table, and from one sweep the best configuration per GPU, a
// $/Mtok chart and the GPUs' Pareto frontiers overlaid (cli/report_search.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/common_options.hpp"
#include "cli/report_page.hpp"
#include "cli/report_search.hpp"
#include "cli/scenario.hpp"
#include "cli/sweep_common.hpp"
#include "estimator/plan.hpp"
#include "estimator/realism.hpp"
#include "estimator/roofline.hpp"
#include "estimator/text_format.hpp"
#include "estimator/weight_candidates.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"
#include "io/html_report.hpp"
#include "io/output_file.hpp"
#include "io/result_table.hpp"
#include "io/svg_chart.hpp"
#include "request/resolved_estimate.hpp"

namespace llmsizer::cli {
namespace {

struct ReportOptions {
  std::string model;
  std::vector<std::string> gpus;
  std::int64_t isl = default_request_tokens, osl = default_request_tokens;
  std::optional<std::int64_t> concurrency;
  std::optional<double> ttft_ms, tpot_ms, usd_per_gpu_hour;
  std::string price, engine, weights, kv, overlap, html, calibration = "default";
  bool disaggregated = false;
};

std::vector<FitTableRow> fit_rows(const ScenarioResolver::Resolved& r, const Residency& residency) {
  std::vector<FitTableRow> rows;
  const WeightChoice chosen{r.deployment.weights, r.deployment.experts};
  for (const WeightChoice& choice : weight_candidates(chosen, *r.gpu, CandidateUse::memory)) {
    Deployment d = r.deployment;
    d.weights = choice.weights;
    d.experts = choice.experts;
    rows.push_back({weights_label(d), minimum_gpus(*r.prepared, *r.gpu, d, residency, r.efficiency)});
  }
  return rows;
}

/// The step shapes the estimate at the chosen concurrency used (estimator/serving.hpp).
void add_breakdowns(GpuSection& s) {
  const auto& r = s.resolved;
  const ServingStepShapes shapes =
      serving_step_shapes(r.deployment, r.workload, r.efficiency, s.ladder[*s.chosen].running);
  s.decode = operator_breakdown(*r.prepared, *r.gpu, r.deployment, r.efficiency, shapes.decode);
  s.prefill = operator_breakdown(*r.prepared, *r.gpu, r.deployment, r.efficiency, shapes.prefill_chunk);
  s.roofs = achievable_roofs(*r.gpu, r.deployment, r.efficiency);
}

void choose(GpuSection& s, const ServiceLevel& slo, bool fixed_concurrency) {
  if (s.ladder.empty()) return;
  if (fixed_concurrency) {
    s.chosen = s.ladder.size() - 1;  // the user's concurrency was appended last
  } else {
    for (size_t i = 0; i < s.ladder.size(); ++i) {
      if (!meets_slo(s.ladder[i], slo)) continue;
      if (!s.chosen || s.ladder[i].output_tok_s_per_gpu > s.ladder[*s.chosen].output_tok_s_per_gpu) s.chosen = i;
    }
    if (!s.chosen) s.chosen = 0;
  }
  s.chosen_meets_slo = meets_slo(s.ladder[*s.chosen], slo);
  s.fixed_concurrency = fixed_concurrency;
  add_breakdowns(s);
}

GpuSection make_section(ScenarioResolver& resolver, const ReportOptions& o, const std::string& gpu,
                        const ServiceLevel& slo) {
  ScenarioInput in;
  in.model = o.model;
  in.gpu = gpu;
  in.isl = o.isl;
  in.osl = o.osl;
  in.concurrency = o.concurrency.value_or(1);
  in.weights = o.weights;
  in.kv = o.kv;
  in.overlap = o.overlap;
  in.engine = o.engine;
  in.price = o.price;
  in.usd_per_gpu_hour = o.usd_per_gpu_hour;
  GpuSection s;
  s.resolved = resolver.resolve(in);
  const auto& r = s.resolved;
  s.fit = fit_rows(r, Residency{r.workload.isl + r.workload.osl, r.workload.concurrency});
  Workload w = r.workload;
  for (std::int64_t c : concurrency_ladder(*r.prepared, *r.gpu, r.deployment, w, r.efficiency)) {
    if (o.concurrency && c >= *o.concurrency) break;
    w.concurrency = c;
    s.ladder.push_back(estimate(*r.prepared, *r.gpu, r.deployment, w, r.efficiency, r.usd_per_gpu_hour));
  }
  if (o.concurrency && !s.ladder.empty()) {
    w.concurrency = *o.concurrency;
    const Estimate e = estimate(*r.prepared, *r.gpu, r.deployment, w, r.efficiency, r.usd_per_gpu_hour);
    if (e.fits)
      s.ladder.push_back(e);
    else
      s.ladder.clear();
    if (!e.fits)
      s.problem = fmt::format("{} do not fit: {}", count_of(*o.concurrency, "request"),
                              e.reasons.empty() ? "memory" : e.reasons.front());
  }
  std::erase_if(s.ladder, [](const Estimate& e) { return !e.fits || e.output_tok_s <= 0; });
  if (s.ladder.empty() && s.problem.empty()) {
    const MemoryFitReport& fit = s.fit.front().minimum.fit;
    s.problem = fmt::format("does not fit on any count up to 1024 GPUs{}",
                            fit.reasons.empty() ? "" : "; " + fit.reasons.front());
  }
  choose(s, slo, o.concurrency.has_value());
  return s;
}

// ---- charts ----

/// The modelled attainable throughput against intensity: the smoothed roofline sampled on the
/// log axis (what step time uses), which bends under the ridge instead of a sharp corner.
ChartSeries roof_series(const std::string& label, double flops_per_s, double bandwidth, double sharpness, double x_lo,
                        double x_hi, const std::string& color, LineStyle style) {
  ChartSeries s{label, color, Marker::none, false, style, {}};
  constexpr int samples = 64;
  for (int i = 0; i <= samples; ++i) {
    const double intensity = x_lo * std::pow(x_hi / x_lo, static_cast<double>(i) / samples);
    const double seconds_per_flop = smooth_max(1.0 / flops_per_s, 1.0 / (intensity * bandwidth), sharpness);
    s.points.push_back({intensity, 1.0 / seconds_per_flop / 1e12, "", ""});
  }
  return s;
}

Chart roofline_chart(const GpuSection& s) {
  const auto& r = s.resolved;
  Chart c;
  c.title = fmt::format("Roofline: {} on {} ({}, {})", r.model->name, r.gpu->name, layout_text(r.deployment),
                        count_of(s.ladder[*s.chosen].concurrency, "request"));
  c.x = {"arithmetic intensity (FLOP/byte of HBM traffic)", true, {}, {}};
  c.y = {"attainable throughput (TFLOP/s per GPU)", true, {}, {}};
  double lo = 1e300, hi = 0;
  for (const OperatorBreakdown* b : {&s.prefill, &s.decode}) {
    for (const OperatorLoad& op : *b) {
      if (op.flops.value <= 0 || op.bytes.value <= 0) continue;
      lo = std::min(lo, op.flop_per_byte());
      hi = std::max(hi, op.flop_per_byte());
    }
  }
  const double bw = s.roofs.bandwidth.value;
  hi = std::max(hi, 2.0 * s.roofs.weight_matmul.value / bw);
  const double x_lo = std::pow(10.0, std::floor(std::log10(std::max(lo, 1e-3))));
  const double x_hi = std::pow(10.0, std::ceil(std::log10(hi)));
  c.x.min = x_lo;
  c.x.max = x_hi;
  const std::string precision = upper(name(effective_compute_type(*r.gpu, r.deployment.weights)));
  const double k = r.efficiency.hardware.roofline_sharpness;
  c.series.push_back(roof_series(fmt::format("{} matmul roof {} TFLOP/s; HBM {} GB/s (smoothed, k = {:g})", precision,
                                             with_commas(s.roofs.weight_matmul.value / 1e12), with_commas(bw / 1e9), k),
                                 s.roofs.weight_matmul.value, bw, k, x_lo, x_hi, "#333333", LineStyle::solid));
  if (std::fabs(s.roofs.head_matmul.value / s.roofs.weight_matmul.value - 1) > 0.01) {
    c.series.push_back(roof_series(fmt::format("16-bit matmul roof {:.0f} TFLOP/s", s.roofs.head_matmul.value / 1e12),
                                   s.roofs.head_matmul.value, bw, k, x_lo, x_hi, "#999999", LineStyle::dashed));
  }
  c.series.push_back(roof_series(fmt::format("attention roof {:.0f} TFLOP/s", s.roofs.attention.value / 1e12),
                                 s.roofs.attention.value, bw, k, x_lo, x_hi, "#c7a000", LineStyle::dashed));
  for (int k = 0; k < operator_kind_count; ++k) {
    if (static_cast<OperatorKind>(k) == OperatorKind::router) continue;  // negligible, clutters the chart
    const std::string op = operator_kind_name(static_cast<OperatorKind>(k));
    for (const auto& [b, phase, marker, filled] : {std::tuple{&s.prefill, "prefill", Marker::circle, true},
                                                   std::tuple{&s.decode, "decode", Marker::triangle, false}}) {
      const OperatorLoad& load = (*b)[k];
      if (load.flops.value <= 0 || load.bytes.value <= 0) continue;
      c.series.push_back({fmt::format("{}: {}", op, phase),
                          chart_palette[k],
                          marker,
                          filled,
                          LineStyle::none,
                          {{load.flop_per_byte(), load.attained_flops_per_s() / 1e12, "", ""}}});
    }
  }
  return c;
}

Chart pareto_chart(const GpuSection& s, const ServiceLevel& slo) {
  const auto& r = s.resolved;
  Chart c;
  c.title = fmt::format("Throughput vs speed: {} on {} ({})", r.model->name, r.gpu->name, layout_text(r.deployment));
  c.x = {"decode speed per user (output tokens/s per request)", false, {}, {}};
  c.y = {"throughput (output tokens/s per GPU)", false, {}, {}};
  ChartSeries line{
      "requests in flight 1, 2, 4, ... (labels)", chart_palette[0], Marker::circle, true, LineStyle::solid, {}};
  for (const Estimate& e : s.ladder) {
    line.points.push_back(
        {e.tok_s_per_user, e.output_tok_s_per_gpu, with_commas(static_cast<double>(e.concurrency)), ""});
  }
  c.series.push_back(line);
  if (s.chosen) {
    const Estimate& e = s.ladder[*s.chosen];
    c.series.push_back({"chosen: " + count_of(e.concurrency, "request"),
                        chart_palette[1],
                        Marker::diamond,
                        true,
                        LineStyle::none,
                        {{e.tok_s_per_user, e.output_tok_s_per_gpu, "", ""}}});
  }
  if (slo.tpot) {
    c.references.push_back(
        {true, 1.0 / slo.tpot->value, fmt::format("TPOT SLO {:g} ms", in_milliseconds(*slo.tpot)), "#d62728"});
  }
  return c;
}

void gpu_charts(HtmlReport& page, const GpuSection& s, const ServiceLevel& slo) {
  const auto& r = s.resolved;
  page.heading(3, fmt::format("{} ({})", r.gpu->name, r.gpu->display_name));
  if (!s.chosen) {
    page.paragraph(fmt::format("{} on {}: {}; no charts.", r.model->name, r.gpu->name, s.problem));
    return;
  }
  const Estimate& e = s.ladder[*s.chosen];
  page.paragraph(
      fmt::format("Default layout {}, {} weights, KV {}; chosen concurrency {}{}.", layout_text(r.deployment),
                  upper(weights_label(r.deployment)), upper(name(r.deployment.kv)), count_of(e.concurrency, "request"),
                  s.chosen_meets_slo    ? ""
                  : s.fixed_concurrency ? " (it misses the SLOs)"
                                        : " (no concurrency meets the SLOs; showing the lowest-latency one)"));
  page.figures(
      {{render_svg(roofline_chart(s)),
        fmt::format("Each point is one operator kind over one iteration on one GPU at {}: x = FLOPs / HBM bytes, "
                    "y = FLOPs / modelled time. Prefill: one chunk of a {}-token prompt; decode: one step at the mean "
                    "context. Roofs are achievable peaks (calibrated fractions of the datasheet).",
                    count_of(e.concurrency, "request"), grouped(r.workload.isl))},
       {render_svg(pareto_chart(s, slo)),
        "Each point is the default layout at a concurrency (labelled); more requests in flight raise throughput per "
        "GPU and slow each user."}});
}

int run_report(const ReportOptions& o, Context& context) {
  if (o.concurrency && *o.concurrency < 1)
    throw ConfigError("--concurrency", fmt::format("{} is out of range (must be >= 1)", *o.concurrency));
  const ServiceLevel slo = slo_targets(o.ttft_ms, o.tpot_ms);
  ScenarioResolver resolver(context, o.calibration);
  // Each GPU type on its own default basis, as in compare and plan; one without the --price label or
  // basis stays unpriced with a note.
  resolver.on_missing_named_price(MissingNamedPrice::unpriced);
  const std::string asked = parse_price_option(context.catalog(), o.price).label;
  std::vector<GpuSection> sections;
  std::string gpu_names;
  std::vector<const GpuSpec*> used;
  for (const std::string& gpu : o.gpus) {
    sections.push_back(make_section(resolver, o, gpu, slo));
    if (!sections.back().resolved.usd_per_gpu_hour)
      sections.back().price_note = unpriced_note(*sections.back().resolved.gpu, asked);
    for (size_t i = 0; i + 1 < sections.size(); ++i) {
      if (sections[i].resolved.gpu == sections.back().resolved.gpu) {
        throw ConfigError("--gpu", fmt::format("'{}' names {} again; give each GPU type once", gpu,
                                               sections.back().resolved.gpu->name));
      }
    }
    gpu_names += (gpu_names.empty() ? "" : ", ") + sections.back().resolved.gpu->name;
    used.push_back(sections.back().resolved.gpu);
  }
  const auto& first = sections.front().resolved;
  print_model_warnings(*first.model, *context.err);
  const PriceOption price = parse_price_option(context.catalog(), o.price);
  check_price_label(price, used);
  print_warnings(unused_price_warnings(price, used), *context.err);
  HtmlReport page(fmt::format("llmsizer report: {} on {}", first.model->name, gpu_names));
  page.facts({{"model",
               fmt::format("{} ({}; {:.1f}B parameters, {:.1f}B active)", first.model->name, first.model->display_name,
                           first.prepared->params.total / 1e9, first.prepared->params.active / 1e9)},
              {"GPUs", gpu_names},
              {"workload", fmt::format("{} input + {} output tokens per request", grouped(first.workload.isl),
                                       grouped(first.workload.osl))},
              {"concurrency", o.concurrency ? count_of(*o.concurrency, "request") + " in flight"
                                            : "chosen per GPU: most output per GPU that meets the SLOs"},
              {"SLOs", describe_slo(slo)},
              {"engine", first.engine},
              {"calibration", fmt::format("{} (fitted {}: {})", resolver.calibration().name,
                                          resolver.calibration().fitted_on, resolver.calibration().result)}});
  std::vector<std::string> warnings = first.model->warnings;  // the model's, then the request's
  warnings.insert(warnings.end(), first.warnings.begin(), first.warnings.end());
  if (!warnings.empty()) page.heading(2, "Warnings");
  for (const std::string& warning : warnings) page.paragraph("warning: " + warning, "warning");
  Overlap applied = Overlap::none;  // two-batch when any default layout the sections chart runs it
  for (const GpuSection& s : sections) {
    if (applied_overlap(s.resolved) == Overlap::two_batch) applied = Overlap::two_batch;
  }
  if (auto note = overlap_note(first.deployment.overlap, applied)) page.paragraph("note: " + *note, "note");
  page.heading(2, "Memory fit");
  page.paragraph(fit_context_text(first), "note");
  fit_table(page, sections);
  page.heading(2, "Cost");
  cost_table(page, sections);
  page.heading(2, "Best configuration per GPU type");
  std::vector<const ScenarioResolver::Resolved*> searched;
  for (const GpuSection& s : sections) searched.push_back(&s.resolved);
  search_section(page, searched, {slo, !o.kv.empty(), o.disaggregated, asked});
  page.heading(2, "Roofline and throughput per GPU type");
  for (const GpuSection& s : sections) gpu_charts(page, s, slo);
  page.paragraph("Generated by llmsizer from its model, GPU and calibration profiles; estimates, not measurements.",
                 "note");
  write_file_atomically(o.html, page.render());
  *context.out << fmt::format("wrote {}\n", o.html);
  return 0;
}

}  // namespace

Command add_report(CLI::App& app, Context& context) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* sub =
      app.add_subcommand("report", "Self-contained HTML report: fit, roofline, throughput/latency and cost per GPU");
  add_model_option(*sub, o->model);
  add_gpus_option(*sub, o->gpus)->required();
  add_request_size_options(*sub, o->isl, o->osl);
  add_concurrency_option(*sub, o->concurrency, "Requests in flight (default: best output per GPU within the SLOs)");
  add_slo_options(*sub, o->ttft_ms, o->tpot_ms);
  add_price_options(*sub, o->price, o->usd_per_gpu_hour);
  add_engine_option(*sub, o->engine);
  add_weights_option(*sub, o->weights);
  add_kv_option(*sub, o->kv);
  add_overlap_option(*sub, o->overlap);
  add_disagg_option(*sub, o->disaggregated);
  add_calibration_option(*sub, o->calibration);
  sub->add_option("--html", o->html, "The HTML file to write")->required();
  return {sub, [o, &context] { return run_report(*o, context); }};
}

}  // namespace llmsizer::cli
