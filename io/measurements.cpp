#include "io/measurements.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "base/ascii.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "io/measurement_text.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {
namespace {

using namespace measurement_text;

const std::vector<std::string_view> row_keys = {"id",         "source",    "model",   "model_ref", "precision",
                                                "hardware",   "engine",    "parallelism", "workload", "metrics",
                                                "quality",    "notes",     "fleet"};

// The keys of each section of a row (validation/measurements.yaml). Sections are read leniently
// (prose where a number is missing marks the row skipped), so a misspelt key would be skipped as
// "not stated": every key is checked against these lists, as profiles' keys are.
const std::vector<std::string_view> source_keys = {"name", "path"};
const std::vector<std::string_view> precision_keys = {"weights", "kv_cache", "attention", "note"};
const std::vector<std::string_view> hardware_keys = {"gpu", "count", "system"};
const std::vector<std::string_view> parallelism_keys = {"tp",     "pp",     "ep",          "attention_dp", "disaggregated",
                                                        "prefill", "decode", "layout",     "note"};
const std::vector<std::string_view> workload_keys = {
    "isl",           "osl",          "kv_len",     "concurrency",  "batch_size",          "batch_per_gpu",
    "phase",         "mtp",          "scenario",   "dataset",      "distribution",        "latency_constraints",
    "note",          "decode_batch_size",          "max_batch_size_per_rank",             "tokens_per_device_batch",
    "avg_kv_cache_len_per_output_token"};
const std::vector<std::string_view> mtp_keys = {"steps", "draft_tokens", "eagle_topk"};
// Metrics the estimator is compared on (tpot_ms, ttft_ms, ..._per_gpu) and the others sources state.
const std::vector<std::string_view> metric_keys = {
    "tpot_ms",                "tpot_ms_mean",
    "tpot_ms_p99",            "ttft_ms",
    "ttft_ms_mean",           "ttft_ms_p99",
    "tok_s_per_user",         "tok_s_per_user_with_ctx",
    "output_tok_s_per_gpu",   "input_tok_s_per_gpu",
    "output_tok_s_total",     "output_tok_s_per_node",
    "output_tok_s_per_npu",   "output_tok_s_reported",
    "input_tok_s_per_node",   "input_tok_s_per_npu",
    "input_tok_s_per_gpu_incl_cache_hits",                "input_tok_s_per_node_incl_cache_hits",
    "prefill_tok_s",          "prefill_tok_s_cluster",
    "decode_tok_s_cluster",   "prefill_tok_s_per_node_reported",
    "decode_tok_s_per_node_reported",                     "total_tok_s",
    "samples_per_s",          "mean_output_tokens_per_sample_derived",
    "cost_usd_per_m_output",  "assumed_usd_per_gpu_hr",
    "unit_ambiguity",         "sla",
    "condition"};

/// Checks the keys of a section given as a map (unknown and duplicate keys, with did-you-mean);
/// a section given as prose, or absent, has none to check.
void check_keys(const YAML::Node& section, const std::string& path, const SourceText& src,
                const std::vector<std::string_view>& allowed) {
  if (section.IsMap()) (void)MapReader(section, path, src, allowed);
}

/// A child of a map, or an undefined node; rejects non-maps where a map is expected.
YAML::Node child(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string text_of(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

template <class Names>
ConfigError unknown_value(const YAML::Node& node, const SourceText& src, const std::string& path, const char* what,
                          const std::string& near_word, const Names& names) {
  std::string list;
  for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  return located_error(node, src, path,
                       fmt::format("unknown {} '{}' (expected {}){}", what, node.Scalar(), list,
                                   did_you_mean(near_word, names)));
}

/// Sources state some quantities in words ("unbounded (max throughput)", "9 nodes, EP72"): such
/// prose is read elsewhere or the row is skipped with a reason. A value written as a number, though,
/// must be a sensible one: a negative batch or a NaN throughput is a typo, reported where it is.
struct RowReader {
  const SourceText& src;
  std::string path;  // "measurements[3]"

  /// Whole number in [min, max] when the scalar is one; nullopt for prose or absent.
  [[nodiscard]] std::optional<std::int64_t> whole(const YAML::Node& parent, const char* section, const char* key,
                                                  std::int64_t min, std::int64_t max) const {
    const YAML::Node node = child(parent, key);
    if (!node.IsDefined() || !node.IsScalar() || !looks_numeric(node.Scalar())) return std::nullopt;
    const double value = scalar_number(node, field(section, key), src, Range{-1e300, 1e300, false, ""});
    if (value != std::floor(value) || value < static_cast<double>(min) || value > static_cast<double>(max)) {
      throw located_error(node, src, field(section, key),
                          fmt::format("{} is out of range (must be a whole number from {} to {})", node.Scalar(), min, max));
    }
    return static_cast<std::int64_t>(value);
  }

  /// A metric: absent or prose ("20-22 average") → nullopt; a number must be > 0 and finite.
  [[nodiscard]] std::optional<double> metric(const YAML::Node& metrics, const char* key) const {
    const YAML::Node node = child(metrics, key);
    if (!node.IsDefined() || node.IsNull()) return std::nullopt;
    if (!node.IsScalar()) throw located_error(node, src, field("metrics", key), "expected a number");
    if (!looks_numeric(node.Scalar())) return std::nullopt;
    return scalar_number(node, field("metrics", key), src, Range{0, 1e12, true, ""});
  }

  [[nodiscard]] std::string field(const char* section, const char* key) const {
    return fmt::format("{}.{}.{}", path, section, key);
  }
};

/// "fp8 (block)" → fp8; "nvfp4 experts/fp8" → experts nvfp4, rest fp8; "fp4" → nvfp4; "int8 (W8A8)" → int8.
/// Prose or a word naming no precision the tool models ("not stated", "unknown", "AWQ") marks the row
/// skipped with the text in its reason; one word a typo away from a precision ("bf61") is an error.
void read_precision(const RowReader& r, const YAML::Node& precision, Measurement& m) {
  for (const char* key : {"weights", "kv_cache"}) {
    const YAML::Node node = child(precision, key);
    const std::string text = precision_text(ascii_lower(text_of(node)));
    if (one_word(text) && !precision_word(text) && !closest_match(text, precision_words).empty()) {
      throw unknown_value(node, r.src, r.field("precision", key), "precision", text, precision_words);
    }
  }
  const std::string weights = precision_text(ascii_lower(text_of(child(precision, "weights"))));
  if (const auto first = precision_word(weights)) {
    m.weights = first->first;
    const auto second = precision_word(weights, first->second);
    if (weights.find("experts") != std::string::npos && second) {
      m.experts = m.weights;  // "nvfp4 experts/fp8": the first type is the experts'
      m.weights = second->first;
    }
  } else if (!weights.empty()) {
    m.skip_reason = fmt::format("weights precision not stated ('{}')", text_of(child(precision, "weights")));
  }
  const std::string kv = precision_text(ascii_lower(text_of(child(precision, "kv_cache"))));
  if (kv.find("fp8") != std::string::npos) m.kv = "fp8";
  else if (kv.find("bf16") != std::string::npos || kv.find("fp16") != std::string::npos) m.kv = "bf16";
  if (ascii_lower(text_of(child(precision, "attention"))).find("fp8") != std::string::npos) m.kv = "fp8";
}

/// An engine text naming no engine the calibration knows is the generic engine ("DeepSeek in-house",
/// "LMDeploy v0.6", "in-house LLM server"); a word of four letters or more a typo away from a known
/// name ("sglnag", "vLMM 0.10") is an error. Shorter words are left alone: "llm" is one letter from
/// "vllm" and is how many sources describe their own server.
void check_engine_text(const RowReader& r, const YAML::Node& node, const std::string& engine) {
  const std::string text = ascii_lower(text_of(node));
  if (!engine.empty() || text.empty()) return;
  constexpr size_t shortest_typo = 4;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find_first_of(" \t(),;/", at), text.size());
    const std::string word = text.substr(at, end - at);
    if (word.size() >= shortest_typo && !closest_match(word, engine_words).empty()) {
      throw unknown_value(node, r.src, r.path + ".engine", "engine", word, engine_words);
    }
    at = end + 1;
  }
}

/// Parallel degrees from structured keys, or from the prose sources use for disaggregated setups
/// ("Attention-DP16 + MoE-EP16", "EP72 + DP attention", "DP16+EP16").
void read_parallelism(const RowReader& r, const YAML::Node& par, const std::string& phase, Measurement& m) {
  auto degree = [&](const char* key) -> std::optional<int> {
    if (auto v = r.whole(par, "parallelism", key, 1, max_measured_degree)) return static_cast<int>(*v);
    return std::nullopt;
  };
  m.tp = degree("tp");
  m.pp = degree("pp");
  m.ep = degree("ep");
  if (text_of(child(par, "attention_dp")) == "true" && m.tp) {
    // TensorRT-LLM's "tp N + attention DP": attention is data-parallel over the N GPUs.
    m.dp = m.tp;
    m.tp = 1;
  }
  const std::string prose = text_of(child(par, phase == "prefill" ? "prefill" : "decode"));
  if (prose.empty()) return;
  const auto ep = number_after(prose, "EP");
  const auto dp = number_after(prose, "DP");
  const auto tp = number_after(prose, "TP");
  if (ep) m.ep = ep;
  if (tp) m.tp = tp;
  const std::string lowered = ascii_lower(prose);
  const bool dp_attention = lowered.find("dp attention") != std::string::npos ||
                            lowered.find("attention-dp") != std::string::npos || lowered.find("dp+") != std::string::npos;
  if (dp || dp_attention) {
    m.dp = dp.value_or(m.ep.value_or(m.gpus));
    m.tp = 1;
  }
}

std::optional<int> mtp_steps(const RowReader& r, const YAML::Node& mtp, const std::string& engine_text) {
  if (mtp.IsMap()) {
    if (auto steps = r.whole(mtp, "workload.mtp", "steps", 0, 64)) return static_cast<int>(*steps);
  }
  if (auto n = number_after(text_of(mtp), "steps=")) return n;
  if (auto n = number_after(engine_text, "MTP ")) return n;
  return std::nullopt;
}

void read_workload(const RowReader& r, const YAML::Node& w, const std::string& engine_text, Measurement& m) {
  auto count = [&](const char* key, std::int64_t min) { return r.whole(w, "workload", key, min, max_measured_tokens); };
  m.phase = ascii_lower(text_of(child(w, "phase")));
  if (m.phase.empty()) m.phase = "mixed";
  if (std::find(phase_words.begin(), phase_words.end(), m.phase) == phase_words.end()) {
    throw unknown_value(child(w, "phase"), r.src, r.field("workload", "phase"), "phase", m.phase, phase_words);
  }
  m.isl = count("isl", 1);
  if (!m.isl) m.isl = count("kv_len", 1);
  m.osl = count("osl", 1);
  m.concurrency = count("concurrency", 0);  // 0: unbounded (offline, max throughput)
  if (!m.concurrency && ascii_lower(text_of(child(w, "concurrency"))).find("unbounded") != std::string::npos)
    m.concurrency = 0;
  if (!m.concurrency) m.concurrency = count("batch_size", 1);
  if (auto per_gpu = count("batch_per_gpu", 1)) {
    m.concurrency = *per_gpu * m.gpus;
    if (*m.concurrency > max_measured_tokens) {
      throw located_error(child(w, "batch_per_gpu"), r.src, r.field("workload", "batch_per_gpu"),
                          fmt::format("{} per GPU on {} GPUs is more than {} requests in flight", *per_gpu, m.gpus,
                                      max_measured_tokens));
    }
  }
  m.mtp = mtp_steps(r, child(w, "mtp"), engine_text);
}

/// Every section's keys; `fleet` is a free-form note on the deployment that nothing reads.
void check_sections(const MapReader& row, const SourceText& src) {
  const auto check = [&](const char* key, const std::vector<std::string_view>& allowed) {
    check_keys(row.get(key), row.field_path(key), src, allowed);
  };
  check("source", source_keys);
  check("precision", precision_keys);
  check("hardware", hardware_keys);
  check("parallelism", parallelism_keys);
  check("workload", workload_keys);
  check("metrics", metric_keys);
  const YAML::Node workload = row.get("workload");
  if (workload.IsMap()) check_keys(child(workload, "mtp"), row.field_path("workload") + ".mtp", src, mtp_keys);
}

Measurement read_row(const YAML::Node& row, size_t index, const SourceText& src) {
  const std::string path = fmt::format("measurements[{}]", index);
  const MapReader r(row, path, src, row_keys);
  Measurement m;
  m.file = src.file;
  m.line = row.Mark().line + 1;
  m.id = r.string("id");
  const YAML::Node source = r.get("source");
  m.source = source.IsMap() ? text_of(child(source, "name")) : text_of(source);
  m.source_path = source.IsMap() ? text_of(child(source, "path")) : std::string();
  m.quality = text_of(r.get("quality"));
  m.model = r.has("model_ref") ? r.string("model_ref") : r.string("model");
  check_sections(r, src);
  const YAML::Node hardware = r.require("hardware");
  m.gpu = text_of(child(hardware, "gpu"));
  const RowReader reader{src, path};
  const auto count = reader.whole(hardware, "hardware", "count", 1, max_measured_gpus);
  if (!count) m.skip_reason = "GPU count not stated as a number";
  else m.gpus = static_cast<int>(*count);
  const std::string engine_text = text_of(r.get("engine"));
  m.engine = engine_of(engine_text);
  check_engine_text(reader, r.get("engine"), m.engine);
  read_precision(reader, r.get("precision"), m);
  read_workload(reader, r.get("workload"), engine_text, m);
  read_parallelism(reader, r.get("parallelism"), m.phase, m);
  const YAML::Node metrics = r.get("metrics");
  m.tpot_ms = reader.metric(metrics, "tpot_ms");
  if (!m.tpot_ms) m.tpot_ms = reader.metric(metrics, "tpot_ms_mean");
  if (!m.tpot_ms) {
    if (auto per_user = reader.metric(metrics, "tok_s_per_user")) m.tpot_ms = 1000.0 / *per_user;
  }
  m.ttft_ms = reader.metric(metrics, "ttft_ms");
  if (!m.ttft_ms) m.ttft_ms = reader.metric(metrics, "ttft_ms_mean");
  m.output_tok_s_per_gpu = reader.metric(metrics, "output_tok_s_per_gpu");
  m.input_tok_s_per_gpu = reader.metric(metrics, "input_tok_s_per_gpu");
  if (ascii_lower(engine_text).find("static batching") != std::string::npos) {
    m.skip_reason = "static batching (the estimator models continuous batching)";
  }
  if (m.skip_reason.empty() && (!m.isl || (!m.osl && m.phase == "mixed"))) m.skip_reason = "input/output lengths not stated";
  if (m.skip_reason.empty() && !m.concurrency) m.skip_reason = "concurrency or batch size not stated";
  if (m.skip_reason.empty() && m.gpu.empty()) m.skip_reason = "GPU not stated";
  if (!m.osl) m.osl = m.phase == "prefill" ? 1 : 2;  // one side of disaggregated serving
  return m;
}

}  // namespace

