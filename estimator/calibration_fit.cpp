#include "estimator/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include <Eigen/Dense>

#include "estimator/serving.hpp"

namespace llmsizer {

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::tpot: return "tpot";
    case Metric::ttft: return "ttft";
    case Metric::output_per_gpu: return "output_tok_s_per_gpu";
    case Metric::input_per_gpu: return "input_tok_s_per_gpu";
  }
  return "tpot";
}

std::optional<double> measured_value(const MeasuredCase& c, Metric m) {
  switch (m) {
    case Metric::tpot: return c.tpot_s;
    case Metric::ttft: return c.ttft_s;
    case Metric::output_per_gpu: return c.output_tok_s_per_gpu;
    case Metric::input_per_gpu: return c.input_tok_s_per_gpu;
  }
  return std::nullopt;
}

Prediction predict(const MeasuredCase& c, const Calibration& calibration) {
  Prediction p;
  const EfficiencyParams e = calibration.resolve(c.gpu->generation, c.engine);
  const Estimate est = estimate(*c.model, *c.gpu, c.deployment, c.workload, e, std::nullopt);
  p.fits = est.fits;
  if (!est.fits) {
    p.reason = est.reasons.empty() ? "does not fit" : est.reasons.front();
    return p;
  }
  const bool decode = c.workload.phase != Phase::prefill;
  const bool prefill = c.workload.phase != Phase::decode;
  if (decode) p.value[static_cast<int>(Metric::tpot)] = est.tpot.value;
  if (prefill) p.value[static_cast<int>(Metric::ttft)] = est.ttft.value;
  if (decode) p.value[static_cast<int>(Metric::output_per_gpu)] = est.output_tok_s_per_gpu;
  p.value[static_cast<int>(Metric::input_per_gpu)] = est.input_tok_s / c.deployment.total_gpus();
  return p;
}

// ------------------------------------------------------------------ parameters by name

namespace {

double* hardware_field(HardwareEfficiency& h, const std::string& field) {
  if (field == "compute_fraction") return &h.compute_fraction;
  if (field == "fp8_compute_derate") return &h.fp8_compute_derate;
  if (field == "fp4_compute_derate") return &h.fp4_compute_derate;
  if (field == "bandwidth_fraction") return &h.bandwidth_fraction;
  if (field == "link_fraction") return &h.link_fraction;
  if (field == "roofline_sharpness") return &h.roofline_sharpness;
  return nullptr;
}

double* engine_field(EngineEfficiency& e, const std::string& field) {
  if (field == "step_overhead") return &e.step_overhead.value;
  if (field == "layer_overhead") return &e.layer_overhead.value;
  if (field == "collective_latency") return &e.collective_latency.value;
  if (field == "scale_out_latency") return &e.scale_out_latency.value;
  if (field == "moe_layer_overhead") return &e.moe_layer_overhead.value;
  if (field == "prefill_expert_overhead") return &e.prefill_expert_overhead.value;
  if (field == "attention_fraction") return &e.attention_fraction;
  if (field == "startup_burst_share") return &e.startup_burst_share;
  if (field == "prompt_group_share") return &e.prompt_group_share;
  if (field == "request_overhead") return &e.request_overhead.value;
  if (field == "expert_gemm_half_tokens") return &e.expert_gemm_half_tokens;
  return nullptr;
}

std::pair<std::string, std::string> split_name(const std::string& name) {
  const size_t dot = name.find('.');
  return {name.substr(0, dot), dot == std::string::npos ? std::string() : name.substr(dot + 1)};
}

/// Every field the name refers to, creating the generation/engine entry (from "default") if needed.
std::vector<double*> fields(Calibration& c, const std::string& name) {
  const auto [group, field] = split_name(name);
  std::vector<double*> out;
  HardwareEfficiency probe_h;
  if (hardware_field(probe_h, field)) {
    bool found = group == "*";
    for (HardwareEfficiency& h : c.generations) {
      if (group == "*" || h.generation == group) {
        out.push_back(hardware_field(h, field));
        found = true;
      }
    }
    if (!found) {
      HardwareEfficiency copy = c.resolve(group, "").hardware;
      copy.generation = group;
      c.generations.push_back(copy);
      return fields(c, name);
    }
    return out;
  }
  // "engines" names every engine the calibration has an entry for, but not "default" (an engine
  // without runs keeps its priors).
  const bool named_engines = group == "engines";
  bool found = group == "*" || named_engines;
  for (EngineEfficiency& e : c.engines) {
    if (group == "*" || e.engine == group || (named_engines && e.engine != "default")) {
      if (double* f = engine_field(e, field)) out.push_back(f);
      found = true;
    }
  }
  if (!found) {
    EngineEfficiency copy = c.resolve("", "default").engine;
    copy.engine = group;
    c.engines.push_back(copy);
    return fields(c, name);
  }
  return out;
}

/// Keeps a bounded parameter's prior strictly inside its range so its logit is finite.
constexpr double bound_margin = 1e-3;

double to_z(const FitParameter& p, double x) {
  if (p.min < p.max) {
    const double u = std::clamp((x - p.min) / (p.max - p.min), bound_margin, 1.0 - bound_margin);
    return std::log(u / (1.0 - u));
  }
  return p.fraction ? std::log(x / (1.0 - x)) : std::log(x);
}
// Fractions stay at or above the floor the calibration loader enforces, so a fit always loads back.
double from_z(const FitParameter& p, double z) {
  const double logistic = 1.0 / (1.0 + std::exp(-z));
  if (p.min < p.max) return p.min + (p.max - p.min) * logistic;
  return p.fraction ? std::max(min_achievable_fraction, logistic) : std::exp(z);
}

}  // namespace

