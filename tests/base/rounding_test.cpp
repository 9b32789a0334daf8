// base/rounding.hpp: the inline floor and ceiling give std::floor's and std::ceil's value for every
// double, on the inline range (0 <= x < 2^52) and outside it.
#include "base/rounding.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace llmsizer {

TEST_CASE("rounding: floor_inline and ceil_inline equal std::floor and std::ceil") {
  std::vector<double> values = {0.0,    -0.5,  -1.0,   -2.5,   1e-300, 0.5,      1.0,
                                1.5,    2.0,   7.0,    1e15,   0x1p52, 0x1p52 + 2, 1e300,
                                -1e300, std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  // Around every integer of a few ranges, and across the top of the inline range, one ulp either side.
  for (double base : {1.0, 3.0, 64'000.0, 8'192.0, 123'456'789.0, 0x1p52 - 1.0, 0x1p51 + 0.5}) {
    values.push_back(base);
    values.push_back(std::nextafter(base, 0.0));
    values.push_back(std::nextafter(base, 1e300));
  }
  for (int i = 1; i < 2'000; ++i) values.push_back(64'000.0 * i / 8'000.0 + i / 7.0);
  for (const double x : values) {
    CAPTURE(x);
    CHECK(floor_inline(x) == std::floor(x));
    CHECK(ceil_inline(x) == std::ceil(x));
  }
  CHECK(std::isnan(floor_inline(std::numeric_limits<double>::quiet_NaN())));
  CHECK(std::isnan(ceil_inline(std::numeric_limits<double>::quiet_NaN())));
}

}  // namespace llmsizer
