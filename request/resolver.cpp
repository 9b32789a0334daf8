#include "request/resolver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "estimator/admission.hpp"
#include "io/config_error.hpp"

namespace llmsizer {
namespace {

/// Precisions as asked; the KV cache, when --kv is not given, at the engine's default for the
/// checkpoint (default_kv_precision).
Deployment precisions_of(const ScenarioInput& in, const ModelSpec& model, const GpuSpec& gpu,
                         const EngineEfficiency& engine) {
  Deployment d;
  d.weights = model.weights_precision;
  d.experts = model.experts_precision;
  if (!in.weights.empty()) d.weights = d.experts = parse_precision_option(in.weights, "--weights");
  if (!in.experts.empty()) d.experts = parse_precision_option(in.experts, "--experts");
  d.kv = in.kv.empty() ? default_kv_precision(d, model, gpu, engine) : parse_precision_option(in.kv, "--kv");
  if (in.mtp) {
    d.speculative_tokens = *in.mtp;
    d.speculative_acceptance = in.mtp_acceptance.value_or(default_mtp_acceptance);
    d.speculative_acceptance_decay = default_mtp_acceptance_decay;
  }
  d.overlap = overlap_named(in.overlap, "--overlap");
  return d;
}

Residency residency_of(const Workload& w) {
  return Residency{w.isl + w.osl, std::max<std::int64_t>(1, w.concurrency)};
}

/// Default instance for a given GPU count: one instance up to the scale-up domain; beyond it the
/// smallest multiple of the domain that holds the model, replicated; failing that, the smallest
/// instance that divides the count and holds the model, replicated (replicas before a pipeline deeper
/// than the count needs: 33 GPUs of an 8B model are 33 replicas, not 33 stages). Each holds the
/// requests it runs at once (admitted_residency), as default_layout's do.
Deployment layout_of_count(const PreparedModel& m, const GpuSpec& gpu, int gpus, const Deployment& base,
                           const Workload& w, const EfficiencyParams& e) {
  const int domain = std::max(1, gpu.scale_up.domain_gpus);
  auto replicated = [&](int size) -> std::optional<Deployment> {
    auto d = layout_for(*m.spec, gpu, size, LayoutHints{}, base, nullptr);
    if (!d) return std::nullopt;
    d->replicas = gpus / size;
    if (!fit_memory(m, gpu, *d, admitted_residency(residency_of(w), *d, e), e).fits) return std::nullopt;
    return d;
  };
  if (auto d = gpus <= domain ? layout_for(*m.spec, gpu, gpus, LayoutHints{}, base, nullptr) : std::nullopt) return *d;
  if (gpus % domain == 0) {
    for (int size = domain; size <= gpus; size += domain) {
      if (gpus % size != 0) continue;
      if (auto d = replicated(size)) return *d;
    }
  }
  for (int size = 1; size <= gpus; ++size) {
    if (gpus % size != 0) continue;
    if (auto d = replicated(size)) return *d;
  }
  std::string problem;
  auto d = layout_for(*m.spec, gpu, gpus, LayoutHints{}, base, &problem);
  if (!d) {
    throw ConfigError("--gpus", fmt::format("no layout of {} GPUs holds {} (the one-instance layout fails: {}); "
                                            "give --tp/--pp/--dp or another --gpus",
                                            gpus, m.spec->name, problem));
  }
  return *d;
}

/// The option a layout problem names: the degree's own option when the user gave it, else --gpus when
/// given, else the first degree the user gave.
std::string blamed_option(const ScenarioInput& in, LayoutDegree degree) {
  const std::pair<bool, const char*> own[] = {{in.tp.has_value(), "--tp"}, {in.pp.has_value(), "--pp"},
                                              {in.dp.has_value(), "--dp"}, {in.ep.has_value(), "--ep"},
                                              {in.gpus.has_value(), "--gpus"}};
  const auto& mine = own[static_cast<int>(degree)];
  if (mine.first) return mine.second;
  if (in.gpus) return "--gpus";
  for (const auto& [given, option] : own) {
    if (given) return option;
  }
  return "--gpus";
}

/// Speculative decoding with an MTP module the model does not have.
void check_model_limits(const ScenarioInput& in, const ModelSpec& model) {
  if (in.mtp && *in.mtp > 0 && model.mtp_layers == 0) {
    throw ConfigError("--mtp", fmt::format("{} has no MTP module (mtp_layers 0); speculative decoding with --mtp needs "
                                           "one",
                                           model.name));
  }
}

void check_required(const ScenarioInput& in) {
  if (in.model.empty()) throw ConfigError("--model", "missing: name a model");
  if (in.gpu.empty()) throw ConfigError("--gpu", "missing: name a GPU");
  if (!in.isl) throw ConfigError("--isl", "missing: input tokens per request");
  if (!in.osl) throw ConfigError("--osl", "missing: output tokens per request");
}

/// The options of one pool as the user wrote them, and its name in messages.
struct PoolOptions {
  const char* pool;
  std::optional<int> workers, tp, pp, dp, ep;
  std::optional<std::int64_t> batch;
};

std::array<PoolOptions, 2> pool_options(const ScenarioInput& in) {
  return {PoolOptions{"prefill", in.prefill_workers, in.prefill_tp, in.prefill_pp, in.prefill_dp, in.prefill_ep,
                      in.prefill_batch},
          PoolOptions{"decode", in.decode_workers, in.decode_tp, in.decode_pp, in.decode_dp, in.decode_ep,
                      in.decode_batch}};
}

/// A disaggregated request names both pools' worker counts, and nothing of a co-located deployment.
void check_pool_options(const ScenarioInput& in) {
  const std::array<PoolOptions, 2> pools = pool_options(in);
  for (const PoolOptions& p : pools) {
    const std::pair<bool, const char*> given[] = {
        {p.tp.has_value(), "tp"}, {p.pp.has_value(), "pp"}, {p.dp.has_value(), "dp"}, {p.ep.has_value(), "ep"},
        {p.batch.has_value(), "batch"}};
    for (const auto& [has, key] : given) {
      if (has && !p.workers) {
        throw ConfigError(fmt::format("--{}-{}", p.pool, key),
                          fmt::format("needs --{}-workers: how many {} workers have this layout", p.pool, p.pool));
      }
    }
  }
  for (size_t i = 0; i < 2; ++i) {
    const PoolOptions& other = pools[1 - i];
    if (!pools[i].workers) {
      throw ConfigError(fmt::format("--{}-workers", pools[i].pool),
                        fmt::format("missing: a disaggregated deployment needs both pools; --{}-workers was given",
                                    other.pool));
    }
  }
  const std::pair<bool, const char*> co_located[] = {{in.gpus.has_value(), "--gpus"}, {in.tp.has_value(), "--tp"},
                                                     {in.pp.has_value(), "--pp"},     {in.dp.has_value(), "--dp"},
                                                     {in.ep.has_value(), "--ep"}};
  for (const auto& [has, option] : co_located) {
    if (has) {
      throw ConfigError(option, fmt::format("lays out one co-located deployment; a disaggregated one takes each pool's "
                                            "(--prefill-{0}, --decode-{0})",
                                            option == std::string("--gpus") ? "workers" : option + 2));
    }
  }
  if (phase_named(in.phase, "--phase") != Phase::mixed) {
    throw ConfigError("--phase", fmt::format("'{}' asks for one side of disaggregated serving; with --prefill-workers and "
                                             "--decode-workers the deployment has both: leave --phase out",
                                             in.phase));
  }
  if (in.concurrency && in.decode_batch) {
    throw ConfigError("--concurrency", "a disaggregated deployment runs --decode-workers x --decode-batch requests at "
                                       "once; give --concurrency or --decode-batch, not both");
  }
}

}  // namespace

DisaggregatedDeployment ScenarioResolver::pools(const ScenarioInput& in, const Resolved& r, const Deployment& base) const {
  DisaggregatedDeployment out;
  const std::int64_t decode_workers = *in.decode_workers;
  out.prefill_batch = in.prefill_batch.value_or(default_prefill_batch(r.workload.isl, r.efficiency));
  // --concurrency spreads over the decode workers; 0 (or neither given): as many as fit.
  const std::int64_t concurrency = in.concurrency.value_or(0);
  out.decode_batch = in.decode_batch.value_or((concurrency + decode_workers - 1) / decode_workers);
  for (const PoolOptions& p : pool_options(in)) {
    const bool prefill = p.pool == std::string("prefill");
    ScenarioInput one;
    one.tp = p.tp;
    one.pp = p.pp;
    one.dp = p.dp;
    one.ep = p.ep;
    Deployment pool_base = base;
    if (prefill) pool_base.speculative_tokens = 0;  // drafting is a decode-side matter
    const Workload w{r.workload.isl, prefill ? 1 : r.workload.osl,
                     std::max<std::int64_t>(1, prefill ? out.prefill_batch : out.decode_batch),
                     prefill ? Phase::prefill : Phase::decode};
    Deployment d;
    try {
      d = layout(one, r, pool_base, w);
    } catch (const ConfigError& error) {
      // The layout names the co-located option ("--tp"); the user wrote the pool's ("--decode-tp").
      throw ConfigError(fmt::format("--{}-{}", p.pool, error.path().substr(2)), error.message());
    }
    d.replicas = *p.workers;
    (prefill ? out.prefill : out.decode) = d;
  }
  return out;
}

ScenarioResolver::ScenarioResolver(const Catalog& catalog, std::string calibration_name)
    : catalog_(catalog), calibration_(&catalog.calibration(calibration_name)) {}

const std::pair<std::shared_ptr<const ModelSpec>, std::shared_ptr<const PreparedModel>>&
ScenarioResolver::prepared_entry(const std::string& model_name) {
  auto it = models_.find(model_name);
  if (it == models_.end()) {
    auto model = std::make_shared<const ModelSpec>(catalog_.model(model_name));
    auto prep = std::make_shared<const PreparedModel>(prepare(*model));
    it = models_.emplace(model_name, std::make_pair(model, prep)).first;
  }
  return it->second;
}

std::shared_ptr<const PreparedModel> ScenarioResolver::prepared(const std::string& model_name) {
  return prepared_entry(model_name).second;
}

const GpuSpec& ScenarioResolver::gpu(const std::string& name) {
  // The catalog matches names and aliases case-insensitively over every GPU; a batch names a few.
  auto it = gpus_.find(name);
  if (it == gpus_.end()) it = gpus_.emplace(name, &catalog_.gpu(name)).first;
  return *it->second;
}

EfficiencyParams ScenarioResolver::efficiency(const GpuSpec& gpu, const std::string& engine,
                                              std::optional<double> memory_utilization) const {
  EfficiencyParams e = calibration_->resolve(gpu.generation, engine);
  if (memory_utilization) {
    ScenarioInput in;
    in.memory_utilization = memory_utilization;
    scenario_field("memory_utilization").check(in, "--memory-utilization");
    e.memory_utilization = *memory_utilization;
  }
  return e;
}

Deployment ScenarioResolver::layout(const ScenarioInput& in, const Resolved& r, const Deployment& base,
                                    const Workload& workload) const {
  const bool hinted = in.tp || in.pp || in.dp || in.ep;
  if (!in.gpus && !hinted) {
    // Not one request fits on any count: the estimate of one GPU says by how much.
    return default_layout(*r.prepared, *r.gpu, base, workload, r.efficiency).value_or(base);
  }
  if (!hinted) return layout_of_count(*r.prepared, *r.gpu, *in.gpus, base, workload, r.efficiency);
  const int gpus = in.gpus.value_or(in.tp.value_or(1) * in.pp.value_or(1) * in.dp.value_or(1));
  std::string problem;
  LayoutDegree degree = LayoutDegree::gpus;
  auto d = layout_for(*r.model, *r.gpu, gpus, LayoutHints{in.tp, in.pp, in.dp, in.ep}, base, &problem, &degree);
  if (!d) throw ConfigError(blamed_option(in, degree), problem);
  return *d;
}

ScenarioResolver::Resolved ScenarioResolver::resolve(const ScenarioInput& in) {
  check_request(in);
  Resolved r;
  resolve_names(in, r);
  resolve_workload(in, r);
  const Deployment precisions = precisions_of(in, *r.model, *r.gpu, r.efficiency.engine);
  if (in.disaggregated()) {
    check_pool_options(in);
    r.pools = pools(in, r, precisions);
    r.deployment = r.pools->decode;
  } else {
    r.deployment = layout(in, r, precisions, r.workload);
    r.layout_chosen = !in.gpus && !layout_given(in);
  }
  resolve_price(in, r);
  return r;
}

void ScenarioResolver::check_request(const ScenarioInput& in) {
  check_required(in);
  check_scenario_ranges(in);
}

void ScenarioResolver::resolve_names(const ScenarioInput& in, Resolved& r) {
  const auto& [model, prepared_model] = prepared_entry(in.model);
  r.prepared = prepared_model;
  r.model = model;
  r.gpu = &gpu(in.gpu);
  const std::string engine = engine_named(*calibration_, in.engine);
  r.engine = engine.empty() ? calibration_->default_engine : engine;
  r.efficiency = efficiency(*r.gpu, r.engine, in.memory_utilization);
  // A stated token budget replaces the engine's everywhere it is read (docs/methodology.md#serving).
  if (in.prefill_chunk_tokens) r.efficiency.engine.prefill_chunk_tokens = *in.prefill_chunk_tokens;
  r.workload.phase = phase_named(in.phase, "--phase");
  check_model_limits(in, *r.model);
}

void ScenarioResolver::resolve_workload(const ScenarioInput& in, Resolved& r) const {
  r.workload = Workload{*in.isl, *in.osl, in.concurrency.value_or(1), r.workload.phase};
  r.warnings.clear();
  if (auto warning = check_context(*r.model, *in.isl, *in.osl)) r.warnings.push_back(std::move(*warning));
  if (in.mtp_acceptance && in.mtp.value_or(0) == 0) {
    r.warnings.push_back(fmt::format("--mtp-acceptance {:g} has no effect without --mtp: no token is drafted",
                                     *in.mtp_acceptance));
  }
  if (r.efficiency.comm_overlap > 0) {  // rare: the shipped calibrations hide none
    const Overlap overlap = overlap_named(in.overlap, "--overlap");
    if (auto warning = overlap_calibration_warning(overlap, r.efficiency.comm_overlap, calibration_->name)) {
      r.warnings.push_back(std::move(*warning));
    }
  }
}

Deployment ScenarioResolver::precisions(const ScenarioInput& in, const Resolved& r) const {
  return precisions_of(in, *r.model, *r.gpu, r.efficiency.engine);
}

void ScenarioResolver::resolve_price(const ScenarioInput& in, Resolved& r) const {
  const PriceChoice price =
      choose_price(*r.gpu, parse_price_option(catalog_, in.price), in.usd_per_gpu_hour, missing_price_);
  r.usd_per_gpu_hour = price.usd_per_gpu_hour;
  r.price_label = price.label;
  r.price_basis = price.basis;
  r.error_bands = catalog_.bands(calibration_->name);
}

bool ScenarioResolver::layout_given(const ScenarioInput& in) {
  return !in.disaggregated() && (in.tp || in.pp || in.dp || in.ep);
}

}  // namespace llmsizer
