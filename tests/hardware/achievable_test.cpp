// What a GPU can do under a calibration (hardware/achievable.hpp) and collective times over its
// links (hardware/collectives.hpp), by hand on a made-up GPU with round numbers.
#include "hardware/achievable.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "hardware/collectives.hpp"

namespace llmsizer {
namespace {

/// 1000 TFLOPS BF16, 2000 FP8, no FP4; 4 TB/s HBM; 8-GPU domain at 400 GB/s, 50 GB/s scale-out.
GpuSpec round_gpu() {
  GpuSpec g;
  g.name = "round";
  g.memory_bandwidth = BytesPerSecond{4e12};
  g.dense_throughput[static_cast<int>(ComputeType::bf16)] = FlopsPerSecond{1e15};
  g.dense_throughput[static_cast<int>(ComputeType::fp8)] = FlopsPerSecond{2e15};
  g.scale_up = LinkSpec{"fabric", 8, BytesPerSecond{400e9}, std::nullopt};
  g.scale_out_bandwidth_per_direction = BytesPerSecond{50e9};
  return g;
}

HardwareEfficiency round_fractions() {
  HardwareEfficiency h;
  h.compute_fraction = 0.5;
  h.fp8_compute_derate = 0.8;
  h.fp4_compute_derate = 0.6;
  h.bandwidth_fraction = 0.75;
  h.link_fraction = 0.5;
  return h;
}

}  // namespace

TEST_SUITE("performance") {
  TEST_CASE("achievable: matmul, attention, HBM and link rates are peaks times calibrated fractions") {
    const GpuSpec gpu = round_gpu();
    const HardwareEfficiency h = round_fractions();
    CHECK(matmul_rate(gpu, Precision::bf16, h).value == 0.5e15);
    CHECK(matmul_rate(gpu, Precision::fp8, h).value == 2e15 * 0.5 * 0.8);
    // NVFP4 weights with FP8 but no FP4 tensor cores run weight-only (W4A16), at the 16-bit rate.
    CHECK(matmul_rate(gpu, Precision::nvfp4, h).value == 1e15 * 0.5);
    CHECK(sixteen_bit_peak(gpu).value == 1e15);
    const Roofs bf16_kv =
        achievable_roofs(gpu, RoofPrecisions{Precision::fp8, Precision::nvfp4, Precision::bf16}, h, 0.4);
    CHECK(bf16_kv.weight_matmul.value == 0.8e15);
    CHECK(bf16_kv.head_matmul.value == 0.5e15);
    CHECK(bf16_kv.attention.value == 1e15 * 0.4);  // 16-bit flash attention
    CHECK(bf16_kv.bandwidth.value == 3e12);
    const Roofs fp8_kv =
        achievable_roofs(gpu, RoofPrecisions{Precision::bf16, Precision::bf16, Precision::fp8}, h, 0.4);
    CHECK(fp8_kv.attention.value == 2e15 * 0.4 * 0.8);  // FP8 attention where the GPU has FP8
    const LinkRates links = achievable_link_rates(gpu, h);
    CHECK(links.scale_up.value == 200e9);
    CHECK(links.scale_out.value == 25e9);
  }

  TEST_CASE("achievable: a GPU with another tensor/vector ratio than the generation's reference gets its own compute fraction") {
    // docs/methodology.md#tensor-vector: shortfall 1/f - 1 scales with BF16 peak / FP32 peak.
    // round_gpu: 1000 / 50 TFLOPS = ratio 20. Reference 20: f stays 0.5. Reference 80 (the GPUs
    // fitted have 4x the tensor rate per vector lane): shortfall 1 x 20/80 = 0.25, f = 1/1.25 = 0.8.
    GpuSpec gpu = round_gpu();
    gpu.dense_throughput[static_cast<int>(ComputeType::fp32)] = FlopsPerSecond{50e12};
    HardwareEfficiency h = round_fractions();
    CHECK(compute_fraction_of(gpu, h) == 0.5);  // no reference: one fraction for the generation
    h.reference_tensor_per_vector = 20;
    CHECK(compute_fraction_of(gpu, h) == doctest::Approx(0.5));
    h.reference_tensor_per_vector = 80;
    CHECK(compute_fraction_of(gpu, h) == doctest::Approx(0.8));
    // Every matmul roof follows: BF16 1000 x 0.8, FP8 2000 x 0.8 x 0.8 derate, the LM head BF16.
    const Roofs r = achievable_roofs(gpu, {Precision::bf16, Precision::fp8, Precision::bf16}, h, 0.4);
    CHECK(r.weight_matmul.value == doctest::Approx(800e12));
    CHECK(r.expert_matmul.value == doctest::Approx(1280e12));
    CHECK(r.head_matmul.value == doctest::Approx(800e12));
    // The engine's attention fraction 0.4 is rescaled too (softmax is vector work): shortfall
    // 1.5 x 20/80 = 0.375, f = 1/1.375, BF16 1000 x 0.72727 = 727.27 TFLOPS.
    CHECK(r.attention.value == doctest::Approx(1000e12 / 1.375));
    // Without an FP32 figure there is no ratio: the generation's fraction.
    gpu.dense_throughput[static_cast<int>(ComputeType::fp32)] = std::nullopt;
    CHECK(compute_fraction_of(gpu, h) == 0.5);
  }

  TEST_CASE("collectives: within the domain over scale-up, beyond it the off-domain share over scale-out") {
    const GpuSpec gpu = round_gpu();
    const LinkRates links{BytesPerSecond{200e9}, BytesPerSecond{25e9}};
    const CollectiveLatency latency{microseconds(10), microseconds(40)};
    CHECK(transfer_time(bytes(1e9), 1, gpu, links).value == 0);
    CHECK(transfer_time(bytes(1e9), 8, gpu, links).value == doctest::Approx(1e9 / 200e9));
    // 16 ranks, 8 per domain: half the peers off-domain: 0.5 GB / 200 GB/s + 0.5 GB / 25 GB/s = 22.5 ms.
    CHECK(transfer_time(bytes(1e9), 16, gpu, links).value == doctest::Approx(0.0225));
    CHECK(collective_latency(8, gpu, latency).value == microseconds(10).value);
    CHECK(collective_latency(16, gpu, latency).value == microseconds(40).value);
    CHECK(ring_allreduce_factor(1) == 0);
    CHECK(ring_allreduce_factor(4) == 1.5);
    // All-reduce over 4 ranks: 2 x 3/4 x 1 GB / 200 GB/s + 10 µs = 7.51 ms.
    CHECK(allreduce_time(bytes(1e9), 4, gpu, links, latency).value == doctest::Approx(0.00751));
    CHECK(allreduce_time(bytes(1e9), 1, gpu, links, latency).value == 0);
  }

  TEST_CASE("node-deduplicated all-to-all: once per remote node over scale-out, the copies forwarded over scale-up") {
    // DeepSeek-V3's cross-node dispatch (arXiv 2412.19437 §3.2.2), 8-GPU domains, 200 / 25 GB/s.
    const GpuSpec gpu = round_gpu();
    const LinkRates links{BytesPerSecond{200e9}, BytesPerSecond{25e9}};
    // 32 ranks = 4 nodes, 8 copies per token: remote nodes reached 3 x (1 - (3/4)^8) = 2.69966;
    // 1 GB of tokens: 2.69966 GB over 25 GB/s = 107.99 ms of RDMA; NVLink 8 x 7/8 GB over 200 GB/s
    // = 35 ms runs alongside, so RDMA sets the time.
    CHECK(node_deduplicated_alltoall_time(bytes(1e9), 8, 32, gpu, links).value ==
          doctest::Approx(3.0 * (1.0 - std::pow(0.75, 8)) / 25.0));
    // Per copy, as the low-latency path sends: 8 x 31/32 GB, 3/4 of it off-node: 232.5 ms + 9.69 ms.
    CHECK(transfer_time(bytes(8e9 * 31.0 / 32.0), 32, gpu, links).value == doctest::Approx(0.2421875));
    // Inside one domain there is nothing to deduplicate: the copies sent off-GPU over scale-up.
    CHECK(node_deduplicated_alltoall_time(bytes(1e9), 8, 8, gpu, links).value == doctest::Approx(8 * 7.0 / 8.0 / 200.0));
    CHECK(node_deduplicated_alltoall_time(bytes(1e9), 8, 1, gpu, links).value == 0);
  }

  TEST_CASE("all-reduce latency: one scale-up latency in a domain, 2 log2(N) scale-out hops across N domains") {
    const GpuSpec gpu = round_gpu();  // 8-GPU domains
    const CollectiveLatency latency{microseconds(10), microseconds(40)};
    CHECK(allreduce_latency(2, gpu, latency).value == microseconds(10).value);
    CHECK(allreduce_latency(8, gpu, latency).value == microseconds(10).value);
    // 16 ranks on 2 domains: 10 + 2 x log2(2) x 40 = 90 µs; 64 on 8: 10 + 2 x 3 x 40 = 250 µs.
    CHECK(allreduce_latency(16, gpu, latency).value == doctest::Approx(90e-6));
    CHECK(allreduce_latency(64, gpu, latency).value == doctest::Approx(250e-6));
    // 12 ranks still span 2 domains.
    CHECK(allreduce_latency(12, gpu, latency).value == doctest::Approx(90e-6));
    // The all-reduce over 16 ranks: 2 x 15/16 x 22.5 ms of transfer + 90 µs.
    const LinkRates links{BytesPerSecond{200e9}, BytesPerSecond{25e9}};
    CHECK(allreduce_time(bytes(1e9), 16, gpu, links, latency).value == doctest::Approx(2 * 15.0 / 16 * 0.0225 + 90e-6));
  }

}  // TEST_SUITE("performance")

}  // namespace llmsizer
