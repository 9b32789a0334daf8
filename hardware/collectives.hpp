// hardware/collectives.hpp — time of collectives over a GPU's scale-up domain and the scale-out
// network (docs/methodology.md#communication).
#pragma once

#include "base/units.hpp"
#include "hardware/achievable.hpp"
#include "hardware/gpu_spec.hpp"

namespace llmsizer {

/// Fixed costs of collectives (engine-calibrated): one collective inside a scale-up domain (the
/// engines' one-shot NVLink kernels, whatever the rank count), and one hop between domains over the
/// scale-out network (RDMA).
struct CollectiveLatency {
  Seconds scale_up;
  Seconds scale_out;
};

/// Latency of an all-to-all over `ranks` GPUs: the scale-up one inside a domain; across domains every
/// rank sends to its remote peers at once, so one scale-out hop.
[[nodiscard]] Seconds collective_latency(int ranks, const GpuSpec& gpu, const CollectiveLatency& latency);

/// Latency of an all-reduce over `ranks` GPUs. Inside a domain: the scale-up latency. Across
/// N = ceil(ranks / domain) domains the engines' NVLink kernels do not reach and NCCL's tree runs:
/// the domain's part plus 2·log2(N) scale-out hops, up the tree and back down (NCCL
/// src/graph/tuning.cc, tree latency base + 2·((n/N − 1)·intra + log2(N)·inter); docs/methodology.md#step-time).
[[nodiscard]] Seconds allreduce_latency(int ranks, const GpuSpec& gpu, const CollectiveLatency& latency);

/// Time to move `message` bytes per GPU among `ranks` GPUs: over scale-up when they share a domain;
/// else the share of peers outside the domain, 1 − domain/ranks, goes over scale-out.
[[nodiscard]] Seconds transfer_time(Bytes message, int ranks, const GpuSpec& gpu, const LinkRates& links);

/// Seconds per byte of transfer_time over `ranks` GPUs: transfer_time is linear in the message, so a
/// caller that sends messages of many sizes over one layout prepares this once.
[[nodiscard]] double transfer_seconds_per_byte(int ranks, const GpuSpec& gpu, const LinkRates& links);

/// Time of a token all-to-all over `ranks` GPUs that sends each token once per node, as DeepSeek-V3's
/// cross-node dispatch and combine do (arXiv 2412.19437 §3.2.2; DeepEP's normal kernels, which
/// engines run on prefill batches): a token goes over RDMA once to each remote node holding any of
/// its `copies` destinations, to the GPU with the same in-node index, which forwards it over NVLink
/// (combine: accumulated on that GPU, sent back once). `token_bytes` is one GPU's tokens × bytes per
/// token. With destinations uniform over N = ceil(ranks / domain) nodes a token reaches
/// (N − 1)·(1 − (1 − 1/N)^copies) remote nodes (occupancy), and (1 − 1/domain) of its copies cross
/// NVLink; the forward is pipelined with the RDMA transfer, so the slower link sets the time. Inside
/// one domain it is transfer_time of the copies sent off-GPU.
[[nodiscard]] Seconds node_deduplicated_alltoall_time(Bytes token_bytes, double copies, int ranks, const GpuSpec& gpu,
                                                      const LinkRates& links);

/// Seconds per byte of one GPU's tokens in node_deduplicated_alltoall_time (linear in them).
[[nodiscard]] double node_deduplicated_alltoall_seconds_per_byte(double copies, int ranks, const GpuSpec& gpu,
                                                                 const LinkRates& links);

/// Time to send `message` bytes from one GPU to a GPU in another node over its own scale-out link:
/// bytes over the achievable scale-out rate plus one scale-out latency (a point-to-point RDMA write).
[[nodiscard]] Seconds scale_out_send_time(Bytes message, const LinkRates& links, Seconds scale_out_latency);

/// Share of the message a ring all-reduce sends per GPU: 2·(n−1)/n (Patarasuk & Yuan 2009).
[[nodiscard]] double ring_allreduce_factor(int ranks);

/// Ring all-reduce time: 2·(n−1)/n · bytes / bandwidth + latency (Patarasuk & Yuan 2009).
[[nodiscard]] Seconds ring_allreduce_time(Bytes message, int ranks, BytesPerSecond bandwidth, Seconds latency);

/// Seconds per byte of the message in allreduce_time, its latency apart: 2·(n−1)/n ·
/// transfer_seconds_per_byte.
[[nodiscard]] double allreduce_seconds_per_byte(int ranks, const GpuSpec& gpu, const LinkRates& links);

/// Ring all-reduce over `ranks` GPUs with the links of `gpu`: 2·(n−1)/n · transfer_time +
/// allreduce_latency.
[[nodiscard]] Seconds allreduce_time(Bytes message, int ranks, const GpuSpec& gpu, const LinkRates& links,
                                     const CollectiveLatency& latency);

}  // namespace llmsizer
