// estimator/efficiency.hpp — the named, calibrated factors that turn peak figures into achievable
// ones: the engine's part here, the GPU generation's in hardware/hardware_efficiency.hpp. Values live
// in profiles/calibration/*.yaml (written by `llmsizer calibrate`), never in code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/units.hpp"
#include "hardware/hardware_efficiency.hpp"

namespace llmsizer {

/// Per-engine software costs (docs/methodology.md#overheads).
struct EngineEfficiency {
  std::string engine;
  Seconds step_overhead{0.002};        // per iteration: scheduling, sampling, host sync
  Seconds layer_overhead{10e-6};       // per layer per iteration: launches, norms, rope, small ops
  Seconds collective_latency{15e-6};   // fixed cost of one all-reduce / all-to-all within a scale-up domain
  Seconds scale_out_latency{40e-6};    // the same when the collective crosses nodes (RDMA)
  Seconds moe_layer_overhead{20e-6};   // per MoE layer per iteration: router top-k, token permutation and
                                       // un-permutation kernels (a few launches, not a GEMM cost)
  Seconds prefill_expert_overhead{0};  // per routed expert a token picks (k), per MoE layer, in a step
                                       // that carries prompt tokens: host work of a step no CUDA graph
                                       // covers (TensorRT-LLM and SGLang capture decode-only batches),
                                       // added to the device time (docs/methodology.md#prefill-launch)
  double expert_gemm_half_tokens = 0;  // tokens per expert at which a grouped GEMM reaches half its roof:
                                       // efficiency m / (m + m_half), 0 = none (docs/methodology.md#moe)
  double attention_fraction = 0.5;     // flash-attention achievable fraction of 16-bit peak
  std::int64_t prefill_chunk_tokens = 8192;  // per-iteration token budget (chunked prefill)
  bool prefill_first = false;          // true: prompts run as their own iterations and pause decoding
                                       // (SGLang's default); false: prompt chunks ride in the decode
                                       // steps (vLLM, TensorRT-LLM in-flight batching)
  std::int64_t max_batch = 2048;       // running sequences per DP rank when concurrency is unbounded
  double moe_imbalance = 1.2;          // hottest EP rank's expert load over the mean
  double kv_reserved_output_fraction = 1;  // share of a running request's output tokens its KV reservation
                                       // counts: 1 reserves the whole output at admission (TensorRT-LLM
                                       // GUARANTEED_NO_EVICT), 0.5 the mean occupancy of engines that
                                       // admit on the current length (vLLM, SGLang; docs/methodology.md#kv-limited-batch)
  bool kv_follows_checkpoint = false;  // true: with no --kv, a checkpoint quantized to FP8/NVFP4 (NVIDIA
                                       // ModelOpt, which quantizes the KV cache to FP8 too) runs an FP8
                                       // KV cache, as TensorRT-LLM's KvCacheConfig dtype 'auto' does;
                                       // false: KV in the activations' 16-bit type (vLLM, SGLang 'auto')
  double startup_burst_share = 0.5;    // share of the start-up burst's queueing seen per request
  double prompt_group_share = 0;       // share of later prompts that come back with the others of their
                                       // start-up step and are prefilled in one full-budget step with them
                                       // (docs/methodology.md#prompt-groups)
  double memory_utilization = 0;       // the engine's usable memory fraction; 0: the calibration's global
  Seconds request_overhead{0.01};      // per request before its first step: API, tokenization, scheduling
  friend bool operator==(const EngineEfficiency&, const EngineEfficiency&) = default;
};

/// Everything estimate() needs besides the specs.
struct EfficiencyParams {
  HardwareEfficiency hardware;
  EngineEfficiency engine;
  double memory_utilization = 0.90;    // usable fraction of device memory (runtime reserve)
  double power_utilization = 0.70;     // average board power while serving, fraction of TDP
  double comm_overlap = 0.0;           // fraction of communication hidden behind compute
  friend bool operator==(const EfficiencyParams&, const EfficiencyParams&) = default;
};

/// The physical range a fitted parameter must stay inside (profiles/calibration/priors.yaml `bounds`),
/// by the name calibrate uses ("hopper.bandwidth_fraction", "*.moe_layer_overhead"; SI values).
struct ParameterBound {
  std::string parameter;
  double min = 0;
  double max = 0;
};

/// A calibration profile: per-generation and per-engine tables plus provenance.
struct Calibration {
  std::string name;
  std::string fitted_on;               // date
  std::string data;                    // which measurements
  std::string result;                  // resulting error, as text
  std::vector<HardwareEfficiency> generations;  // "default" entry used when absent
  std::vector<EngineEfficiency> engines;        // "default" entry used when absent
  std::string default_engine = "default";
  double memory_utilization = 0.90;
  double power_utilization = 0.70;
  double comm_overlap = 0.0;
  std::vector<ParameterBound> bounds;  // ranges calibrate keeps fitted parameters in

  /// The parameters for a GPU generation and an engine (falls back to the "default" entries).
  [[nodiscard]] EfficiencyParams resolve(const std::string& generation, const std::string& engine) const;
};

}  // namespace llmsizer
