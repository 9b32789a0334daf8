#include "io/measurements.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "io/config_error.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {
namespace {

const std::vector<std::string_view> row_keys = {"id",         "source",    "model",   "model_ref", "precision",
                                                "hardware",   "engine",    "parallelism", "workload", "metrics",
                                                "quality",    "notes",     "fleet"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
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

/// Whole number when the scalar is one; nullopt for prose ("unbounded ...") or absent.
std::optional<std::int64_t> whole(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar()) return std::nullopt;
  const std::string& s = node.Scalar();
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  if (s.size() > 12) return std::nullopt;
  return std::stoll(s);
}

/// A metric: absent → nullopt; a number → its value; prose ("20-22 average") → nullopt, since
/// sources state ranges and conditions in words — only a non-scalar is a structural error.
std::optional<double> metric(const YAML::Node& metrics, const char* key, const std::string& path, const SourceText& src) {
  const YAML::Node node = child(metrics, key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) throw located_error(node, src, path + "." + key, "expected a number");
  try {
    return scalar_number(node, path + "." + key, src, Range{0, 1e12, true, ""});
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

/// "fp8 (block)" → fp8; "nvfp4 experts/fp8" → experts nvfp4, rest fp8; "fp4" → nvfp4; "int8 (W8A8)" → int8.
void read_precision(const YAML::Node& precision, Measurement& m) {
  const std::string weights = lower(text_of(child(precision, "weights")));
  static const std::regex word("(nvfp4|mxfp4|fp4|fp8|int8|int4|bf16|fp16)");
  std::smatch first;
  if (std::regex_search(weights, first, word)) {
    m.weights = first[1] == "fp4" ? "nvfp4" : std::string(first[1]);
    const std::string rest = first.suffix();
    std::smatch second;
    if (weights.find("experts") != std::string::npos && std::regex_search(rest, second, word)) {
      m.experts = m.weights;  // "nvfp4 experts/fp8": the first type is the experts'
      m.weights = second[1] == "fp4" ? "nvfp4" : std::string(second[1]);
    }
  } else if (!weights.empty()) {
    m.skip_reason = "weights precision not stated";
  }
  const std::string kv = lower(text_of(child(precision, "kv_cache")));
  if (kv.find("fp8") != std::string::npos) m.kv = "fp8";
  else if (kv.find("bf16") != std::string::npos || kv.find("fp16") != std::string::npos) m.kv = "bf16";
  if (lower(text_of(child(precision, "attention"))).find("fp8") != std::string::npos) m.kv = "fp8";
}

std::string engine_of(const std::string& text) {
  const std::string t = lower(text);
  if (t.find("tensorrt") != std::string::npos || t.find("trt") != std::string::npos) return "trtllm";
  if (t.find("sglang") != std::string::npos) return "sglang";
  if (t.find("vllm") != std::string::npos) return "vllm";
  return "";
}

std::optional<int> number_after(const std::string& text, const std::string& prefix) {
  const std::regex pattern(prefix + R"((\d+))", std::regex::icase);
  std::smatch match;
  // At most 6 digits: std::stoi throws (an internal error) beyond int, and no degree is that large.
  if (std::regex_search(text, match, pattern) && match[1].length() <= 6) return std::stoi(match[1]);
  return std::nullopt;
}

/// Parallel degrees from structured keys, or from the prose sources use for disaggregated setups
/// ("Attention-DP16 + MoE-EP16", "EP72 + DP attention", "DP16+EP16").
void read_parallelism(const YAML::Node& par, const std::string& phase, Measurement& m) {
  auto degree = [&](const char* key) -> std::optional<int> {
    // No deployment has a degree beyond 2^20, and a larger one would wrap in the cast (2^32 + 1 -> 1).
    if (auto v = whole(child(par, key)); v && *v <= (1 << 20)) return static_cast<int>(*v);
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
  const std::string lowered = lower(prose);
  const bool dp_attention = lowered.find("dp attention") != std::string::npos ||
                            lowered.find("attention-dp") != std::string::npos || lowered.find("dp+") != std::string::npos;
  if (dp || dp_attention) {
    m.dp = dp.value_or(m.ep.value_or(m.gpus));
    m.tp = 1;
  }
}

std::optional<int> mtp_steps(const YAML::Node& mtp, const std::string& engine_text) {
  if (mtp.IsMap()) {
    if (auto steps = whole(child(mtp, "steps")); steps && *steps <= 64) return static_cast<int>(*steps);
  }
  if (auto n = number_after(text_of(mtp), "steps=")) return n;
  if (auto n = number_after(engine_text, "MTP ")) return n;
  return std::nullopt;
}

void read_workload(const YAML::Node& w, const std::string& engine_text, Measurement& m) {
  m.phase = lower(text_of(child(w, "phase")));
  if (m.phase.empty()) m.phase = "mixed";
  m.isl = whole(child(w, "isl"));
  if (!m.isl) m.isl = whole(child(w, "kv_len"));
  m.osl = whole(child(w, "osl"));
  const YAML::Node concurrency = child(w, "concurrency");
  m.concurrency = whole(concurrency);
  if (!m.concurrency && lower(text_of(concurrency)).find("unbounded") != std::string::npos) m.concurrency = 0;
  if (!m.concurrency) m.concurrency = whole(child(w, "batch_size"));
  if (auto per_gpu = whole(child(w, "batch_per_gpu"))) m.concurrency = *per_gpu * m.gpus;
  m.mtp = mtp_steps(child(w, "mtp"), engine_text);
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
  const YAML::Node hardware = r.require("hardware");
  m.gpu = text_of(child(hardware, "gpu"));
  const auto count = whole(child(hardware, "count"));
  if (!count || *count < 1 || *count > 100000) m.skip_reason = "GPU count not stated as a number";
  else m.gpus = static_cast<int>(*count);
  const std::string engine_text = text_of(r.get("engine"));
  m.engine = engine_of(engine_text);
  read_precision(r.get("precision"), m);
  read_workload(r.get("workload"), engine_text, m);
  read_parallelism(r.get("parallelism"), m.phase, m);
  const YAML::Node metrics = r.get("metrics");
  const std::string mpath = path + ".metrics";
  m.tpot_ms = metric(metrics, "tpot_ms", mpath, src);
  if (!m.tpot_ms) m.tpot_ms = metric(metrics, "tpot_ms_mean", mpath, src);
  if (!m.tpot_ms) {
    if (auto per_user = metric(metrics, "tok_s_per_user", mpath, src)) m.tpot_ms = 1000.0 / *per_user;
  }
  m.ttft_ms = metric(metrics, "ttft_ms", mpath, src);
  if (!m.ttft_ms) m.ttft_ms = metric(metrics, "ttft_ms_mean", mpath, src);
  m.output_tok_s_per_gpu = metric(metrics, "output_tok_s_per_gpu", mpath, src);
  m.input_tok_s_per_gpu = metric(metrics, "input_tok_s_per_gpu", mpath, src);
  if (lower(engine_text).find("static batching") != std::string::npos) {
    m.skip_reason = "static batching (the estimator models continuous batching)";
  }
  if (m.skip_reason.empty() && (!m.isl || (!m.osl && m.phase == "mixed"))) m.skip_reason = "input/output lengths not stated";
  if (m.skip_reason.empty() && !m.concurrency) m.skip_reason = "concurrency or batch size not stated";
  if (m.skip_reason.empty() && m.gpu.empty()) m.skip_reason = "GPU not stated";
  if (!m.osl) m.osl = m.phase == "prefill" ? 1 : 2;  // one side of disaggregated serving
  return m;
}

}  // namespace

std::vector<Measurement> load_measurements(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText src = make_source(path, text);
  const YAML::Node root = parse_yaml(text, src);
  const MapReader doc(root, "", src, {"schema", "schema_version", "generated", "measurements"});
  if (doc.has("schema") && doc.string("schema") != "measurements/1") {
    throw doc.error("schema", "expected 'measurements/1'");
  }
  const YAML::Node rows = doc.require("measurements");
  if (!rows.IsSequence()) throw doc.error("measurements", "expected a list of measured deployments");
  std::vector<Measurement> out;
  for (size_t i = 0; i < rows.size(); ++i) out.push_back(read_row(rows[i], i, src));
  std::vector<std::string> ids;
  for (const Measurement& m : out) ids.push_back(m.id);
  std::sort(ids.begin(), ids.end());
  for (size_t i = 1; i < ids.size(); ++i) {
    if (ids[i] == ids[i - 1]) throw ConfigError(path, 0, 0, "id", fmt::format("duplicate measurement id '{}'", ids[i]));
  }
  return out;
}

}  // namespace llmsizer
