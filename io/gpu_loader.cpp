// io/gpu_loader.cpp — a gpu/1 profile as a GpuSpec: each field checked for presence, type and range,
// then the cross-field rules (visible memory within the installed, scale-up domain dividing the node).
#include <fmt/format.h>

#include "io/did_you_mean.hpp"
#include "io/profile_loader.hpp"
#include "io/profile_loader_internal.hpp"

namespace llmsizer {
namespace {

using profile_detail::ProfileKeys;

const std::vector<std::string_view> gpu_keys = {"schema",
                                                "name",
                                                "display_name",
                                                "aliases",
                                                "vendor",
                                                "generation",
                                                "launch_year",
                                                "memory_gb",
                                                "memory_visible_gib",
                                                "memory_bw_gbps",
                                                "dense_tflops",
                                                "scale_up",
                                                "scale_out_bw_gbps_per_dir",
                                                "gpus_per_node",
                                                "tdp_w",
                                                "prices",
                                                "purchase",
                                                "notes",
                                                "sources"};
const std::vector<std::string_view> dense_tflops_keys(compute_type_names.begin(), compute_type_names.end());
const std::vector<std::string_view> scale_up_keys = {"kind", "domain_gpus", "bw_gbps_per_dir", "latency_us"};
const std::vector<std::string_view> purchase_keys = {"usd", "per", "source", "date"};
const ProfileKeys gpu_profile_keys = {
    gpu_keys, {{"dense_tflops", dense_tflops_keys}, {"scale_up", scale_up_keys}, {"purchase", purchase_keys}}};

LinkSpec parse_scale_up(const MapReader& doc) {
  const MapReader link = doc.map("scale_up", scale_up_keys);
  LinkSpec spec;
  spec.kind = link.string("kind");
  spec.domain_gpus = static_cast<int>(link.integer("domain_gpus", 1, 100000));
  spec.bandwidth_per_direction =
      gigabytes_per_second(link.number("bw_gbps_per_dir", {0.1, 20000, false, "GB/s", "MB/s", "TB/s"}));
  if (auto latency = link.optional_number("latency_us", {0, 1000, true, "us"})) spec.latency = microseconds(*latency);
  return spec;
}

/// A field's error: thrown, or under check collected with the file's others while reading goes on.
void field_rule(const MapReader& map, std::string_view key, const std::string& message) {
  field_error(map.source(), map.error(key, message));
}

PriceBasis parse_basis(const MapReader& price) {
  const std::string text = price.string("basis");
  constexpr PriceBasis stand_in = PriceBasis::on_demand;  // what check reads on with
  if (auto basis = parse_price_basis(text)) {
    // One method for every owned price: our TCO model from `purchase` (io/tco_loader.hpp).
    if (*basis != PriceBasis::owned) return *basis;
    field_rule(price, "basis",
               "'owned' prices are computed from the GPU's purchase price by the TCO model (give "
               "`purchase:`); list a source's all-in TCO figure as 'published-tco'");
    return stand_in;
  }
  if (!price.has("basis")) return stand_in;  // check: reported as missing
  std::string names;
  std::vector<std::string_view> listable;
  for (std::string_view n : price_basis_names) {
    if (n != name(PriceBasis::owned)) listable.push_back(n);
  }
  for (std::string_view n : listable) names += (names.empty() ? "" : ", ") + std::string(n);
  field_rule(price, "basis",
             fmt::format("unknown price basis '{}' (expected one of {}){}", text, names, did_you_mean(text, listable)));
  return stand_in;
}

std::vector<PricePoint> parse_prices(const MapReader& doc) {
  std::vector<PricePoint> prices;
  if (!doc.has("prices")) return prices;
  const YAML::Node list = doc.get("prices");
  if (!list.IsSequence()) {
    field_rule(doc, "prices", "expected a list of {label, basis, usd_per_gpu_hour, source, date}");
    return prices;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const MapReader p(list[i], fmt::format("prices[{}]", i), doc.source(),
                      {"label", "basis", "usd_per_gpu_hour", "source", "date"});
    PricePoint price{p.string("label"), usd(p.number("usd_per_gpu_hour", {0, max_usd_per_gpu_hour, true, "$/GPU-hour"})),
                     p.string("source"), p.string("date"), parse_basis(p)};
    for (const PricePoint& other : prices) {
      if (edit_distance(other.label, price.label) == 0) field_rule(p, "label", "duplicate price label");
    }
    prices.push_back(std::move(price));
  }
  return prices;
}

/// purchase: {usd, per: card | server, source, date} — what one card or one whole server costs.
std::optional<PurchasePrice> parse_purchase(const MapReader& doc) {
  if (!doc.has("purchase")) return std::nullopt;
  const MapReader p = doc.map("purchase", purchase_keys);
  PurchasePrice price;
  price.amount = usd(p.number("usd", {1, 100'000'000, false, "USD"}));
  const std::string per = p.string("per");
  const bool reported_missing = !p.has("per");  // check reads on after "missing required key"
  if (per != "card" && per != "server" && !reported_missing) {
    field_rule(p, "per",
               fmt::format("expected 'card' or 'server', not '{}'{}", per, did_you_mean(per, {"card", "server"})));
  }
  price.per_server = per == "server";
  price.source = p.string("source");
  price.date = p.string("date");
  return price;
}

}  // namespace

GpuSpec parse_gpu(const YAML::Node& root, const SourceText& source) {
  const MapReader doc(root, "", source, gpu_keys);
  if (doc.string("schema") != "gpu/1") throw doc.error("schema", "expected 'gpu/1'");
  GpuSpec gpu;
  profile_detail::parse_header(doc, gpu_profile_keys, gpu);
  gpu.vendor = doc.string("vendor");
  gpu.generation = doc.string("generation");
  gpu.launch_year = static_cast<int>(doc.integer("launch_year", 1990, 2100));
  gpu.memory = gigabytes(doc.number("memory_gb", {1, 2000, false, "GB", "MB", "TB"}));
  if (auto visible = doc.optional_number("memory_visible_gib", {1, 2000, false, "GiB", "MiB", "TiB"})) {
    gpu.memory_visible = gibibytes(*visible);
    // The runtime cannot see more than is installed. Vendors quote HBM in binary units ("80 GB" is
    // 80 GiB of HBM), so the installed figure read as GiB is the upper bound.
    const double installed_gb = in_gigabytes(gpu.memory);
    if (*visible > installed_gb) {
      throw doc.error("memory_visible_gib",
                      fmt::format("{} GiB is more than the {} GB installed (memory_gb)", *visible, installed_gb));
    }
  }
  gpu.memory_bandwidth = gigabytes_per_second(doc.number("memory_bw_gbps", {10, 50000, false, "GB/s", "MB/s", "TB/s"}));
  const MapReader tflops = doc.map("dense_tflops", dense_tflops_keys);
  bool any = false;
  for (int i = 0; i < compute_type_count; ++i) {
    if (auto value =
            tflops.optional_number(compute_type_names[i], {0.1, 100000, false, "TFLOPS", "GFLOPS", "PFLOPS"})) {
      gpu.dense_throughput[i] = teraflops_per_second(*value);
      any = true;
    }
  }
  if (!any) throw doc.error("dense_tflops", "at least one data type needs a dense TFLOPS figure");
  gpu.scale_up = parse_scale_up(doc);
  gpu.scale_out_bandwidth_per_direction =
      gigabytes_per_second(doc.number("scale_out_bw_gbps_per_dir", {0.1, 10000, false, "GB/s", "MB/s", "TB/s"}));
  gpu.gpus_per_node = static_cast<int>(doc.integer("gpus_per_node", 1, 1024));
  gpu.tdp = watts(doc.number("tdp_w", {1, 10000, false, "W", "mW", "kW"}));
  gpu.prices = parse_prices(doc);
  gpu.purchase = parse_purchase(doc);
  profile_detail::require_sources_for(
      doc, gpu.sources,
      {"launch_year", "memory_gb", "memory_visible_gib", "memory_bw_gbps", "dense_tflops", "scale_up",
       "scale_out_bw_gbps_per_dir", "gpus_per_node", "tdp_w"});
  if (gpu.scale_up.domain_gpus > 1 && gpu.scale_up.domain_gpus < gpu.gpus_per_node &&
      gpu.gpus_per_node % gpu.scale_up.domain_gpus != 0) {
    throw doc.error("scale_up", fmt::format("domain_gpus ({}) must divide gpus_per_node ({})", gpu.scale_up.domain_gpus,
                                            gpu.gpus_per_node));
  }
  return gpu;
}

}  // namespace llmsizer
