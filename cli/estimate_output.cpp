#include "cli/estimate_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "estimator/disaggregation.hpp"
#include "estimator/text_format.hpp"
#include "io/columns.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"
#include "request/resolved_estimate.hpp"

namespace llmsizer::cli {
namespace {

/// The breakdown line's label: with speculative decoding the breakdown is the verifying pass, while
/// the TPOT row's decode step also holds the drafting passes.
std::string decode_step_label(const ScenarioResolver::Resolved& r) {
  const int drafts = r.deployment.speculative_tokens;
  if (drafts <= 0) return "decode step (one stage): ";
  return fmt::format("decode step (one stage; the verifying pass, without the {} drafting pass{}): ", drafts,
                     drafts == 1 ? "" : "es");
}

std::string ms_number(double v) {
  return v >= 100 ? with_commas(v) : fmt::format("{:.2f}", v);
}
std::string ms_text(Seconds s) {
  return ms_number(in_milliseconds(s)) + " ms";
}

/// " (80% range LOW-HIGH UNIT)" of a value under its band; "" without one.
std::string range_text(const ScenarioResolver::Resolved& r, BandMetric metric, double value,
                       std::string (*number)(double), const char* unit) {
  const std::optional<Band> b = estimate_band(r, metric);
  if (!b) return "";
  return fmt::format(" (80% range {}-{} {})", number(value * b->low_factor()), number(value * b->high_factor()), unit);
}
std::string tok_s_number(double v) {
  return with_commas(v);
}

std::string degrees_text(const Deployment& d) {
  const Parallelism& p = d.parallel;
  std::string text = fmt::format("tp{} pp{} dp{} ep{}", p.tp, p.pp, p.dp, p.ep);
  if (d.replicas > 1) text += fmt::format(" x {} replicas", d.replicas);
  return text;
}

std::string breakdown(const StepTime& s) {
  return fmt::format("compute-bound ops {}, memory-bound ops {}, communication {}, fixed overheads {} -> {}-bound",
                     ms_text(s.compute_bound), ms_text(s.memory_bound), ms_text(s.communication), ms_text(s.overhead),
                     bound_name(s.bound()));
}

}  // namespace

namespace {

std::string precisions_text(const Deployment& d) {
  return fmt::format(
      "weights {}, KV {}",
      upper(name(d.weights)) + (d.experts != d.weights ? "+" + upper(name(d.experts)) + " experts" : std::string()),
      upper(name(d.kv)));
}

/// What the deployment runs beyond its layout and precisions, as the header line says it:
/// ", MTP 2 (acceptance 0.85)", ", two-batch overlap" (where applied: not on ep 1); "" for neither.
std::string options_text(const ScenarioResolver::Resolved& r) {
  const Deployment& d = r.deployment;
  std::string text;
  if (d.speculative_tokens > 0) {
    text += fmt::format(", MTP {} (acceptance {:g})", d.speculative_tokens, d.speculative_acceptance);
  }
  const Overlap overlap = applied_overlap(r);
  if (overlap != Overlap::none) text += fmt::format(", {} overlap", overlap_name(overlap));
  return text;
}

std::string memory_text(const MemoryFit& fit) {
  const MemoryPerGpu& m = fit.need;
  return fmt::format("weights {:.1f} GB + KV {:.1f} GB + activations {:.1f} GB = {:.1f} GB of {:.1f} GB usable",
                     in_gigabytes(m.weights), in_gigabytes(m.kv_cache), in_gigabytes(m.activations),
                     in_gigabytes(m.total()), in_gigabytes(fit.usable_per_gpu));
}

/// The KV room left: the instance's with one attention-DP rank; with several, each rank holds its own
/// requests' KV, so the room is per rank (compare's KV headroom is per GPU, in GB).
std::string free_kv_text(const MemoryFit& fit, int dp) {
  const std::string tokens = with_commas(static_cast<double>(columns::whole_tokens(fit.free_kv_tokens)));
  if (dp <= 1) return fmt::format("free KV capacity: {} more tokens in the instance\n", tokens);
  return fmt::format(
      "free KV capacity: {} more tokens per attention-DP rank ({} ranks, each holding its own "
      "requests)\n",
      tokens, dp);
}

std::string price_text(const ScenarioResolver::Resolved& r, const Estimate& e, int gpus) {
  return fmt::format("${:.2f}/h for {} GPUs at ${:.3f}/GPU-h ({})", *e.usd_per_hour, gpus, *r.usd_per_gpu_hour,
                     r.price_basis == r.price_label
                         ? r.price_label
                         : r.price_label + ", " + price_basis_text(r.price_basis) + " basis");
}

/// Output throughput, per user, cost and energy: the rows every estimate that serves output shares.
/// The prefill side of disaggregated serving serves prompts only: its rows are input throughput,
/// $/Mtok input and power.
void add_throughput_rows(TextTable& table, const ScenarioResolver::Resolved& r, const Estimate& e, int gpus) {
  if (e.serves_output) {
    table.add_row({"output throughput",
                   fmt::format("{} tok/s", with_commas(e.output_tok_s)) +
                       range_text(r, BandMetric::output_tok_s, e.output_tok_s, tok_s_number, "tok/s"),
                   fmt::format("{} tok/s per GPU", with_commas(e.output_tok_s_per_gpu, 1))});
  } else {
    table.add_row({"input throughput", fmt::format("{} tok/s", with_commas(e.input_tok_s)),
                   fmt::format("{} tok/s per GPU; the first token of each prompt is this side's only output",
                               with_commas(e.input_tok_s / gpus, 1))});
  }
  if (e.has_tpot) {
    table.add_row({"per user", fmt::format("{:.1f} tok/s", e.tok_s_per_user),
                   e.tokens_per_decode_step > 1
                       ? fmt::format("{:.2f} tokens per step with speculative decoding", e.tokens_per_decode_step)
                       : ""});
  }
  if (e.usd_per_mtok_output) {
    table.add_row({"cost per M output tokens", fmt::format("${:.3f}", *e.usd_per_mtok_output), price_text(r, e, gpus)});
  }
  if (e.usd_per_mtok_input) {
    table.add_row({"cost per M input tokens", fmt::format("${:.3f}", *e.usd_per_mtok_input),
                   e.serves_output ? fmt::format("prefill share {:.0f}% of GPU time", e.prefill_share * 100)
                                   : price_text(r, e, gpus)});
  }
  if (!e.usd_per_hour) {
    table.add_row({"cost", "-", unpriced_note(*r.gpu, r.price_basis)});
  }
  if (e.serves_output) {
    table.add_row(
        {"energy", fmt::format("{:.3f} J/token", e.joules_per_output_token),
         fmt::format("{:.3f} kWh per M output tokens at {} W", e.kwh_per_mtok_output, with_commas(e.power_w))});
  } else {
    table.add_row({"power", with_commas(e.power_w) + " W", "GPUs x TDP x power utilization"});
  }
}

std::string pool_text(const char* pool, const PoolFigures& p) {
  return fmt::format("{} ({}, {} each), {} per worker", count_of(p.deployment.replicas, std::string(pool) + " worker"),
                     degrees_text(Deployment{p.deployment.parallel}), count_of(p.deployment.parallel.gpus(), "GPU"),
                     count_of(p.batch, "request"));
}

std::string describe_pools(const ScenarioResolver::Resolved& r, const Estimate& e, const Disaggregation& x) {
  const int gpus = r.pools->total_gpus();
  std::string out = fmt::format("{} on {} x {}, disaggregated {}P{}D, {}{}, engine {}\n", r.model->name, gpus,
                                r.gpu->name, x.prefill.deployment.replicas, x.decode.deployment.replicas,
                                precisions_text(r.deployment), options_text(r), r.engine);
  out += "prefill pool: " + pool_text("prefill", x.prefill) + "\n";
  out += "decode pool: " + pool_text("decode", x.decode) + "\n";
  const std::string waiting = x.decode.running < x.in_flight
                                  ? fmt::format(" ({} in flight)", with_commas(static_cast<double>(x.in_flight)))
                                  : "";
  out += fmt::format("workload: {} input + {} output tokens per request, {} running in the decode pool{}\n",
                     with_commas(static_cast<double>(r.workload.isl)), with_commas(static_cast<double>(r.workload.osl)),
                     with_commas(static_cast<double>(x.decode.running)), waiting);
  out += "memory per prefill GPU: " + memory_text(x.prefill.memory) + "\n";
  out += "memory per decode GPU: " + memory_text(x.decode.memory) + "\n";
  for (const std::string& note : e.notes) out += "note: " + note + "\n";
  TextTable table({"metric", "value", "why"}, {Align::left, Align::right, Align::left});
  table.add_row({"TTFT", ms_text(e.ttft),
                 fmt::format("prefill queue {} + prefill {} ({}-bound) + KV transfer {} ({:.1f} MB over scale-out) "
                             "+ request overhead",
                             ms_text(x.prefill_queue), ms_text(x.prefill_compute), bound_name(e.prefill_detail.bound()),
                             ms_text(x.kv_transfer), x.kv_transfer_bytes.value / 1e6)});
  if (e.has_tpot) {
    // The step runs the sequences the decode pool holds, which the KV cache may cap below the batch
    // asked, and of those the ones a slower prefill pool keeps fed.
    const double workers = std::max(1, x.decode.deployment.replicas);
    const double per_worker = static_cast<double>(x.decode.running) / workers;
    const auto count = [](double n) {
      return n == std::floor(n) ? grouped(static_cast<std::int64_t>(n)) : fmt::format("{:.2f}", n);
    };
    const double held = static_cast<double>(x.in_flight) / workers;
    const bool kv_capped = held < static_cast<double>(x.decode.batch), starved = x.decode.running < x.in_flight;
    std::string capped;
    if (kv_capped && starved) {
      capped = fmt::format(" (of {} asked: the KV cache holds {}, the prefill pool feeds fewer)",
                           grouped(x.decode.batch), count(held));
    } else if (kv_capped || starved) {
      capped = fmt::format(" (of {} asked: {})", grouped(x.decode.batch),
                           starved ? "the prefill pool feeds no more" : "the KV cache holds no more");
    }
    const std::string sequences = count(per_worker) + (per_worker == 1 ? " sequence" : " sequences");
    table.add_row({"TPOT", ms_text(e.tpot),
                   fmt::format("decode step {} ({}-bound) at {} per decode worker{}", ms_text(e.decode_step),
                               bound_name(e.decode_detail.bound()), sequences, capped)});
  }
  table.add_row({"pools", fmt::format("{} limited", x.prefill_limited ? "prefill" : "decode"),
                 fmt::format("prefill {:.2f} requests/s ({:.0f}% busy), decode {:.2f} requests/s ({:.0f}% busy); "
                             "{:.2f} prefill workers per decode worker balance them",
                             x.prefill.requests_per_s, x.prefill.utilization * 100, x.decode.requests_per_s,
                             x.decode.utilization * 100, x.balanced_prefill_per_decode)});
  add_throughput_rows(table, r, e, gpus);
  out += table.render();
  out += decode_step_label(r) + breakdown(e.decode_detail) + "\n";
  out += "prefill chunk (one stage): " + breakdown(e.prefill_detail) + "\n";
  return out;
}

}  // namespace

std::string describe_estimate(const ScenarioResolver::Resolved& r, const Estimate& e) {
  if (e.disaggregated) return describe_pools(r, e, *e.disaggregated);
  const Deployment& d = r.deployment;
  std::string out = fmt::format("{} on {} x {} ({}), {}{}, engine {}\n", r.model->name, d.total_gpus(), r.gpu->name,
                                degrees_text(d), precisions_text(d), options_text(r), r.engine);
  if (r.pools) {  // two pools that do not both fit
    out = fmt::format("{} on {} x {}, disaggregated {}P{}D, {}{}, engine {}\n", r.model->name, r.pools->total_gpus(),
                      r.gpu->name, r.pools->prefill.replicas, r.pools->decode.replicas, precisions_text(d),
                      options_text(r), r.engine);
    for (const std::string& note : e.notes) out += "note: " + note + "\n";
    for (const std::string& reason : e.reasons) out += "does not fit: " + reason + "\n";
    return out;
  }
  out += fmt::format("workload: {} input + {} output tokens per request, {} in flight\n",
                     with_commas(static_cast<double>(r.workload.isl)), with_commas(static_cast<double>(r.workload.osl)),
                     count_of(e.concurrency, "request"));
  out += "memory per GPU: " + memory_text(e.memory) + "\n";
  for (const std::string& note : e.notes) out += "note: " + note + "\n";
  if (!e.fits) {
    out += "does not fit: " + (e.reasons.empty() ? std::string("memory") : e.reasons.front()) + "\n";
    return out;
  }
  out += free_kv_text(e.memory, d.parallel.dp);
  TextTable table({"metric", "value", "why"}, {Align::left, Align::right, Align::left});
  const double ttft_ms = in_milliseconds(e.ttft), tpot_ms = in_milliseconds(e.tpot);
  if (e.has_ttft) {
    table.add_row({"TTFT", ms_text(e.ttft) + range_text(r, BandMetric::ttft, ttft_ms, ms_number, "ms"),
                   fmt::format("prefill alone {} ({}-bound) + queueing behind other prompts", ms_text(e.prefill_alone),
                               bound_name(e.prefill_detail.bound()))});
  }
  if (e.has_tpot) {
    table.add_row(
        {"TPOT", ms_text(e.tpot) + range_text(r, BandMetric::tpot, tpot_ms, ms_number, "ms"),
         fmt::format("decode step {} ({}-bound){}", ms_text(e.decode_step), bound_name(e.decode_detail.bound()),
                     e.tpot_prefill_share > 0.005
                         ? fmt::format(", other prompts' chunks {:.0f}% of TPOT", e.tpot_prefill_share * 100)
                         : "")});
  }
  add_throughput_rows(table, r, e, d.total_gpus());
  out += table.render();
  if (r.error_bands && r.workload.phase == Phase::mixed) {
    out += "80% ranges: measured / predicted of " + band_basis(r) + "\n";
  }
  if (e.has_tpot) out += decode_step_label(r) + breakdown(e.decode_detail) + "\n";
  if (e.has_ttft) out += "prefill chunk (one stage): " + breakdown(e.prefill_detail) + "\n";
  return out;
}

std::string estimate_csv(const std::vector<EstimateRow>& rows) {
  return csv_document(estimate_table(rows));
}

}  // namespace llmsizer::cli
