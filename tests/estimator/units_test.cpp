// Units, precisions and the tensor-core type a precision runs in (base/units.hpp,
// base/precision.hpp, hardware/gpu_spec.hpp).
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "base/precision.hpp"
#include "base/units.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {
namespace {

// A GPU supporting exactly the given tensor-core types (values are irrelevant, only presence counts).
GpuSpec gpu_with(std::initializer_list<ComputeType> types) {
  GpuSpec gpu;
  gpu.name = "test-gpu";
  for (ComputeType c : types) gpu.dense_throughput[static_cast<int>(c)] = teraflops_per_second(100);
  return gpu;
}

// Tensor-core support as in the shipped profiles: A100 has no FP8, H100 has FP8 but no FP4, B200 has FP4.
GpuSpec a100_like() {
  return gpu_with({ComputeType::int8, ComputeType::bf16, ComputeType::fp16, ComputeType::tf32, ComputeType::fp32});
}
GpuSpec h100_like() {
  return gpu_with({ComputeType::fp8, ComputeType::int8, ComputeType::bf16, ComputeType::fp16, ComputeType::tf32,
                   ComputeType::fp32});
}
GpuSpec b200_like() {
  return gpu_with({ComputeType::fp4, ComputeType::fp8, ComputeType::int8, ComputeType::bf16, ComputeType::fp16,
                   ComputeType::tf32});
}

// Quantities of different kinds must not mix: these expressions must not compile.
template <class A, class B>
concept addable = requires(A a, B b) { a + b; };
template <class A, class B>
concept comparable = requires(A a, B b) { a < b; };
static_assert(addable<Bytes, Bytes>);
static_assert(!addable<Bytes, Seconds>);
static_assert(!addable<Bytes, double>);
static_assert(!addable<BytesPerSecond, FlopsPerSecond>);
static_assert(!comparable<Bytes, Flops>);

}  // namespace

