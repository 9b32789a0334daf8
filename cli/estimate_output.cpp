#include "cli/estimate_output.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "estimator/text_format.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::cli {
namespace {

std::string ms_number(double v) { return v >= 100 ? with_commas(v) : fmt::format("{:.2f}", v); }
std::string ms(Seconds s) { return ms_number(in_milliseconds(s)) + " ms"; }

/// " (80% range LOW-HIGH UNIT)" of a value under its band; "" without one.
std::string range_text(const ScenarioResolver::Resolved& r, BandMetric metric, double value,
                       std::string (*number)(double), const char* unit) {
  const std::optional<Band> b = estimate_band(r, metric);
  if (!b) return "";
  return fmt::format(" (80% range {}-{} {})", number(value * b->low_factor()), number(value * b->high_factor()), unit);
}
std::string tok_s_number(double v) { return with_commas(v); }

std::string layout_text(const Deployment& d) {
  const Parallelism& p = d.parallel;
  std::string text = fmt::format("tp{} pp{} dp{} ep{}", p.tp, p.pp, p.dp, p.ep);
  if (d.replicas > 1) text += fmt::format(" x {} replicas", d.replicas);
  return text;
}

std::string breakdown(const StepTime& s) {
  return fmt::format("compute-bound ops {}, memory-bound ops {}, communication {}, fixed overheads {} -> {}-bound",
                     ms(s.compute_bound), ms(s.memory_bound), ms(s.communication), ms(s.overhead), bound_name(s.bound()));
}

}  // namespace

std::string describe_estimate(const ScenarioResolver::Resolved& r, const Estimate& e) {
  const Deployment& d = r.deployment;
  std::string out = fmt::format("{} on {} x {} ({}), weights {}, KV {}, engine {}\n", r.model->name, d.total_gpus(),
                                r.gpu->name, layout_text(d), upper(name(d.weights)) +
                                (d.experts != d.weights ? "+" + upper(name(d.experts)) + " experts" : std::string()),
                                upper(name(d.kv)), r.engine);
  out += fmt::format("workload: {} input + {} output tokens per request, {} requests in flight\n",
                     with_commas(static_cast<double>(r.workload.isl)), with_commas(static_cast<double>(r.workload.osl)),
                     with_commas(static_cast<double>(e.concurrency)));
  const MemoryPerGpu& m = e.memory.need;
  out += fmt::format("memory per GPU: weights {:.1f} GB + KV {:.1f} GB + activations {:.1f} GB = {:.1f} GB of {:.1f} GB usable\n",
                     in_gigabytes(m.weights), in_gigabytes(m.kv_cache), in_gigabytes(m.activations),
                     in_gigabytes(m.total()), in_gigabytes(e.memory.usable_per_gpu));
  for (const std::string& note : e.notes) out += "note: " + note + "\n";
  if (!e.fits) {
    out += "does not fit: " + (e.reasons.empty() ? std::string("memory") : e.reasons.front()) + "\n";
    return out;
  }
  out += fmt::format("free KV capacity: {} more tokens\n", with_commas(e.memory.free_kv_tokens));
  TextTable table({"metric", "value", "why"});
  const double ttft_ms = in_milliseconds(e.ttft), tpot_ms = in_milliseconds(e.tpot);
  table.add_row({"TTFT", ms(e.ttft) + range_text(r, BandMetric::ttft, ttft_ms, ms_number, "ms"), fmt::format("prefill alone {} ({}-bound) + queueing behind other prompts",
                                                 ms(e.prefill_alone), bound_name(e.prefill_detail.bound()))});
  table.add_row({"TPOT", e.has_tpot ? ms(e.tpot) + range_text(r, BandMetric::tpot, tpot_ms, ms_number, "ms") : "-", fmt::format("decode step {} ({}-bound){}", ms(e.decode_step), bound_name(e.decode_detail.bound()),
                                                 e.tpot_prefill_share > 0.005 ? fmt::format(", stretched {:.0f}% by prefill chunks", e.tpot_prefill_share * 100) : "")});
  table.add_row({"output throughput",
                 fmt::format("{} tok/s", with_commas(e.output_tok_s)) +
                     range_text(r, BandMetric::output_tok_s, e.output_tok_s, tok_s_number, "tok/s"),
                 fmt::format("{} tok/s per GPU", with_commas(e.output_tok_s_per_gpu, 1))});
  table.add_row({"per user", fmt::format("{:.1f} tok/s", e.tok_s_per_user), e.tokens_per_decode_step > 1 ?
                 fmt::format("{:.2f} tokens per step with speculative decoding", e.tokens_per_decode_step) : ""});
  if (e.usd_per_mtok_output) {
    table.add_row({"cost per M output tokens", fmt::format("${:.3f}", *e.usd_per_mtok_output),
                   fmt::format("${:.2f}/h for {} GPUs at ${:.3f}/GPU-h ({})", *e.usd_per_hour, d.total_gpus(),
                               *r.usd_per_gpu_hour,
                               r.price_basis == r.price_label ? r.price_label : r.price_label + ", " + r.price_basis + " basis")});
    if (e.usd_per_mtok_input) {
      table.add_row({"cost per M input tokens", fmt::format("${:.3f}", *e.usd_per_mtok_input),
                     fmt::format("prefill share {:.0f}% of GPU time", e.prefill_share * 100)});
    }
  } else {
    table.add_row({"cost", "-", fmt::format("{} has no price; pass --price {}=USD", r.gpu->name, r.gpu->name)});
  }
  table.add_row({"energy", fmt::format("{:.3f} J/token", e.joules_per_output_token),
                 fmt::format("{:.3f} kWh per M output tokens at {:.0f} W", e.kwh_per_mtok_output, e.power_w)});
  out += table.render();
  if (r.error_bands) out += "80% ranges: measured / predicted of " + band_basis(r) + "\n";
  out += "decode step (one stage): " + breakdown(e.decode_detail) + "\n";
  out += "prefill chunk (one stage): " + breakdown(e.prefill_detail) + "\n";
  return out;
}

std::string estimate_csv(const std::vector<EstimateRow>& rows) {
  return csv_document(estimate_table(rows));
}

}  // namespace llmsizer::cli
