// One bad input per loader error path, pinning the exact message with the quoted line and caret
// (io/yaml_reader.hpp, io/profile_loader.hpp, ConfigError::format()). Messages are part of the
// contract: a change here is a change users see.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/command.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/profile_loader.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

// A valid gpu/1 document; line numbers matter to the expected messages below.
const std::string good_gpu =
    "schema: gpu/1\n"                                                      // 1
    "name: bad\n"                                                          // 2
    "vendor: nvidia\n"                                                     // 3
    "generation: hopper\n"                                                 // 4
    "launch_year: 2024\n"                                                  // 5
    "memory_gb: 96\n"                                                      // 6
    "memory_bw_gbps: 4000\n"                                               // 7
    "dense_tflops: {fp8: 296, bf16: 148}\n"                                // 8
    "scale_up: {kind: nvlink4, domain_gpus: 8, bw_gbps_per_dir: 450}\n"    // 9
    "scale_out_bw_gbps_per_dir: 25\n"                                      // 10
    "gpus_per_node: 8\n"                                                   // 11
    "tdp_w: 400\n"                                                         // 12
    "sources:\n"                                                           // 13
    "  - fields: [\"*\"]\n"                                                // 14
    "    cite: test\n";                                                    // 15

// A valid dense model/1 document.
const std::string good_model =
    "schema: model/1\n"              // 1
    "name: bad\n"                    // 2
    "family: llama\n"                // 3
    "num_layers: 4\n"                // 4
    "hidden_size: 64\n"              // 5
    "num_heads: 8\n"                 // 6
    "num_kv_heads: 2\n"              // 7
    "head_dim: 8\n"                  // 8
    "ffn_size: 128\n"                // 9
    "vocab_size: 1000\n"             // 10
    "tied_embeddings: false\n"       // 11
    "max_context: 4096\n"            // 12
    "attention: {kind: gqa}\n"       // 13
    "precision: {weights: bf16}\n"   // 14
    "sources:\n"                     // 15
    "  - fields: [\"*\"]\n"          // 16
    "    cite: test\n";              // 17

// The same with an MoE block (lines 15-18) before the sources.
const std::string good_moe_model =
    "schema: model/1\n"              // 1
    "name: bad\n"                    // 2
    "family: mixtral\n"              // 3
    "num_layers: 4\n"                // 4
    "hidden_size: 64\n"              // 5
    "num_heads: 8\n"                 // 6
    "num_kv_heads: 2\n"              // 7
    "head_dim: 8\n"                  // 8
    "vocab_size: 1000\n"             // 9
    "tied_embeddings: false\n"       // 10
    "max_context: 4096\n"            // 11
    "attention: {kind: gqa}\n"       // 12
    "precision: {weights: bf16}\n"   // 13
    "moe:\n"                         // 14
    "  num_experts: 8\n"             // 15
    "  experts_per_token: 2\n"       // 16
    "  expert_ffn_size: 32\n"        // 17
    "sources:\n"                     // 18
    "  - fields: [\"*\"]\n"          // 19
    "    cite: test\n";              // 20

// `text` with the first occurrence of `from` replaced by `to` (which must exist).
std::string with(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "test bug: '" << from << "' not in the document");
  text.replace(at, from.size(), to);
  return text;
}

enum class Kind { gpu, model };

