#include "hardware/tco.hpp"

#include <cmath>

namespace llmsizer {
namespace {
constexpr double hours_per_year = 365.0 * 24.0;  // 8760; leap days are below the inputs' precision
constexpr double months_per_year = 12.0;
constexpr double watts_per_kilowatt = 1000.0;
}  // namespace

std::string_view name(PriceBasis basis) { return price_basis_names[static_cast<int>(basis)]; }

std::optional<PriceBasis> parse_price_basis(std::string_view text) {
  for (size_t i = 0; i < std::size(price_basis_names); ++i) {
    if (price_basis_names[i] == text) return static_cast<PriceBasis>(i);
  }
  return std::nullopt;
}

double capital_recovery_factor(double rate_per_year, double years) {
  if (rate_per_year == 0) return 1.0 / years;
  return rate_per_year / (1.0 - std::pow(1.0 + rate_per_year, -years));
}

Usd purchase_per_gpu(const PurchasePrice& price, int gpus_per_node, const TcoAssumptions& a) {
  if (price.per_server) return usd(price.amount.value / gpus_per_node);
  return usd(price.amount.value * a.server_to_card_cost_ratio);
}

TcoBreakdown owned_cost_per_gpu_hour(Usd purchase, Watts tdp, const TcoAssumptions& a) {
  TcoBreakdown b;
  b.capital_per_gpu_hour =
      usd(purchase.value * capital_recovery_factor(a.cost_of_capital_per_year, a.depreciation_years) / hours_per_year);
  const double drawn_kw = (tdp.value * a.gpu_utilization + a.server_overhead_per_gpu.value) / watts_per_kilowatt;
  b.energy_per_gpu_hour = usd(drawn_kw * a.pue * a.usd_per_kwh);
  const double provisioned_kw = (tdp.value + a.server_overhead_per_gpu.value) / watts_per_kilowatt;
  b.hosting_per_gpu_hour = usd(provisioned_kw * a.hosting_usd_per_kw_month * months_per_year / hours_per_year);
  return b;
}

}  // namespace llmsizer
