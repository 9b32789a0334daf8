// Tests of estimator/error_bands: regimes, band tables by hand, fallback to coarser regimes, the
// leave-one-group-out check and the closed-loop throughput of measured runs.
#include "estimator/error_bands.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace {

using llmsizer::BandMetric;
using llmsizer::Regime;
using llmsizer::Residual;

const Regime moe_hopper_trtllm_low{"moe", "hopper", "trtllm", "1-8"};

std::vector<Residual> runs(const Regime& regime, BandMetric metric, const std::vector<double>& log_ratios) {
  std::vector<Residual> out;
  for (double r : log_ratios) out.push_back({metric, regime, r});
  return out;
}

}  // namespace

TEST_SUITE("validate") {
  TEST_CASE("regimes: concurrency bands and the order in which fields are dropped") {
    using llmsizer::concurrency_band;
    CHECK(concurrency_band(0) == "unbounded");
    CHECK(concurrency_band(1) == "1-8");
    CHECK(concurrency_band(8) == "1-8");
    CHECK(concurrency_band(9) == "9-64");
    CHECK(concurrency_band(64) == "9-64");
    CHECK(concurrency_band(65) == "65-256");
    CHECK(concurrency_band(257) == "> 256");
    const Regime r = llmsizer::regime_of(true, "hopper", "", 4);
    CHECK(r == Regime{"moe", "hopper", "default", "1-8"});
    CHECK(r.label() == "moe, hopper, default, concurrency 1-8");
    CHECK(llmsizer::coarsen(r, 1) == Regime{"moe", "hopper", "default", "*"});
    CHECK(llmsizer::coarsen(r, 2) == Regime{"moe", "hopper", "*", "*"});
    CHECK(llmsizer::coarsen(r, 3) == Regime{"moe", "*", "*", "*"});
    CHECK(llmsizer::coarsen(r, 4).label() == "all runs");
  }

  TEST_CASE("a band table by hand: nearest-rank p10 and p90 at every level") {
    // Ten runs, ln ratios -0.5 .. 0.4 in steps of 0.1: nearest rank p10 = ceil(0.1 * 10) = 1st =
    // -0.5, p90 = ceil(0.9 * 10) = 9th = 0.3. Every coarser regime holds the same ten runs.
    const auto entries = llmsizer::band_entries(
        runs(moe_hopper_trtllm_low, BandMetric::tpot, {0.4, -0.5, 0.3, -0.4, 0.2, -0.3, 0.1, -0.2, 0.0, -0.1}));
    REQUIRE(entries.size() == llmsizer::regime_levels);
    for (const auto& e : entries) {
      CHECK(e.runs == 10);
      CHECK(e.p10_log_ratio == doctest::Approx(-0.5));
      CHECK(e.p50_log_ratio == doctest::Approx(-0.1));  // ceil(0.5 * 10) = 5th
      CHECK(e.p90_log_ratio == doctest::Approx(0.3));
    }
  }

  TEST_CASE("a regime with few runs borrows the band of a coarser one, widened to its own runs") {
    // 20 runs of moe/hopper/trtllm at concurrency 9-64 with ln ratios 0.00 .. 0.19 (p10 = 2nd =
    // 0.01, p90 = 18th = 0.17), and 2 runs at concurrency 1-8 (0.30, 0.35).
    std::vector<double> many;
    for (int i = 0; i < 20; ++i) many.push_back(i * 0.01);
    auto residuals = runs({"moe", "hopper", "trtllm", "9-64"}, BandMetric::tpot, many);
    const auto few = runs(moe_hopper_trtllm_low, BandMetric::tpot, {0.30, 0.35});
    residuals.insert(residuals.end(), few.begin(), few.end());
    llmsizer::ErrorBands bands;
    bands.min_runs = 20;
    bands.entries = llmsizer::band_entries(residuals);

    const auto own = llmsizer::find_band(bands, BandMetric::tpot, {"moe", "hopper", "trtllm", "9-64"});
    REQUIRE(own);
    CHECK_FALSE(own->wide);
    CHECK(own->runs == 20);
    CHECK(own->low_factor() == doctest::Approx(std::exp(0.01)));
    CHECK(own->high_factor() == doctest::Approx(std::exp(0.17)));

    // 1-8 has 2 runs: the 22 runs of moe/hopper/trtllm (p10 = ceil(2.2) = 3rd = 0.02, p90 =
    // ceil(19.8) = 20th = 0.19), widened to the regime's own p90 0.35.
    const auto borrowed = llmsizer::find_band(bands, BandMetric::tpot, moe_hopper_trtllm_low);
    REQUIRE(borrowed);
    CHECK(borrowed->wide);
    CHECK(borrowed->own_runs == 2);
    CHECK(borrowed->runs == 22);
    CHECK(borrowed->regime == Regime{"moe", "hopper", "trtllm", "*"});
    CHECK(borrowed->low_factor() == doctest::Approx(std::exp(0.02)));
    CHECK(borrowed->high_factor() == doctest::Approx(std::exp(0.35)));
    CHECK(llmsizer::inside(*borrowed, 0.30));
    CHECK_FALSE(llmsizer::inside(*borrowed, 0.36));

    // A regime never measured falls to the coarsest level that has enough runs; a metric never
    // measured has no band.
    const auto dense = llmsizer::find_band(bands, BandMetric::tpot, {"dense", "ampere", "vllm", "1-8"});
    REQUIRE(dense);
    CHECK(dense->wide);
    CHECK(dense->own_runs == 0);
    CHECK(dense->regime.label() == "all runs");
    CHECK_FALSE(llmsizer::find_band(bands, BandMetric::ttft, moe_hopper_trtllm_low));
  }

  TEST_CASE("leave one group out: each run is judged by the bands of the other groups") {
    // Group a: ln ratios 0 and 0.1; group b: 1.0 and 1.1. Against b's table (p10 = p50 = 1.0, p90 =
    // 1.1) a's runs lie below a zero spread: they need an infinite widening, so a is outside. b's
    // runs need 10 and 11 against a's table, and b's widening (from a's runs) is the bound 100: inside.
    auto residuals = runs(moe_hopper_trtllm_low, BandMetric::ttft, {0.0, 0.1, 1.0, 1.1});
    const std::vector<std::string> groups = {"a", "a", "b", "b"};
    const auto inside = llmsizer::inside_leaving_group_out(residuals, groups, 1);
    REQUIRE(inside.size() == 4);
    for (const auto& x : inside) REQUIRE(x);
    CHECK_FALSE(inside[0]->inside);
    CHECK_FALSE(inside[1]->inside);
    CHECK(inside[2]->inside);
    CHECK(inside[3]->inside);
    const auto alone =
        llmsizer::inside_leaving_group_out(runs(moe_hopper_trtllm_low, BandMetric::ttft, {0.0}), {"a"}, 1);
    CHECK_FALSE(alone.front());
  }

  TEST_CASE("the widening is the 80% quantile of what held-out runs need (split conformal)") {
    // Group a: 0, 0.1, 0.2; group b: 0.1, 0.2, 0.3 (one regime, TPOT). b's table: p10 = 1st = 0.1,
    // p50 = ceil(1.5) = 2nd = 0.2, p90 = 3rd = 0.3, so a's runs need (0.2 - 0) / (0.2 - 0.1) = 2,
    // 1 and 0; symmetrically b's runs need 0, 1 and 2. The nearest-rank 80% quantile of
    // {0, 0, 1, 1, 2, 2} is the ceil(4.8) = 5th: 2. Metrics without runs stay at 1.
    auto residuals = runs(moe_hopper_trtllm_low, BandMetric::tpot, {0.0, 0.1, 0.2, 0.1, 0.2, 0.3});
    const std::vector<std::string> groups = {"a", "a", "a", "b", "b", "b"};
    const auto held_out = llmsizer::bands_leaving_group_out(residuals, groups, 1);
    REQUIRE(held_out[0]);
    CHECK(held_out[0]->needed_widening == doctest::Approx(2.0));
    CHECK(held_out[5]->needed_widening == doctest::Approx(2.0));
    const auto w = llmsizer::calibrate_widening(residuals, held_out);
    CHECK(w[static_cast<int>(BandMetric::tpot)] == doctest::Approx(2.0));
    CHECK(w[static_cast<int>(BandMetric::ttft)] == 1.0);
    // A widened band: [p50 - 2 (p50 - p10), p50 + 2 (p90 - p50)] = [0, 0.4] around b's table.
    llmsizer::Band b = held_out[0]->band;
    b.widening = 2;
    CHECK(b.low_factor() == doctest::Approx(std::exp(0.0)));
    CHECK(b.high_factor() == doctest::Approx(std::exp(0.4)));
    CHECK(llmsizer::inside(b, 0.0));
    CHECK_FALSE(llmsizer::inside(b, 0.41));
  }

  TEST_CASE("closed-loop throughput of a measured run") {
    // 8 users, 1000 output tokens, TTFT 0.5 s, TPOT 10 ms: a cycle is 0.5 + 999 * 0.01 = 10.49 s,
    // so 8 * 1000 / 10.49 = 762.63 tokens/s.
    CHECK(llmsizer::closed_loop_output_tok_s(8, 1000, 0.5, 0.01) == doctest::Approx(762.631).epsilon(1e-5));
    CHECK(llmsizer::parse_band_metric("output_tok_s") == BandMetric::output_tok_s);
    CHECK_FALSE(llmsizer::parse_band_metric("tpot_ms"));
  }
}