// The formatted ConfigError parsing `text` as bad.yaml, or "(no error)".
std::string error_of(const std::string& text, Kind kind) {
  const SourceText source = make_source("bad.yaml", text);
  try {
    const YAML::Node root = parse_yaml(text, source);
    if (kind == Kind::gpu) (void)parse_gpu(root, source);
    else (void)parse_model(root, source);
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

std::string gpu_error(const std::string& text) { return error_of(text, Kind::gpu); }
std::string model_error(const std::string& text) { return error_of(text, Kind::model); }

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

}  // namespace

TEST_SUITE("loader") {

TEST_CASE("the base documents are valid") {
  const SourceText gpu_source = make_source("bad.yaml", good_gpu);
  const GpuSpec gpu = parse_gpu(parse_yaml(good_gpu, gpu_source), gpu_source);
  CHECK(gpu.name == "bad");
  CHECK(gpu.memory.value == 96e9);
  CHECK(gpu.throughput(ComputeType::bf16)->value == 148e12);
  CHECK_FALSE(gpu.supports(ComputeType::fp4));
  CHECK(gpu.prices.empty());
  const SourceText model_source = make_source("bad.yaml", good_model);
  const ModelSpec model = parse_model(parse_yaml(good_model, model_source), model_source);
  CHECK(model.num_layers == 4);
  CHECK_FALSE(model.is_moe());
  const SourceText moe_source = make_source("bad.yaml", good_moe_model);
  const ModelSpec moe = parse_model(parse_yaml(good_moe_model, moe_source), moe_source);
  REQUIRE(moe.is_moe());
  CHECK(moe.moe->num_experts == 8);
  CHECK(moe.moe_layer_count() == 4);
}

TEST_CASE("ConfigError::format without a file, line or source") {
  CHECK(ConfigError("--gpu", "unknown GPU 'x'").format() == "error: --gpu: unknown GPU 'x'");
  CHECK(ConfigError("f.yaml", 0, 0, "", "cannot open file for reading").format() ==
        "f.yaml: error: cannot open file for reading");
  CHECK(ConfigError("f.yaml", 3, 0, "a.b", "m", "a: 1").format() == "f.yaml:3: error: a.b: m");
  // A tab in the source line is kept in the caret line so the caret lines up.
  CHECK(ConfigError("f.yaml", 2, 3, "k", "m", "\tk: x").format() == "f.yaml:2:3: error: k: m\n\tk: x\n\t ^");
}

TEST_CASE("edit distance and closest match") {
  CHECK(edit_distance("memory_bw_gpbs", "memory_bw_gbps") == 2);
  CHECK(edit_distance("H100", "h100") == 0);  // case-insensitive
  CHECK(edit_distance("", "abc") == 3);
  const std::vector<std::string> words = {"full", "sliding", "linear", "none"};
  CHECK(closest_match("slidng", words) == "sliding");
  CHECK(closest_match("quadratic", words).empty());
}

TEST_CASE("YAML syntax error") {
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: [96")) ==
        "bad.yaml:7:15: error: YAML syntax: end of sequence flow not found\n"
        "memory_bw_gbps: 4000\n"
        "              ^");
}

TEST_CASE("a file with NUL bytes is not YAML") {
  CHECK(gpu_error(std::string("schema: gpu/1\n\0", 15)) ==
        "bad.yaml: error: file contains NUL bytes; not a YAML text file");
}

TEST_CASE("a document that is not a map") {
  CHECK(gpu_error("- just\n- a list\n") ==
        "bad.yaml:1:1: error: (top level): expected a map of key: value\n"
        "- just\n"
        "^");
}

TEST_CASE("unknown key with did-you-mean") {
  CHECK(gpu_error(with(good_gpu, "memory_bw_gbps: 4000", "memory_bw_gpbs: 4000")) ==
        "bad.yaml:7:1: error: memory_bw_gpbs: unknown key; did you mean 'memory_bw_gbps'?\n"
        "memory_bw_gpbs: 4000\n"
        "^");
  // Nested maps check their keys too, with the full path.
  CHECK(gpu_error(with(good_gpu, "bw_gbps_per_dir: 450", "bw_gbps_per_direction: 450")) ==
        "bad.yaml:9:43: error: scale_up.bw_gbps_per_direction: unknown key; did you mean 'bw_gbps_per_dir'?\n"
        "scale_up: {kind: nvlink4, domain_gpus: 8, bw_gbps_per_direction: 450}\n"
        "                                          ^");
  // Nothing close: no suggestion.
  CHECK(gpu_error(with(good_gpu, "tdp_w: 400", "tdp_w: 400\ncolor: green")) ==
        "bad.yaml:13:1: error: color: unknown key\n"
        "color: green\n"
        "^");
  // A dtype that is not a tensor-core type.
  CHECK(gpu_error(with(good_gpu, "bf16: 148", "bf61: 148")) ==
        "bad.yaml:8:26: error: dense_tflops.bf61: unknown key; did you mean 'bf16'?\n"
        "dense_tflops: {fp8: 296, bf61: 148}\n"
        "                         ^");
}

TEST_CASE("duplicate key") {
  CHECK(gpu_error(with(good_gpu, "tdp_w: 400", "tdp_w: 400\nmemory_gb: 80")) ==
        "bad.yaml:13:1: error: memory_gb: duplicate key\n"
        "memory_gb: 80\n"
        "^");
  CHECK(gpu_error(with(good_gpu, "{fp8: 296, bf16: 148}", "{fp8: 296, bf16: 148, fp8: 300}")) ==
        "bad.yaml:8:37: error: dense_tflops.fp8: duplicate key\n"
        "dense_tflops: {fp8: 296, bf16: 148, fp8: 300}\n"
        "                                    ^");
}

TEST_CASE("missing required field points at the parent map and names the full path") {
  // Top level: the parent is the document, which starts at line 1, column 1.
  CHECK(gpu_error(with(good_gpu, "memory_bw_gbps: 4000\n", "")) ==
        "bad.yaml:1:1: error: memory_bw_gbps: missing required key\n"
        "schema: gpu/1\n"
        "^");
  // Nested: the caret is under the scale_up map.
  CHECK(gpu_error(with(good_gpu, "domain_gpus: 8, ", "")) ==
        "bad.yaml:9:11: error: scale_up.domain_gpus: missing required key\n"
        "scale_up: {kind: nvlink4, bw_gbps_per_dir: 450}\n"
        "          ^");
  // A key present with a null value is reported at the value.
  CHECK(model_error(with(good_model, "family: llama", "family: ~")) ==
        "bad.yaml:3:9: error: family: value is missing (null)\n"
        "family: ~\n"
        "        ^");
}

// An empty value (`tied_embeddings:` and nothing after it) has yaml-cpp's mark at the next token, on
// the next line; MapReader::require places the error at the key instead.
TEST_CASE("a key with an empty value is reported on its own line") {
  const std::string message = model_error(with(good_model, "tied_embeddings: false", "tied_embeddings:"));
  CHECK(message.rfind("bad.yaml:11:", 0) == 0);
  CHECK(message.find("\ntied_embeddings:\n") != std::string::npos);
  CHECK(message.find("tied_embeddings: value is missing (null)") != std::string::npos);
  CHECK(message ==
        "bad.yaml:11:1: error: tied_embeddings: value is missing (null)\n"
        "tied_embeddings:\n"
        "^");
  // Nested, block style: at the nested key.
  CHECK(model_error(with(good_moe_model, "  num_experts: 8", "  num_experts:")) ==
        "bad.yaml:15:3: error: moe.num_experts: value is missing (null)\n"
        "  num_experts:\n"
        "  ^");
  // The last key of the document.
  CHECK(gpu_error(with(good_gpu, "    cite: test\n", "    cite:\n")) ==
        "bad.yaml:15:5: error: sources[0].cite: value is missing (null)\n"
        "    cite:\n"
        "    ^");
}

TEST_CASE("wrong type: a string where a number belongs") {
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: ninety-six")) ==
        "bad.yaml:6:12: error: memory_gb: expected a number, got 'ninety-six'\n"
        "memory_gb: ninety-six\n"
        "           ^");
  // Units are part of the key, not the value.
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: 96GB")) ==
        "bad.yaml:6:12: error: memory_gb: expected a number, got '96GB'\n"
        "memory_gb: 96GB\n"
        "           ^");
  // A map where a number belongs.
  CHECK(gpu_error(with(good_gpu, "tdp_w: 400", "tdp_w: {max: 400}")) ==
        "bad.yaml:12:8: error: tdp_w: expected a number\n"
        "tdp_w: {max: 400}\n"
        "       ^");
  // A fraction where a count belongs.
  CHECK(gpu_error(with(good_gpu, "gpus_per_node: 8", "gpus_per_node: 7.5")) ==
        "bad.yaml:11:16: error: gpus_per_node: expected a whole number, got '7.5'\n"
        "gpus_per_node: 7.5\n"
        "               ^");
  // A number where a boolean belongs.
  CHECK(model_error(with(good_model, "tied_embeddings: false", "tied_embeddings: 0")) ==
        "bad.yaml:11:18: error: tied_embeddings: expected true or false\n"
        "tied_embeddings: 0\n"
        "                 ^");
}

