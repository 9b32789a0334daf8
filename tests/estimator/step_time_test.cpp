// Step time (estimator/step_time.hpp): the roofline of one iteration checked against formulas
// computed by hand, with arithmetic in the comments. Efficiency factors come from the shipped
// default calibration and are read from it, so recalibrating does not break these tests; the
// numbers in the comments use round values of the time of writing (hopper: compute 0.65, FP8
// derate 0.8, bandwidth 0.8, links 0.75; default engine: attention 0.45, collective latency 15 µs).
// The calibrated roofline is smoothed near its ridge, (t_c^k + t_m^k)^(1/k); these tests set k
// high so each operator costs max(compute, memory), the form the hand arithmetic uses.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>

#include "estimator/step_time.hpp"
#include "hardware/achievable.hpp"
#include "io/calibration_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::rel;

/// The default calibration for the GPU's generation, with a sharp roofline (k = 1000: max).
EfficiencyParams efficiency_for(const GpuSpec& gpu, const std::string& engine = "") {
  const Calibration calibration =
      load_calibration_file(test::source_path("profiles/calibration/default.yaml").string());
  EfficiencyParams e = calibration.resolve(gpu.generation, engine);
  e.hardware.roofline_sharpness = 1000;
  return e;
}

/// An H100-like GPU with 1 TB of memory, so any model fits on one GPU and tp can be chosen freely.
GpuSpec big_hopper() {
  GpuSpec g;
  g.name = "big-hopper";
  g.generation = "hopper";
  g.memory = gigabytes(1000);
  g.memory_bandwidth = gigabytes_per_second(3350);
  g.dense_throughput[static_cast<int>(ComputeType::fp8)] = teraflops_per_second(1978.8);
  g.dense_throughput[static_cast<int>(ComputeType::int8)] = teraflops_per_second(1978.8);
  g.dense_throughput[static_cast<int>(ComputeType::bf16)] = teraflops_per_second(989.4);
  g.dense_throughput[static_cast<int>(ComputeType::fp16)] = teraflops_per_second(989.4);
  g.scale_up = LinkSpec{"nvlink4", 8, gigabytes_per_second(450), std::nullopt};
  g.scale_out_bandwidth_per_direction = gigabytes_per_second(50);
  g.gpus_per_node = 8;
  g.tdp = watts(700);
  return g;
}

struct Model {
  std::unique_ptr<ModelSpec> spec;  // PreparedModel points into it
  PreparedModel prepared;
};

Model load_model(const std::string& name) {
  Model m;
  m.spec = std::make_unique<ModelSpec>(test::shipped_model(name));
  m.prepared = prepare(*m.spec);
  return m;
}

Deployment step_layout(Precision weights, int tp, int pp = 1, int dp = 1, int ep = 1) {
  Deployment d;
  d.weights = d.experts = weights;
  d.parallel = Parallelism{tp, pp, dp, ep};
  return d;
}

StepShape decode(double sequences, double context) { return StepShape{sequences, context, 1, 0, 0, 0}; }
StepShape prefill(double tokens) { return StepShape{0, 0, 1, tokens, tokens / 2, 1}; }

// Llama-3.1-70B (STYLE.md 6a): per layer q+o 134,217,728 + k+v 16,777,216 + FFN 704,643,072 =
// 855,638,016 parameters; 80 layers = 68,451,041,280; LM head 128,256 x 8,192 = 1,050,673,152.
constexpr double llama70_layer_params = 855'638'016.0;
constexpr double llama70_head_params = 1'050'673'152.0;

}  // namespace

