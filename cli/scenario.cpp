#include "cli/scenario.hpp"

#include <fmt/format.h>

#include "estimator/text_format.hpp"
#include "io/config_error.hpp"

namespace llmsizer::cli {

// DeepSeek-V3 technical report §5.4.3: the second token predicted by MTP is accepted 85–90% of the time.
constexpr double default_mtp_acceptance = 0.85;
// Later draft positions reuse the one MTP module on its own predictions and are accepted less often;
// 0.8 per position gives 1.85 / 2.43 / 2.74 tokens per step for 1 / 2 / 3 drafts, inside the
// 1.8–3.3 accepted tokens per step Ant Group reports for DeepSeek-R1 with MTP on H20 (LMSYS blog
// 2025-09-26).
constexpr double default_mtp_acceptance_decay = 0.8;

void add_scenario_options(CLI::App& app, ScenarioInput& in, bool require_workload) {
  auto* model = app.add_option("--model", in.model, "Model name, alias, HF repo id, or path to config.json / model YAML");
  auto* gpu = app.add_option("--gpu", in.gpu, "GPU name or alias");
  app.add_option("--gpus", in.gpus, "Total GPUs (default: the smallest layout that fits)");
  app.add_option("--tp", in.tp, "Tensor-parallel degree of attention and dense layers");
  app.add_option("--pp", in.pp, "Pipeline-parallel stages");
  app.add_option("--dp", in.dp, "Attention data-parallel degree within an instance");
  app.add_option("--ep", in.ep, "Expert-parallel degree of routed experts (divides tp x dp)");
  app.add_option("--weights", in.weights, "Weight precision: bf16, fp16, fp8, int8, fp4, int4 (default: native)");
  app.add_option("--experts", in.experts, "Routed experts' precision when it differs from --weights (e.g. fp4)");
  app.add_option("--kv", in.kv, "KV-cache precision: bf16, fp16, fp8, int8, fp4, int4 (default: bf16)");
  app.add_option("--engine", in.engine, "Serving engine for overheads: trtllm, vllm, sglang (default: generic)");
  app.add_option("--phase", in.phase, "mixed (default), or decode / prefill for one side of disaggregated serving");
  auto* isl = app.add_option("--isl", in.isl, "Input (prompt) tokens per request");
  auto* osl = app.add_option("--osl", in.osl, "Output tokens per request");
  app.add_option("--concurrency", in.concurrency, "Requests in flight across the deployment (0: as many as fit)");
  app.add_option("--mtp", in.mtp, "Speculative tokens drafted per step with the model's MTP module");
  app.add_option("--mtp-acceptance", in.mtp_acceptance, "Acceptance rate of drafted tokens (default 0.85)");
  app.add_option("--price", in.price, "Price label from the GPU profile (e.g. 3yr-rental)");
  app.add_option("--usd-per-gpu-hour", in.usd_per_gpu_hour, "Price in $ per GPU-hour (overrides --price)");
  app.add_option("--memory-utilization", in.memory_utilization, "Usable fraction of GPU memory (default 0.90)");
  if (require_workload) {
    model->required();
    gpu->required();
    isl->required();
    osl->required();
  }
}

Precision parse_precision_option(const std::string& text, const std::string& option) {
  if (auto p = parse_precision(text)) return *p;
  const std::string hint = closest_match(text, precision_vocabulary);
  std::string names;
  for (std::string_view n : precision_vocabulary) names += (names.empty() ? "" : ", ") + std::string(n);
  throw ConfigError(option, fmt::format("unknown precision '{}' (expected one of {}){}", text, names,
                                        hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint)));
}

std::optional<double> choose_price(const GpuSpec& gpu, const std::string& label, std::optional<double> explicit_usd,
                                   std::string* label_used) {
  if (explicit_usd) {
    if (label_used) *label_used = "user";
    return explicit_usd;
  }
  if (!label.empty()) {
    if (const PricePoint* p = find_price(gpu, label)) {
      if (label_used) *label_used = p->label;
      return p->per_gpu_hour.value;
    }
    std::vector<std::string> labels;
    for (const PricePoint& p : gpu.prices) labels.push_back(p.label);
    std::string known;
    for (const std::string& l : labels) known += (known.empty() ? "" : ", ") + l;
    throw ConfigError("--price", fmt::format("{} has no price '{}'{}", gpu.name, label,
                                             labels.empty() ? "; it has no prices, use --usd-per-gpu-hour"
                                                            : fmt::format(" (it has: {})", known)));
  }
  if (gpu.prices.empty()) return std::nullopt;
  if (label_used) *label_used = gpu.prices.front().label;
  return gpu.prices.front().per_gpu_hour.value;
}