TEST_SUITE("units") {

TEST_CASE("GB is 1e9 bytes and GiB is 2^30 bytes") {
  // 80 GB = 80 * 1e9 = 80,000,000,000 bytes; 80 GiB = 80 * 1,073,741,824 = 85,899,345,920 bytes.
  CHECK(gigabytes(80).value == 80'000'000'000.0);
  CHECK(gibibytes(80).value == 85'899'345'920.0);
  // The two differ by 2^30 / 1e9 = 1.073741824 (7.4%), the ASTRA-sim trap in STYLE.md section 1.
  CHECK(gibibytes(1) / gigabytes(1) == doctest::Approx(1.073741824).epsilon(1e-12));
  CHECK(in_gigabytes(gibibytes(80)) == doctest::Approx(85.89934592).epsilon(1e-12));
  CHECK(in_gibibytes(gigabytes(80)) == doctest::Approx(74.50580596923828).epsilon(1e-12));
  CHECK(in_gigabytes(bytes(141'107'412'992)) == doctest::Approx(141.107412992).epsilon(1e-12));
}

TEST_CASE("other factories carry their SI prefix") {
  CHECK(gigabytes_per_second(3350).value == 3.35e12);
  CHECK(teraflops_per_second(989.4).value == doctest::Approx(9.894e14).epsilon(1e-12));
  CHECK(milliseconds(25).value == doctest::Approx(0.025).epsilon(1e-12));
  CHECK(microseconds(3).value == doctest::Approx(3e-6).epsilon(1e-12));
  CHECK(in_milliseconds(seconds(0.5)) == 500.0);
  CHECK(in_microseconds(seconds(2e-6)) == doctest::Approx(2.0).epsilon(1e-12));
  CHECK(watts(700).value == 700.0);
  CHECK(usd(4.92).value == 4.92);
}

TEST_CASE("division operators produce the right kind") {
  // Reading 141.1 GB of weights at 3350 GB/s: 141.1e9 / 3.35e12 = 0.04212 s.
  const Seconds read = gigabytes(141.1) / gigabytes_per_second(3350);
  CHECK(read.value == doctest::Approx(141.1 / 3350.0).epsilon(1e-12));
  // 2 * 70.55e9 FLOP per token at 989.4 TFLOPS: 141.1e9 / 989.4e12 = 1.4261e-4 s.
  const Seconds compute = Flops{141.1e9} / teraflops_per_second(989.4);
  CHECK(compute.value == doctest::Approx(141.1e9 / 989.4e12).epsilon(1e-12));
  // Same kinds divide to a plain ratio.
  const double ratio = gigabytes(160) / gigabytes(80);
  CHECK(ratio == 2.0);
  // Power times time is energy: 700 W for one hour = 2.52 MJ = 0.7 kWh.
  const Joules energy = watts(700) * seconds(seconds_per_hour);
  CHECK(energy.value == 2'520'000.0);
  CHECK(energy.value / joules_per_kwh == doctest::Approx(0.7).epsilon(1e-12));
  // Scaling and arithmetic keep the kind.
  Bytes b = gigabytes(1) * 3.0;
  b += gigabytes(1);
  b -= bytes(5e8);
  CHECK(b.value == 3.5e9);
  CHECK((b / 7.0).value == 5e8);
  CHECK((2.0 * b).value == 7e9);
  CHECK(gigabytes(1) < gibibytes(1));
}

TEST_CASE("precision names parse case-insensitively; fp4 means nvfp4") {
  CHECK(parse_precision("bf16") == Precision::bf16);
  CHECK(parse_precision("BF16") == Precision::bf16);
  CHECK(parse_precision("Fp8") == Precision::fp8);
  CHECK(parse_precision("fp16") == Precision::fp16);
  CHECK(parse_precision("int8") == Precision::int8);
  CHECK(parse_precision("fp4") == Precision::nvfp4);
  CHECK(parse_precision("FP4") == Precision::nvfp4);
  CHECK(parse_precision("nvfp4") == Precision::nvfp4);
  CHECK(parse_precision("MXFP4") == Precision::mxfp4);
  CHECK(parse_precision("int4") == Precision::int4);
  CHECK(parse_precision("fp32") == Precision::fp32);
  // Every vocabulary word parses, and every precision's own name round-trips.
  for (std::string_view word : precision_vocabulary) CHECK_MESSAGE(parse_precision(word).has_value(), std::string(word));
  for (int i = 0; i < precision_count; ++i) {
    const auto p = static_cast<Precision>(i);
    CHECK(parse_precision(name(p)) == p);
  }
}

TEST_CASE("unknown precision names give nullopt") {
  CHECK_FALSE(parse_precision("").has_value());
  CHECK_FALSE(parse_precision("bf61").has_value());
  CHECK_FALSE(parse_precision("fp6").has_value());
  CHECK_FALSE(parse_precision("float16").has_value());
  CHECK_FALSE(parse_precision(" bf16").has_value());
  CHECK_FALSE(parse_precision("bf16 ").has_value());
  CHECK_FALSE(parse_precision("e4m3").has_value());
}

TEST_CASE("compute type names parse case-insensitively") {
  CHECK(parse_compute_type("FP8") == ComputeType::fp8);
  CHECK(parse_compute_type("tf32") == ComputeType::tf32);
  CHECK(parse_compute_type("fp4") == ComputeType::fp4);
  CHECK_FALSE(parse_compute_type("nvfp4").has_value());  // a storage format, not a tensor-core type
  CHECK_FALSE(parse_compute_type("int4").has_value());
  CHECK(name(ComputeType::bf16) == "bf16");
}

TEST_CASE("bytes per element include block-scale overhead") {
  CHECK(info(Precision::fp32).bytes_per_element == 4.0);
  CHECK(info(Precision::bf16).bytes_per_element == 2.0);
  CHECK(info(Precision::fp16).bytes_per_element == 2.0);
  CHECK(info(Precision::int8).bytes_per_element == 1.0);
  // fp8: 128x128 blocks with one fp32 scale: 1 + 4/16384 = 1.000244140625 B.
  CHECK(info(Precision::fp8).bytes_per_element == 1.000244140625);
  // nvfp4: 16-element blocks with one E4M3 scale: 0.5 + 1/16 = 0.5625 B.
  CHECK(info(Precision::nvfp4).bytes_per_element == 0.5625);
  // mxfp4: 32-element blocks with one E8M0 scale: 0.5 + 1/32 = 0.53125 B.
  CHECK(info(Precision::mxfp4).bytes_per_element == 0.53125);
  // int4: groups of 128 with fp16 scale and zero point: 0.5 + 4/128 = 0.53125 B.
  CHECK(info(Precision::int4).bytes_per_element == 0.53125);
}

TEST_CASE("effective compute type: native where supported, otherwise a fallback") {
  const GpuSpec a100 = a100_like();
  const GpuSpec h100 = h100_like();
  const GpuSpec b200 = b200_like();

  // FP8 weights on A100 (no FP8 tensor cores): dequantized to BF16, weight-only.
  CHECK(effective_compute_type(a100, Precision::fp8) == ComputeType::bf16);
  CHECK(is_weight_only_on(a100, Precision::fp8));
  // FP8 on H100: native.
  CHECK(effective_compute_type(h100, Precision::fp8) == ComputeType::fp8);
  CHECK_FALSE(is_weight_only_on(h100, Precision::fp8));
  // NVFP4 / MXFP4 on H100 (FP8 but no FP4): weight-only W4A16, the matmul runs in BF16.
  CHECK(effective_compute_type(h100, Precision::nvfp4) == ComputeType::bf16);
  CHECK(effective_compute_type(h100, Precision::mxfp4) == ComputeType::bf16);
  CHECK(is_weight_only_on(h100, Precision::nvfp4));
  // NVFP4 on B200: native FP4.
  CHECK(effective_compute_type(b200, Precision::nvfp4) == ComputeType::fp4);
  CHECK(effective_compute_type(b200, Precision::mxfp4) == ComputeType::fp4);
  CHECK_FALSE(is_weight_only_on(b200, Precision::nvfp4));
  // NVFP4 on A100 (neither FP4 nor FP8): BF16.
  CHECK(effective_compute_type(a100, Precision::nvfp4) == ComputeType::bf16);
  // INT4 (AWQ/GPTQ) is always weight-only: BF16 everywhere, even where FP4/INT8 exist.
  CHECK(effective_compute_type(a100, Precision::int4) == ComputeType::bf16);
  CHECK(effective_compute_type(h100, Precision::int4) == ComputeType::bf16);
  CHECK(effective_compute_type(b200, Precision::int4) == ComputeType::bf16);
  // 16-bit and INT8 are native on all three.
  CHECK(effective_compute_type(a100, Precision::bf16) == ComputeType::bf16);
  CHECK(effective_compute_type(h100, Precision::fp16) == ComputeType::fp16);
  CHECK(effective_compute_type(a100, Precision::int8) == ComputeType::int8);
}

// INT4 is weight-only by definition (PrecisionInfo::weight_only) even though its effective compute
// type, BF16, equals its native_compute; memory_fit relies on this to add the "dequantized" note.
TEST_CASE("INT4 weights are weight-only on every GPU") {
  CHECK(is_weight_only_on(a100_like(), Precision::int4));
  CHECK(is_weight_only_on(h100_like(), Precision::int4));
  CHECK(is_weight_only_on(b200_like(), Precision::int4));
}

TEST_CASE("effective compute type falls back bf16, then fp16, then fp32") {
  // A GPU without BF16 (V100-like: fp16 and fp32 only) runs FP8 and BF16 weights in FP16.
  const GpuSpec fp16_only = gpu_with({ComputeType::fp16, ComputeType::fp32});
  CHECK(effective_compute_type(fp16_only, Precision::fp8) == ComputeType::fp16);
  CHECK(effective_compute_type(fp16_only, Precision::bf16) == ComputeType::fp16);
  CHECK(effective_compute_type(fp16_only, Precision::int4) == ComputeType::fp16);
  const GpuSpec fp32_only = gpu_with({ComputeType::fp32});
  CHECK(effective_compute_type(fp32_only, Precision::nvfp4) == ComputeType::fp32);
  // A TPU-like part (int8 and bf16 only): FP8 weights run as BF16.
  const GpuSpec tpu = gpu_with({ComputeType::int8, ComputeType::bf16});
  CHECK(effective_compute_type(tpu, Precision::fp8) == ComputeType::bf16);
  CHECK(effective_compute_type(tpu, Precision::int8) == ComputeType::int8);
}

TEST_CASE("find_price is case-insensitive and returns nullptr when absent") {
  GpuSpec gpu = h100_like();
  gpu.prices = {{"aws-on-demand", usd(12.29), "src", "2023-07"}, {"3yr-rental", usd(1.30), "src", "2025-10"}};
  REQUIRE(find_price(gpu, "AWS-On-Demand") != nullptr);
  CHECK(find_price(gpu, "AWS-On-Demand")->per_gpu_hour.value == 12.29);
  CHECK(find_price(gpu, "3yr-rental")->per_gpu_hour.value == 1.30);
  CHECK(find_price(gpu, "aws-on-deman") == nullptr);
  CHECK(find_price(gpu, "") == nullptr);
}

}  // TEST_SUITE("units")

}  // namespace llmsizer
