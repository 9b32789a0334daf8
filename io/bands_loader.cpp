#include "io/bands_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace llmsizer {
namespace {

const std::vector<std::string_view> top_keys = {
    "schema", "name", "source", "residuals", "data", "min_runs", "widening", "in_sample_mean_log_ratio", "bands"};
const std::vector<std::string_view> band_keys = {"metric",        "architecture",  "generation",
                                                 "engine",        "concurrency",   "runs",
                                                 "p10_log_ratio", "p50_log_ratio", "p90_log_ratio"};
// A log ratio beyond +-10 is a factor of 22,000 off: not a band, a broken file.
constexpr Range log_ratio_range{-10, 10, false, ""};

BandEntry parse_band(const MapReader& b) {
  BandEntry e;
  const std::string metric = b.string("metric");
  const std::optional<BandMetric> m = parse_band_metric(metric);
  if (!m) throw b.error("metric", fmt::format("unknown metric '{}' (expected ttft, tpot or output_tok_s)", metric));
  e.metric = *m;
  e.regime = {b.string("architecture"), b.string("generation"), b.string("engine"), b.string("concurrency")};
  e.runs = static_cast<int>(b.integer("runs", 1, 1 << 30));
  e.p10_log_ratio = b.number("p10_log_ratio", log_ratio_range);
  e.p50_log_ratio = b.number("p50_log_ratio", log_ratio_range);
  e.p90_log_ratio = b.number("p90_log_ratio", log_ratio_range);
  if (e.p50_log_ratio < e.p10_log_ratio) {
    throw b.error("p50_log_ratio", fmt::format("{} is below p10_log_ratio {}", e.p50_log_ratio, e.p10_log_ratio));
  }
  if (e.p90_log_ratio < e.p50_log_ratio) {
    throw b.error("p90_log_ratio", fmt::format("{} is below p50_log_ratio {}", e.p90_log_ratio, e.p50_log_ratio));
  }
  return e;
}

std::vector<BandEntry> parse_bands(const MapReader& doc) {
  const YAML::Node list = doc.require("bands");
  if (!list.IsSequence()) throw doc.error("bands", "expected a list");
  std::vector<BandEntry> out;
  std::map<std::pair<BandMetric, Regime>, int> seen;  // -> line
  for (size_t i = 0; i < list.size(); ++i) {
    const MapReader b(list[i], fmt::format("bands[{}]", i), doc.source(), band_keys);
    BandEntry e = parse_band(b);
    const int line = list[i].Mark().line + 1;
    const auto [it, fresh] = seen.emplace(std::pair{e.metric, e.regime}, line);
    if (!fresh) {
      throw b.error("metric", fmt::format("{} of regime '{}' is listed twice (also on line {})",
                                          band_metric_name(e.metric), e.regime.label(), it->second));
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const BandEntry& a, const BandEntry& b) {
    return std::tie(a.metric, a.regime) < std::tie(b.metric, b.regime);
  });
  return out;
}

}  // namespace

ErrorBands parse_error_bands(const YAML::Node& root, const SourceText& source) {
  const MapReader doc(root, "", source, top_keys);
  if (doc.string("schema") != "bands/1") throw doc.error("schema", "expected 'bands/1'");
  ErrorBands b;
  b.name = doc.string("name");
  b.source = doc.string("source");
  b.residuals = doc.string_or("residuals", "");
  b.data = doc.string_or("data", "");
  b.min_runs = static_cast<int>(doc.integer("min_runs", 1, 1 << 20));
  const MapReader widening = doc.map("widening", {"ttft", "tpot", "output_tok_s"});
  for (BandMetric m : band_metrics) {
    // Below 1 a band would be narrower than its regime's p10-p90.
    b.widening[static_cast<int>(m)] = widening.number(band_metric_name(m), {1, max_band_widening, false, ""});
  }
  const MapReader check = doc.map("in_sample_mean_log_ratio", {"ttft", "tpot", "output_tok_s"});
  for (BandMetric m : band_metrics) {
    b.in_sample_mean_log_ratio[static_cast<int>(m)] = check.number(band_metric_name(m), log_ratio_range);
  }
  b.entries = parse_bands(doc);
  return b;
}

ErrorBands load_error_bands_file(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText source = make_source(path, text);
  return parse_error_bands(parse_yaml(text, source), source);
}

std::string error_bands_to_yaml(const ErrorBands& b) {
  std::string out = "schema: bands/1\n";
  out += fmt::format("name: {}\nsource: {}\nresiduals: {}\ndata: {}\nmin_runs: {}\n", yaml_quoted(b.name),
                     yaml_quoted(b.source), yaml_quoted(b.residuals), yaml_quoted(b.data), b.min_runs);
  out += fmt::format("widening: {{ttft: {:.4f}, tpot: {:.4f}, output_tok_s: {:.4f}}}\n", b.widening[0], b.widening[1],
                     b.widening[2]);
  out += fmt::format("in_sample_mean_log_ratio: {{ttft: {:.8f}, tpot: {:.8f}, output_tok_s: {:.8f}}}\n",
                     b.in_sample_mean_log_ratio[0], b.in_sample_mean_log_ratio[1], b.in_sample_mean_log_ratio[2]);
  out += "# p10/p50/p90 of ln(measured / predicted) per regime; \"*\" = any (a coarser regime)\nbands:\n";
  for (const BandEntry& e : b.entries) {
    out += fmt::format(
        "  - {{metric: {}, architecture: {}, generation: {}, engine: {}, concurrency: {}, runs: {}, "
        "p10_log_ratio: {:.4f}, p50_log_ratio: {:.4f}, p90_log_ratio: {:.4f}}}\n",
        band_metric_name(e.metric), yaml_quoted(e.regime.architecture), yaml_quoted(e.regime.generation),
        yaml_quoted(e.regime.engine), yaml_quoted(e.regime.concurrency), e.runs, e.p10_log_ratio, e.p50_log_ratio,
        e.p90_log_ratio);
  }
  return out;
}

}  // namespace llmsizer
