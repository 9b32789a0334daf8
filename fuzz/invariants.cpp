#include "fuzz/invariants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "base/ascii.hpp"
#include "cli/estimate_row.hpp"
#include "estimator/layout.hpp"
#include "estimator/placement.hpp"
#include "estimator/serving.hpp"
#include "io/calibration_loader.hpp"
#include "io/csv_reader.hpp"
#include "io/profile_loader.hpp"

namespace llmsizer::fuzz {
namespace fs = std::filesystem;

namespace {

bool finite_positive(double v) { return std::isfinite(v) && v > 0; }
bool finite_nonnegative(double v) { return std::isfinite(v) && v >= 0; }

bool nonfinite_word(std::string cell) {
  cell.erase(0, cell.find_first_not_of(" \t"));
  cell.erase(cell.find_last_not_of(" \t") + 1);
  cell = ascii_lower(cell);
  if (!cell.empty() && (cell[0] == '-' || cell[0] == '+')) cell.erase(0, 1);
  return cell == "nan" || cell == "inf" || cell == "infinity";
}

/// Sizes and estimates `model` on `gpu`; "" when everything is finite.
std::string check_pair(const PreparedModel& model, const GpuSpec& gpu, const EfficiencyParams& efficiency) {
  Deployment base;
  base.weights = model.spec->weights_precision;
  base.experts = model.spec->experts_precision;
  const Workload workload{1024, 256, 8, Phase::mixed};
  const MinimumGpus min = minimum_gpus(model, gpu, base, Residency{1280, 8}, efficiency, 64);
  const Deployment deployment = min.gpus ? min.deployment : base;
  return check_estimate(estimate(model, gpu, deployment, workload, efficiency, 2.0), model, gpu, deployment);
}

}  // namespace

std::string check_estimate(const Estimate& e) {
  if (!finite_nonnegative(e.memory.need.total().value)) return fmt::format("memory need {}", e.memory.need.total().value);
  if (!e.fits) return {};
  const std::pair<const char*, double> positive[] = {
      {"output_tok_s", e.output_tok_s}, {"output_tok_s_per_gpu", e.output_tok_s_per_gpu},
      {"decode_step", e.decode_step.value}, {"prefill_alone", e.prefill_alone.value}};
  for (const auto& [name, value] : positive) {
    if (!finite_positive(value)) return fmt::format("estimate {} = {}", name, value);
  }
  if (!finite_nonnegative(e.ttft.value)) return fmt::format("estimate ttft = {}", e.ttft.value);
  if (e.has_tpot) {
    if (!finite_positive(e.tpot.value) || !finite_positive(e.tok_s_per_user)) {
      return fmt::format("estimate tpot = {}, tok_s_per_user = {}", e.tpot.value, e.tok_s_per_user);
    }
    // A token never comes faster than the decode step spread over the tokens one step yields.
    const double floor = e.decode_step.value / e.tokens_per_decode_step;
    if (e.tpot.value < floor * (1 - 1e-9)) return fmt::format("tpot {} below decode step / tokens {}", e.tpot.value, floor);
  }
  // A co-located deployment's first token waits at least for its own prompt's prefill.
  if (e.ttft.value > 0 && e.ttft.value < e.prefill_alone.value * (1 - 1e-9)) {
    return fmt::format("ttft {} below prefill alone {}", e.ttft.value, e.prefill_alone.value);
  }
  const std::pair<const char*, double> nonnegative[] = {
      {"input_tok_s", e.input_tok_s}, {"prefill_share", e.prefill_share}, {"power_w", e.power_w},
      {"joules_per_output_token", e.joules_per_output_token}, {"usd_per_mtok_output", e.usd_per_mtok_output.value_or(0)}};
  for (const auto& [name, value] : nonnegative) {
    if (!finite_nonnegative(value)) return fmt::format("estimate {} = {}", name, value);
  }
  return {};
}

double hbm_bound_output_tok_s(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                              const Estimate& e) {
  const WeightBytesByKind w = place(model, deployment).weights;
  const double routed_share = model.num_experts > 0 ? std::min(1.0, model.experts_per_token / model.num_experts) : 0.0;
  const double min_step_bytes = (w.attention + w.dense_ffn + w.shared_experts + w.router + w.norms).value +
                                w.routed_experts.value * routed_share;
  const double stage_seconds = min_step_bytes / gpu.memory_bandwidth.value;
  return static_cast<double>(e.concurrency) * e.tokens_per_decode_step / (deployment.parallel.pp * stage_seconds);
}

std::string check_estimate(const Estimate& e, const PreparedModel& model, const GpuSpec& gpu,
                           const Deployment& deployment) {
  if (std::string broken = check_estimate(e); !broken.empty() || !e.fits) return broken;
  const double bound = hbm_bound_output_tok_s(model, gpu, deployment, e);
  if (!(e.output_tok_s <= bound * (1 + 1e-12))) return fmt::format("output {} tok/s above the HBM bound {}", e.output_tok_s, bound);
  return {};
}

std::string check_model(const ModelSpec& model, const Fixtures& f) {
  if (model.layer_attention.size() != static_cast<size_t>(model.num_layers) ||
      model.layer_is_moe.size() != static_cast<size_t>(model.num_layers)) {
    return "per-layer vectors do not match num_layers";
  }
  const PreparedModel prepared = prepare(model);
  if (!finite_positive(prepared.params.total) || !finite_positive(prepared.params.active)) {
    return fmt::format("parameters total {} active {}", prepared.params.total, prepared.params.active);
  }
  if (!finite_nonnegative(kv_bytes_per_token(model, Precision::fp8))) return "KV bytes per token not finite";
  return check_pair(prepared, f.gpu, f.calibration.resolve(f.gpu.generation, ""));
}

std::string check_gpu(const GpuSpec& gpu, const Fixtures& f) {
  for (double v : {gpu.memory.value, gpu.memory_bandwidth.value, gpu.tdp.value}) {
    if (!finite_positive(v)) return fmt::format("GPU figure {}", v);
  }
  return check_pair(f.prepared, gpu, f.calibration.resolve(gpu.generation, ""));
}

std::string check_calibration(const Calibration& c, const Fixtures& f) {
  return check_pair(f.prepared, f.gpu, c.resolve(f.gpu.generation, c.default_engine));
}

// ---------------------------------------------------------------- targets

std::string nonfinite_in_text(const std::string& text) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '+'; };
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    bool quoted = false;
    std::string word;
    for (size_t i = 0; i <= line.size(); ++i) {
      const char c = i < line.size() ? line[i] : ' ';
      if (c == '\'') quoted = !quoted;
      if (!quoted && word_char(c)) {
        word += c;
        continue;
      }
      if (nonfinite_word(word)) return line;
      word.clear();
    }
  }
  return {};
}