TEST_CASE("zero, negative, nan and infinite values") {
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: 0")) ==
        "bad.yaml:6:12: error: memory_gb: 0 GB is out of range (must be >= 1 and <= 2000 GB)\n"
        "memory_gb: 0\n"
        "           ^");
  CHECK(gpu_error(with(good_gpu, "memory_bw_gbps: 4000", "memory_bw_gbps: -4000")) ==
        "bad.yaml:7:17: error: memory_bw_gbps: -4000 GB/s is out of range (must be >= 10 and <= 50000 GB/s)\n"
        "memory_bw_gbps: -4000\n"
        "                ^");
  CHECK(gpu_error(with(good_gpu, "tdp_w: 400", "tdp_w: nan")) ==
        "bad.yaml:12:8: error: tdp_w: 'nan' is not a finite number\n"
        "tdp_w: nan\n"
        "       ^");
  // YAML's own spellings of NaN and infinity are rejected too.
  CHECK(gpu_error(with(good_gpu, "tdp_w: 400", "tdp_w: .nan")) ==
        "bad.yaml:12:8: error: tdp_w: '.nan' is not a finite number\n"
        "tdp_w: .nan\n"
        "       ^");
  CHECK(gpu_error(with(good_gpu, "bf16: 148", "bf16: .inf")) ==
        "bad.yaml:8:32: error: dense_tflops.bf16: '.inf' is not a finite number\n"
        "dense_tflops: {fp8: 296, bf16: .inf}\n"
        "                               ^");
  CHECK(gpu_error(with(good_gpu, "bf16: 148", "bf16: inf")) ==
        "bad.yaml:8:32: error: dense_tflops.bf16: 'inf' is not a finite number\n"
        "dense_tflops: {fp8: 296, bf16: inf}\n"
        "                               ^");
  for (const char* spelling : {"-.inf", "+.inf", ".Inf", ".INF", ".NaN", ".NAN", "-inf", "NaN", "infinity"}) {
    CAPTURE(spelling);
    CHECK(gpu_error(with(good_gpu, "tdp_w: 400", std::string("tdp_w: ") + spelling)) ==
          "bad.yaml:12:8: error: tdp_w: '" + std::string(spelling) + "' is not a finite number\n"
          "tdp_w: " + spelling + "\n"
          "       ^");
  }
  CHECK(gpu_error(with(good_gpu, "bf16: 148", "bf16: 1e400")) ==
        "bad.yaml:8:32: error: dense_tflops.bf16: '1e400' is out of range for a number\n"
        "dense_tflops: {fp8: 296, bf16: 1e400}\n"
        "                               ^");
  // Counts: zero layers.
  CHECK(model_error(with(good_model, "num_layers: 4", "num_layers: 0")) ==
        "bad.yaml:4:13: error: num_layers: 0 is out of range (must be >= 1 and <= 10000)\n"
        "num_layers: 0\n"
        "            ^");
  // Traffic that leaves the scale-up domain (also inside a node) uses the scale-out bandwidth, so it
  // must be positive.
  CHECK(gpu_error(with(good_gpu, "scale_out_bw_gbps_per_dir: 25", "scale_out_bw_gbps_per_dir: 0")) ==
        "bad.yaml:10:28: error: scale_out_bw_gbps_per_dir: 0 GB/s is out of range (must be >= 0.1 and <= 10000 GB/s)\n"
        "scale_out_bw_gbps_per_dir: 0\n"
        "                           ^");
  CHECK(gpu_error(with(good_gpu, "scale_out_bw_gbps_per_dir: 25", "scale_out_bw_gbps_per_dir: -1")) ==
        "bad.yaml:10:28: error: scale_out_bw_gbps_per_dir: -1 GB/s is out of range (must be >= 0.1 and <= 10000 GB/s)\n"
        "scale_out_bw_gbps_per_dir: -1\n"
        "                           ^");
}