TEST_SUITE("performance") {

TEST_CASE("decode at batch 1 is memory-bound: weight bytes over achievable bandwidth") {
  // Llama-3.1-70B BF16, tp1, one sequence with 1,024 tokens of context. Bytes read:
  //   layers 80 x 855,638,016 x 2 B = 136,902,082,560
  //   KV     80 x 1,024 x (2 x 8 x 128) x 2 B = 335,544,320
  //   head   1,050,673,152 x 2 B = 2,101,346,304      (the embedding is a lookup, not read)
  //   total  139,338,973,184 B over 3,350 GB/s x 0.8 = 2,680 GB/s -> 51.99 ms.
  // That is within 2% of the whole model's 141.1 GB / 2,680 GB/s = 52.65 ms.
  const Model m = load_model("llama-3.1-70b");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  const StepTime step = stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 1), e, decode(1, 1024));
  const double rate = 3350e9 * e.hardware.bandwidth_fraction;
  const double read = 80 * (llama70_layer_params * 2 + 1024 * 2048 * 2) + llama70_head_params * 2;
  CHECK(read == 139'338'973'184.0);
  CHECK(step.bytes.value == read);
  CHECK(step.bound() == Bound::memory);
  CHECK(step.compute_bound.value == 0);
  CHECK(step.memory_bound.value == rel(read / rate, 1e-12));
  CHECK(step.memory_bound.value == rel(141.107e9 / rate, 0.02));
  CHECK(step.communication.value == 0);  // tp1: no collectives
  // Fixed overheads: 80 layers x layer_overhead + one step overhead.
  CHECK(step.overhead.value ==
        rel(80 * e.engine.layer_overhead.value + e.engine.step_overhead.value, 1e-12));
  CHECK(step.total.value == rel(step.memory_bound.value + step.overhead.value, 1e-12));
}

TEST_CASE("an 8,192-token prefill is compute-bound: 2·params·tokens plus attention") {
  // Llama-3.1-70B BF16 tp1, one prompt of 8,192 tokens (mean causal context 4,096):
  //   linear  2 x 8,192 x 68,451,041,280 = 1.1215e15 FLOP at 989.4 TFLOPS x 0.65 -> 1.7439 s
  //   attn    80 x 8,192 x 4,096 x (4 x 64 x 128) = 8.796e13 FLOP at 989.4 x 0.45 -> 0.1976 s
  //   compute-bound total 1.9415 s; only the LM head for the one sampled token is memory-bound:
  //   2,101,346,304 B / 2,680 GB/s = 0.784 ms.
  const Model m = load_model("llama-3.1-70b");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  const StepTime step = stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 1), e, prefill(8192));
  const double linear_flops = 2.0 * 8192 * 80 * llama70_layer_params;
  const double attention_flops = 80.0 * 8192 * 4096 * (4 * 64 * 128);
  const double expected = linear_flops / (989.4e12 * e.hardware.compute_fraction) +
                          attention_flops / (989.4e12 * e.engine.attention_fraction);
  CHECK(step.bound() == Bound::compute);
  CHECK(step.compute_bound.value == rel(expected, 1e-12));
  CHECK(step.memory_bound.value ==
        rel(llama70_head_params * 2 / (3350e9 * e.hardware.bandwidth_fraction), 1e-12));
  CHECK(step.flops.value == rel(linear_flops + attention_flops + 2 * llama70_head_params, 1e-12));
}

TEST_CASE("expected_active_experts = E(1 - (1 - k/E)^B)") {
  // E = 256, k = 8 (DeepSeek-V3): one token activates exactly k; two tokens 256 x (1 - (31/32)^2)
  // = 256 x 0.0615234375 = 15.75; 16 tokens 256 x (1 - 0.60172) = 101.96; a large batch
  // activates them all.
  CHECK(expected_active_experts(256, 8, 1) == rel(8, 1e-12));
  CHECK(expected_active_experts(256, 8, 2) == rel(15.75, 1e-12));
  CHECK(expected_active_experts(256, 8, 16) == rel(256 * (1 - std::pow(31.0 / 32, 16)), 1e-12));
  CHECK(expected_active_experts(256, 8, 16) == rel(101.96, 1e-4));
  CHECK(expected_active_experts(256, 8, 4096) == rel(256, 1e-9));
  CHECK(expected_active_experts(8, 2, 1) == rel(2, 1e-12));  // Mixtral top-2 of 8
  CHECK(expected_active_experts(8, 8, 3) == rel(8, 1e-12));  // k = E: all, always
  CHECK(expected_active_experts(256, 8, 0) == 0);
}