ScenarioResolver::ScenarioResolver(Context& context, std::string calibration_name)
    : context_(context), calibration_(&context.catalog().calibration(calibration_name)) {}

std::shared_ptr<const PreparedModel> ScenarioResolver::prepared(const std::string& model_name) {
  auto it = models_.find(model_name);
  if (it == models_.end()) {
    auto model = std::make_shared<const ModelSpec>(context_.catalog().model(model_name));
    auto prep = std::make_shared<const PreparedModel>(prepare(*model));
    it = models_.emplace(model_name, std::make_pair(model, prep)).first;
  }
  return it->second.second;
}

EfficiencyParams ScenarioResolver::efficiency(const GpuSpec& gpu, const std::string& engine,
                                              std::optional<double> memory_utilization) const {
  EfficiencyParams e = calibration_->resolve(gpu.generation, engine);
  if (memory_utilization) {
    if (!(*memory_utilization > 0 && *memory_utilization <= 1)) {
      throw ConfigError("--memory-utilization", fmt::format("{} is out of range (must be > 0 and <= 1)", *memory_utilization));
    }
    e.memory_utilization = *memory_utilization;
  }
  return e;
}

namespace {

// Token counts and concurrency stay below 2^31, so products such as context x concurrency x KV bytes
// per token stay far inside a double's exact range and never overflow an int64.
constexpr std::int64_t max_count = std::int64_t{1} << 31;
constexpr int max_degree = 1 << 20;
constexpr double max_usd_per_gpu_hour = 1000;  // the same bound as prices in gpu/1 profiles

void check_count(const std::optional<std::int64_t>& value, const char* option, std::int64_t min) {
  if (value && (*value < min || *value > max_count)) {
    throw ConfigError(option, fmt::format("{} is out of range (must be >= {} and <= {})", *value, min, max_count));
  }
}
void check_degree(const std::optional<int>& value, const char* option) {
  if (value && (*value < 1 || *value > max_degree)) {
    throw ConfigError(option, fmt::format("{} is out of range (must be >= 1 and <= {})", *value, max_degree));
  }
}
// NaN fails every comparison, so each check is written as "not inside the range".
void check_range(const std::optional<double>& value, const char* option, const char* range, bool inside) {
  if (value && !inside) throw ConfigError(option, fmt::format("{} is out of range (must be {})", *value, range));
}

Phase parse_phase(const std::string& text) {
  if (text.empty() || text == "mixed") return Phase::mixed;
  if (text == "decode") return Phase::decode;
  if (text == "prefill") return Phase::prefill;
  const std::string hint = closest_match(text, std::vector<std::string>{"mixed", "decode", "prefill"});
  throw ConfigError("--phase", fmt::format("unknown phase '{}' (expected mixed, decode or prefill){}", text,
                                           hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint)));
}

Deployment precisions_of(const ScenarioInput& in, const ModelSpec& model) {
  Deployment d;
  d.weights = model.weights_precision;
  d.experts = model.experts_precision;
  if (!in.weights.empty()) d.weights = d.experts = parse_precision_option(in.weights, "--weights");
  if (!in.experts.empty()) d.experts = parse_precision_option(in.experts, "--experts");
  d.kv = in.kv.empty() ? Precision::bf16 : parse_precision_option(in.kv, "--kv");
  if (in.mtp) {
    if (*in.mtp < 0 || *in.mtp > 16) {
      throw ConfigError("--mtp", fmt::format("{} is out of range (must be >= 0 and <= 16)", *in.mtp));
    }
    d.speculative_tokens = *in.mtp;
    d.speculative_acceptance = in.mtp_acceptance.value_or(default_mtp_acceptance);
    d.speculative_acceptance_decay = default_mtp_acceptance_decay;
  }
  return d;
}

