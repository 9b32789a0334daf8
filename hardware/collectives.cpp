#include "hardware/collectives.hpp"

#include <algorithm>
#include <cmath>

namespace llmsizer {

Seconds collective_latency(int ranks, const GpuSpec& gpu, const CollectiveLatency& latency) {
  return ranks <= gpu.scale_up.domain_gpus ? latency.scale_up : latency.scale_out;
}

Seconds allreduce_latency(int ranks, const GpuSpec& gpu, const CollectiveLatency& latency) {
  const int domain = std::max(1, gpu.scale_up.domain_gpus);
  if (ranks <= domain) return latency.scale_up;
  const double domains = std::ceil(static_cast<double>(ranks) / domain);
  return seconds(latency.scale_up.value + 2.0 * std::log2(domains) * latency.scale_out.value);
}

double transfer_seconds_per_byte(int ranks, const GpuSpec& gpu, const LinkRates& links) {
  if (ranks <= 1) return 0.0;
  if (ranks <= gpu.scale_up.domain_gpus) return 1.0 / links.scale_up.value;
  const double off_domain = 1.0 - static_cast<double>(gpu.scale_up.domain_gpus) / ranks;
  return (1.0 - off_domain) / links.scale_up.value + off_domain / links.scale_out.value;
}

Seconds transfer_time(Bytes message, int ranks, const GpuSpec& gpu, const LinkRates& links) {
  return seconds(message.value * transfer_seconds_per_byte(ranks, gpu, links));
}

double node_deduplicated_alltoall_seconds_per_byte(double copies, int ranks, const GpuSpec& gpu,
                                                   const LinkRates& links) {
  if (ranks <= 1) return 0.0;
  const int domain = std::max(1, gpu.scale_up.domain_gpus);
  const double off_gpu_copies = copies * (ranks - 1.0) / ranks;
  if (ranks <= domain) return off_gpu_copies * transfer_seconds_per_byte(ranks, gpu, links);
  const double nodes = std::ceil(static_cast<double>(ranks) / domain);
  const double remote_nodes = (nodes - 1.0) * (1.0 - std::pow(1.0 - 1.0 / nodes, copies));
  const double rdma_s_per_byte = remote_nodes / links.scale_out.value;
  const double nvlink_s_per_byte = copies * (1.0 - 1.0 / domain) / links.scale_up.value;
  return std::max(rdma_s_per_byte, nvlink_s_per_byte);
}

Seconds node_deduplicated_alltoall_time(Bytes token_bytes, double copies, int ranks, const GpuSpec& gpu,
                                        const LinkRates& links) {
  return seconds(token_bytes.value * node_deduplicated_alltoall_seconds_per_byte(copies, ranks, gpu, links));
}

Seconds scale_out_send_time(Bytes message, const LinkRates& links, Seconds scale_out_latency) {
  return message / links.scale_out + scale_out_latency;
}

double ring_allreduce_factor(int ranks) {
  return ranks <= 1 ? 0.0 : 2.0 * (ranks - 1) / ranks;
}

Seconds ring_allreduce_time(Bytes message, int ranks, BytesPerSecond bandwidth, Seconds latency) {
  if (ranks <= 1) return seconds(0);
  return seconds(ring_allreduce_factor(ranks) * message.value / bandwidth.value) + latency;
}

double allreduce_seconds_per_byte(int ranks, const GpuSpec& gpu, const LinkRates& links) {
  return ring_allreduce_factor(ranks) * transfer_seconds_per_byte(ranks, gpu, links);
}

Seconds allreduce_time(Bytes message, int ranks, const GpuSpec& gpu, const LinkRates& links,
                       const CollectiveLatency& latency) {
  if (ranks <= 1) return seconds(0);
  return seconds(message.value * allreduce_seconds_per_byte(ranks, gpu, links)) +
         allreduce_latency(ranks, gpu, latency);
}

}  // namespace llmsizer
