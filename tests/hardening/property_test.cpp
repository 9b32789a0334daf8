// Properties over random valid profiles: GPUs, dense and MoE models with GQA or MLA, and workloads
// drawn from a fixed-seed generator, written as gpu/1 and model/1 YAML and loaded through the real
// loaders (so every case is a profile a user could write). For each: estimates are finite and
// positive, and they move the way physics says when one input improves:
//   more memory bandwidth -> decode step not slower; more compute -> prefill not slower;
//   more memory -> a fitting deployment still fits; more concurrency -> TPOT not lower;
//   TTFT >= prefill alone, TPOT >= decode step / tokens per step.
// tests/estimator/properties_test.cpp checks the same properties on the shipped profiles.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>

#include "estimator/layout.hpp"
#include "estimator/serving.hpp"
#include "io/calibration_loader.hpp"
#include "io/profile_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// Fixed-seed choices. Modulo of mt19937's output (which the standard fixes) rather than a
/// distribution (implementation-defined), so the cases are the same on every standard library.
class Random {
 public:
  explicit Random(std::uint32_t seed) : engine_(seed) {}
  int between(int low, int high) { return low + static_cast<int>(engine_() % static_cast<std::uint32_t>(high - low + 1)); }
  double real(double low, double high) { return low + (high - low) * (engine_() / 4294967296.0); }
  template <class T>
  T pick(std::initializer_list<T> values) { return *(values.begin() + between(0, static_cast<int>(values.size()) - 1)); }
  bool chance() { return engine_() % 2 == 0; }

 private:
  std::mt19937 engine_;
};

std::string random_gpu_yaml(Random& r) {
  const double bf16 = r.real(50, 2500);
  const int domain = r.pick({1, 2, 4, 8});
  return fmt::format(
      "schema: gpu/1\nname: random-gpu\nvendor: test\ngeneration: {}\nlaunch_year: 2024\n"
      "memory_gb: {:.1f}\nmemory_bw_gbps: {:.0f}\ndense_tflops: {{bf16: {:.1f}{}}}\n"
      "scale_up: {{kind: link, domain_gpus: {}, bw_gbps_per_dir: {:.0f}}}\nscale_out_bw_gbps_per_dir: {:.0f}\n"
      "gpus_per_node: 8\ntdp_w: {:.0f}\nsources: [{{fields: ['*'], cite: generated}}]\n",
      r.pick({"hopper", "ampere", "blackwell", "cdna3", "unknown"}), r.real(16, 300), r.real(300, 10000), bf16,
      r.chance() ? fmt::format(", fp8: {:.1f}", 2 * bf16) : "", domain, r.real(16, 1000), r.real(1, 100),
      r.real(150, 1500));
}

std::string random_model_yaml(Random& r) {
  const int heads = r.pick({8, 16, 32, 64});
  const int head_dim = r.pick({64, 128});
  const int hidden = heads * head_dim;
  const bool mla = r.chance();
  const bool moe = r.chance();
  std::string text = fmt::format(
      "schema: model/1\nname: random-model\nfamily: test\nnum_layers: {}\nhidden_size: {}\nnum_heads: {}\n"
      "vocab_size: {}\ntied_embeddings: {}\nmax_context: 131072\nprecision: {{weights: {}}}\n",
      r.between(2, 64), hidden, heads, r.between(1000, 160000), r.chance() ? "true" : "false",
      r.pick({"bf16", "fp8", "nvfp4"}));
  if (mla) {
    text += fmt::format("attention: {{kind: mla, q_lora_rank: {}, kv_lora_rank: {}, qk_nope_head_dim: 128, "
                        "qk_rope_head_dim: 64, v_head_dim: 128}}\n",
                        r.pick({0, 1536}), r.pick({256, 512}));
  } else {
    text += fmt::format("attention: {{kind: gqa}}\nnum_kv_heads: {}\nhead_dim: {}\n", heads / r.pick({1, 2, 4, 8}),
                        head_dim);
  }
  if (moe) {
    const int experts = r.pick({8, 16, 64, 128});
    text += fmt::format("moe: {{num_experts: {}, experts_per_token: {}, num_shared_experts: {}, expert_ffn_size: {}, "
                        "dense_layers: [0]}}\nffn_size: {}\n",
                        experts, r.between(1, std::min(8, experts)), r.between(0, 2), r.between(128, 2048), 4 * hidden);
  } else {
    text += fmt::format("ffn_size: {}\n", r.between(2, 4) * hidden);
  }
  return text + "sources: [{fields: ['*'], cite: generated}]\n";
}

struct RandomCase {
  std::string gpu_yaml, model_yaml;
  GpuSpec gpu;
  std::unique_ptr<ModelSpec> model;  // PreparedModel points into it
  PreparedModel prepared;
  EfficiencyParams efficiency;
  Deployment deployment;
  std::int64_t isl = 0, osl = 0, concurrency = 0;
  bool sized = false;  // a layout within 64 GPUs holds `concurrency` sequences
};

template <class Spec, class Parse>
Spec parse_text(const std::string& text, Parse parse) {
  const SourceText source = make_source("-", text);
  return parse(parse_yaml(text, source), source);
}