std::vector<Measurement> load_measurements(const std::string& path, std::vector<ConfigError>* errors) {
  const std::string text = read_file(path);
  SourceText src = make_source(path, text);
  src.field_errors = errors;
  const YAML::Node root = parse_yaml(text, src);
  const MapReader doc(root, "", src, {"schema", "schema_version", "generated", "measurements"});
  if (doc.has("schema") && doc.string("schema") != "measurements/1") {
    throw doc.error("schema", "expected 'measurements/1'");
  }
  const YAML::Node rows = doc.require("measurements");
  if (!rows.IsSequence()) throw doc.error("measurements", "expected a list of measured deployments");
  std::vector<Measurement> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (errors == nullptr) {
      out.push_back(read_row(rows[i], i, src));
      continue;
    }
    // check: each row's errors, then the next row's. A row's rule error counts only when none of its
    // fields failed (a stand-in value may be what broke the rule).
    const size_t before = errors->size();
    try {
      out.push_back(read_row(rows[i], i, src));
    } catch (const ConfigError& e) {
      if (errors->size() == before) errors->push_back(e);
    }
  }
  if (errors != nullptr && !errors->empty()) return out;
  std::map<std::string, size_t> first_row;  // id -> index of the row that has it
  for (size_t i = 0; i < out.size(); ++i) {
    const auto [it, added] = first_row.emplace(out[i].id, i);
    if (!added) {
      throw located_error(rows[i]["id"], src, fmt::format("measurements[{}].id", i),
                          fmt::format("duplicate measurement id '{}' (also on line {})", out[i].id, out[it->second].line));
    }
  }
  return out;
}

}  // namespace llmsizer