double get_parameter(const Calibration& c, const std::string& name) {
  Calibration copy = c;
  const std::vector<double*> f = fields(copy, name);
  return f.empty() ? 0.0 : *f.front();
}

void set_parameter(Calibration& c, const std::string& name, double value) {
  for (double* f : fields(c, name)) *f = value;
}

bool is_holdout(const std::string& id) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a 64-bit
  for (unsigned char ch : id) {
    hash ^= ch;
    hash *= 1099511628211ULL;
  }
  return hash % 10 < 3;
}

std::vector<FitParameter> candidate_parameters(const Calibration& c) {
  std::vector<FitParameter> out;
  auto add = [&](const std::string& name, double sigma, bool fraction) {
    FitParameter p{name, get_parameter(c, name), sigma, fraction};
    for (const ParameterBound& b : c.bounds) {
      if (b.parameter == name) {
        p.min = b.min;
        p.max = b.max;
      }
    }
    out.push_back(p);
  };
  for (const char* gen : {"ampere", "ada", "hopper", "blackwell", "cdna3", "cdna4"}) {
    add(std::string(gen) + ".compute_fraction", 0.4, true);
    add(std::string(gen) + ".bandwidth_fraction", 0.4, true);
  }
  // FP8 GEMMs on Hopper and Blackwell, FP4 on Blackwell: the kernels differ per generation.
  add("hopper.fp8_compute_derate", 0.4, true);
  add("blackwell.fp8_compute_derate", 0.4, true);
  add("blackwell.fp4_compute_derate", 0.4, true);
  for (const char* engine : {"trtllm", "vllm", "sglang"}) {
    const std::string e(engine);
    for (const char* field : {".step_overhead", ".layer_overhead", ".request_overhead", ".moe_layer_overhead",
                              ".prefill_expert_overhead"})
      add(e + field, 1.5, false);
    add(e + ".attention_fraction", 0.4, true);
    add(e + ".expert_gemm_half_tokens", 1.0, false);
    // A prefill-first engine regroups every prompt each cycle: its share is derived (1), not fitted
    // (docs/methodology.md#prompt-groups).
    if (!c.resolve("", e).engine.prefill_first) add(e + ".prompt_group_share", 1.0, true);
  }
  // The start-up burst's share of a benchmark's requests is C/N, the benchmark's, not the engine's
  // (docs/methodology.md#serving): one value for the engines with runs.
  add("engines.startup_burst_share", 1.0, true);
  add("*.collective_latency", 0.7, false);
  add("*.scale_out_latency", 0.7, false);
  return out;
}

// ------------------------------------------------------------------ least squares

namespace {

constexpr double jacobian_step = 1e-3;
constexpr double sensitivity_threshold = 0.01;

/// Scale of the robust loss on log(predicted / measured): ln 1.5. Repeated runs of one configuration
/// differ by up to ~20% (NOTES.md), and a few runs are off by 10x (a stalled benchmark, an engine
/// setting the data does not record); beyond this scale a residual counts linearly, not squared, so
/// those runs cannot pull every parameter towards themselves.
constexpr double robust_scale = 0.405;

/// Pseudo-Huber: r for |r| << scale, sign(r)·sqrt(2·scale·|r|) for |r| >> scale; its square is the
/// loss the fit minimises (Hartley & Zisserman, Multiple View Geometry, 2nd ed., A6.8).
double robust(double r) {
  const double q = r / robust_scale;
  return std::copysign(robust_scale * std::sqrt(2.0 * (std::sqrt(1.0 + q * q) - 1.0)), r);
}

/// Robust log(predicted / measured) for every metric of every fitting case.
Eigen::VectorXd residuals(const std::vector<MeasuredCase>& cases, const Calibration& c) {
  std::vector<double> r;
  for (const MeasuredCase& mc : cases) {
    const Prediction p = predict(mc, c);
    for (int m = 0; m < metric_count; ++m) {
      const auto measured = measured_value(mc, static_cast<Metric>(m));
      if (!measured) continue;
      const bool usable = p.fits && p.value[m] && *p.value[m] > 0 && std::isfinite(*p.value[m]);
      r.push_back(usable ? robust(std::log(*p.value[m] / *measured)) : 0.0);
    }
  }
  return Eigen::Map<Eigen::VectorXd>(r.data(), static_cast<Eigen::Index>(r.size()));
}

Calibration apply(const Calibration& base, const std::vector<FitParameter>& params, const Eigen::VectorXd& z) {
  Calibration c = base;
  for (size_t i = 0; i < params.size(); ++i) set_parameter(c, params[i].name, from_z(params[i], z[static_cast<Eigen::Index>(i)]));
  return c;
}

struct Problem {
  const std::vector<MeasuredCase>& cases;
  const Calibration& base;
  const std::vector<FitParameter>& params;
  Eigen::VectorXd z0;

