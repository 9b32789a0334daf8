// io/hf_precision.cpp — see io/hf_precision.hpp. Which methods map to which precision is documented
// in docs/profiles.md#hugging-face-import.
#include "io/hf_precision.hpp"

#include <fmt/format.h>

namespace llmsizer::hf {
namespace {

Precision dtype_precision(const Reader& r) {
  const Field f = r.field({"torch_dtype", "dtype"});
  if (!f) return Precision::bf16;  // documented default: almost every released checkpoint is BF16
  std::string dtype = r.string_at(f);
  if (dtype.rfind("torch.", 0) == 0) dtype = dtype.substr(6);
  if (dtype == "bfloat16") return Precision::bf16;
  if (dtype == "float16" || dtype == "half") return Precision::fp16;
  if (dtype == "float32" || dtype == "float") return Precision::fp32;
  if (dtype.rfind("float8", 0) == 0) return Precision::fp8;
  throw r.error(f.path, fmt::format("unknown dtype '{}' (expected bfloat16, float16 or float32)", dtype));
}

Field required_child(const Reader& r, const Field& parent, std::string_view key) {
  const Field f = r.child(parent, key);
  if (!f) throw r.error(parent.path, fmt::format("missing {}", key));
  return f;
}

Precision bits_precision(const Reader& r, const Field& q, const std::string& method) {
  const Field bits = required_child(r, q, "bits");
  const std::int64_t n = r.integer_at(bits, 1, 64);
  if (n == 4) return Precision::int4;
  if (n == 8) return Precision::int8;
  throw r.error(bits.path, fmt::format("{}-bit {} is not supported (expected 4 or 8)", n, method));
}

Precision modelopt_precision(const Reader& r, const Field& q) {
  const Field algo = required_child(r, q, "quant_algo");
  const std::string name = r.string_at(algo);
  if (name == "NVFP4" || name == "NVFP4_AWQ") return Precision::nvfp4;
  if (name == "FP8" || name == "FP8_BLOCK_SCALES") return Precision::fp8;
  if (name == "W4A16_AWQ" || name == "W4A8_AWQ") return Precision::int4;
  throw r.error(algo.path, fmt::format("unsupported ModelOpt algorithm '{}' (expected NVFP4, FP8, W4A16_AWQ or "
                                       "W4A8_AWQ)",
                                       name));
}

// The first quantization group's weight scheme (approximation: later groups are ignored).
Precision compressed_tensors_precision(const Reader& r, const Field& q) {
  const Field groups = required_child(r, q, "config_groups");
  if (!groups.value->is_object() || groups.value->empty()) {
    throw r.error(groups.path, "expected a non-empty object of quantization groups");
  }
  const Field group{&groups.value->begin().value(), groups.path + "." + groups.value->begin().key()};
  if (!group.value->is_object()) throw r.error(group.path, "expected an object");
  const Field weights = required_child(r, group, "weights");
  if (!weights.value->is_object()) throw r.error(weights.path, "expected an object");
  const std::int64_t bits = r.integer_at(required_child(r, weights, "num_bits"), 1, 64);
  const std::string type = r.string_at(required_child(r, weights, "type"));
  if (type == "float" && bits == 8) return Precision::fp8;
  if (type == "float" && bits == 4) return Precision::nvfp4;
  if (type == "int" && bits == 8) return Precision::int8;
  if (type == "int" && bits == 4) return Precision::int4;
  throw r.error(weights.path, fmt::format("unsupported weight scheme {} {}-bit (expected float 8, float 4, int 8 or "
                                          "int 4)",
                                          type, bits));
}

Precision quant_precision(const Reader& r, const Field& q, const Field& method_field) {
  const std::string method = r.string_at(method_field);
  if (method == "fp8" || method == "fbgemm_fp8") return Precision::fp8;
  if (method == "mxfp4") return Precision::mxfp4;
  if (method == "modelopt") return modelopt_precision(r, q);
  if (method == "awq" || method == "gptq") return bits_precision(r, q, method);
  if (method == "compressed-tensors") return compressed_tensors_precision(r, q);
  if (method == "bitsandbytes") {
    if (const Field four = r.child(q, "load_in_4bit"); four && r.bool_at(four)) return Precision::int4;
    if (const Field eight = r.child(q, "load_in_8bit"); eight && r.bool_at(eight)) return Precision::int8;
    throw r.error(q.path, "bitsandbytes without load_in_4bit or load_in_8bit");
  }
  throw r.error(method_field.path, fmt::format("unsupported quantization method '{}' (expected fp8, fbgemm_fp8, mxfp4, "
                                               "modelopt, awq, gptq, compressed-tensors or bitsandbytes)",
                                               method));
}

// Checkpoints that quantize only the experts list the attention modules as not converted.
bool attention_not_converted(const Reader& r, const Field& q) {
  for (std::string_view key : {"modules_to_not_convert", "ignore"}) {
    const Field list = r.child(q, key);
    if (!list || !list.value->is_array()) continue;
    for (const Json& item : *list.value) {
      if (!item.is_string()) continue;
      const std::string& module = item.get_ref<const std::string&>();
      if (module.find("attn") != std::string::npos || module.find("attention") != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace

void read_precision(const Reader& r, ModelSpec& m) {
  m.weights_precision = dtype_precision(r);
  m.experts_precision = m.weights_precision;
  const Field q = r.field({"quantization_config"});
  if (!q) return;
  if (!q.value->is_object()) throw r.error(q.path, "expected an object, got " + shown(*q.value));
  const Field method = required_child(r, q, "quant_method");
  const Precision quantized = quant_precision(r, q, method);
  m.experts_precision = quantized;
  const bool experts_only = r.string_at(method) == "mxfp4" || (m.is_moe() && attention_not_converted(r, q));
  if (!experts_only) m.weights_precision = quantized;
}
}  // namespace llmsizer::hf
