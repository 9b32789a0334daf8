#include "request/scenario_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

#include "base/ascii.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "io/number_text.hpp"
#include "io/utf8.hpp"

namespace llmsizer {
namespace {

// Token counts and concurrency stay below 2^31, so products such as context x concurrency x KV bytes
// per token stay far inside a double's exact range and never overflow an int64.
constexpr std::int64_t max_count = std::int64_t{1} << 31;
constexpr std::int64_t max_degree = 1 << 20;
// Beyond 2^53 a double no longer holds every whole number; a cast from there would wrap silently.
constexpr double max_exact_whole = 9e15;

void check_whole_range(std::int64_t value, std::int64_t min, std::int64_t max, const std::string& where) {
  if (value < min || value > max) {
    throw ConfigError(where, fmt::format("{} is out of range (must be >= {} and <= {})", value, min, max));
  }
}

// NaN fails every comparison, so each range is written as "inside", and its negation is the error.
void check_real_range(double value, bool inside, const char* range, const std::string& where) {
  if (!inside) throw ConfigError(where, fmt::format("{} is out of range (must be {})", value, range));
}

// Text is UTF-8 (what every writer, the JSON one above all, can carry); a mis-encoded value is named
// here rather than copied to the output.
template <std::string ScenarioInput::*member>
void parse_text(ScenarioInput& in, const std::string& text, const std::string& where) {
  if (const auto at = first_invalid_utf8(text)) {
    throw ConfigError(where, fmt::format("not valid UTF-8 text (byte 0x{:02X} at byte {} of the value)",
                                         static_cast<unsigned char>(text[*at]), *at + 1));
  }
  in.*member = text;
}

/// Text that must name one of a few choices, in any case: checked where it was read, kept as the
/// choice's own (lower-case) name, so every writer shows one spelling.
template <std::string ScenarioInput::*member, auto named>
void parse_choice(ScenarioInput& in, const std::string& text, const std::string& where) {
  parse_text<member>(in, text, where);
  static_cast<void>(named(text, where));
  in.*member = ascii_lower(text);
}

template <std::optional<std::int64_t> ScenarioInput::*member, std::int64_t min>
void check_count(const ScenarioInput& in, const std::string& where) {
  if (in.*member) check_whole_range(*(in.*member), min, max_count, where);
}
template <std::optional<std::int64_t> ScenarioInput::*member, std::int64_t min>
void parse_count(ScenarioInput& in, const std::string& text, const std::string& where) {
  in.*member = parse_whole(text, where);
  check_count<member, min>(in, where);
}

// Degrees and MTP tokens are ints: the range is checked on the 64-bit value before it narrows.
template <std::optional<int> ScenarioInput::*member, std::int64_t min, std::int64_t max>
void check_small(const ScenarioInput& in, const std::string& where) {
  if (in.*member) check_whole_range(*(in.*member), min, max, where);
}
template <std::optional<int> ScenarioInput::*member, std::int64_t min, std::int64_t max>
void parse_small(ScenarioInput& in, const std::string& text, const std::string& where) {
  const std::int64_t value = parse_whole(text, where);
  check_whole_range(value, min, max, where);
  in.*member = static_cast<int>(value);
}

void check_usd(const ScenarioInput& in, const std::string& where) {
  const auto& v = in.usd_per_gpu_hour;
  if (v) check_real_range(*v, *v > 0 && *v <= max_usd_per_gpu_hour, "> 0 and <= 1000 $/GPU-hour", where);
}
void check_acceptance(const ScenarioInput& in, const std::string& where) {
  const auto& v = in.mtp_acceptance;
  if (v) check_real_range(*v, *v >= 0 && *v < 1, ">= 0 and < 1", where);
}
void check_utilization(const ScenarioInput& in, const std::string& where) {
  const auto& v = in.memory_utilization;
  if (v) check_real_range(*v, *v > 0 && *v <= 1, "> 0 and <= 1", where);
}
// The calibration loader's range for the same key (io/calibration_loader.cpp).
void check_chunk_tokens(const ScenarioInput& in, const std::string& where) {
  if (in.prefill_chunk_tokens) check_whole_range(*in.prefill_chunk_tokens, 1, std::int64_t{1} << 24, where);
}
void parse_chunk_tokens(ScenarioInput& in, const std::string& text, const std::string& where) {
  in.prefill_chunk_tokens = parse_whole(text, where);
  check_chunk_tokens(in, where);
}
template <std::optional<double> ScenarioInput::*member, void (*check)(const ScenarioInput&, const std::string&)>
void parse_real(ScenarioInput& in, const std::string& text, const std::string& where) {
  in.*member = parse_number(text, where);
  check(in, where);
}

using In = ScenarioInput;

std::vector<ScenarioField> common_fields();

/// The six fields of one pool of a disaggregated deployment (xPyD): workers, layout, batch per worker.
template <std::optional<int> In::*workers, std::optional<int> In::*tp, std::optional<int> In::*pp,
          std::optional<int> In::*dp, std::optional<int> In::*ep, std::optional<std::int64_t> In::*batch>
std::vector<ScenarioField> pool_fields(const std::string& pool, const std::string& batch_help,
                                       const std::string& batch_default) {
  auto degree = [&](const char* key, std::string help, std::string default_text, auto parse, auto check) {
    return ScenarioField{pool + "_" + key, std::move(help), std::move(default_text), parse, check, "INT"};
  };
  return {
      degree("workers", fmt::format("Workers of the {} pool of a disaggregated deployment (xPyD; give both pools)", pool), "",
             parse_small<workers, 1, max_degree>, check_small<workers, 1, max_degree>),
      degree("tp", fmt::format("Tensor-parallel degree of each {} worker", pool), "the smallest layout that fits",
             parse_small<tp, 1, max_degree>, check_small<tp, 1, max_degree>),
      degree("pp", fmt::format("Pipeline stages of each {} worker", pool), "", parse_small<pp, 1, max_degree>,
             check_small<pp, 1, max_degree>),
      degree("dp", fmt::format("Attention data-parallel degree of each {} worker", pool), "",
             parse_small<dp, 1, max_degree>, check_small<dp, 1, max_degree>),
      degree("ep", fmt::format("Expert-parallel degree of each {} worker", pool), "", parse_small<ep, 1, max_degree>,
             check_small<ep, 1, max_degree>),
      degree("batch", fmt::format("Requests per {} worker: {}", pool, batch_help), batch_default,
             parse_count<batch, 1>, check_count<batch, 1>),
  };
}

std::vector<ScenarioField> make_table() {
  std::vector<ScenarioField> table = common_fields();
  const auto phase = std::find_if(table.begin(), table.end(), [](const ScenarioField& f) { return f.name == "phase"; });
  auto pools = pool_fields<&In::prefill_workers, &In::prefill_tp, &In::prefill_pp, &In::prefill_dp, &In::prefill_ep,
                           &In::prefill_batch>("prefill", "prompts packed into one prefill batch",
                                               "as many prompts as the engine's token budget holds");
  const auto decode = pool_fields<&In::decode_workers, &In::decode_tp, &In::decode_pp, &In::decode_dp, &In::decode_ep,
                                  &In::decode_batch>("decode", "sequences running at once",
                                                     "--concurrency / --decode-workers, else as many as fit");
  pools.insert(pools.end(), decode.begin(), decode.end());
  table.insert(phase + 1, pools.begin(), pools.end());
  return table;
}

std::vector<ScenarioField> common_fields() {
  const std::string precisions = "bf16, fp16, fp8, int8, fp4, int4";
  return {
      {"id", "Scenario id, copied to the output row", "", parse_text<&In::id>, nullptr},
      {"model", "Model name, alias, HF repo id, or path to config.json / model YAML", "", parse_text<&In::model>,
       nullptr},
      {"gpu", "GPU name or alias", "", parse_text<&In::gpu>, nullptr},
      {"gpus", "Total GPUs",
       "the smallest layout that runs every request at once; when none does, the one with the most output per GPU",
       parse_small<&In::gpus, 1, max_degree>, check_small<&In::gpus, 1, max_degree>, "INT"},
      {"tp", "Tensor-parallel degree of attention and dense layers", "", parse_small<&In::tp, 1, max_degree>,
       check_small<&In::tp, 1, max_degree>, "INT"},
      {"pp", "Pipeline-parallel stages", "", parse_small<&In::pp, 1, max_degree>, check_small<&In::pp, 1, max_degree>,
       "INT"},
      {"dp", "Attention data-parallel degree within an instance", "", parse_small<&In::dp, 1, max_degree>,
       check_small<&In::dp, 1, max_degree>, "INT"},
      {"ep", "Expert-parallel degree of routed experts (divides tp x dp)", "", parse_small<&In::ep, 1, max_degree>,
       check_small<&In::ep, 1, max_degree>, "INT"},
      {"weights", "Weight precision: " + precisions, "native", parse_text<&In::weights>, nullptr},
      {"experts", "Routed experts' precision when it differs from --weights (e.g. fp4)", "as --weights",
       parse_text<&In::experts>, nullptr},
      {"kv", "KV-cache precision: " + precisions,
       "bf16; fp8 when the engine's KV follows the checkpoint (trtllm), --weights or --experts requantize the "
       "model from its own precision to fp8/fp4 and the GPU has FP8; a model released in fp8, such as deepseek-r1, "
       "keeps bf16",
       parse_text<&In::kv>, nullptr},
      {"engine", "Serving engine for overheads, one the calibration lists (shipped: trtllm, vllm, sglang)", "generic",
       parse_text<&In::engine>, nullptr},
      {"phase", "mixed, or decode / prefill for one side of disaggregated serving", "mixed",
       parse_choice<&In::phase, phase_named>, nullptr},
      {"isl", "Input (prompt) tokens per request", "", parse_count<&In::isl, 1>, check_count<&In::isl, 1>, "INT"},
      {"osl", "Output tokens per request", "", parse_count<&In::osl, 1>, check_count<&In::osl, 1>, "INT"},
      {"concurrency", "Requests in flight across the deployment (0: as many as fit)", "1",
       parse_count<&In::concurrency, 0>, check_count<&In::concurrency, 0>, "INT"},
      {"mtp", "Speculative tokens drafted per step with the model's MTP module", "0",
       parse_small<&In::mtp, 0, max_mtp_draft_tokens>, check_small<&In::mtp, 0, max_mtp_draft_tokens>, "INT"},
      {"mtp_acceptance", "Acceptance rate of drafted tokens", fmt::format("{}", default_mtp_acceptance),
       parse_real<&In::mtp_acceptance, check_acceptance>, check_acceptance, "NUMBER"},
      {"overlap",
       "Communication overlap the deployment runs: none, or two-batch (two micro-batches, one's expert "
       "all-to-all behind the other's compute; SGLang --enable-two-batch-overlap)",
       "none", parse_choice<&In::overlap, overlap_named>, nullptr},
      {"price",
       "Price: a label or basis (on-demand, reserved, 3yr-rental, owned, published-tco) from the GPU profiles, "
       "or GPU=USD for one GPU type (repeatable; ',' joins several in a CSV cell)",
       "each GPU's own first basis of 3yr-rental, owned, reserved, on-demand, published-tco", parse_text<&In::price>,
       nullptr},
      {"usd_per_gpu_hour",
       "Price in $ per GPU-hour for every GPU not given as --price GPU=USD (overrides a price label)", "",
       parse_real<&In::usd_per_gpu_hour, check_usd>, check_usd, "NUMBER"},
      {"memory_utilization", "Usable fraction of GPU memory", "the calibration's, 0.90 for the generic engine",
       parse_real<&In::memory_utilization, check_utilization>, check_utilization, "NUMBER"},
      {"prefill_chunk_tokens",
       "Prompt tokens one engine step takes per attention rank (SGLang --chunked-prefill-size / dp, vLLM "
       "--max-num-batched-tokens, TensorRT-LLM --max-num-tokens)",
       "the calibration's, per engine", parse_chunk_tokens, check_chunk_tokens, "INT"},
  };
}

}  // namespace

Phase phase_named(const std::string& text, const std::string& where) {
  if (text.empty() || ascii_iequals(text, "mixed")) return Phase::mixed;
  if (ascii_iequals(text, "decode")) return Phase::decode;
  if (ascii_iequals(text, "prefill")) return Phase::prefill;
  throw ConfigError(where, fmt::format("unknown phase '{}' (expected mixed, decode or prefill){}", text,
                                       did_you_mean(text, {"mixed", "decode", "prefill"})));
}

Overlap overlap_named(const std::string& text, const std::string& where) {
  if (text.empty() || ascii_iequals(text, "none")) return Overlap::none;
  if (ascii_iequals(text, "two-batch")) return Overlap::two_batch;
  throw ConfigError(where, fmt::format("unknown overlap '{}' (expected none or two-batch){}", text,
                                       did_you_mean(text, {"none", "two-batch"})));
}

std::string_view overlap_name(Overlap overlap) {
  return overlap == Overlap::two_batch ? "two-batch" : "none";
}

const std::vector<ScenarioField>& scenario_fields() {
  static const std::vector<ScenarioField> table = make_table();  // immutable once built
  return table;
}

const ScenarioField* find_scenario_field(std::string_view name) {
  for (const ScenarioField& f : scenario_fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const ScenarioField& scenario_field(std::string_view name) {
  const ScenarioField* f = find_scenario_field(name);
  assert(f && "not a scenario field");
  return *f;
}

std::string option_name(const ScenarioField& field) {
  std::string option = "--" + field.name;
  std::replace(option.begin(), option.end(), '_', '-');
  return option;
}

std::string help_text(const ScenarioField& field) {
  return field.default_text.empty() ? field.help : fmt::format("{} (default: {})", field.help, field.default_text);
}

void check_scenario_ranges(const ScenarioInput& input) {
  // Every estimate passes here (1e5 a second from the Python module): the option names are built once.
  static const std::vector<std::string> options = [] {  // immutable once built
    std::vector<std::string> names;
    for (const ScenarioField& f : scenario_fields()) names.push_back(option_name(f));
    return names;
  }();
  const std::vector<ScenarioField>& fields = scenario_fields();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].check) fields[i].check(input, options[i]);
  }
}