TEST_CASE("implausible magnitude suggests the unit that was probably meant") {
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: 80000")) ==
        "bad.yaml:6:12: error: memory_gb: 80000 GB is out of range (must be >= 1 and <= 2000 GB); did you mean MB?\n"
        "memory_gb: 80000\n"
        "           ^");
  CHECK(gpu_error(with(good_gpu, "memory_bw_gbps: 4000", "memory_bw_gbps: 4000000")) ==
        "bad.yaml:7:17: error: memory_bw_gbps: 4000000 GB/s is out of range (must be >= 10 and <= 50000 GB/s); "
        "did you mean MB/s?\n"
        "memory_bw_gbps: 4000000\n"
        "                ^");
  // Below the plausible floor by about 1000x: the larger unit was probably meant.
  CHECK(gpu_error(with(good_gpu, "memory_bw_gbps: 4000", "memory_bw_gbps: 4")).starts_with(
      "bad.yaml:7:17: error: memory_bw_gbps: 4 GB/s is out of range (must be >= 10 and <= 50000 GB/s); did you mean TB/s?"));
  // Far beyond 1000x: no guess.
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: 80000000000")) ==
        "bad.yaml:6:12: error: memory_gb: 80000000000 GB is out of range (must be >= 1 and <= 2000 GB)\n"
        "memory_gb: 80000000000\n"
        "           ^");
}

TEST_CASE("physically implausible accelerator figures are rejected, naming the field and its range") {
  // Tiny positive values would give finite but absurd estimates (hours per token).
  CHECK(gpu_error(with(good_gpu, "fp8: 296", "fp8: 1e-30")).starts_with(
      "bad.yaml:8:21: error: dense_tflops.fp8: 1e-30 TFLOPS is out of range (must be >= 0.1 and <= 100000 TFLOPS)"));
  CHECK(gpu_error(with(good_gpu, "bw_gbps_per_dir: 450", "bw_gbps_per_dir: 0.001")).starts_with(
      "bad.yaml:9:60: error: scale_up.bw_gbps_per_dir: 0.001 GB/s is out of range (must be >= 0.1 and <= 20000 GB/s)"));
  CHECK(gpu_error(with(good_gpu, "tdp_w: 400", "tdp_w: 0.5")).starts_with(
      "bad.yaml:12:8: error: tdp_w: 0.5 W is out of range (must be >= 1 and <= 10000 W)"));
  // The runtime cannot see more memory than is installed.
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: 96\nmemory_visible_gib: 200")) ==
        "bad.yaml:7:21: error: memory_visible_gib: 200 GiB is more than the 96 GB installed (memory_gb)\n"
        "memory_visible_gib: 200\n"
        "                    ^");
  CHECK(gpu_error(with(good_gpu, "memory_gb: 96", "memory_gb: 96\nmemory_visible_gib: 95.58")) == "(no error)");
}

TEST_CASE("name must match the file name and be a plain id") {
  CHECK(gpu_error(with(good_gpu, "name: bad", "name: h100")) ==
        "bad.yaml:2:7: error: name: 'h100' does not match the file name 'bad.yaml'\n"
        "name: h100\n"
        "      ^");
  CHECK(gpu_error(with(good_gpu, "name: bad", "name: Bad")) ==
        "bad.yaml:2:7: error: name: must be lower-case letters, digits, '-', '_' or '.' (it is the file name)\n"
        "name: Bad\n"
        "      ^");
}

TEST_CASE("wrong schema") {
  CHECK(gpu_error(with(good_gpu, "schema: gpu/1", "schema: gpu/2")) ==
        "bad.yaml:1:9: error: schema: expected 'gpu/1'\n"
        "schema: gpu/2\n"
        "        ^");
}

TEST_CASE("GPU cross-field rules") {
  CHECK(gpu_error(with(good_gpu, "domain_gpus: 8", "domain_gpus: 3")) ==
        "bad.yaml:9:11: error: scale_up: domain_gpus (3) must divide gpus_per_node (8)\n"
        "scale_up: {kind: nvlink4, domain_gpus: 3, bw_gbps_per_dir: 450}\n"
        "          ^");
  CHECK(gpu_error(with(good_gpu, "{fp8: 296, bf16: 148}", "{}")) ==
        "bad.yaml:8:15: error: dense_tflops: at least one data type needs a dense TFLOPS figure\n"
        "dense_tflops: {}\n"
        "              ^");
}

TEST_CASE("a list where a scalar belongs and a scalar where a list belongs") {
  CHECK(gpu_error(with(good_gpu, "name: bad\n", "name: bad\naliases: h20\n")) ==
        "bad.yaml:3:10: error: aliases: expected a list\n"
        "aliases: h20\n"
        "         ^");
  CHECK(gpu_error(with(good_gpu, "vendor: nvidia", "vendor: [nvidia]")) ==
        "bad.yaml:3:9: error: vendor: expected a string\n"
        "vendor: [nvidia]\n"
        "        ^");
}

TEST_CASE("unknown precision with did-you-mean") {
  CHECK(model_error(with(good_model, "weights: bf16", "weights: bf61")) ==
        "bad.yaml:14:22: error: precision.weights: unknown precision 'bf61' (expected one of bf16, fp16, fp8, int8, "
        "fp4, nvfp4, mxfp4, int4, fp32); did you mean 'bf16'?\n"
        "precision: {weights: bf61}\n"
        "                     ^");
  CHECK(model_error(with(good_model, "{weights: bf16}", "{weights: bf16, experts: mxfp5}")) ==
        "bad.yaml:14:37: error: precision.experts: unknown precision 'mxfp5' (expected one of bf16, fp16, fp8, "
        "int8, fp4, nvfp4, mxfp4, int4, fp32); did you mean 'mxfp4'?\n"
        "precision: {weights: bf16, experts: mxfp5}\n"
        "                                    ^");
  // Precision names are case-insensitive in profiles as on the command line.
  CHECK(model_error(with(good_model, "weights: bf16", "weights: BF16")) == "(no error)");
}