TEST_CASE("MoE expert bytes per decode step grow with batch exactly as expected_active_experts") {
  // DeepSeek-R1 FP8 tp1 ep1, decode with empty context (no KV reads): everything read per step is
  // fixed except the routed experts of the 58 MoE layers, each 3 x 7168 x 2048 = 44,040,192 params
  // at 1 + 4/16384 B. So bytes(B) - bytes(1) = 58 x 44,040,192 x (1 + 4/16384) x (A(B) - A(1)),
  // A(B) = 256 (1 - (1 - 8/256)^B).
  const Model m = load_model("deepseek-r1");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  const Deployment d = step_layout(Precision::fp8, 1);
  const double per_expert = 58.0 * 44'040'192 * (1.0 + 4.0 / 16384);
  const double at_one = stage_step_time(m.prepared, gpu, d, e, decode(1, 0)).bytes.value;
  for (double batch : {2.0, 8.0, 32.0, 128.0, 1024.0}) {
    CAPTURE(batch);
    const double bytes = stage_step_time(m.prepared, gpu, d, e, decode(batch, 0)).bytes.value;
    const double expected = per_expert * (expected_active_experts(256, 8, batch) - expected_active_experts(256, 8, 1));
    CHECK(bytes - at_one == rel(expected, 1e-9));
  }
}

TEST_CASE("ring all-reduce: 2(n-1)/n x bytes / bandwidth + latency") {
  // 1 GB over 8 ranks at 100 GB/s with 10 µs latency: 2 x 7/8 x 0.01 s + 10 µs = 17.51 ms.
  CHECK(ring_allreduce_time(gigabytes(1), 8, gigabytes_per_second(100), microseconds(10)).value ==
        rel(0.01751, 1e-12));
  // Two ranks: each sends the message once: 64 MB / 50 GB/s = 1.28 ms + 5 µs.
  CHECK(ring_allreduce_time(bytes(64e6), 2, gigabytes_per_second(50), microseconds(5)).value ==
        rel(0.001285, 1e-12));
  // One rank: nothing to reduce, not even latency.
  CHECK(ring_allreduce_time(gigabytes(1), 1, gigabytes_per_second(100), microseconds(10)).value == 0);
}

TEST_CASE("tensor-parallel all-reduce appears only with tp > 1, two per layer") {
  // Llama-3.1-70B decode at batch 1: each all-reduce moves 1 token x 8,192 x 2 B = 16,384 B.
  // tp2 over NVLink at 450 GB/s x 0.75 = 337.5 GB/s: 2 x 1/2 x 16,384 / 337.5e9 = 48.5 ns + 15 µs
  // latency; 2 per layer x 80 layers = 2.4078 ms. tp1 has none.
  const Model m = load_model("llama-3.1-70b");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  const StepShape shape = decode(1, 1024);
  CHECK(stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 1), e, shape).communication.value == 0);
  const double link = 450e9 * e.hardware.link_fraction;
  const Seconds one = ring_allreduce_time(bytes(16'384), 2, BytesPerSecond{link}, e.engine.collective_latency);
  const StepTime tp2 = stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 2), e, shape);
  CHECK(tp2.communication.value == rel(160 * one.value, 1e-12));
  // tp8: 2 x 7/8 x 16,384 / link + latency per all-reduce.
  const Seconds eight = ring_allreduce_time(bytes(16'384), 8, BytesPerSecond{link}, e.engine.collective_latency);
  CHECK(stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 8), e, shape).communication.value ==
        rel(160 * eight.value, 1e-12));
  // Hidden behind compute by comm_overlap.
  EfficiencyParams overlapped = e;
  overlapped.comm_overlap = 0.25;
  CHECK(stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 2), overlapped, shape).communication.value ==
        rel(0.75 * 160 * one.value, 1e-12));
}

