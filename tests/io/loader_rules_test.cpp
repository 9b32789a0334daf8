// Loader rules across fields, each bad input with its exact message: the name against the file, the
// schema, GPU and model cross-field rules, precisions and attention kinds, sources that must cover
// every number, and price labels and bases (io/profile_loader.hpp).
#include <doctest/doctest.h>

#include <string>

#include "tests/io/loader_fixture.hpp"

namespace llmsizer {
namespace {

using namespace test;  // the documents and error_of of loader_fixture.hpp

}  // namespace

TEST_SUITE("loader") {
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
    CHECK(model_error(
              with(good_model, "{kind: gqa}", "{kind: gqa, layer_pattern: [slidng, full], sliding_window: 16}")) ==
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
    CHECK(model_error(
              with(good_model, "precision: {weights: bf16}",
                   "precision: {weights: bf16}\nmoe: {num_experts: 8, experts_per_token: 16, expert_ffn_size: 32}")) ==
          "bad.yaml:15:42: error: moe.experts_per_token: 16 experts per token exceed 8 experts\n"
          "moe: {num_experts: 8, experts_per_token: 16, expert_ffn_size: 32}\n"
          "                                         ^");
    // Dense layer indices must exist.
    CHECK(model_error(
              with(good_moe_model, "  expert_ffn_size: 32\n", "  expert_ffn_size: 32\n  dense_layers: [0, 4]\n")) ==
          "bad.yaml:18:21: error: moe.dense_layers[1]: 4 is out of range (must be >= 0 and <= 3)\n"
          "  dense_layers: [0, 4]\n"
          "                    ^");
    // An MoE block whose every layer is dense describes no MoE model.
    CHECK(model_error(with(good_moe_model, "  expert_ffn_size: 32\n",
                           "  expert_ffn_size: 32\n  dense_layers: [0, 1, 2, 3]\n")) ==
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
    CHECK(model_error(
              with(good_model, "fields: [\"*\"]",
                   "fields: [\"*\", attention.kind, moe.num_experts, precision.experts, params_official.total]")) ==
          "(no error)");
  }

  TEST_CASE("duplicate price labels") {
    const std::string priced =
        with(good_gpu, "tdp_w: 400\n",
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
    CHECK(
        gpu_error(typo) ==
        "bad.yaml:14:25: error: prices[0].basis: unknown price basis 'on-demnd' (expected one of on-demand, reserved, "
        "3yr-rental, published-tco); did you mean 'on-demand'?\n"
        "  - {label: aws, basis: on-demnd, usd_per_gpu_hour: 2, source: a, date: '2025'}\n"
        "                        ^");
    // An owned price is our TCO model's, from the purchase price: a profile cannot list one.
    const std::string owned = with(good_gpu, "tdp_w: 400\n",
                                   "tdp_w: 400\nprices:\n"
                                   "  - {label: x, basis: owned, usd_per_gpu_hour: 2, source: a, date: '2025'}\n");
    CHECK(gpu_error(owned).find("prices[0].basis: 'owned' prices are computed from the GPU's purchase price by the "
                                "TCO model") != std::string::npos);
    const std::string missing =
        with(good_gpu, "tdp_w: 400\n",
             "tdp_w: 400\nprices:\n  - {label: aws, usd_per_gpu_hour: 2, source: a, date: '2025'}\n");
    CHECK(gpu_error(missing) ==
          "bad.yaml:14:5: error: prices[0].basis: missing required key\n"
          "  - {label: aws, usd_per_gpu_hour: 2, source: a, date: '2025'}\n"
          "    ^");
  }

  TEST_CASE("a purchase price is per card or per server") {
    const std::string bad_per =
        with(good_gpu, "tdp_w: 400\n", "tdp_w: 400\npurchase: {usd: 12000, per: crad, source: a, date: '2024'}\n");
    CHECK(gpu_error(bad_per) ==
          "bad.yaml:13:29: error: purchase.per: expected 'card' or 'server', not 'crad'; did you mean 'card'?\n"
          "purchase: {usd: 12000, per: crad, source: a, date: '2024'}\n"
          "                            ^");
  }

}  // TEST_SUITE("loader")

}  // namespace llmsizer
