// hardware/tco.hpp — what a price is (its basis), what a GPU costs to buy, and the total cost of
// owning one for an hour (docs/profiles.md#tco1). Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/units.hpp"

namespace llmsizer {

/// What a $/GPU-hour figure stands for. A comparison uses one basis: an on-demand rate beside an
/// owner's cost is not a like-for-like difference.
enum class PriceBasis {
  on_demand,      // list price, pay by the hour
  reserved,       // committed or reserved capacity (capacity blocks, long-term rental assumptions)
  rental_3yr,     // three-year rental contract
  owned,          // cost of owning and running the GPU, from its purchase price by our TCO model
                  // (owned_cost_per_gpu_hour under a tco/1 profile): one method for every GPU
  published_tco,  // a source's all-in TCO figure (its own model and inputs, e.g. SemiAnalysis's)
};
inline constexpr std::string_view price_basis_names[] = {"on-demand", "reserved", "3yr-rental", "owned",
                                                         "published-tco"};

[[nodiscard]] std::string_view name(PriceBasis basis);
/// nullopt for a name outside price_basis_names.
[[nodiscard]] std::optional<PriceBasis> parse_price_basis(std::string_view text);

/// A purchase price as the source states it: one card, or a whole server (divided by its GPUs).
struct PurchasePrice {
  Usd amount;
  bool per_server = false;  // amount covers a server of GpuSpec::gpus_per_node GPUs, host included
  std::string source;
  std::string date;
};

/// The owner's assumptions, from a tco/1 profile (profiles/tco/default.yaml cites each).
struct TcoAssumptions {
  std::string name;
  double depreciation_years = 0;        // straight-line life of the hardware
  double cost_of_capital_per_year = 0;  // annual rate, e.g. 0.10
  double server_to_card_cost_ratio = 0; // server cost / card cost, for a price quoted per card
  double gpu_utilization = 0;           // average GPU draw as a fraction of TDP
  Watts server_overhead_per_gpu;        // host CPUs, NICs, switches, fans, PSU loss, per GPU
  double pue = 0;                       // facility power / IT power
  double usd_per_kwh = 0;
  double hosting_usd_per_kw_month = 0;  // colocation rent per kW of IT capacity, power excluded
  std::string source;                   // the profile file, for the price's source line
};

/// The parts of an owned $/GPU-hour, each already per GPU-hour.
struct TcoBreakdown {
  Usd capital_per_gpu_hour;  // purchase x capital recovery factor / hours per year
  Usd energy_per_gpu_hour;   // wall power x $/kWh
  Usd hosting_per_gpu_hour;  // colocation rent for the provisioned IT power
  [[nodiscard]] Usd total() const { return usd(capital_per_gpu_hour.value + energy_per_gpu_hour.value + hosting_per_gpu_hour.value); }
};

/// Capital recovery factor r / (1 - (1 + r)^-n): the level annual payment that repays 1 USD over n
/// years at rate r (annuity formula; Brealey, Myers & Allen, Principles of Corporate Finance, ch. 2).
/// At r = 0 it is 1/n, straight-line depreciation.
[[nodiscard]] double capital_recovery_factor(double rate_per_year, double years);

/// Purchase cost of one GPU with its share of the server: a server price / gpus_per_node, or a card
/// price x server_to_card_cost_ratio.
[[nodiscard]] Usd purchase_per_gpu(const PurchasePrice& price, int gpus_per_node, const TcoAssumptions& a);

/// Owned cost per GPU-hour (docs/profiles.md#tco1):
///   capital = purchase_per_gpu x CRF(r, n) / 8760 h
///   energy  = (TDP x utilization + server overhead) x PUE x $/kWh
///   hosting = (TDP + server overhead) x colocation $/kW-month x 12 / 8760 h (provisioned, not drawn)
[[nodiscard]] TcoBreakdown owned_cost_per_gpu_hour(Usd purchase_per_gpu, Watts tdp, const TcoAssumptions& a);

}  // namespace llmsizer
