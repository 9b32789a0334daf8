// request/resolver_checks.cpp — the free functions of request/resolver.hpp that read or check one
// input on its own (a precision, an engine, a price, the context window) or word a warning about it;
// the ScenarioResolver that puts them together is request/resolver.cpp.
#include <fmt/format.h>

#include <algorithm>

#include "base/ascii.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "request/resolver.hpp"

namespace llmsizer {
namespace {

// "a, b or c" for an error message.
std::string spoken_list(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return text;
}

}  // namespace

std::optional<std::string> check_context(const ModelSpec& model, std::int64_t isl, std::int64_t osl,
                                         const ContextOptions& options) {
  const std::int64_t context = isl + osl;
  if (model.max_context <= 0 || context <= model.max_context) return std::nullopt;
  const std::string& blamed = isl > model.max_context ? options.isl : options.osl;
  const std::string tokens = osl == 0 ? fmt::format("{} tokens", context)
                                      : fmt::format("{} prompt + {} output = {} tokens", isl, osl, context);
  if (context <= model.rope_extended_context) {
    return fmt::format(
        "{}: {} exceed the {}-token native context window of {}; its RoPE scaling ({}) reaches {} "
        "tokens, so the estimate assumes the engine runs with that scaling enabled",
        blamed, tokens, model.max_context, model.name, model.rope_scaling, model.rope_extended_context);
  }
  const std::string reach =
      model.rope_extended_context > 0
          ? fmt::format(" (its RoPE scaling, {}, reaches {})", model.rope_scaling, model.rope_extended_context)
          : "";
  throw ConfigError(blamed, fmt::format("{} exceed the {}-token context window of {}{}", tokens, model.max_context,
                                        model.name, reach));
}

std::string weights_label(const Deployment& d) {
  return d.weights == d.experts ? std::string(name(d.weights)) : fmt::format("{}+{}", name(d.weights), name(d.experts));
}

namespace {
/// Formats NVIDIA ModelOpt quantizes a release into (FP8, NVFP4); weight-only formats (INT4, MXFP4)
/// carry no KV quantization.
bool modelopt_format(Precision p) {
  return p == Precision::fp8 || p == Precision::nvfp4;
}
}  // namespace

Precision default_kv_precision(const Deployment& d, const ModelSpec& model, const GpuSpec& gpu,
                               const EngineEfficiency& engine) {
  const bool requantized = (d.weights != model.weights_precision && modelopt_format(d.weights)) ||
                           (d.experts != model.experts_precision && modelopt_format(d.experts));
  const bool fp8_kv = engine.kv_follows_checkpoint && requantized && gpu.supports(ComputeType::fp8);
  return fp8_kv ? Precision::fp8 : Precision::bf16;
}

void check_usd_per_gpu_hour(const std::optional<double>& usd) {
  ScenarioInput in;
  in.usd_per_gpu_hour = usd;
  scenario_field("usd_per_gpu_hour").check(in, "--usd-per-gpu-hour");
}

Precision parse_precision_option(const std::string& text, const std::string& option) {
  if (auto p = parse_precision(text)) return *p;
  std::string names;
  for (std::string_view n : precision_vocabulary) names += (names.empty() ? "" : ", ") + std::string(n);
  throw ConfigError(option, fmt::format("unknown precision '{}' (expected one of {}){}", text, names,
                                        did_you_mean(text, precision_vocabulary)));
}

std::string engine_named(const Calibration& calibration, const std::string& engine) {
  // "default" always resolves: Calibration::resolve falls back to it for an engine it does not list.
  constexpr const char* fallback = "default";
  if (engine.empty()) return engine;
  if (ascii_iequals(engine, fallback)) return fallback;
  std::vector<std::string> all{fallback};
  std::vector<std::string> named;  // what the message offers: the engines other than the fallback
  for (const EngineEfficiency& e : calibration.engines) {
    if (ascii_iequals(e.engine, engine)) return e.engine;
    if (std::find(all.begin(), all.end(), e.engine) != all.end()) continue;
    all.push_back(e.engine);
    named.push_back(e.engine);
  }
  throw ConfigError("--engine",
                    fmt::format("unknown engine '{}' (expected {}){}", engine,
                                named.empty() ? std::string(fallback) : spoken_list(named), did_you_mean(engine, all)));
}

std::optional<std::string> overlap_calibration_warning(Overlap overlap, double comm_overlap,
                                                       const std::string& calibration) {
  if (overlap != Overlap::two_batch || comm_overlap <= 0) return std::nullopt;
  return fmt::format(
      "--overlap two-batch with calibration '{}', whose comm_overlap {:g} hides that fraction of all "
      "communication: the two micro-batches' schedule hides the expert all-to-all (comm_overlap is not applied to "
      "it again), but comm_overlap still hides {:.0f}% of the tensor-parallel all-reduces and pipeline hand-offs, "
      "which the schedule leaves serial; if the calibration was fitted on runs that overlapped communication, that "
      "overlap counts twice (docs/methodology.md#two-batch-overlap)",
      calibration, comm_overlap, comm_overlap * 100);
}

}  // namespace llmsizer
