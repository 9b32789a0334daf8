// The owned cost of a GPU-hour (hardware/tco.hpp) by hand, and the owned price every shipped GPU with
// a purchase price gets from profiles/tco/default.yaml.
#include "hardware/tco.hpp"

#include <doctest/doctest.h>

#include "tests/test_support.hpp"
#include "io/tco_loader.hpp"

namespace llmsizer {
namespace {

/// Round inputs: 5 years at 10%, server 1.4x card, 75% draw, 575 W overhead, PUE 1.25, $0.10/kWh,
/// $150 per kW-month.
TcoAssumptions round_assumptions() {
  TcoAssumptions a;
  a.name = "round";
  a.depreciation_years = 5;
  a.cost_of_capital_per_year = 0.10;
  a.server_to_card_cost_ratio = 1.4;
  a.gpu_utilization = 0.75;
  a.server_overhead_per_gpu = watts(575);
  a.pue = 1.25;
  a.usd_per_kwh = 0.10;
  a.hosting_usd_per_kw_month = 150;
  return a;
}

TEST_SUITE("units") {
  TEST_CASE("capital recovery factor: annuity at a rate, straight line at zero") {
    // 0.10 / (1 - 1.1^-5) = 0.10 / (1 - 0.620921) = 0.263797
    CHECK(capital_recovery_factor(0.10, 5) == doctest::Approx(0.263797).epsilon(1e-5));
    CHECK(capital_recovery_factor(0.0, 4) == doctest::Approx(0.25));
  }

  TEST_CASE("purchase per GPU: a card with its server share, a server over its GPUs") {
    const TcoAssumptions a = round_assumptions();
    CHECK(purchase_per_gpu({usd(12000), false, "", ""}, 8, a).value == doctest::Approx(16800));   // 12000 x 1.4
    CHECK(purchase_per_gpu({usd(270000), true, "", ""}, 8, a).value == doctest::Approx(33750));   // 270000 / 8
  }

  TEST_CASE("owned $/GPU-hour of a 400 W GPU bought as a $12,000 card") {
    const TcoBreakdown b = owned_cost_per_gpu_hour(usd(16800), watts(400), round_assumptions());
    // capital: 16800 x 0.263797 / 8760 = 4431.79 / 8760 = 0.505912 $/h
    CHECK(b.capital_per_gpu_hour.value == doctest::Approx(0.505912).epsilon(1e-5));
    // energy: (400 x 0.75 + 575) W = 0.875 kW x 1.25 PUE x $0.10 = 0.109375 $/h
    CHECK(b.energy_per_gpu_hour.value == doctest::Approx(0.109375));
    // hosting: (400 + 575) W = 0.975 kW x $150 x 12 / 8760 = 0.200342 $/h
    CHECK(b.hosting_per_gpu_hour.value == doctest::Approx(0.200342).epsilon(1e-5));
    CHECK(b.total().value == doctest::Approx(0.505912 + 0.109375 + 0.200342).epsilon(1e-5));
  }

  TEST_CASE("price basis names round-trip and nothing else parses") {
    for (std::string_view n : price_basis_names) CHECK(name(*parse_price_basis(n)) == n);
    CHECK_FALSE(parse_price_basis("ondemand").has_value());
  }
}

TEST_SUITE("profiles") {
  TEST_CASE("every shipped GPU with a purchase price has an owned price from the default TCO profile") {
    const Catalog catalog = test::shipped_catalog();
    int purchased = 0;
    for (const GpuSpec& gpu : catalog.gpus) {
      if (!gpu.purchase) continue;
      ++purchased;
      const PricePoint* owned = find_price(gpu, owned_price_label);
      REQUIRE_MESSAGE(owned != nullptr, gpu.name);
      CHECK(owned->basis == PriceBasis::owned);
      CHECK_MESSAGE(owned->per_gpu_hour.value > 0.1, gpu.name);
      CHECK_MESSAGE(owned->per_gpu_hour.value < 10, gpu.name);
    }
    CHECK(purchased >= 5);  // h20, h100-sxm, h200-sxm, b200, mi300x
  }

  TEST_CASE("H20's owned price from its $12,000 card price, by hand") {
    const Catalog catalog = test::shipped_catalog();
    const GpuSpec& h20 = catalog.gpu("h20");
    const PricePoint* owned = find_price(h20, owned_price_label);
    REQUIRE(owned != nullptr);
    // 12000 x 1.4 = 16800; x 0.263797 / 8760 = 0.505912
    // + (400 x 0.75 + 575) W = 0.875 kW x 1.25 x $0.091 = 0.099531
    // + 0.975 kW x $184.06 x 12 / 8760 = 0.245834  ->  0.851277 $/GPU-hour
    CHECK(owned->per_gpu_hour.value == doctest::Approx(0.851277).epsilon(1e-4));
  }
}

}  // namespace
}  // namespace llmsizer