TEST_CASE("expert-parallel all-to-all appears only with ep > 1 on MoE layers") {
  // DeepSeek-R1 tp1 dp8: no tensor all-reduce; with ep8 each of the 58 MoE layers dispatches
  // (FP8, 1 B) and combines (BF16, 2 B) each token's 8 expert copies, 7/8 of them to other ranks:
  // per GPU per token 8 x 7168 x 3 x 7/8 = 150,528 B, plus two collective latencies per layer.
  const Model m = load_model("deepseek-r1");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  const StepShape shape = decode(16, 0);
  CHECK(stage_step_time(m.prepared, gpu, step_layout(Precision::fp8, 1, 1, 8, 1), e, shape).communication.value == 0);
  const StepTime ep8 = stage_step_time(m.prepared, gpu, step_layout(Precision::fp8, 1, 1, 8, 8), e, shape);
  const double link = 450e9 * e.hardware.link_fraction;
  const double expected = 58 * (16 * 150'528.0 / link + 2 * e.engine.collective_latency.value);
  CHECK(ep8.communication.value == rel(expected, 1e-9));
  // A dense model never pays it.
  const Model dense = load_model("llama-3.1-8b");
  CHECK(stage_step_time(dense.prepared, gpu, step_layout(Precision::bf16, 1), e, shape).communication.value == 0);
}

TEST_CASE("GQA decode reads each GPU's share of KV heads; beyond the KV-head count it is replicated") {
  // Llama-3.1-8B, 32 sequences x 4,096 tokens: KV read per step at tp8 = 32 x 4,096 x 16,384 B
  // (one KV head per GPU over 32 layers) = 2,147,483,648 B; tp16 reads the same per GPU.
  const Model m = load_model("llama-3.1-8b");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  auto kv_read = [&](int tp) {
    const Deployment d = step_layout(Precision::bf16, tp);
    return stage_step_time(m.prepared, gpu, d, e, decode(32, 4096)).bytes.value -
           stage_step_time(m.prepared, gpu, d, e, decode(32, 0)).bytes.value;
  };
  CHECK(kv_read(8) == rel(2'147'483'648.0, 1e-12));
  CHECK(kv_read(16) == rel(2'147'483'648.0, 1e-12));
  CHECK(kv_read(4) == rel(2 * 2'147'483'648.0, 1e-12));
}

TEST_CASE("weight-only fallback: FP8 on A100 computes at the BF16 rate, on H100 at the FP8 rate") {
  // Prefill of Llama-3.1-70B at tp8 is compute-bound. On A100 (no FP8 tensor cores) FP8 weights
  // run as BF16 matmuls, so the compute-bound time equals BF16's; on H100 the linear layers run at
  // 2 x FP8 derate (0.8) = 1.6 x the BF16 rate.
  const Model m = load_model("llama-3.1-70b");
  const GpuSpec a100 = test::shipped_gpu("a100-80gb-sxm");
  const GpuSpec h100 = test::shipped_gpu("h100-sxm");
  CHECK(effective_compute_type(a100, Precision::fp8) == ComputeType::bf16);
  CHECK(effective_compute_type(h100, Precision::fp8) == ComputeType::fp8);
  const EfficiencyParams ea = efficiency_for(a100);
  const EfficiencyParams eh = efficiency_for(h100);
  const StepShape shape = prefill(8192);
  const StepTime a_fp8 = stage_step_time(m.prepared, a100, step_layout(Precision::fp8, 8), ea, shape);
  const StepTime a_bf16 = stage_step_time(m.prepared, a100, step_layout(Precision::bf16, 8), ea, shape);
  CHECK(a_fp8.compute_bound.value == rel(a_bf16.compute_bound.value, 1e-12));
  const StepTime h_fp8 = stage_step_time(m.prepared, h100, step_layout(Precision::fp8, 8), eh, shape);
  const StepTime h_bf16 = stage_step_time(m.prepared, h100, step_layout(Precision::bf16, 8), eh, shape);
  const double linear_flops = 2.0 * 8192 * 80 * llama70_layer_params / 8;
  const double fraction = compute_fraction_of(h100, eh.hardware);  // the generation's, at H100's tensor/vector ratio
  const double bf16_rate = 989.4e12 * fraction;
  const double saved = linear_flops / bf16_rate - linear_flops / (1978.9e12 * fraction * eh.hardware.fp8_compute_derate);
  CHECK(h_bf16.compute_bound.value - h_fp8.compute_bound.value == rel(saved, 1e-9));
  // Decode at batch 1 is memory-bound and reads the stored bytes, fallback or not: at tp8 the layers
  // are 80 x 106,954,752 params at 1 + 4/16384 B (FP8) or 2 B, the LM head 131,334,144 x 2 B in
  // both: (8,558,469,120 + 262,668,288) / (17,112,760,320 + 262,668,288) = 0.5077.
  const StepTime a_dec8 = stage_step_time(m.prepared, a100, step_layout(Precision::fp8, 8), ea, decode(1, 0));
  const StepTime a_dec16 = stage_step_time(m.prepared, a100, step_layout(Precision::bf16, 8), ea, decode(1, 0));
  const double layers = 80 * llama70_layer_params / 8;
  const double head = 2 * llama70_head_params / 8;
  CHECK(a_dec8.compute_bound.value == 0);
  CHECK(a_dec8.memory_bound.value / a_dec16.memory_bound.value ==
        rel((layers * (1 + 4.0 / 16384) + head) / (layers * 2 + head), 1e-12));
}

TEST_CASE("bound(): the largest of compute, memory, communication and overhead") {
  StepTime s;
  s.compute_bound = seconds(1);
  CHECK(s.bound() == Bound::compute);
  s.memory_bound = seconds(2);
  CHECK(s.bound() == Bound::memory);
  s.communication = seconds(3);
  CHECK(s.bound() == Bound::communication);
  s.overhead = seconds(4);
  CHECK(s.bound() == Bound::overhead);
  CHECK(std::string(bound_name(Bound::communication)) == "communication");
}

TEST_CASE("uneven pipeline stages: the slowest stage runs ceil(layers / pp) layers") {
  // BUG (estimator/step_time.cpp stage_step_time: `layers = g.count / pp`): Llama-3.1-8B has 32
  // layers; with pp3 the slowest stage runs 11, but 32/3 = 10.67 layers of overhead and traffic are
  // charged. Overhead of that stage: 11 x layer_overhead + step_overhead / 3.
  const Model m = load_model("llama-3.1-8b");
  const GpuSpec gpu = big_hopper();
  const EfficiencyParams e = efficiency_for(gpu);
  const StepTime s = stage_step_time(m.prepared, gpu, step_layout(Precision::bf16, 1, 3), e, decode(1, 0));
  CHECK(s.overhead.value ==
        rel(11 * e.engine.layer_overhead.value + e.engine.step_overhead.value / 3, 1e-12));
}

TEST_CASE("grouped GEMM: a decode-only step pays (m^k + m_half^k)^(1/k) rows per touched expert, a step with prompts m + m_half") {
  // DeepSeek-R1 FP8 tp8 ep8, 64 tokens: the hottest rank gets n = 1.2 x 64 x 8 / 8 = 76.8
  // assignments (moe_imbalance 1.2) and touches u = 256 (1 - (1 - 8/256)^(1.2 x 64)) / 8 experts,
  // so each multiplies m = n / u rows. With m_half = 32 a prompt batch (contiguous layout, each
  // expert's segment padded to the tile) runs at m / (m + 32) of the roof; decode tokens (masked
  // layout, fixed per-expert slots) fill their first tile, m / (m^k + 32^k)^(1/k) with the roofline's
  // sharpness k = 2.
  const Model m = load_model("deepseek-r1");
  const GpuSpec gpu = big_hopper();
  EfficiencyParams e = efficiency_for(gpu);
  e.hardware.roofline_sharpness = 2;  // the shipped value
  e.engine.moe_imbalance = 1.2;
  const Deployment d = step_layout(Precision::fp8, 8, 1, 1, 8);
  const double n = 1.2 * 64 * 8 / 8;
  const double u = 256 * (1 - std::pow(1 - 8.0 / 256, 1.2 * 64)) / 8;
  const double rows = n / u;
  CHECK(rows == rel(2.6296, 1e-4));  // u = 29.21 experts, 2.6 rows each: most of a 64-row tile idles
  const int experts = static_cast<int>(OperatorKind::routed_experts);
  for (const bool with_prompts : {false, true}) {
    CAPTURE(with_prompts);
    const StepShape shape = with_prompts ? prefill(64) : decode(64, 0);
    OperatorBreakdown full{}, padded{};
    e.engine.expert_gemm_half_tokens = 0;
    (void)stage_step_time(m.prepared, gpu, d, e, shape, &full);
    e.engine.expert_gemm_half_tokens = 32;
    (void)stage_step_time(m.prepared, gpu, d, e, shape, &padded);
    const double padded_rows = with_prompts ? rows + 32 : std::sqrt(rows * rows + 32.0 * 32.0);
    CHECK(padded[experts].roof.value == rel(full[experts].roof.value * rows / padded_rows, 1e-12));
    CHECK(padded[experts].flops.value == rel(full[experts].flops.value, 1e-12));  // same work, slower
    CHECK(padded[experts].time.value >= full[experts].time.value);  // equal while the HBM read dominates
  }
}

TEST_CASE("grouped GEMM: decode at a tile's worth of rows per expert costs less than tile + rows") {
  // DeepSeek-R1 FP8 tp1 dp8 ep8 (attention-DP): 8 x 48 decode tokens meet at the experts, the hottest
  // rank's 32 experts each get m = 1.2 x 384 x 8 / 256 = 14.4 rows. With m_half = m, decode (masked
  // layout) pays sqrt(2) tiles per expert at sharpness 2, a prompt batch (contiguous layout) 2.
  const Model m = load_model("deepseek-r1");
  const GpuSpec gpu = big_hopper();
  EfficiencyParams e = efficiency_for(gpu);
  e.hardware.roofline_sharpness = 2;
  e.engine.moe_imbalance = 1.2;
  const Deployment d = step_layout(Precision::fp8, 1, 1, 8, 8);
  const int experts = static_cast<int>(OperatorKind::routed_experts);
  OperatorBreakdown full{}, decode_padded{}, prompt_padded{};
  e.engine.expert_gemm_half_tokens = 0;
  (void)stage_step_time(m.prepared, gpu, d, e, decode(48, 0), &full);
  const double rows = full[experts].flops.value / (2.0 * 58 * 32 * 44'040'192);  // m = n / u, all 32 touched
  e.engine.expert_gemm_half_tokens = rows;
  (void)stage_step_time(m.prepared, gpu, d, e, decode(48, 0), &decode_padded);
  (void)stage_step_time(m.prepared, gpu, d, e, prefill(48), &prompt_padded);
  // (1e-5: the hottest rank touches 32 (1 - 4.5e-7) experts, not quite all 32)
  CHECK(decode_padded[experts].roof.value == rel(full[experts].roof.value / std::sqrt(2.0), 1e-5));
  CHECK(prompt_padded[experts].roof.value == rel(full[experts].roof.value / 2.0, 1e-5));
}

TEST_CASE("the hottest EP rank reads at most the experts it holds, whatever the imbalance") {
  // DeepSeek-R1 FP8 tp8 ep8 at 4,096 decode tokens: every one of a rank's 256 / 8 = 32 experts is
  // touched, so routed-expert bytes are 58 layers x 32 x 44,040,192 x (1 + 4/16384) B, not 1.2x that.
  const Model m = load_model("deepseek-r1");
  const GpuSpec gpu = big_hopper();
  EfficiencyParams e = efficiency_for(gpu);
  e.engine.moe_imbalance = 1.2;
  OperatorBreakdown parts{};
  (void)stage_step_time(m.prepared, gpu, step_layout(Precision::fp8, 8, 1, 1, 8), e, decode(4096, 0), &parts);
  const double all_held = 58.0 * 32 * 44'040'192 * (1.0 + 4.0 / 16384);
  CHECK(parts[static_cast<int>(OperatorKind::routed_experts)].bytes.value == rel(all_held, 1e-9));
}

}  // TEST_SUITE("performance")

}  // namespace llmsizer
