#include "cli/validation_report.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "cli/band_report.hpp"
#include "io/svg_chart.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {
namespace {

constexpr std::int64_t low_concurrency_limit = 64;  // the regime for the accuracy target
const Metric all_metrics[] = {Metric::tpot, Metric::ttft, Metric::output_per_gpu, Metric::input_per_gpu};

std::vector<SummaryLine> summarize(const std::vector<RowError>& errors, const std::string& group,
                                   const std::function<bool(const RowError&)>& keep) {
  std::vector<SummaryLine> out;
  for (Metric m : all_metrics) {
    std::vector<double> e;
    for (const RowError& x : errors) {
      if (x.metric == m && keep(x)) e.push_back(x.error);
    }
    if (!e.empty()) out.push_back({group, m, summarize_errors(e)});
  }
  return out;
}

// A row's split: the shipped runs' calibration split (training or held out), or a user's own run.
constexpr const char* training = "training";
constexpr const char* held_out = "held-out";
constexpr const char* yours = "yours";

std::string_view split(const MeasuredRow& row) {
  if (row.users) return yours;
  return row.estimate_case.holdout ? held_out : training;
}

std::string pct(double fraction) { return fmt::format("{:+.0f}%", fraction * 100.0); }
std::string abs_pct(double fraction) { return fmt::format("{:.0f}%", fraction * 100.0); }

std::string display(Metric m, double si) {
  if (m == Metric::tpot || m == Metric::ttft) return fmt::format("{:.2f} ms", si * 1000.0);
  return fmt::format("{:.0f} tok/s", si);
}

TextTable summary_table(const std::vector<SummaryLine>& lines, const char* first) {
  TextTable t({first, "metric", "rows", "median |err|", "p90 |err|", "bias"},
              {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right});
  for (const SummaryLine& l : lines) {
    t.add_row({l.group, metric_name(l.metric), std::to_string(l.summary.rows), abs_pct(l.summary.median_abs),
               abs_pct(l.summary.p90_abs), pct(l.summary.bias)});
  }
  return t;
}

std::vector<SummaryLine> regime_lines(const std::vector<RowError>& errors) {
  using Key = std::function<std::string(const MeasuredCase&)>;
  const std::vector<std::pair<const char*, Key>> keys = {
      {"model", [](const MeasuredCase& c) { return c.model->spec->name; }},
      {"gpu", [](const MeasuredCase& c) { return c.gpu->name; }},
      {"engine", [](const MeasuredCase& c) { return c.engine.empty() ? std::string("default") : c.engine; }},
      {"precision", [](const MeasuredCase& c) { return weights_label(c.deployment); }},
      {"band", [](const MeasuredCase& c) { return "concurrency " + concurrency_band(c.workload.concurrency); }}};
  std::vector<SummaryLine> out;
  for (const auto& [kind, key] : keys) {
    std::map<std::string, int> groups;
    for (const RowError& e : errors) groups.emplace(key(e.row->estimate_case), 0);
    for (const auto& [group, unused] : groups) {
      const std::string label = std::string(kind) == "band" ? group : std::string(kind) + " " + group;
      auto lines = summarize(errors, label, [&](const RowError& e) { return key(e.row->estimate_case) == group; });
      out.insert(out.end(), lines.begin(), lines.end());
    }
  }
  return out;
}

ValidationResult evaluate(const std::vector<MeasuredRow>& rows,
                          const std::function<Prediction(size_t, const MeasuredRow&)>& prediction_of);

}  // namespace

ValidationResult evaluate_rows(const std::vector<MeasuredRow>& rows, const Calibration& calibration) {
  return evaluate(rows, [&](size_t, const MeasuredRow& row) { return predict(row.estimate_case, calibration); });
}

ValidationResult evaluate_predictions(const std::vector<MeasuredRow>& rows, const std::vector<Prediction>& predictions) {
  return evaluate(rows, [&](size_t i, const MeasuredRow&) { return predictions.at(i); });
}

std::vector<Prediction> leave_one_model_out_predictions(const std::vector<MeasuredRow>& rows, const Calibration& prior,
                                                        double prior_strength) {
  std::vector<MeasuredCase> cases;
  for (const MeasuredRow& row : rows) {
    if (row.usable) cases.push_back(row.estimate_case);
  }
  const std::vector<Prediction> fitted = leave_one_model_out(cases, prior, 3, 40, prior_strength);
  std::vector<Prediction> out(rows.size());
  size_t k = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].usable) out[i] = fitted[k++];
  }
  return out;
}

std::string regime_text(const ValidationResult& r, const std::string& title) {
  return title + "\n" + summary_table(r.regimes, "regime").render() + "\n";
}

