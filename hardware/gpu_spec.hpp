// hardware/gpu_spec.hpp — an accelerator, its links and its prices, as loaded from a gpu/1 profile.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "base/citation.hpp"
#include "base/precision.hpp"
#include "base/units.hpp"
#include "hardware/tco.hpp"

namespace llmsizer {

/// A link class between GPUs. Bandwidth is per GPU, per direction.
struct LinkSpec {
  std::string kind;          // nvlink4, infinity-fabric, pcie5, ...
  int domain_gpus = 1;       // GPUs reachable over this link class (scale-up domain size)
  BytesPerSecond bandwidth_per_direction;
  std::optional<Seconds> latency;  // per collective step; calibration default when absent
};

/// The highest price in $/GPU-hour a profile or an option may state: far above any rental price, so a
/// larger figure is a unit slip (a per-node or per-month price), not a price.
inline constexpr double max_usd_per_gpu_hour = 1000;

struct PricePoint {
  std::string label;         // aws-on-demand, 3yr-rental, ...
  Usd per_gpu_hour;
  std::string source;
  std::string date;
  PriceBasis basis = PriceBasis::on_demand;
};

struct GpuSpec {
  std::string name;          // profile id, e.g. h100-sxm
  std::string display_name;
  std::vector<std::string> aliases;
  std::string vendor;
  std::string generation;    // efficiency class: hopper, blackwell, ...
  int launch_year = 0;
  Bytes memory;              // vendor capacity (memory_gb)
  std::optional<Bytes> memory_visible;  // what the runtime sees (memory_visible_gib), when known
  BytesPerSecond memory_bandwidth;
  /// Dense tensor throughput per ComputeType; nullopt = not supported natively.
  std::array<std::optional<FlopsPerSecond>, compute_type_count> dense_throughput;
  LinkSpec scale_up;
  BytesPerSecond scale_out_bandwidth_per_direction;
  int gpus_per_node = 8;
  Watts tdp;
  std::vector<PricePoint> prices;   // as listed, then the owned price computed from `purchase`
  std::optional<PurchasePrice> purchase;
  std::string notes;
  std::vector<Citation> sources;
  std::string file;          // where it was loaded from (for messages)

  [[nodiscard]] const std::optional<FlopsPerSecond>& throughput(ComputeType c) const {
    return dense_throughput[static_cast<int>(c)];
  }
  [[nodiscard]] bool supports(ComputeType c) const { return throughput(c).has_value(); }
  /// Device memory the serving runtime can allocate from: the visible capacity when the profile
  /// states it (HBM "80 GB" parts expose ~79.6 GiB = 85.5 GB), else the vendor figure.
  [[nodiscard]] Bytes usable_capacity() const { return memory_visible.value_or(memory); }
};

/// The tensor-core type a matmul with weights stored as `p` runs in on `gpu`: the precision's native
/// type when supported, else the first supported of bf16, fp16, fp32 (weight-only dequantization,
/// e.g. FP8 weights on A100 run as BF16 matmuls).
[[nodiscard]] ComputeType effective_compute_type(const GpuSpec& gpu, Precision p);

/// True when weights stored as `p` must be dequantized on `gpu` (memory uses the storage type,
/// compute the fallback type).
[[nodiscard]] bool is_weight_only_on(const GpuSpec& gpu, Precision p);

/// Finds a price by label (case-insensitive); nullptr when absent.
[[nodiscard]] const PricePoint* find_price(const GpuSpec& gpu, std::string_view label);

}  // namespace llmsizer
