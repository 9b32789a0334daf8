// tests/io/loader_fixture.hpp — valid gpu/1 and model/1 documents and the formatted error of parsing
// an edited copy, shared by the loader error tests (loader_errors_test, loader_rules_test,
// loader_files_test). Line numbers in the documents matter to the messages those tests expect.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "io/config_error.hpp"
#include "io/profile_loader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::test {

// A valid gpu/1 document; line numbers matter to the expected messages below.
inline const std::string good_gpu =
    "schema: gpu/1\n"                                                    // 1
    "name: bad\n"                                                        // 2
    "vendor: nvidia\n"                                                   // 3
    "generation: hopper\n"                                               // 4
    "launch_year: 2024\n"                                                // 5
    "memory_gb: 96\n"                                                    // 6
    "memory_bw_gbps: 4000\n"                                             // 7
    "dense_tflops: {fp8: 296, bf16: 148}\n"                              // 8
    "scale_up: {kind: nvlink4, domain_gpus: 8, bw_gbps_per_dir: 450}\n"  // 9
    "scale_out_bw_gbps_per_dir: 25\n"                                    // 10
    "gpus_per_node: 8\n"                                                 // 11
    "tdp_w: 400\n"                                                       // 12
    "sources:\n"                                                         // 13
    "  - fields: [\"*\"]\n"                                              // 14
    "    cite: test\n";                                                  // 15

// A valid dense model/1 document.
inline const std::string good_model =
    "schema: model/1\n"             // 1
    "name: bad\n"                   // 2
    "family: llama\n"               // 3
    "num_layers: 4\n"               // 4
    "hidden_size: 64\n"             // 5
    "num_heads: 8\n"                // 6
    "num_kv_heads: 2\n"             // 7
    "head_dim: 8\n"                 // 8
    "ffn_size: 128\n"               // 9
    "vocab_size: 1000\n"            // 10
    "tied_embeddings: false\n"      // 11
    "max_context: 4096\n"           // 12
    "attention: {kind: gqa}\n"      // 13
    "precision: {weights: bf16}\n"  // 14
    "sources:\n"                    // 15
    "  - fields: [\"*\"]\n"         // 16
    "    cite: test\n";             // 17

// The same with an MoE block (lines 15-18) before the sources.
inline const std::string good_moe_model =
    "schema: model/1\n"             // 1
    "name: bad\n"                   // 2
    "family: mixtral\n"             // 3
    "num_layers: 4\n"               // 4
    "hidden_size: 64\n"             // 5
    "num_heads: 8\n"                // 6
    "num_kv_heads: 2\n"             // 7
    "head_dim: 8\n"                 // 8
    "vocab_size: 1000\n"            // 9
    "tied_embeddings: false\n"      // 10
    "max_context: 4096\n"           // 11
    "attention: {kind: gqa}\n"      // 12
    "precision: {weights: bf16}\n"  // 13
    "moe:\n"                        // 14
    "  num_experts: 8\n"            // 15
    "  experts_per_token: 2\n"      // 16
    "  expert_ffn_size: 32\n"       // 17
    "sources:\n"                    // 18
    "  - fields: [\"*\"]\n"         // 19
    "    cite: test\n";             // 20

// `text` with the first occurrence of `from` replaced by `to` (which must exist).
inline std::string with(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "test bug: '" << from << "' not in the document");
  text.replace(at, from.size(), to);
  return text;
}

enum class Kind { gpu, model };

// The formatted ConfigError parsing `text` as bad.yaml, or "(no error)".
inline std::string error_of(const std::string& text, Kind kind) {
  const SourceText source = make_source("bad.yaml", text);
  try {
    const YAML::Node root = parse_yaml(text, source);
    if (kind == Kind::gpu)
      (void)parse_gpu(root, source);
    else
      (void)parse_model(root, source);
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

inline std::string gpu_error(const std::string& text) {
  return error_of(text, Kind::gpu);
}
inline std::string model_error(const std::string& text) {
  return error_of(text, Kind::model);
}

}  // namespace llmsizer::test