TEST_CASE("unknown attention kind and layer kind") {
  CHECK(model_error(with(good_model, "{kind: gqa}", "{kind: mha}")) ==
        "bad.yaml:13:19: error: attention.kind: unknown attention kind 'mha' (expected gqa or mla)\n"
        "attention: {kind: mha}\n"
        "                  ^");
  CHECK(model_error(with(good_model, "{kind: gqa}", "{kind: gqa, layer_pattern: [slidng, full], sliding_window: 16}")) ==
        "bad.yaml:13:40: error: attention.layer_pattern[0]: unknown layer kind 'slidng' (expected full, sliding, "
        "chunked, linear or none); did you mean 'sliding'?\n"
        "attention: {kind: gqa, layer_pattern: [slidng, full], sliding_window: 16}\n"
        "                                       ^");
  // More pattern entries than layers.
  CHECK(model_error(with(good_model, "{kind: gqa}", "{kind: gqa, layer_pattern: [full, full, full, full, full]}")) ==
        "bad.yaml:13:39: error: attention.layer_pattern: 5 entries for 4 layers\n"
        "attention: {kind: gqa, layer_pattern: [full, full, full, full, full]}\n"
        "                                      ^");
  // A sliding layer needs a window; the error points at the attention map.
  CHECK(model_error(with(good_model, "{kind: gqa}", "{kind: gqa, layer_pattern: [sliding, full]}")) ==
        "bad.yaml:13:12: error: attention.sliding_window: required when a layer uses sliding attention\n"
        "attention: {kind: gqa, layer_pattern: [sliding, full]}\n"
        "           ^");
  // So does a chunked layer (Llama 4) its chunk.
  CHECK(model_error(with(good_model, "{kind: gqa}", "{kind: gqa, layer_pattern: [chunked, full]}")) ==
        "bad.yaml:13:12: error: attention.chunk_size: required when a layer uses chunked attention\n"
        "attention: {kind: gqa, layer_pattern: [chunked, full]}\n"
        "           ^");
}

TEST_CASE("num_kv_heads must divide num_heads") {
  CHECK(model_error(with(good_model, "num_kv_heads: 2", "num_kv_heads: 3")) ==
        "bad.yaml:7:15: error: num_kv_heads: num_heads (8) must be a multiple of num_kv_heads (3)\n"
        "num_kv_heads: 3\n"
        "              ^");
  CHECK(model_error(with(good_model, "num_kv_heads: 2", "num_kv_heads: 16")) ==
        "bad.yaml:7:15: error: num_kv_heads: 16 KV heads exceed 8 attention heads\n"
        "num_kv_heads: 16\n"
        "              ^");
}

TEST_CASE("a dense model needs ffn_size") {
  CHECK(model_error(with(good_model, "ffn_size: 128\n", "")) ==
        "bad.yaml:1:1: error: ffn_size: required when any layer has a dense FFN\n"
        "schema: model/1\n"
        "^");
}

TEST_CASE("experts_per_token must not exceed num_experts") {
  // Flow-style map: the caret is under the experts_per_token value.
  CHECK(model_error(with(good_model, "precision: {weights: bf16}",
                         "precision: {weights: bf16}\nmoe: {num_experts: 8, experts_per_token: 16, expert_ffn_size: 32}")) ==
        "bad.yaml:15:42: error: moe.experts_per_token: 16 experts per token exceed 8 experts\n"
        "moe: {num_experts: 8, experts_per_token: 16, expert_ffn_size: 32}\n"
        "                                         ^");
  // Dense layer indices must exist.
  CHECK(model_error(with(good_moe_model, "  expert_ffn_size: 32\n", "  expert_ffn_size: 32\n  dense_layers: [0, 4]\n")) ==
        "bad.yaml:18:21: error: moe.dense_layers[1]: 4 is out of range (must be >= 0 and <= 3)\n"
        "  dense_layers: [0, 4]\n"
        "                    ^");
  // An MoE block whose every layer is dense describes no MoE model.
  CHECK(model_error(with(good_moe_model, "  expert_ffn_size: 32\n", "  expert_ffn_size: 32\n  dense_layers: [0, 1, 2, 3]\n")) ==
        "bad.yaml:18:17: error: moe.dense_layers: all 4 layers are dense, so no layer uses the experts; describe a "
        "dense model without 'moe'\n"
        "  dense_layers: [0, 1, 2, 3]\n"
        "                ^");
}

// validate_model reports "moe.experts_per_token"; the error follows the dotted path to that value, so in
// block style the caret is on the experts_per_token line, not under the moe map's first key.
TEST_CASE("experts_per_token error points at its own value in block style") {
  CHECK(model_error(with(good_moe_model, "experts_per_token: 2", "experts_per_token: 16")) ==
        "bad.yaml:16:22: error: moe.experts_per_token: 16 experts per token exceed 8 experts\n"
        "  experts_per_token: 16\n"
        "                     ^");
}

TEST_CASE("active parameters must not exceed the total") {
  CHECK(model_error(with(good_model, "precision: {weights: bf16}",
                         "precision: {weights: bf16}\nparams_official: {total: 1000, active: 2000, source: x}")) ==
        "bad.yaml:15:40: error: params_official.active: active parameters exceed the total\n"
        "params_official: {total: 1000, active: 2000, source: x}\n"
        "                                       ^");
}