  /// Data residuals followed by the ridge residuals (z − z_prior) / sigma.
  Eigen::VectorXd operator()(const Eigen::VectorXd& z) const {
    const Eigen::VectorXd data = residuals(cases, apply(base, params, z));
    Eigen::VectorXd all(data.size() + z.size());
    all << data, (z - z0).cwiseQuotient(sigmas());
    return all;
  }
  Eigen::VectorXd sigmas() const {
    Eigen::VectorXd s(static_cast<Eigen::Index>(params.size()));
    for (size_t i = 0; i < params.size(); ++i) s[static_cast<Eigen::Index>(i)] = params[i].log_sigma;
    return s;
  }
  Eigen::MatrixXd jacobian(const Eigen::VectorXd& z, const Eigen::VectorXd& r) const {
    Eigen::MatrixXd j(r.size(), z.size());
    for (Eigen::Index k = 0; k < z.size(); ++k) {
      Eigen::VectorXd zs = z;
      zs[k] += jacobian_step;
      j.col(k) = ((*this)(zs) - r) / jacobian_step;
    }
    return j;
  }
};

}  // namespace

FitResult fit_calibration(const std::vector<MeasuredCase>& training, const Calibration& prior, int min_sensitive_rows,
                          int max_iterations, double prior_strength) {
  FitResult result;
  result.calibration = prior;
  std::vector<FitParameter> all = candidate_parameters(prior);
  // Keep only parameters enough residuals respond to; the others stay at their prior.
  const Eigen::VectorXd base_r = residuals(training, prior);
  result.residuals = static_cast<int>(base_r.size());
  std::vector<FitParameter> params;
  for (const FitParameter& p : all) {
    Calibration moved = prior;
    set_parameter(moved, p.name, from_z(p, to_z(p, p.prior) + 0.1));
    const Eigen::VectorXd d = (residuals(training, moved) - base_r) / 0.1;
    const int sensitive = static_cast<int>((d.array().abs() > sensitivity_threshold).count());
    if (sensitive >= min_sensitive_rows) {
      params.push_back(p);
      params.back().log_sigma /= prior_strength;
    }
    else result.unconstrained.push_back(p.name);
  }
  Eigen::VectorXd z(static_cast<Eigen::Index>(params.size()));
  for (size_t i = 0; i < params.size(); ++i) z[static_cast<Eigen::Index>(i)] = to_z(params[i], params[i].prior);
  const Problem problem{training, prior, params, z};
  Eigen::VectorXd r = problem(z);
  result.cost_before = base_r.squaredNorm();
  double lambda = 1e-2;
  for (int it = 0; it < max_iterations && z.size() > 0; ++it) {
    result.iterations = it + 1;
    const Eigen::MatrixXd j = problem.jacobian(z, r);
    const Eigen::MatrixXd jtj = j.transpose() * j;
    const Eigen::VectorXd g = j.transpose() * r;
    bool improved = false;
    for (int attempt = 0; attempt < 8 && !improved; ++attempt) {
      Eigen::MatrixXd a = jtj;
      a.diagonal() += lambda * (jtj.diagonal().array() + 1e-9).matrix();
      const Eigen::VectorXd step = a.ldlt().solve(-g);
      const Eigen::VectorXd candidate = problem(z + step);
      if (candidate.squaredNorm() < r.squaredNorm()) {
        z += step;
        r = candidate;
        lambda = std::max(1e-6, lambda / 3.0);
        improved = true;
      } else {
        lambda *= 4.0;
      }
    }
    if (!improved) break;
  }
  result.calibration = apply(prior, params, z);
  result.cost_after = residuals(training, result.calibration).squaredNorm();
  for (size_t i = 0; i < params.size(); ++i) {
    FitParameter p = params[i];
    p.prior = from_z(p, z[static_cast<Eigen::Index>(i)]);
    result.fitted.push_back(p);
  }
  return result;
}

std::vector<Prediction> leave_one_model_out(const std::vector<MeasuredCase>& cases, const Calibration& prior,
                                            int min_sensitive_rows, int max_iterations, double prior_strength) {
  std::map<std::string, std::vector<size_t>> by_model;  // ordered: the fits run in a fixed order
  for (size_t i = 0; i < cases.size(); ++i) by_model[cases[i].model->spec->name].push_back(i);
  std::vector<Prediction> out(cases.size());
  for (const auto& [model, held_out] : by_model) {
    std::vector<MeasuredCase> training;
    for (const MeasuredCase& c : cases) {
      if (c.model->spec->name != model) training.push_back(c);
    }
    const Calibration fitted =
        fit_calibration(training, prior, min_sensitive_rows, max_iterations, prior_strength).calibration;
    for (size_t i : held_out) out[i] = predict(cases[i], fitted);
  }
  return out;
}

}  // namespace llmsizer
