#include "io/launch_script.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "base/ascii.hpp"
#include "estimator/text_format.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"

namespace llmsizer {
namespace {

/// The settings a sized configuration fixes, in the order the script lists them.
enum class Setting : unsigned char {
  tensor_parallel,
  pipeline_parallel,
  data_parallel,
  expert_parallel,
  quantization,
  kv_dtype,
  max_running,
  chunk_budget,
  speculative,
  max_model_len,
};
inline constexpr int setting_count = 10;

/// Where an engine takes a setting: a command-line flag, a key of its extra-options YAML, or nowhere.
enum class Where : unsigned char { flag, yaml, none };
struct Slot {
  Where where = Where::none;
  std::string_view name;  // the flag ("--max-num-seqs") or the YAML key path ("kv_cache_config.dtype")
};

/// One engine's command and flags. Scheduler flag names (batch, token budget, max length, KV
/// dtype) are the engine_defaults.yaml entries of the shared data (../shared/data), which cites each
/// engine's source file and commit; the parallel, quantization and speculative flags are cited per
/// engine below.
struct EngineTable {
  std::string_view command;  // {} is the model path
  std::array<Slot, setting_count> slots;
  bool tp_spans_attention_dp;                  // the tensor-parallel size counts every GPU of a stage (tp x dp)
  bool batch_per_dp_rank;                      // the max-running flag limits one attention-DP rank, not the instance
  bool expert_parallel_switch;                 // EP is a switch: the experts spread over all tp x dp GPUs of a stage
  std::string_view kv_fp8;                     // the KV dtype value for FP8
  std::string_view yaml_flag;                  // the flag naming the extra-options YAML
  std::string_view dp_attention_switch = "";   // a flag that turns attention DP on beside its size
  std::string_view chunked_prefill_yaml = "";  // a YAML line that turns chunked prefill on (off by default)
  bool chunk_budget_over_dp_ranks = false;     // the chunk budget is the instance's, split over its attention-DP ranks
  std::string_view two_batch_overlap_switch = "";  // the flag that runs two-batch overlap; "" when the engine has none
};

// vLLM: `vllm serve` CLI reference and docs/serving/{parallelism_scaling, data_parallel_deployment,
// expert_parallel_deployment}.md (attention DP with --data-parallel-size, EP over tp x dp by
// --enable-expert-parallel); docs/features/spec_decode.md (MTP through --speculative-config);
// engine_defaults.yaml vllm: max_num_seqs, max_num_batched_tokens (chunked prefill always on in V1),
// kv_cache_dtype (auto | fp8).
constexpr EngineTable vllm_table{.command = "vllm serve {}",
                                 .slots = {{{Where::flag, "--tensor-parallel-size"},
                                            {Where::flag, "--pipeline-parallel-size"},
                                            {Where::flag, "--data-parallel-size"},
                                            {Where::flag, "--enable-expert-parallel"},
                                            {Where::flag, "--quantization"},
                                            {Where::flag, "--kv-cache-dtype"},
                                            {Where::flag, "--max-num-seqs"},
                                            {Where::flag, "--max-num-batched-tokens"},
                                            {Where::flag, "--speculative-config"},
                                            {Where::flag, "--max-model-len"}}},
                                 .tp_spans_attention_dp = false,
                                 .batch_per_dp_rank = true,
                                 .expert_parallel_switch = true,
                                 .kv_fp8 = "fp8",
                                 .yaml_flag = ""};

// SGLang: docs/advanced_features/server_arguments.md (--tp-size spans the attention-DP groups with
// --enable-dp-attention, --dp-size, --ep-size, --pp-size, --quantization, --kv-cache-dtype,
// --context-length); docs/basic_usage/deepseek.md (MTP as EAGLE speculative decoding);
// engine_defaults.yaml sglang: max_running_requests, chunked_prefill_size.
constexpr EngineTable sglang_table{.command = "python3 -m sglang.launch_server --model-path {}",
                                   .slots = {{{Where::flag, "--tp-size"},
                                              {Where::flag, "--pp-size"},
                                              {Where::flag, "--dp-size"},
                                              {Where::flag, "--ep-size"},
                                              {Where::flag, "--quantization"},
                                              {Where::flag, "--kv-cache-dtype"},
                                              {Where::flag, "--max-running-requests"},
                                              {Where::flag, "--chunked-prefill-size"},
                                              {Where::flag, "--speculative-algorithm"},
                                              {Where::flag, "--context-length"}}},
                                   .tp_spans_attention_dp = true,
                                   .batch_per_dp_rank = false,
                                   .expert_parallel_switch = false,
                                   .kv_fp8 = "fp8_e4m3",
                                   .yaml_flag = "",
                                   .dp_attention_switch = "--enable-dp-attention",
                                   .chunk_budget_over_dp_ranks = true,
                                   .two_batch_overlap_switch = "--enable-two-batch-overlap"};

// TensorRT-LLM: trtllm-serve (tensorrt_llm/commands/serve.py: --tp_size, --pp_size, --ep_size,
// --extra_llm_api_options) and the LLM API options of llmapi/llm_args.py (enable_attention_dp,
// kv_cache_config.dtype, enable_chunked_prefill, speculative_config with decoding_type MTP);
// engine_defaults.yaml tensorrt_llm: max_batch_size, max_num_tokens, max_seq_len, enable_chunked_prefill
// (off by default in trtllm-serve). The weight precision is the checkpoint's: no flag.
constexpr EngineTable trtllm_table{.command = "trtllm-serve {}",
                                   .slots = {{{Where::flag, "--tp_size"},
                                              {Where::flag, "--pp_size"},
                                              {Where::yaml, "enable_attention_dp"},
                                              {Where::flag, "--ep_size"},
                                              {Where::none, ""},
                                              {Where::yaml, "kv_cache_config.dtype"},
                                              {Where::flag, "--max_batch_size"},
                                              {Where::flag, "--max_num_tokens"},
                                              {Where::yaml, "speculative_config"},
                                              {Where::flag, "--max_seq_len"}}},
                                   .tp_spans_attention_dp = true,
                                   .batch_per_dp_rank = true,
                                   .expert_parallel_switch = false,
                                   .kv_fp8 = "fp8",
                                   .yaml_flag = "--extra_llm_api_options",
                                   .chunked_prefill_yaml = "enable_chunked_prefill: true"};

const EngineTable& table_of(LaunchEngine engine) {
  switch (engine) {
    case LaunchEngine::vllm:
      return vllm_table;
    case LaunchEngine::sglang:
      return sglang_table;
    case LaunchEngine::trtllm:
      return trtllm_table;
  }
  return vllm_table;
}

const char* yaml_file = "llmsizer-trtllm-options.yaml";

/// The script being written: comment lines, command flags and YAML lines, kept apart.
struct Script {
  std::vector<std::string> comments;
  std::vector<std::string> flags;
  std::vector<std::string> yaml;
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}
std::string text(std::string_view s) {
  return std::string(s);
}

void add_value(Script& s, const Slot& slot, const std::string& value, const std::string& what) {
  if (slot.where == Where::flag)
    s.flags.push_back(value.empty() ? text(slot.name) : text(slot.name) + " " + value);
  else if (slot.where == Where::yaml)
    s.yaml.push_back(text(slot.name) + ": " + value);
  else
    s.comments.push_back(what);
}

}  // namespace

namespace {

const Slot& slot(const EngineTable& t, Setting s) {
  return t.slots[static_cast<int>(s)];
}

void add_parallel(Script& s, const EngineTable& t, const LaunchConfig& c) {
  const Parallelism& p = c.deployment.parallel;
  add_value(s, slot(t, Setting::tensor_parallel), std::to_string(t.tp_spans_attention_dp ? p.tp * p.dp : p.tp), "");
  add_value(s, slot(t, Setting::pipeline_parallel), std::to_string(p.pp), "");
  if (p.dp > 1) {
    const Slot& dp = slot(t, Setting::data_parallel);
    if (dp.where == Where::yaml && p.tp > 1) {
      s.comments.push_back(
          fmt::format("attention DP {} with tp{} per DP rank: this engine's attention DP runs one "
                      "attention rank per GPU, so tp within a DP rank has no setting",
                      p.dp, p.tp));
    }
    add_value(s, dp, dp.where == Where::yaml ? "true" : std::to_string(p.dp), "");
    if (!t.dp_attention_switch.empty()) s.flags.push_back(text(t.dp_attention_switch));
  }
  if (p.ep > 1) {
    const Slot& ep = slot(t, Setting::expert_parallel);
    if (t.expert_parallel_switch && p.ep != p.tp * p.dp) {
      s.comments.push_back(
          fmt::format("expert parallel {}: this engine spreads the experts over all tp x dp = {} "
                      "GPUs of a stage when EP is on; ep{} has no flag",
                      p.ep, p.tp * p.dp, p.ep));
    }
    add_value(s, ep, t.expert_parallel_switch ? "" : std::to_string(p.ep), "");
  }
}

/// The weights' precision: nothing when the checkpoint already holds it, FP8 quantized online where
/// the engine has a flag for it, otherwise a comment (the precision comes from the checkpoint).
void add_quantization(Script& s, const EngineTable& t, const LaunchConfig& c) {
  const Deployment& d = c.deployment;
  if (d.weights == c.native_weights && d.experts == c.native_experts) {
    s.comments.push_back(
        fmt::format("weights {}: the checkpoint's own precision, read from its config", upper(name(d.weights))));
    return;
  }
  const Slot& q = slot(t, Setting::quantization);
  if (d.weights == Precision::fp8 && d.experts == Precision::fp8 && q.where == Where::flag) {
    add_value(s, q, "fp8", "");
    return;
  }
  const std::string precisions = d.experts == d.weights
                                     ? upper(name(d.weights))
                                     : upper(name(d.weights)) + " (experts " + upper(name(d.experts)) + ")";
  s.comments.push_back(
      fmt::format("weights {}: no flag of this engine quantizes the {} checkpoint to that; serve a "
                  "checkpoint stored in it (the engine reads the format from its config)",
                  precisions, upper(name(c.native_weights))));
}

void add_kv(Script& s, const EngineTable& t, const LaunchConfig& c) {
  const Precision kv = c.deployment.kv;
  if (kv == Precision::bf16 || kv == Precision::fp16) {
    add_value(s, slot(t, Setting::kv_dtype), "auto", "");
  } else if (kv == Precision::fp8) {
    add_value(s, slot(t, Setting::kv_dtype), text(t.kv_fp8), "");
  } else {
    s.comments.push_back(fmt::format("KV cache {}: this engine has no KV dtype for it", upper(name(kv))));
  }
}

void add_scheduler(Script& s, const EngineTable& t, const LaunchConfig& c) {
  const Deployment& d = c.deployment;
  const std::int64_t per_instance = ceil_div(c.running, d.replicas);
  const std::int64_t batch = t.batch_per_dp_rank ? ceil_div(per_instance, d.parallel.dp) : per_instance;
  if (t.batch_per_dp_rank && d.parallel.dp > 1) {
    s.comments.push_back(
        fmt::format("max running requests: {} per instance, {} on each of its {} attention-DP ranks "
                    "(this engine limits each rank)",
                    per_instance, batch, d.parallel.dp));
  }
  add_value(s, slot(t, Setting::max_running), std::to_string(batch), "");
  // The estimate's budget is per attention rank (scenario field prefill_chunk_tokens); SGLang divides
  // its --chunked-prefill-size over the DP ranks (docs/methodology.md#prefill), so it gets dp times it.
  const std::int64_t chunk = t.chunk_budget_over_dp_ranks ? c.chunk_tokens * d.parallel.dp : c.chunk_tokens;
  if (chunk != c.chunk_tokens) {
    s.comments.push_back(fmt::format("chunked prefill: {} prompt tokens per step on each of the {} attention-DP "
                                     "ranks (this engine splits the instance's budget over them)",
                                     c.chunk_tokens, d.parallel.dp));
  }
  add_value(s, slot(t, Setting::chunk_budget), std::to_string(chunk), "");
  if (!t.chunked_prefill_yaml.empty()) s.yaml.push_back(text(t.chunked_prefill_yaml));
  if (d.overlap == Overlap::two_batch) {
    if (!t.two_batch_overlap_switch.empty()) {
      s.flags.push_back(text(t.two_batch_overlap_switch));
    } else {
      s.comments.push_back("two-batch overlap was estimated, but this engine's launch options have no switch for it");
    }
  }
}

void add_speculative(Script& s, const EngineTable& t, const LaunchConfig& c) {
  const int n = c.deployment.speculative_tokens;
  if (n <= 0) return;
  if (&t == &vllm_table) {
    add_value(s, slot(t, Setting::speculative),
              fmt::format("'{{\"method\": \"mtp\", \"num_speculative_tokens\": {}}}'", n), "");
  } else if (&t == &sglang_table) {
    add_value(s, slot(t, Setting::speculative), "EAGLE", "");
    s.flags.push_back(fmt::format("--speculative-num-steps {}", n));
    s.flags.push_back("--speculative-eagle-topk 1");
    s.flags.push_back(fmt::format("--speculative-num-draft-tokens {}", n + 1));
  } else {
    s.yaml.push_back("speculative_config.decoding_type: MTP");
    s.yaml.push_back(fmt::format("speculative_config.num_nextn_predict_layers: {}", n));
  }
}

/// YAML lines "a.b: v" as nested maps, consecutive keys of one parent under one heading.
std::string yaml_text(const std::vector<std::string>& lines) {
  std::string out;
  std::string parent;
  for (const std::string& line : lines) {
    const std::size_t colon = line.find(':');
    const std::size_t dot = line.find('.');
    if (dot == std::string::npos || dot > colon) {
      parent.clear();
      out += line + "\n";
      continue;
    }
    const std::string head = line.substr(0, dot);
    if (head != parent) out += head + ":\n";
    parent = head;
    out += "  " + line.substr(dot + 1) + "\n";
  }
  return out;
}

std::string header(LaunchEngine engine, const LaunchConfig& c) {
  const Deployment& d = c.deployment;
  const Parallelism& p = d.parallel;
  // c.running is the whole deployment's; with replicas, say it per replica too (the flags are per replica).
  const std::string running = d.replicas > 1 ? fmt::format("{} at once per replica ({} across the {} replicas)",
                                                           count_of(ceil_div(c.running, d.replicas), "request"),
                                                           with_commas(static_cast<double>(c.running)), d.replicas)
                                             : count_of(c.running, "request") + " at once";
  std::string h = fmt::format("# llmsizer --emit {}: {}, tp{} pp{} dp{} ep{}, weights {}, KV {}, {}\n",
                              launch_engine_names[static_cast<int>(engine)], c.label, p.tp, p.pp, p.dp, p.ep,
                              upper(name(d.weights)), upper(name(d.kv)), running);
  if (d.replicas > 1)
    h += fmt::format("# {} replicas: run this command once per replica, on {} each\n", d.replicas, count_of(p.gpus(), "GPU"));
  if (p.gpus() > c.gpus_per_node) {
    h += fmt::format(
        "# one instance spans {} nodes of {} GPUs: the engine's multi-node launch (node rank, head "
        "address) is not written here\n",
        ceil_div(p.gpus(), c.gpus_per_node), c.gpus_per_node);
  }
  return h;
}

}  // namespace

LaunchEngine parse_launch_engine(const std::string& text, const std::string& option) {
  for (std::size_t i = 0; i < launch_engine_names.size(); ++i) {
    if (ascii_iequals(text, launch_engine_names[i])) return static_cast<LaunchEngine>(i);
  }
  const std::vector<std::string> names(launch_engine_names.begin(), launch_engine_names.end());
  throw ConfigError(
      option, fmt::format("unknown engine '{}' (expected vllm, sglang or trtllm){}", text, did_you_mean(text, names)));
}

std::string launch_script(LaunchEngine engine, const LaunchConfig& c) {
  const EngineTable& t = table_of(engine);
  Script s;
  add_parallel(s, t, c);
  add_quantization(s, t, c);
  add_kv(s, t, c);
  add_scheduler(s, t, c);
  add_speculative(s, t, c);
  add_value(s, slot(t, Setting::max_model_len), std::to_string(c.max_model_len), "");
  std::string out = header(engine, c);
  for (const std::string& comment : s.comments) out += "# " + comment + "\n";
  if (!s.yaml.empty()) {
    out += fmt::format("cat > {} <<'EOF'\n{}EOF\n", yaml_file, yaml_text(s.yaml));
    s.flags.push_back(fmt::format("{} {}", t.yaml_flag, yaml_file));
  }
  out += fmt::format(fmt::runtime(text(t.command)), c.model_path);
  for (const std::string& flag : s.flags) out += " \\\n  " + flag;
  return out + "\n";
}

}  // namespace llmsizer