TEST_CASE("sources: missing, empty, not covering a number, naming an unknown key") {
  // Missing entirely: points at the document.
  CHECK(gpu_error(with(good_gpu, "sources:\n  - fields: [\"*\"]\n    cite: test\n", "")) ==
        "bad.yaml:1:1: error: sources: missing required key\n"
        "schema: gpu/1\n"
        "^");
  // Empty list.
  CHECK(gpu_error(with(good_gpu, "sources:\n  - fields: [\"*\"]\n    cite: test\n", "sources: []\n")) ==
        "bad.yaml:13:10: error: sources: expected a non-empty list of {fields, cite}\n"
        "sources: []\n"
        "         ^");
  // An entry without a citation.
  CHECK(gpu_error(with(good_gpu, "    cite: test\n", "")) ==
        "bad.yaml:14:5: error: sources[0].cite: missing required key\n"
        "  - fields: [\"*\"]\n"
        "    ^");
  // A number no source covers: the first uncovered field in schema order is reported.
  CHECK(gpu_error(with(good_gpu, "fields: [\"*\"]",
                       "fields: [memory_gb, memory_bw_gbps, dense_tflops, scale_up, launch_year]")) ==
        "bad.yaml:10:28: error: scale_out_bw_gbps_per_dir: no entry in sources covers this field; every number "
        "needs a source\n"
        "scale_out_bw_gbps_per_dir: 25\n"
        "                           ^");
  // A field name that is not a key of this profile.
  CHECK(gpu_error(with(good_gpu, "fields: [\"*\"]", "fields: [\"*\", memory_gbps]")) ==
        "bad.yaml:14:19: error: sources[0].fields[1]: 'memory_gbps' is not a field of this profile; did you mean "
        "'memory_gb'?\n"
        "  - fields: [\"*\", memory_gbps]\n"
        "                  ^");
  // The same for a model, with a dotted path whose top-level key is wrong.
  CHECK(model_error(with(good_model, "fields: [\"*\"]", "fields: [\"*\", atention.kind]")) ==
        "bad.yaml:16:19: error: sources[0].fields[1]: 'atention.kind' is not a field of this profile; did you "
        "mean 'attention'?\n"
        "  - fields: [\"*\", atention.kind]\n"
        "                  ^");
}

// A dotted field names a key of a child map: both parts are checked (a typo after the dot would
// otherwise count, through covered(), as covering all of dense_tflops).
TEST_CASE("sources: a dotted field with an unknown sub-key is an error") {
  CHECK(gpu_error(with(good_gpu, "fields: [\"*\"]", "fields: [\"*\", dense_tflops.bf61]")) ==
        "bad.yaml:14:19: error: sources[0].fields[1]: 'dense_tflops.bf61' is not a field of this profile; did you "
        "mean 'dense_tflops.bf16'?\n"
        "  - fields: [\"*\", dense_tflops.bf61]\n"
        "                  ^");
  CHECK(gpu_error(with(good_gpu, "fields: [\"*\"]", "fields: [\"*\", scale_up.latency_ms]")) ==
        "bad.yaml:14:19: error: sources[0].fields[1]: 'scale_up.latency_ms' is not a field of this profile; did you "
        "mean 'scale_up.latency_us'?\n"
        "  - fields: [\"*\", scale_up.latency_ms]\n"
        "                  ^");
  // A scalar field has no sub-fields.
  CHECK(gpu_error(with(good_gpu, "fields: [\"*\"]", "fields: [\"*\", memory_gb.hbm]")) ==
        "bad.yaml:14:19: error: sources[0].fields[1]: 'memory_gb.hbm' is not a field of this profile; memory_gb "
        "has no sub-fields\n"
        "  - fields: [\"*\", memory_gb.hbm]\n"
        "                  ^");
  // Nothing close: no suggestion.
  CHECK(model_error(with(good_model, "fields: [\"*\"]", "fields: [\"*\", moe.routing_function]")) ==
        "bad.yaml:16:19: error: sources[0].fields[1]: 'moe.routing_function' is not a field of this profile\n"
        "  - fields: [\"*\", moe.routing_function]\n"
        "                  ^");
  // Known sub-keys of each map are accepted, whether or not the document sets them.
  CHECK(gpu_error(with(good_gpu, "fields: [\"*\"]", "fields: [\"*\", dense_tflops.fp4, scale_up.latency_us]")) ==
        "(no error)");
  CHECK(model_error(with(good_model, "fields: [\"*\"]",
                         "fields: [\"*\", attention.kind, moe.num_experts, precision.experts, params_official.total]")) ==
        "(no error)");
}

TEST_CASE("duplicate price labels") {
  const std::string priced = with(good_gpu, "tdp_w: 400\n",
                                  "tdp_w: 400\nprices:\n"
                                  "  - {label: aws, usd_per_gpu_hour: 2, source: a, date: '2025', basis: on-demand}\n"
                                  "  - {label: AWS, usd_per_gpu_hour: 3, source: b, date: '2025', basis: on-demand}\n");
  CHECK(gpu_error(priced) ==
        "bad.yaml:15:13: error: prices[1].label: duplicate price label\n"
        "  - {label: AWS, usd_per_gpu_hour: 3, source: b, date: '2025', basis: on-demand}\n"
        "            ^");
}

