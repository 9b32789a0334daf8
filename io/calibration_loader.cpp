#include "io/calibration_loader.hpp"

#include <fmt/format.h>

#include "io/profile_loader.hpp"

namespace llmsizer {
namespace {

const std::vector<std::string_view> calibration_top_keys = {"schema",
                                                            "name",
                                                            "fitted",
                                                            "memory_utilization",
                                                            "power_utilization",
                                                            "comm_overlap",
                                                            "default_engine",
                                                            "generations",
                                                            "engines",
                                                            "bounds",
                                                            "sources"};
const std::vector<std::string_view> generation_keys = {
    "generation",         "compute_fraction", "fp8_compute_derate", "fp4_compute_derate",
    "bandwidth_fraction", "link_fraction",    "roofline_sharpness", "reference_tensor_per_vector"};
const std::vector<std::string_view> engine_keys = {"engine",
                                                   "step_overhead_us",
                                                   "layer_overhead_us",
                                                   "collective_latency_us",
                                                   "scale_out_latency_us",
                                                   "moe_layer_overhead_us",
                                                   "prefill_expert_overhead_us",
                                                   "attention_fraction",
                                                   "prefill_chunk_tokens",
                                                   "max_batch",
                                                   "moe_imbalance",
                                                   "startup_burst_share",
                                                   "prompt_group_share",
                                                   "memory_utilization",
                                                   "request_overhead_us",
                                                   "expert_gemm_half_tokens",
                                                   "kv_reserved_output_fraction",
                                                   "prefill_first",
                                                   "kv_follows_checkpoint"};
const std::vector<std::string_view> bound_keys = {"parameter", "min", "max", "min_us", "max_us"};

constexpr Range fraction{0, 1, true, ""};
constexpr Range achievable{min_achievable_fraction, 1, false, ""};

HardwareEfficiency parse_generation(const MapReader& g) {
  HardwareEfficiency h;
  h.generation = g.string("generation");
  h.compute_fraction = g.number("compute_fraction", achievable);
  h.fp8_compute_derate = g.number("fp8_compute_derate", achievable);
  h.fp4_compute_derate = g.number("fp4_compute_derate", achievable);
  h.bandwidth_fraction = g.number("bandwidth_fraction", achievable);
  h.link_fraction = g.number("link_fraction", achievable);
  h.roofline_sharpness = g.optional_number("roofline_sharpness", {1, 100, false, ""}).value_or(3.0);
  h.reference_tensor_per_vector = g.optional_number("reference_tensor_per_vector", {0, 1e4, true, ""}).value_or(0.0);
  return h;
}

/// A calibrated term that a calibration written before the term existed lacks. Required: with a
/// silent default of 0 such a file would run with the term off and no sign of it, and predict times
/// its own fit never produced. Writing the value 0 keeps the term off on purpose. A missing key is a
/// field error: thrown when loading, collected with the file's other errors under check.
double required_term(const MapReader& e, const char* key, const char* term, const Range& range) {
  if (!e.has(key)) {
    field_error(e.source(), e.error(key, fmt::format("missing; this calibration predates the {}: refit it with "
                                                     "`llmsizer calibrate`, or write '{}: 0' to run without the term",
                                                     term, key)));
    return 0;
  }
  return e.number(key, range);
}

EngineEfficiency parse_engine(const MapReader& e) {
  EngineEfficiency x;
  x.engine = e.string("engine");
  x.step_overhead = microseconds(e.number("step_overhead_us", {0, 1e6, false, "us"}));
  x.layer_overhead = microseconds(e.number("layer_overhead_us", {0, 1e4, false, "us"}));
  x.collective_latency = microseconds(e.number("collective_latency_us", {0, 1e4, false, "us"}));
  x.scale_out_latency = microseconds(e.number("scale_out_latency_us", {0, 1e5, false, "us"}));
  x.moe_layer_overhead = microseconds(e.number("moe_layer_overhead_us", {0, 1e5, false, "us"}));
  // docs/methodology.md#prefill-launch
  x.prefill_expert_overhead = microseconds(
      required_term(e, "prefill_expert_overhead_us", "prefill launch cost term", {0, 1e5, false, "us"}));
  x.attention_fraction = e.number("attention_fraction", achievable);
  x.prefill_chunk_tokens = e.integer("prefill_chunk_tokens", 1, 1 << 24);
  x.max_batch = e.integer("max_batch", 1, 1 << 20);
  x.moe_imbalance = e.number("moe_imbalance", {1, 16, false, ""});
  x.startup_burst_share = e.number("startup_burst_share", {0, 1, false, ""});
  // docs/methodology.md#prompt-groups
  x.prompt_group_share = required_term(e, "prompt_group_share", "prompt-group term", {0, 1, false, ""});
  x.memory_utilization = e.optional_number("memory_utilization", fraction).value_or(0.0);
  x.request_overhead = microseconds(e.optional_number("request_overhead_us", {0, 1e7, false, "us"}).value_or(10000.0));
  x.expert_gemm_half_tokens = e.optional_number("expert_gemm_half_tokens", {0, 1e5, false, ""}).value_or(0.0);
  x.kv_reserved_output_fraction = e.optional_number("kv_reserved_output_fraction", fraction).value_or(1.0);
  x.prefill_first = e.boolean_or("prefill_first", false);
  // A prefill-first engine decodes in lockstep after every prompt batch: its share is 1, not a choice.
  if (x.prefill_first && x.prompt_group_share != 1.0) {
    field_error(e.source(), e.error("prompt_group_share", "must be 1 for a prefill-first engine (the whole rank "
                                                          "rejoins each prompt batch, docs/methodology.md#prompt-groups)"));
  }
  x.kv_follows_checkpoint = e.boolean_or("kv_follows_checkpoint", false);
  return x;
}

/// `{parameter: NAME, min: X, max: Y}` for unitless parameters, `min_us` / `max_us` for times.
ParameterBound parse_bound(const MapReader& b) {
  ParameterBound out;
  out.parameter = b.string("parameter");
  const bool time = b.has("min_us") || b.has("max_us");
  const Range any{-1e9, 1e9, false, time ? "us" : ""};
  out.min = time ? microseconds(b.number("min_us", any)).value : b.number("min", any);
  out.max = time ? microseconds(b.number("max_us", any)).value : b.number("max", any);
  if (!(out.min < out.max)) throw b.error(time ? "max_us" : "max", "must be greater than the minimum");
  return out;
}

template <class T, class Parse>
std::vector<T> parse_list(const MapReader& doc, const char* key, const std::vector<std::string_view>& keys,
                          Parse&& parse) {
  std::vector<T> out;
  const YAML::Node list = doc.require(key);
  if (!list.IsSequence()) throw doc.error(key, "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    out.push_back(parse(MapReader(list[i], fmt::format("{}[{}]", key, i), doc.source(), keys)));
  }
  return out;
}

/// Time bounds (parameters named *overhead or *latency) are written in microseconds.
std::string bounds_to_yaml(const std::vector<ParameterBound>& bounds) {
  std::string out = "bounds:\n";
  for (const ParameterBound& b : bounds) {
    const bool time = b.parameter.ends_with("overhead") || b.parameter.ends_with("latency");
    out += time ? fmt::format("  - {{parameter: \"{}\", min_us: {:.4g}, max_us: {:.4g}}}\n", b.parameter,
                              in_microseconds(seconds(b.min)), in_microseconds(seconds(b.max)))
                : fmt::format("  - {{parameter: \"{}\", min: {:.4g}, max: {:.4g}}}\n", b.parameter, b.min, b.max);
  }
  return out;
}

}  // namespace

Calibration parse_calibration(const YAML::Node& root, const SourceText& source) {
  const MapReader doc(root, "", source, calibration_top_keys);
  if (doc.string("schema") != "calibration/1") throw doc.error("schema", "expected 'calibration/1'");
  Calibration c;
  c.name = doc.string("name");
  if (doc.has("fitted")) {
    const MapReader fitted = doc.map("fitted", {"date", "data", "result"});
    c.fitted_on = fitted.string_or("date", "");
    c.data = fitted.string_or("data", "");
    c.result = fitted.string_or("result", "");
  }
  c.memory_utilization = doc.number("memory_utilization", fraction);
  c.power_utilization = doc.number("power_utilization", fraction);
  c.comm_overlap = doc.optional_number("comm_overlap", {0, 1, false, ""}).value_or(0.0);
  c.default_engine = doc.string_or("default_engine", "default");
  c.generations = parse_list<HardwareEfficiency>(doc, "generations", generation_keys, parse_generation);
  c.engines = parse_list<EngineEfficiency>(doc, "engines", engine_keys, parse_engine);
  if (doc.has("bounds")) c.bounds = parse_list<ParameterBound>(doc, "bounds", bound_keys, parse_bound);
  (void)doc.require("sources");
  return c;
}

Calibration load_calibration_file(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText source = make_source(path, text);
  return parse_calibration(parse_yaml(text, source), source);
}

std::string calibration_to_yaml(const Calibration& c) {
  std::string out = "schema: calibration/1\n";
  out += fmt::format("name: {}\n", c.name);
  out += fmt::format("fitted:\n  date: {}\n  data: {}\n  result: {}\n", yaml_quoted(c.fitted_on), yaml_quoted(c.data),
                     yaml_quoted(c.result));
  out += fmt::format("memory_utilization: {}\npower_utilization: {}\ncomm_overlap: {}\ndefault_engine: {}\n",
                     c.memory_utilization, c.power_utilization, c.comm_overlap, c.default_engine);
  out += "generations:\n";
  for (const HardwareEfficiency& h : c.generations) {
    out += fmt::format(
        "  - {{generation: {}, compute_fraction: {:.4g}, fp8_compute_derate: {:.4g}, fp4_compute_derate: {:.4g}, "
        "bandwidth_fraction: {:.4g}, link_fraction: {:.4g}, roofline_sharpness: {:.4g}{}}}\n",
        h.generation, h.compute_fraction, h.fp8_compute_derate, h.fp4_compute_derate, h.bandwidth_fraction,
        h.link_fraction, h.roofline_sharpness,
        h.reference_tensor_per_vector > 0
            ? fmt::format(", reference_tensor_per_vector: {:.5g}", h.reference_tensor_per_vector)
            : std::string());
  }
  out += "engines:\n";
  for (const EngineEfficiency& e : c.engines) {
    out += fmt::format(
        "  - {{engine: {}, step_overhead_us: {:.4g}, layer_overhead_us: {:.4g}, collective_latency_us: {:.4g}, "
        "scale_out_latency_us: {:.4g}, moe_layer_overhead_us: {:.4g}, prefill_expert_overhead_us: {:.4g}, "
        "attention_fraction: {:.4g}, "
        "prefill_chunk_tokens: {}, max_batch: {}, moe_imbalance: {:.4g}, startup_burst_share: {:.4g}, "
        "prompt_group_share: {:.4g}, request_overhead_us: {:.4g}, expert_gemm_half_tokens: {:.4g}, "
        "kv_reserved_output_fraction: {:.4g}, "
        "prefill_first: {}, kv_follows_checkpoint: {}{}}}\n",
        e.engine, in_microseconds(e.step_overhead), in_microseconds(e.layer_overhead),
        in_microseconds(e.collective_latency), in_microseconds(e.scale_out_latency),
        in_microseconds(e.moe_layer_overhead), in_microseconds(e.prefill_expert_overhead), e.attention_fraction,
        e.prefill_chunk_tokens, e.max_batch, e.moe_imbalance, e.startup_burst_share, e.prompt_group_share,
        in_microseconds(e.request_overhead), e.expert_gemm_half_tokens, e.kv_reserved_output_fraction, e.prefill_first,
        e.kv_follows_checkpoint,
        e.memory_utilization > 0 ? fmt::format(", memory_utilization: {:.4g}", e.memory_utilization) : std::string());
  }
  if (!c.bounds.empty()) out += bounds_to_yaml(c.bounds);
  out += "sources:\n  - fields: [\"*\"]\n    cite: \"fitted by `llmsizer calibrate` on " + c.data + "\"\n";
  return out;
}

}  // namespace llmsizer