namespace {

ValidationResult evaluate(const std::vector<MeasuredRow>& rows,
                          const std::function<Prediction(size_t, const MeasuredRow&)>& prediction_of) {
  ValidationResult r;
  for (size_t i = 0; i < rows.size(); ++i) {
    const MeasuredRow& row = rows[i];
    if (!row.usable) {
      r.not_estimated.push_back(&row);
      continue;
    }
    const Prediction p = prediction_of(i, row);
    if (!p.fits) {
      r.not_fitting.emplace_back(&row, p.reason);
      continue;
    }
    ++r.estimated;
    add_band_runs(row, p, r.band_runs);
    for (Metric m : all_metrics) {
      const auto measured = measured_value(row.estimate_case, m);
      const auto& predicted = p.value[static_cast<int>(m)];
      if (!measured || !predicted) continue;
      r.errors.push_back({&row, m, *measured, *predicted, relative_error(*predicted, *measured)});
    }
  }
  std::map<std::string, int> order;
  for (const RowError& e : r.errors) order.emplace(e.row->measurement.source, static_cast<int>(order.size()));
  for (const auto& [source, unused] : order) {
    const std::string name = source;
    auto lines = summarize(r.errors, name, [&](const RowError& e) { return e.row->measurement.source == name; });
    r.by_source.insert(r.by_source.end(), lines.begin(), lines.end());
  }
  auto add = [&](const std::string& group, const std::function<bool(const RowError&)>& keep) {
    auto lines = summarize(r.errors, group, keep);
    r.overall.insert(r.overall.end(), lines.begin(), lines.end());
  };
  add("all rows", [](const RowError&) { return true; });
  add("held-out rows", [](const RowError& e) { return split(*e.row) == held_out; });
  add("training rows", [](const RowError& e) { return split(*e.row) == training; });
  add("your rows", [](const RowError& e) { return split(*e.row) == yours; });
  add("concurrency <= 64", [](const RowError& e) {
    const std::int64_t c = e.row->estimate_case.workload.concurrency;
    return c > 0 && c <= low_concurrency_limit;
  });
  add("held-out, concurrency <= 64", [](const RowError& e) {
    const std::int64_t c = e.row->estimate_case.workload.concurrency;
    return split(*e.row) == held_out && c > 0 && c <= low_concurrency_limit;
  });
  r.regimes = regime_lines(r.errors);
  return r;
}

}  // namespace

ErrorSummary overall_summary(const ValidationResult& r, const std::string& group, Metric metric) {
  for (const SummaryLine& l : r.overall) {
    if (l.group == group && l.metric == metric) return l.summary;
  }
  return {};
}

std::string validation_text(const ValidationResult& r, int worst) {
  std::string out = fmt::format(
      "{} measured deployments estimated, {} did not fit, {} not estimated (missing inputs, quality C or a "
      "layout the model cannot take)\nerror = (predicted - measured) / measured; bias > 0 means the estimator predicts too high\n\n",
      r.estimated, r.not_fitting.size(), r.not_estimated.size());
  out += "Per source\n" + summary_table(r.by_source, "source").render() + "\n";
  out += "Overall (held-out rows were never used in calibration)\n" + summary_table(r.overall, "rows").render() + "\n";
  out += regime_text(r, "By model, GPU, engine, precision and concurrency band (in sample)");
  std::vector<RowError> sorted = r.errors;
  std::sort(sorted.begin(), sorted.end(), [](const RowError& a, const RowError& b) { return std::fabs(a.error) > std::fabs(b.error); });
  if (worst > 0 && !sorted.empty()) {
    TextTable t({"id", "metric", "measured", "predicted", "error", "split", "source"},
                {Align::left, Align::left, Align::right, Align::right, Align::right});
    for (size_t i = 0; i < sorted.size() && static_cast<int>(i) < worst; ++i) {
      const RowError& e = sorted[i];
      t.add_row({e.row->measurement.id, metric_name(e.metric), display(e.metric, e.measured), display(e.metric, e.predicted),
                 pct(e.error), std::string(split(*e.row)), e.row->measurement.source});
    }
    out += "Worst rows\n" + t.render() + "\n";
  }
  if (!r.not_fitting.empty()) {
    out += "Measured deployments the memory model says do not fit (a bug in the memory model):\n";
    for (const auto& [row, reason] : r.not_fitting) out += fmt::format("  {}: {}\n", row->measurement.id, reason);
    out += "\n";
  }
  std::map<std::string, std::vector<std::string>> by_status;
  for (const MeasuredRow* row : r.not_estimated) by_status[row->status].push_back(row->measurement.id);
  if (!by_status.empty()) {
    out += "Not estimated\n";
    for (const auto& [status, ids] : by_status) {
      std::string list;
      for (size_t i = 0; i < ids.size() && i < 12; ++i) list += (i ? ", " : "") + ids[i];
      if (ids.size() > 12) list += fmt::format(", ... ({} more)", ids.size() - 12);
      out += fmt::format("  {} row{}, {}: {}\n", ids.size(), ids.size() == 1 ? "" : "s", status, list);
    }
  }
  return out;
}