TEST_CASE("a price states its basis, one of a closed set") {
  const std::string typo = with(good_gpu, "tdp_w: 400\n",
                                "tdp_w: 400\nprices:\n"
                                "  - {label: aws, basis: on-demnd, usd_per_gpu_hour: 2, source: a, date: '2025'}\n");
  CHECK(gpu_error(typo) ==
        "bad.yaml:14:25: error: prices[0].basis: unknown price basis 'on-demnd' (expected one of on-demand, reserved, "
        "3yr-rental, owned); did you mean 'on-demand'?\n"
        "  - {label: aws, basis: on-demnd, usd_per_gpu_hour: 2, source: a, date: '2025'}\n"
        "                        ^");
  const std::string missing = with(good_gpu, "tdp_w: 400\n",
                                   "tdp_w: 400\nprices:\n  - {label: aws, usd_per_gpu_hour: 2, source: a, date: '2025'}\n");
  CHECK(gpu_error(missing) ==
        "bad.yaml:14:5: error: prices[0].basis: missing required key\n"
        "  - {label: aws, usd_per_gpu_hour: 2, source: a, date: '2025'}\n"
        "    ^");
}

TEST_CASE("a purchase price is per card or per server") {
  const std::string bad_per = with(good_gpu, "tdp_w: 400\n",
                                   "tdp_w: 400\npurchase: {usd: 12000, per: crad, source: a, date: '2024'}\n");
  CHECK(gpu_error(bad_per) ==
        "bad.yaml:13:29: error: purchase.per: expected 'card' or 'server', not 'crad'; did you mean 'card'?\n"
        "purchase: {usd: 12000, per: crad, source: a, date: '2024'}\n"
        "                            ^");
}

TEST_CASE("a missing file is reported by name") {
  CHECK_THROWS_WITH_AS(load_gpu_file("/nonexistent/dir/h100.yaml"),
                       "cannot open file for reading", ConfigError);
  try {
    (void)load_gpu_file("/nonexistent/dir/h100.yaml");
  } catch (const ConfigError& e) {
    CHECK(e.format() == "/nonexistent/dir/h100.yaml: error: cannot open file for reading");
  }
}

TEST_CASE("load_gpu_file reports the real file name and its stem rule") {
  const test::TempDir dir;
  const auto path = dir.path() / "h100.yaml";
  write_text(path, good_gpu);  // name: bad in h100.yaml
  try {
    (void)load_gpu_file(path.string());
    FAIL_CHECK("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.format() == path.string() + ":2:7: error: name: 'bad' does not match the file name 'h100.yaml'\n"
                                        "name: bad\n"
                                        "      ^");
  }
}

TEST_CASE("llmsizer check DIR prints every error and exits 2") {
  const test::TempDir dir;
  write_text(dir.path() / "bad.yaml", with(good_gpu, "memory_gb: 96", "memory_gb: 80000"));
  std::filesystem::create_directories(dir.path() / "models");
  write_text(dir.path() / "models" / "bad.yaml", with(good_model, "num_kv_heads: 2", "num_kv_heads: 3"));
  std::ostringstream out, err;
  const int code = cli::run_cli({"check", dir.path().string()}, out, err);
  CHECK(code == 2);
  const std::string gpu_file = (dir.path() / "bad.yaml").string();
  const std::string model_file = (dir.path() / "models" / "bad.yaml").string();
  CHECK(err.str() ==
        gpu_file + ":6:12: error: memory_gb: 80000 GB is out of range (must be >= 1 and <= 2000 GB); did you mean MB?\n"
                   "memory_gb: 80000\n"
                   "           ^\n" +
        model_file + ":7:15: error: num_kv_heads: num_heads (8) must be a multiple of num_kv_heads (3)\n"
                     "num_kv_heads: 3\n"
                     "              ^\n");
  CHECK(out.str() == "checked 2 files: 0 ok, 2 with errors\n");
}

TEST_CASE("llmsizer check reports an unknown schema") {
  const test::TempDir dir;
  write_text(dir.path() / "bad.yaml", with(good_gpu, "schema: gpu/1", "schema: tpu/1"));
  std::ostringstream out, err;
  CHECK(cli::run_cli({"check", (dir.path() / "bad.yaml").string()}, out, err) == 2);
  CHECK(err.str() == (dir.path() / "bad.yaml").string() +
                         ":1:9: error: schema: expected 'gpu/1', 'model/1', 'calibration/1', 'tco/1' or 'measurements/1'\n"
                         "schema: tpu/1\n"
                         "        ^\n");
  CHECK(out.str() == "checked 1 file: 0 ok, 1 with errors\n");
}

TEST_CASE("llmsizer check DIR with good files exits 0") {
  const test::TempDir dir;
  std::filesystem::copy_file(test::source_path("profiles/gpus/h20.yaml"), dir.path() / "h20.yaml");
  std::filesystem::copy_file(test::source_path("profiles/models/llama-3.1-70b.yaml"), dir.path() / "llama-3.1-70b.yaml");
  write_text(dir.path() / "bad.yaml", good_model);  // valid despite its name
  std::ostringstream out, err;
  CHECK(cli::run_cli({"check", dir.path().string()}, out, err) == 0);
  CHECK(err.str().empty());
  CHECK(out.str() == "checked 3 files: 3 ok, 0 with errors\n");
}

TEST_CASE("llmsizer check validates calibration and measurement files too") {
  const test::TempDir dir;
  std::string calibration = read_file(test::source_path("profiles/calibration/default.yaml").string());
  const std::string from = "link_fraction: 0.75";
  calibration.replace(calibration.find(from), from.size(), "link_fraction: 7.5");
  write_text(dir.path() / "calibration.yaml", calibration);
  std::filesystem::copy_file(test::source_path("validation/measurements.yaml"), dir.path() / "measurements.yaml");
  write_text(dir.path() / "mine.yaml", "measurements:\n- id: a\n  model_ref: x\n  hardware: {gpu: h20, count: -2}\n");
  std::ostringstream out, err;
  CHECK(cli::run_cli({"check", dir.path().string()}, out, err) == 2);
  CHECK(err.str().find("calibration.yaml:13:") != std::string::npos);
  CHECK(err.str().find("link_fraction: 7.5 is out of range (must be >= 0.01 and <= 1)") != std::string::npos);
  CHECK(err.str().find("mine.yaml:4:31: error: measurements[0].hardware.count: -2 is out of range") != std::string::npos);
  CHECK(out.str() == "checked 3 files: 1 ok, 2 with errors\n");  // the shipped measurements are fine
}

