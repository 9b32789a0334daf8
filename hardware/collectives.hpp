// hardware/collectives.hpp — time of collectives over a GPU's scale-up domain and the scale-out
// network (docs/methodology.md#communication).
#pragma once

#include "base/units.hpp"
#include "hardware/achievable.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// Fixed cost of one collective step within a scale-up domain and across it (engine-calibrated).
struct CollectiveLatency {
  Seconds scale_up;
  Seconds scale_out;
};

/// Latency of a collective over `ranks` GPUs: the scale-out one once they span more than a domain.
[[nodiscard]] Seconds collective_latency(int ranks, const GpuSpec& gpu, const CollectiveLatency& latency);

/// Time to move `message` bytes per GPU among `ranks` GPUs: over scale-up when they share a domain;
/// else the share of peers outside the domain, 1 − domain/ranks, goes over scale-out.
[[nodiscard]] Seconds transfer_time(Bytes message, int ranks, const GpuSpec& gpu, const LinkRates& links);

/// Time to send `message` bytes from one GPU to a GPU in another node over its own scale-out link:
/// bytes over the achievable scale-out rate plus one scale-out latency (a point-to-point RDMA write).
[[nodiscard]] Seconds scale_out_send_time(Bytes message, const LinkRates& links, Seconds scale_out_latency);

/// Share of the message a ring all-reduce sends per GPU: 2·(n−1)/n (Patarasuk & Yuan 2009).
[[nodiscard]] double ring_allreduce_factor(int ranks);

/// Ring all-reduce time: 2·(n−1)/n · bytes / bandwidth + latency (Patarasuk & Yuan 2009).
[[nodiscard]] Seconds ring_allreduce_time(Bytes message, int ranks, BytesPerSecond bandwidth, Seconds latency);

/// Ring all-reduce over `ranks` GPUs with the links of `gpu`: 2·(n−1)/n · transfer_time + latency.
[[nodiscard]] Seconds allreduce_time(Bytes message, int ranks, const GpuSpec& gpu, const LinkRates& links,
                                     const CollectiveLatency& latency);

}  // namespace llmsizer