std::string nonfinite_in_estimate_csv(const std::string& csv) {
  const CsvTable table = parse_csv(csv, "stdout");
  std::vector<bool> numeric;
  for (const std::string& key : table.header) {
    bool is_numeric = false;
    for (const Column& c : cli::estimate_columns()) {
      if (c.key == key) is_numeric = !c.unit.empty() || key == "tp" || key == "pp" || key == "dp" || key == "ep";
    }
    numeric.push_back(is_numeric);
  }
  for (const CsvRecord& record : table.records) {
    for (size_t i = 0; i < record.fields.size() && i < numeric.size(); ++i) {
      if (numeric[i] && nonfinite_word(record.fields[i])) {
        return fmt::format("column {} is '{}' on output line {}", table.header[i], record.fields[i], record.line);
      }
    }
  }
  return {};
}

std::string check_measurement(const Measurement& m) {
  for (const std::optional<int>& degree : {m.tp, m.pp, m.dp, m.ep, m.mtp}) {
    if (degree && (*degree < 0 || *degree > (1 << 20))) return fmt::format("{}: parallel degree {}", m.id, *degree);
  }
  for (const std::optional<std::int64_t>& count : {m.isl, m.osl, m.concurrency}) {
    if (count && (*count < 0 || *count > (1LL << 40))) return fmt::format("{}: token count {}", m.id, *count);
  }
  for (const std::optional<double>& metric : {m.tpot_ms, m.ttft_ms, m.output_tok_s_per_gpu, m.input_tok_s_per_gpu}) {
    if (metric && !finite_positive(*metric)) return fmt::format("{}: metric {}", m.id, *metric);
  }
  if (m.gpus < 0) return fmt::format("{}: {} GPUs", m.id, m.gpus);
  return {};
}

std::shared_ptr<Fixtures> load_fixtures(const fs::path& src) {
  auto f = std::make_shared<Fixtures>();
  f->model = load_model_file((src / "profiles/models/llama-3.1-8b.yaml").string());
  f->prepared = prepare(f->model);
  f->gpu = load_gpu_file((src / "profiles/gpus/h100-sxm.yaml").string());
  f->calibration = load_calibration_file((src / "profiles/calibration/default.yaml").string());
  return f;
}

}  // namespace llmsizer::fuzz
