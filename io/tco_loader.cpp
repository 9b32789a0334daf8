// io/tco_loader.cpp — a tco/1 profile as TcoAssumptions: each field checked for presence and range,
// and each covered by a source (docs/profiles.md#tco1).
#include "io/tco_loader.hpp"

#include <fmt/format.h>

#include "io/profile_loader_internal.hpp"

namespace llmsizer {
namespace {

using profile_detail::ProfileKeys;

const std::vector<std::string_view> tco_keys = {"schema",
                                                "name",
                                                "source",
                                                "depreciation_years",
                                                "cost_of_capital_per_year",
                                                "server_to_card_cost_ratio",
                                                "gpu_utilization",
                                                "server_overhead_w_per_gpu",
                                                "pue",
                                                "usd_per_kwh",
                                                "hosting_usd_per_kw_month",
                                                "notes",
                                                "sources"};
const ProfileKeys tco_profile_keys = {tco_keys, {}};

}  // namespace

TcoAssumptions parse_tco(const YAML::Node& root, const SourceText& source) {
  const MapReader doc(root, "", source, tco_keys);
  if (doc.string("schema") != "tco/1") throw doc.error("schema", "expected 'tco/1'");
  TcoAssumptions a;
  a.name = doc.string("name");
  if (!profile_detail::valid_name(a.name)) {
    throw doc.error("name", "must be lower-case letters, digits, '-', '_' or '.' (it is the file name)");
  }
  a.depreciation_years = doc.number("depreciation_years", {0, 30, true, "years"});
  a.cost_of_capital_per_year = doc.number("cost_of_capital_per_year", {0, 1, false, "per year"});
  a.server_to_card_cost_ratio = doc.number("server_to_card_cost_ratio", {1, 10, false, ""});
  a.gpu_utilization = doc.number("gpu_utilization", {0, 1, false, ""});
  a.server_overhead_per_gpu = watts(doc.number("server_overhead_w_per_gpu", {0, 10000, false, "W", "mW", "kW"}));
  a.pue = doc.number("pue", {1, 5, false, ""});
  a.usd_per_kwh = doc.number("usd_per_kwh", {0, 10, false, "$/kWh"});
  a.hosting_usd_per_kw_month = doc.number("hosting_usd_per_kw_month", {0, 10000, false, "$/kW-month"});
  const std::vector<Citation> sources = profile_detail::parse_sources(doc, tco_profile_keys);
  profile_detail::require_sources_for(doc, sources,
                                      {"depreciation_years", "cost_of_capital_per_year", "server_to_card_cost_ratio",
                                       "gpu_utilization", "server_overhead_w_per_gpu", "pue", "usd_per_kwh",
                                       "hosting_usd_per_kw_month"});
  a.source = source.file;
  return a;
}

void add_owned_price(GpuSpec& gpu, const TcoAssumptions& a) {
  if (!gpu.purchase || find_price(gpu, owned_price_label)) return;
  const Usd purchase = purchase_per_gpu(*gpu.purchase, gpu.gpus_per_node, a);
  const TcoBreakdown cost = owned_cost_per_gpu_hour(purchase, gpu.tdp, a);
  const std::string source = fmt::format(
      "TCO model (tco/1 '{}'): ${:.0f} per GPU{} over {} years at {}% cost of capital, {:.0f} W TDP; purchase: {}",
      a.name, purchase.value, gpu.purchase->per_server ? " (server price / GPUs per node)" : " incl. server share",
      a.depreciation_years, a.cost_of_capital_per_year * 100, gpu.tdp.value, gpu.purchase->source);
  gpu.prices.push_back({std::string(owned_price_label), cost.total(), source, gpu.purchase->date, PriceBasis::owned});
}

}  // namespace llmsizer
