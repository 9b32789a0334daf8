// The figures of the estimator's closed form over many configurations, pinned in
// tests/data/estimator_figures.txt at 1e-12 relative: dense and MoE, MLA with MTP, sparse (DSA),
// linear, sliding and chunked attention, attention-DP, EP within and across nodes, PP, weight-only
// FP8, FP8 and FP4 KV, three engines, and every branch of evaluate (one and several prompt chunks,
// a queue, "as many as fit", both disaggregated sides, one output token). Each evaluation's step
// breakdowns (every operator kind's FLOPs, bytes and time) are pinned too.
//
// Its purpose is to catch a change of arithmetic that moves a result beyond rounding, such as a
// drift between the per-deployment folding of the step-time coefficients (estimator/layer_costs.cpp)
// and the formulas they come from: the hot path is free to reorder its multiply-adds, which moves
// the last bits only. A deliberate change of the physics or of the fixtures' profiles moves it:
// rewrite with LLMSIZER_UPDATE_GOLDEN=1 ./build/llmsizer_tests -ts=performance -tc='golden figures*'
// and review the diff.
// Models come from the config fixtures of tests/data/hf/ and the calibration from
// profiles/calibration/priors.yaml (not the refitted default), so a refit does not move it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "estimator/prepared_deployment.hpp"
#include "estimator/serving.hpp"
#include "estimator/step_time.hpp"
#include "io/calibration_loader.hpp"
#include "io/hf_import.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

struct FigureCase {
  const char* model;  // tests/data/hf/<model>.json
  const char* gpu;
  const char* engine;
  Parallelism parallel;
  Precision weights;
  Precision experts;
  Precision kv;
  int mtp = 0;
};

std::vector<FigureCase> cases() {
  using P = Precision;
  return {
      {"llama-3.1-8b", "h100-sxm", "", {1, 1, 1, 1}, P::bf16, P::bf16, P::bf16},
      {"qwen2.5-72b", "h100-sxm", "", {4, 1, 1, 1}, P::fp8, P::fp8, P::fp8},
      {"qwen2.5-72b", "a100-80gb-sxm", "vllm", {2, 2, 1, 1}, P::fp8, P::fp8, P::bf16},     // weight-only, pp 2
      {"deepseek-v3", "h200-sxm", "trtllm", {8, 1, 1, 8}, P::fp8, P::fp8, P::bf16, 1},     // MLA, EP, MTP
      {"deepseek-v3", "h200-sxm", "sglang", {1, 1, 8, 8}, P::fp8, P::fp8, P::fp8},         // attention-DP
      {"deepseek-v3", "h200-sxm", "", {8, 1, 4, 32}, P::fp8, P::fp8, P::bf16, 2},          // EP across nodes
      {"deepseek-v3.2-exp", "h200-sxm", "", {8, 1, 1, 8}, P::fp8, P::fp8, P::fp8},         // sparse attention
      {"qwen3-next-80b-a3b", "h100-sxm", "vllm", {4, 1, 1, 4}, P::bf16, P::bf16, P::fp8},  // linear + full
      {"llama-4-scout-17b-16e", "h100-sxm", "", {4, 2, 1, 4}, P::bf16, P::bf16, P::bf16},  // chunked, pp 2
      {"gpt-oss-120b", "b200", "trtllm", {2, 1, 1, 2}, P::bf16, P::mxfp4, P::nvfp4},       // sliding, FP4 KV
      {"mixtral-8x7b", "h100-sxm", "sglang", {2, 2, 1, 2}, P::bf16, P::bf16, P::bf16},     // MoE GQA, pp 2
      {"minimax-m1", "h200-sxm", "trtllm", {8, 1, 1, 8}, P::bf16, P::bf16, P::fp8},        // lightning attention
      {"qwen2.5-72b", "l40s", "", {1, 1, 1, 1}, P::bf16, P::bf16, P::bf16},                // does not fit
  };
}

