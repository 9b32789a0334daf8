// cli/report_page.cpp — the report's fit and cost tables (cli/report_page.hpp).
#include "cli/report_page.hpp"

#include <fmt/format.h>

#include "estimator/realism.hpp"
#include "estimator/text_format.hpp"
#include "io/columns.hpp"
#include "io/result_table.hpp"
#include "request/price_choice.hpp"
#include "request/resolver.hpp"

namespace llmsizer::cli {
namespace {

/// One fit row of one GPU type on the page.
struct FitEntry {
  const GpuSection* section;
  const FitTableRow* fit;
  [[nodiscard]] bool ok() const { return fit->minimum.gpus.has_value(); }
};

constexpr CellFormat plain(int decimals) {
  return {NumberStyle::plain, decimals};
}

}  // namespace

std::string layout_text(const Deployment& d) {
  return fmt::format("{}: {}", count_of(d.total_gpus(), "GPU"), layout_label(d.parallel));
}

std::string fit_context_text(const ScenarioResolver::Resolved& r) {
  const std::int64_t context = r.workload.isl + r.workload.osl;
  const std::string held = r.workload.concurrency > 0
                               ? "x " + count_of(r.workload.concurrency, "request") + " in flight"
                               : "with no request's KV cache reserved (no --concurrency given)";
  return fmt::format(
      "Smallest GPU count per weight precision for the workload's context: {} input + {} output = {} "
      "tokens per request {} (llmsizer fit sizes for the model's full context, {} tokens, unless "
      "given --context)",
      grouped(r.workload.isl), grouped(r.workload.osl), grouped(context), held, grouped(r.model->max_context));
}

void fit_table(HtmlReport& page, const std::vector<GpuSection>& sections) {
  Schema<FitEntry> s;
  auto when_ok = [](auto f) { return [f](const FitEntry& e) { return e.ok() ? f(e.fit->minimum) : Cell(); }; };
  s.add(columns::shown(columns::gpu, {}, "GPU"), [](const FitEntry& e) { return Cell(e.section->resolved.gpu->name); });
  s.add(columns::weights, [](const FitEntry& e) { return Cell(upper(e.fit->weights)); });
  s.add(columns::shown(columns::layout_gpus, {}, "min GPUs"), [](const FitEntry& e) {
    return e.ok() ? Cell(std::int64_t{*e.fit->minimum.gpus}) : Cell(std::string("does not fit"));
  });
  s.add({"layout", "", "tensor and pipeline degrees"}, when_ok([](const MinimumGpus& m) {
          return Cell(fmt::format("tp{} pp{}", m.deployment.parallel.tp, m.deployment.parallel.pp));
        }));
  s.add(columns::shown(columns::weights_gb_per_gpu, plain(1), "weights (GB/GPU)"),
        when_ok([](const MinimumGpus& m) { return Cell(in_gigabytes(m.fit.need.weights)); }));
  s.add(columns::shown(columns::kv_gb_per_gpu, plain(1), "KV (GB/GPU)"),
        when_ok([](const MinimumGpus& m) { return Cell(in_gigabytes(m.fit.need.kv_cache)); }));
  s.add(columns::shown(columns::usable_gb_per_gpu, plain(1), "usable (GB/GPU)"),
        [](const FitEntry& e) { return Cell(in_gigabytes(e.fit->minimum.fit.usable_per_gpu)); });
  s.add(columns::shown(columns::free_kv_tokens, {}, "free KV (tokens)"),
        when_ok([](const MinimumGpus& m) { return Cell(columns::whole_tokens(m.fit.free_kv_tokens)); }));
  ResultTable table = s.table();
  for (const GpuSection& section : sections) {
    for (const FitTableRow& f : section.fit) table.rows.push_back(s.cells({&section, &f}));
  }
  page.table("Smallest GPU count that holds the model, per weight precision", table);
}

void cost_table(HtmlReport& page, const std::vector<GpuSection>& sections) {
  Schema<GpuSection> s;
  auto chosen = [](auto f) { return [f](const GpuSection& g) { return g.chosen ? f(g.ladder[*g.chosen]) : Cell(); }; };
  s.add(columns::shown(columns::gpu, {}, "GPU"), [](const GpuSection& g) { return Cell(g.resolved.gpu->name); });
  // The default layout at its native weights, not the search's best configuration (the table after it):
  // its precision is named so the two costs of one GPU are not read as one figure.
  s.add({"deployment", "", "the default layout and its weight precision, or why nothing is charted"},
        [](const GpuSection& g) {
          const Deployment& d = g.resolved.deployment;
          return Cell(g.chosen ? fmt::format("{}, {} weights", layout_text(d), upper(weights_label(d))) : g.problem);
        });
  s.add(columns::shown(columns::concurrency, {}, "requests in flight"),
        chosen([](const Estimate& e) { return Cell(e.concurrency); }));
  s.add(columns::shown(columns::ttft_ms, {NumberStyle::commas, 0}, "TTFT (ms)"),
        chosen([](const Estimate& e) { return Cell(in_milliseconds(e.ttft)); }));
  s.add(columns::shown(columns::tpot_ms, plain(1), "TPOT (ms)"),
        chosen([](const Estimate& e) { return Cell(in_milliseconds(e.tpot)); }));
  s.add(columns::shown(columns::output_tok_s_per_gpu, {NumberStyle::commas, 1}, "output (tokens/s per GPU)"),
        chosen([](const Estimate& e) { return Cell(e.output_tok_s_per_gpu); }));
  s.add(columns::shown(columns::tok_s_per_user, plain(1), "per user (tokens/s)"),
        chosen([](const Estimate& e) { return Cell(e.tok_s_per_user); }));
  s.add(columns::shown(columns::price, {}, "price ($/GPU-hour)"), [](const GpuSection& g) {
    const auto& r = g.resolved;
    if (!g.chosen) return Cell();
    return Cell(r.usd_per_gpu_hour ? fmt::format("${:.3f} ({}, {})", *r.usd_per_gpu_hour, r.price_label,
                                                 price_basis_text(r.price_basis))
                                   : g.price_note);
  });
  s.add(columns::shown(columns::usd_per_mtok_output, {NumberStyle::money, 3}, "cost ($/Mtok output)"),
        chosen([](const Estimate& e) { return optional_cell(e.usd_per_mtok_output); }));
  s.add(columns::shown(columns::joules_per_output_token, plain(2), "energy (J/output token)"),
        chosen([](const Estimate& e) { return Cell(e.joules_per_output_token); }));
  s.add({"kwh_per_mtok_output", "kWh/Mtok", "energy per million output tokens", plain(2), "energy (kWh/Mtok output)"},
        chosen([](const Estimate& e) { return Cell(e.kwh_per_mtok_output); }));
  s.add({"meets_slo", "", "the chosen concurrency meets the SLOs", {}, "meets SLOs"},
        [](const GpuSection& g) { return g.chosen ? Cell(g.chosen_meets_slo) : Cell(); });
  s.add({"realistic", "", "why an engine would not run it (estimator/realism.hpp), or yes"}, [](const GpuSection& g) {
    if (!g.chosen) return Cell();
    const std::string why =
        unrealistic_text(*g.resolved.gpu, g.resolved.deployment.parallel, g.ladder[*g.chosen].tok_s_per_user);
    return Cell(why.empty() ? std::string("yes") : "no: " + why);
  });
  ResultTable table = s.table();
  for (const GpuSection& section : sections) table.rows.push_back(s.cells(section));
  page.table("Cost and energy of the default layout at the chosen concurrency", table);
}

}  // namespace llmsizer::cli