std::vector<RandomCase> random_cases(int count) {
  const Calibration calibration =
      load_calibration_file(test::source_path("profiles/calibration/default.yaml").string());
  Random r(8);
  std::vector<RandomCase> cases;
  for (int i = 0; i < count; ++i) {
    RandomCase c;
    c.gpu_yaml = random_gpu_yaml(r);
    c.model_yaml = random_model_yaml(r);
    c.gpu = parse_text<GpuSpec>(c.gpu_yaml, parse_gpu);
    c.model = std::make_unique<ModelSpec>(parse_text<ModelSpec>(c.model_yaml, parse_model));
    c.prepared = prepare(*c.model);
    c.efficiency = calibration.resolve(c.gpu.generation, r.pick({"", "vllm", "trtllm", "sglang"}));
    c.isl = r.between(64, 8192);
    c.osl = r.between(16, 2048);
    c.concurrency = r.pick({1, 4, 16, 64, 256});
    Deployment base;
    base.weights = base.experts = c.model->weights_precision;
    base.kv = r.pick({Precision::bf16, Precision::fp8});
    const MinimumGpus min =
        minimum_gpus(c.prepared, c.gpu, base, Residency{c.isl + c.osl, 2 * c.concurrency}, c.efficiency, 64);
    c.sized = min.gpus.has_value();
    c.deployment = c.sized ? min.deployment : base;
    cases.push_back(std::move(c));
  }
  return cases;
}

bool positive_and_finite(double v) {
  return std::isfinite(v) && v > 0;
}
bool not_above(double a, double b) { return a <= b * (1 + 1e-12); }  // a <= b up to rounding

Estimate run(const RandomCase& c, const GpuSpec& gpu, std::int64_t concurrency, Phase phase = Phase::mixed) {
  return estimate(c.prepared, gpu, c.deployment, Workload{c.isl, c.osl, concurrency, phase}, c.efficiency, 2.0);
}

GpuSpec scaled(GpuSpec gpu, double bandwidth, double compute, double memory) {
  gpu.memory_bandwidth = gpu.memory_bandwidth * bandwidth;
  for (auto& t : gpu.dense_throughput) {
    if (t) *t = *t * compute;
  }
  gpu.memory = gpu.memory * memory;
  return gpu;
}

// Rebuilt per test case (no shared state between tests); 150 cases load in well under a second.
std::vector<RandomCase> parsed_cases() {
  return random_cases(150);
}

}  // namespace

TEST_SUITE("hardening") {

TEST_CASE("property: random valid profiles give finite, positive estimates") {
  const std::vector<RandomCase> all = parsed_cases();
  int fitting = 0;
  for (const RandomCase& c : all) {
    CAPTURE(c.gpu_yaml);
    CAPTURE(c.model_yaml);
    CAPTURE(c.concurrency);
    const Estimate e = run(c, c.gpu, c.concurrency);
    CHECK(std::isfinite(e.memory.need.total().value));
    if (!e.fits) continue;
    ++fitting;
    for (double v : {e.ttft.value, e.tpot.value, e.prefill_alone.value, e.decode_step.value, e.output_tok_s,
                     e.output_tok_s_per_gpu, e.input_tok_s, e.tok_s_per_user, e.power_w, e.joules_per_output_token,
                     e.usd_per_mtok_output.value_or(-1)}) {
      CHECK(positive_and_finite(v));
    }
    // Numbers no deployment shows: a first token before its own prompt is prefilled, a token
    // faster than the step that makes it (tests/hardening/serving_invariants_test.cpp has the grid).
    CHECK(e.ttft.value >= e.prefill_alone.value * (1 - 1e-12));
    CHECK(e.tpot.value >= e.decode_step.value / e.tokens_per_decode_step * (1 - 1e-12));
  }
  CHECK(fitting >= 75);  // most random cases fit within 64 GPUs
}

TEST_CASE("property: more memory bandwidth never slows decode; more compute never slows prefill") {
  const std::vector<RandomCase> all = parsed_cases();
  for (const RandomCase& c : all) {
    if (!c.sized) continue;
    CAPTURE(c.gpu_yaml);
    CAPTURE(c.model_yaml);
    const Estimate base = run(c, c.gpu, c.concurrency);
    const Estimate more_bandwidth = run(c, scaled(c.gpu, 2, 1, 1), c.concurrency);
    const Estimate more_compute = run(c, scaled(c.gpu, 1, 2, 1), c.concurrency);
    REQUIRE(base.fits);
    CHECK(not_above(more_bandwidth.decode_step.value, base.decode_step.value));
    CHECK(not_above(more_compute.prefill_alone.value, base.prefill_alone.value));
  }
}

TEST_CASE("property: more memory never turns a fitting deployment into one that does not fit") {
  const std::vector<RandomCase> all = parsed_cases();
  for (const RandomCase& c : all) {
    CAPTURE(c.gpu_yaml);
    CAPTURE(c.model_yaml);
    for (std::int64_t concurrency : {std::int64_t{1}, c.concurrency, 8 * c.concurrency}) {
      CAPTURE(concurrency);
      if (!run(c, c.gpu, concurrency).fits) continue;
      CHECK(run(c, scaled(c.gpu, 1, 1, 1.5), concurrency).fits);
    }
  }
}

TEST_CASE("property: more concurrency never lowers TPOT") {
  const std::vector<RandomCase> all = parsed_cases();
  for (const RandomCase& c : all) {
    if (!c.sized) continue;
    CAPTURE(c.gpu_yaml);
    CAPTURE(c.model_yaml);
    for (Phase phase : {Phase::decode, Phase::mixed}) {
      double previous = 0;
      for (std::int64_t concurrency = 1; concurrency <= 2 * c.concurrency; concurrency *= 2) {
        CAPTURE(concurrency);
        CAPTURE(static_cast<int>(phase));
        const Estimate e = run(c, c.gpu, concurrency, phase);
        if (!e.fits) break;
        CHECK(not_above(previous, e.tpot.value));
        previous = e.tpot.value;
      }
    }
  }
}

}  // TEST_SUITE("hardening")

}  // namespace llmsizer