std::vector<Workload> workloads() {
  return {
      {128, 500, 1, Phase::mixed},         {1'000, 1'000, 64, Phase::mixed}, {20'000, 500, 7, Phase::mixed},
      {2'000, 1'000, 5'000, Phase::mixed}, {1'000, 1'000, 0, Phase::mixed},  {2'000, 1, 16, Phase::mixed},
      {2'000, 800, 32, Phase::decode},     {2'000, 1, 8, Phase::prefill},
  };
}

void add_step(std::vector<double>& v, const StepTime& s) {
  v.insert(v.end(), {s.total.value, s.compute_bound.value, s.memory_bound.value, s.communication.value,
                     s.overhead.value, s.flops.value, s.bytes.value});
}

void add_breakdown(std::vector<double>& v, const OperatorBreakdown& b) {
  for (const OperatorLoad& load : b)
    v.insert(v.end(), {load.flops.value, load.bytes.value, load.time.value, load.roof.value});
}

std::vector<double> figures(const EstimateFigures& e) {
  std::vector<double> v = {static_cast<double>(e.fits),
                           static_cast<double>(e.concurrency),
                           static_cast<double>(e.running),
                           static_cast<double>(e.queued),
                           e.memory.need.total().value,
                           static_cast<double>(e.memory.free_kv_tokens),
                           e.ttft.value,
                           e.tpot.value,
                           e.prefill_alone.value,
                           e.decode_step.value,
                           e.prefill_share,
                           e.tpot_prefill_share,
                           e.output_tok_s,
                           e.output_tok_s_per_gpu,
                           e.input_tok_s,
                           e.tok_s_per_user,
                           e.tokens_per_decode_step,
                           e.usd_per_mtok_output.value_or(-1),
                           e.usd_per_mtok_input.value_or(-1),
                           e.power_w,
                           e.joules_per_output_token};
  add_step(v, e.decode_detail);
  add_step(v, e.prefill_detail);
  return v;
}

std::string line(const std::string& key, const std::vector<double>& values) {
  std::string out = key;
  char number[40];
  for (double x : values) {
    std::snprintf(number, sizeof number, " %.17g", x);
    out += number;
  }
  return out;
}

/// Every line of the golden: one per (case, workload) with the figures of evaluate, and one per
/// (case, step shape) with the step time and its breakdown by operator kind.
std::vector<std::string> golden_lines() {
  const Calibration calibration = load_calibration_file(test::source_path("profiles/calibration/priors.yaml").string());
  std::vector<std::string> lines;
  for (const FigureCase& c : cases()) {
    const auto spec = std::make_unique<ModelSpec>(
        import_hf_config_file(test::source_path(std::string("tests/data/hf/") + c.model + ".json").string()));
    const PreparedModel model = prepare(*spec);
    const GpuSpec gpu = test::shipped_gpu(c.gpu);
    const EfficiencyParams e = calibration.resolve(gpu.generation, c.engine);
    Deployment d;
    d.parallel = c.parallel;
    d.weights = c.weights;
    d.experts = c.experts;
    d.kv = c.kv;
    d.speculative_tokens = c.mtp;
    d.speculative_acceptance = c.mtp > 0 ? 0.7 : 0.0;
    d.speculative_acceptance_decay = 0.9;
    const std::string name = std::string(c.model) + "/" + c.gpu + "/" + c.engine + "/tp" +
                             std::to_string(c.parallel.tp) + "pp" + std::to_string(c.parallel.pp) + "dp" +
                             std::to_string(c.parallel.dp) + "ep" + std::to_string(c.parallel.ep);
    const PreparedDeployment prepared = prepare_deployment(model, gpu, d, e, 2.5);
    for (const Workload& w : workloads()) {
      const std::string key = name + "/" + std::to_string(w.isl) + "+" + std::to_string(w.osl) + "x" +
                              std::to_string(w.concurrency) + "/" + std::to_string(static_cast<int>(w.phase));
      lines.push_back(line(key, figures(evaluate(prepared, w))));
    }
    const StepShape shapes[] = {{32, 4'096, 2, 0, 0, 0},
                                {0, 0, 1, 8'192, 4'096, 1},
                                {16, 2'000, 1, 4'096, 2'048, 0.5},
                                {0.25, 300'000, 1, 0, 0, 0}};
    int index = 0;
    for (const StepShape& s : shapes) {
      OperatorBreakdown breakdown{};
      std::vector<double> v;
      add_step(v, stage_step_time(model, gpu, d, e, s, &breakdown));
      add_breakdown(v, breakdown);
      lines.push_back(line(name + "/step" + std::to_string(index++), v));
    }
  }
  return lines;
}

/// The key and numbers of one line.
std::pair<std::string, std::vector<double>> parse(const std::string& text) {
  std::istringstream in(text);
  std::pair<std::string, std::vector<double>> out;
  in >> out.first;
  std::string number;
  while (in >> number) out.second.push_back(std::strtod(number.c_str(), nullptr));
  return out;
}

bool close(double a, double b) {
  if (a == b) return true;  // zeros, infinities
  return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
}

}  // namespace

TEST_SUITE("performance") {
  TEST_CASE("golden figures: evaluate and the step breakdowns match tests/data/estimator_figures.txt at 1e-12") {
    const std::filesystem::path path = test::source_path("tests/data/estimator_figures.txt");
    const std::vector<std::string> lines = golden_lines();
    if (std::getenv("LLMSIZER_UPDATE_GOLDEN") != nullptr) {
      std::ofstream out(path);
      for (const std::string& l : lines) out << l << '\n';
      return;
    }
    std::ifstream in(path);
    REQUIRE(in);
    std::vector<std::string> expected;
    for (std::string l; std::getline(in, l);) expected.push_back(l);
    REQUIRE(expected.size() == lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto [key, values] = parse(lines[i]);
      const auto [golden_key, golden_values] = parse(expected[i]);
      CAPTURE(key);
      REQUIRE(key == golden_key);
      REQUIRE(values.size() == golden_values.size());
      for (std::size_t j = 0; j < values.size(); ++j) {
        CAPTURE(j);
        CHECK_MESSAGE(close(values[j], golden_values[j]), values[j], " vs golden ", golden_values[j]);
      }
    }
  }
}

}  // namespace llmsizer