std::int64_t parse_whole(const std::string& text, const std::string& where) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);  // base 10: no octal, no hex
  if (result.ec == std::errc() && result.ptr == end) return value;
  // Otherwise the one number reading of every input (io/number_text.hpp) decides, so "1e3" and "8.0"
  // are counts while "0x10", "nan" and "1e-310" are rejected as everywhere else.
  const NumberText number = parse_number_text(text);
  if (number.problem == NumberTextProblem::not_a_number) {
    throw ConfigError(where, fmt::format("expected a whole number, got '{}'", text));
  }
  if (number.problem == NumberTextProblem::out_of_range || (number.ok() && std::fabs(number.value) >= max_exact_whole)) {
    // Beyond int64 or 2^53 (1e30, 99999999999999999999): named here, as a cast would wrap it.
    throw ConfigError(where, fmt::format("'{}' is out of range for a count", text));
  }
  if (!number.ok()) throw ConfigError(where, describe_number_problem(number.problem, text));
  if (std::floor(number.value) != number.value) {
    throw ConfigError(where, fmt::format("expected a whole number, got '{}'", text));
  }
  return static_cast<std::int64_t>(number.value);
}

double parse_number(const std::string& text, const std::string& where) {
  std::string message;
  if (const auto value = number_from_text(text, &message)) return *value;
  throw ConfigError(where, message);
}

}  // namespace llmsizer