TEST_CASE("llmsizer check on a missing path") {
  std::ostringstream out, err;
  CHECK(cli::run_cli({"check", "/nonexistent/llmsizer-profiles"}, out, err) == 2);
  CHECK(err.str() == "/nonexistent/llmsizer-profiles: error: no such file or directory\n");
  CHECK(out.str() == "checked 0 files: 0 ok, 1 with errors\n");
}

TEST_CASE("llmsizer check of the shipped profiles exits 0") {
  std::ostringstream out, err;
  // Every YAML file under profiles/ (gpus, models, calibration, ...), counted independently.
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::source_path("profiles"))) {
    files += entry.is_regular_file() && entry.path().extension() == ".yaml";
  }
  CHECK(files >= 53);  // 31 GPUs + 22 models + calibration
  const int code = cli::run_cli({"check", test::source_path("profiles").string()}, out, err);
  CHECK_MESSAGE(code == 0, err.str());
  // The only shipped warning: qwen3-max is an estimated profile, and check says so as every command does.
  const ModelSpec estimated = test::shipped_model("qwen3-max");
  REQUIRE(estimated.warnings.size() == 1);
  CHECK(err.str() == test::source_path("profiles/models/qwen3-max.yaml").string() + ": warning: " +
                         estimated.warnings[0] + "\n");
  CHECK(out.str() == "checked " + std::to_string(files) + " files: " + std::to_string(files) + " ok, 0 with errors\n");
}

}  // TEST_SUITE("loader")

}  // namespace llmsizer

TEST_CASE("messages show invalid UTF-8 and control bytes as escapes, with the caret still in place") {
  using llmsizer::ConfigError;
  using llmsizer::printable;
  CHECK(printable("ok \xe4\xb8\xad") == "ok \xe4\xb8\xad");                  // valid UTF-8 is kept
  CHECK(printable("a\xff\xfe" "b") == "a\\xFF\\xFEb");                       // invalid bytes
  CHECK(printable("\xc0\xaf") == "\\xC0\\xAF");                              // overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");                     // UTF-16 surrogate
  CHECK(printable("x\r\x1b[2J\ty") == "x\\x0D\\x1B[2J\ty");                  // terminal controls; tab kept
  CHECK(printable("a\xc2\x9b" "b") == "a\\xC2\\x9Bb");                       // C1 control (CSI)
  CHECK(printable("\xe2\x80\xae" "evil") == "\\xE2\\x80\\xAEevil");            // right-to-left override
  // A long message is cut at a character boundary, never inside a character or an escape.
  std::string long_text;
  for (int i = 0; i < 700; ++i) long_text += "\xc3\xa9\xff";  // é then an invalid byte
  const std::string cut = ConfigError("f", long_text).format();
  CHECK(cut.size() < 1100);
  CHECK(cut.ends_with("..."));
  CHECK(printable(cut) == cut);                        // valid UTF-8, nothing half-escaped
  const std::string body = cut.substr(0, cut.size() - 3);  // the last escape before "..." is whole
  CHECK((body.ends_with("\\xFF") || body.ends_with("\xc3\xa9")));
  const ConfigError e("f.yaml", 1, 11, "name", "bad", "name: \xff\xe4\xb8\xad!");
  // The caret is under '!', after one escape (4 columns) and one wide CJK character (2 columns).
  CHECK(e.format() == "f.yaml:1:11: error: name: bad\nname: \\xFF\xe4\xb8\xad!\n            ^");
  // A combining accent takes no column, an accented letter one.
  const ConfigError combining("f.yaml", 1, 10, "name", "bad", "name: e\xcc\x81x!");
  CHECK(combining.format() == "f.yaml:1:10: error: name: bad\nname: e\xcc\x81x!\n       ^");  // under x
}

TEST_CASE("a second YAML document in a profile is an error, not silently ignored") {
  CHECK(llmsizer::gpu_error(llmsizer::good_gpu + "---\nschema: model/1\n") ==
        "bad.yaml:17:1: error: a second YAML document ('---'); a profile file holds one\n"
        "schema: model/1\n"
        "^");
  CHECK(llmsizer::gpu_error(llmsizer::good_gpu + "---\n") == "(no error)");  // a stray end marker is harmless
}

TEST_CASE("calibration efficiency fractions have a plausible floor") {
  const std::string text =
      llmsizer::read_file(llmsizer::test::source_path("profiles/calibration/default.yaml").string());
  // Replace the shipped (fitted) value, whatever it is, by 1e-9.
  const std::string from = "{generation: hopper, compute_fraction: ";
  std::string bad = text;
  const size_t value = bad.find(from) + from.size();
  bad.replace(value, bad.find(',', value) - value, "1e-9");
  const llmsizer::SourceText source = llmsizer::make_source("default.yaml", bad);
  try {
    (void)llmsizer::parse_calibration(llmsizer::parse_yaml(bad, source), source);
    FAIL("accepted a compute fraction of 1e-9");
  } catch (const llmsizer::ConfigError& e) {
    CAPTURE(e.format());
    CHECK(e.format().find("error: generations[3].compute_fraction: 1e-9 is out of range (must be >= 0.01 and <= 1)") !=
          std::string::npos);
  }
}
