// One bad input per loader error path, pinning the exact message with the quoted line and caret
// (io/yaml_reader.hpp, io/profile_loader.hpp, ConfigError::format()): YAML syntax, unknown, duplicate
// and missing keys, wrong types, out-of-range and implausible values. Messages are part of the
// contract: a change here is a change users see. Cross-field rules: loader_rules_test.cpp; files,
// `llmsizer check` and escaping: loader_files_test.cpp.
#include <doctest/doctest.h>

#include <string>

#include "tests/io/loader_fixture.hpp"

namespace llmsizer {
namespace {

using namespace test;  // the documents and error_of of loader_fixture.hpp

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
  // Two neighbouring characters swapped are one edit, as a typist makes them.
  CHECK(edit_distance("memory_bw_gpbs", "memory_bw_gbps") == 1);
  CHECK(edit_distance("wieghts", "weights") == 1);
  CHECK(edit_distance("ab", "ba") == 1);
  CHECK(edit_distance("abc", "ca") == 3);  // no edit of a swapped pair (optimal string alignment)
  CHECK(edit_distance("kitten", "sitting") == 3);
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

}  // TEST_SUITE("loader")

}  // namespace llmsizer