nlohmann::json validation_json(const ValidationResult& r) {
  using nlohmann::json;
  auto lines = [](const std::vector<SummaryLine>& v) {
    json a = json::array();
    for (const SummaryLine& l : v) {
      a.push_back({{"group", l.group}, {"metric", metric_name(l.metric)}, {"rows", l.summary.rows},
                   {"median_abs_error", l.summary.median_abs}, {"p90_abs_error", l.summary.p90_abs},
                   {"bias", l.summary.bias}});
    }
    return a;
  };
  json rows = json::array();
  for (const RowError& e : r.errors) {
    rows.push_back({{"id", e.row->measurement.id}, {"source", e.row->measurement.source}, {"metric", metric_name(e.metric)},
                    {"measured", e.measured}, {"predicted", e.predicted}, {"error", e.error},
                    {"holdout", e.row->estimate_case.holdout}, {"concurrency", e.row->estimate_case.workload.concurrency}});
  }
  json not_fitting = json::array();
  for (const auto& [row, reason] : r.not_fitting) not_fitting.push_back({{"id", row->measurement.id}, {"reason", reason}});
  json not_estimated = json::array();
  for (const MeasuredRow* row : r.not_estimated) not_estimated.push_back({{"id", row->measurement.id}, {"status", row->status}});
  return {{"estimated", r.estimated}, {"by_source", lines(r.by_source)}, {"overall", lines(r.overall)},
          {"regimes", lines(r.regimes)},
          {"rows", rows}, {"not_fitting", not_fitting}, {"not_estimated", not_estimated}};
}

std::string validation_csv(const ValidationResult& r) {
  std::string out = csv_line({"id", "source", "metric", "measured", "predicted", "error", "holdout", "concurrency"});
  for (const RowError& e : r.errors) {
    out += csv_line({e.row->measurement.id, e.row->measurement.source, metric_name(e.metric), fmt::format("{:.6g}", e.measured),
                     fmt::format("{:.6g}", e.predicted), fmt::format("{:.4f}", e.error),
                     e.row->estimate_case.holdout ? "true" : "false",
                     std::to_string(e.row->estimate_case.workload.concurrency)});
  }
  return out;
}

namespace {

Chart panel(const ValidationResult& r, Metric metric, const std::string& title, const std::string& unit, double scale) {
  Chart chart;
  chart.title = title;
  chart.x = {"measured " + unit, true, {}, {}};
  chart.y = {"predicted " + unit, true, {}, {}};
  ChartSeries training{"training rows", "#1f77b4", Marker::circle, true, LineStyle::none, {}};
  ChartSeries held{"held-out rows", "#d62728", Marker::square, true, LineStyle::none, {}};
  double lo = 1e300, hi = 0;
  for (const RowError& e : r.errors) {
    if (e.metric != metric) continue;
    const double x = e.measured * scale, y = e.predicted * scale;
    lo = std::min({lo, x, y});
    hi = std::max({hi, x, y});
    // Label points only where they are few enough to read.
    const std::string label = metric == Metric::tpot ? e.row->measurement.id : std::string();
    (e.row->estimate_case.holdout ? held : training).points.push_back({x, y, label, ""});
  }
  if (hi <= 0) return chart;
  ChartSeries identity{"predicted = measured", "#888888", Marker::none, false, LineStyle::dashed, {{lo, lo, "", ""}, {hi, hi, "", ""}}};
  ChartSeries plus{"+/-30%", "#cccccc", Marker::none, false, LineStyle::dashed, {{lo, lo * 1.3, "", ""}, {hi, hi * 1.3, "", ""}}};
  ChartSeries minus{"", "#cccccc", Marker::none, false, LineStyle::dashed, {{lo, lo / 1.3, "", ""}, {hi, hi / 1.3, "", ""}}};
  chart.series = {identity, plus, minus, training, held};
  return chart;
}

}  // namespace

std::string validation_svg(const ValidationResult& r) {
  const std::string top = render_svg(panel(r, Metric::tpot, "TPOT: predicted vs measured", "TPOT (ms)", 1000.0));
  const std::string bottom = render_svg(panel(r, Metric::output_per_gpu, "Output throughput per GPU: predicted vs measured",
                                              "output tokens/s per GPU", 1.0));
  constexpr int panel_height = 520;
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" "
      "height=\"{}\">\n<g>{}</g>\n<g transform=\"translate(0,{})\">{}</g>\n</svg>\n",
      2 * panel_height, top, panel_height, bottom);
}

}  // namespace llmsizer::cli