/// Default instance for a given GPU count: one instance up to the scale-up domain; beyond it the
/// smallest multiple of the domain that holds the model, replicated.
Deployment default_layout(const PreparedModel& m, const GpuSpec& gpu, int gpus, const Deployment& base,
                          const Workload& w, const EfficiencyParams& e) {
  std::string problem;
  const int domain = std::max(1, gpu.scale_up.domain_gpus);
  if (gpus > domain && gpus % domain == 0) {
    for (int size = domain; size <= gpus; size += domain) {
      if (gpus % size != 0) continue;
      auto d = layout_for(*m.spec, gpu, size, LayoutHints{}, base, &problem);
      if (!d) continue;
      d->replicas = gpus / size;
      if (fit_memory(m, gpu, *d, Residency{w.isl + w.osl, std::max<std::int64_t>(1, w.concurrency)}, e).fits) return *d;
    }
  }
  auto d = layout_for(*m.spec, gpu, gpus, LayoutHints{}, base, &problem);
  if (!d) throw ConfigError("--gpus", problem);
  return *d;
}

}  // namespace

std::string weights_label(const Deployment& d) {
  return d.weights == d.experts ? std::string(name(d.weights)) : fmt::format("{}+{}", name(d.weights), name(d.experts));
}

void check_usd_per_gpu_hour(const std::optional<double>& usd) {
  check_range(usd, "--usd-per-gpu-hour", "> 0 and <= 1000 $/GPU-hour", usd && *usd > 0 && *usd <= max_usd_per_gpu_hour);
}

ScenarioResolver::Resolved ScenarioResolver::resolve(const ScenarioInput& in) {
  if (in.model.empty()) throw ConfigError("--model", "missing: name a model");
  if (in.gpu.empty()) throw ConfigError("--gpu", "missing: name a GPU");
  if (!in.isl) throw ConfigError("--isl", "missing: input tokens per request");
  if (!in.osl) throw ConfigError("--osl", "missing: output tokens per request");
  check_count(in.isl, "--isl", 1);
  check_count(in.osl, "--osl", 1);
  check_count(in.concurrency, "--concurrency", 0);
  for (auto [value, option] : {std::pair{in.gpus, "--gpus"}, {in.tp, "--tp"}, {in.pp, "--pp"}, {in.dp, "--dp"}, {in.ep, "--ep"}}) {
    check_degree(value, option);
  }
  const auto& acceptance = in.mtp_acceptance;
  check_range(acceptance, "--mtp-acceptance", ">= 0 and < 1", acceptance && *acceptance >= 0 && *acceptance < 1);
  check_usd_per_gpu_hour(in.usd_per_gpu_hour);
  Resolved r;
  r.prepared = prepared(in.model);
  r.model = models_.at(in.model).first;
  r.gpu = &context_.catalog().gpu(in.gpu);
  r.engine = in.engine.empty() ? calibration_->default_engine : in.engine;
  if (!in.engine.empty() && in.engine != "trtllm" && in.engine != "vllm" && in.engine != "sglang" && in.engine != "default") {
    const std::string hint = closest_match(in.engine, std::vector<std::string>{"trtllm", "vllm", "sglang"});
    throw ConfigError("--engine", fmt::format("unknown engine '{}' (expected trtllm, vllm or sglang){}", in.engine,
                                              hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint)));
  }
  r.efficiency = efficiency(*r.gpu, r.engine, in.memory_utilization);
  r.workload = Workload{*in.isl, *in.osl, in.concurrency.value_or(1), parse_phase(in.phase)};
  const Deployment base = precisions_of(in, *r.model);
  const bool hinted = in.tp || in.pp || in.dp || in.ep;
  const LayoutHints hints{in.tp, in.pp, in.dp, in.ep};
  if (!in.gpus && !hinted) {
    const MinimumGpus min = minimum_gpus(*r.prepared, *r.gpu, base,
                                         Residency{r.workload.isl + r.workload.osl, std::max<std::int64_t>(1, r.workload.concurrency)},
                                         r.efficiency);
    r.deployment = min.gpus ? min.deployment : base;
  } else if (!hinted) {
    r.deployment = default_layout(*r.prepared, *r.gpu, *in.gpus, base, r.workload, r.efficiency);
  } else {
    const int gpus = in.gpus.value_or(in.tp.value_or(1) * in.pp.value_or(1) * in.dp.value_or(1));
    std::string problem;
    auto d = layout_for(*r.model, *r.gpu, gpus, hints, base, &problem);
    if (!d) throw ConfigError(in.tp ? "--tp" : "--gpus", problem);
    r.deployment = *d;
  }
  r.usd_per_gpu_hour = choose_price(*r.gpu, in.price, in.usd_per_gpu_hour, &r.price_label);
  return r;
}

}  // namespace llmsizer::cli
