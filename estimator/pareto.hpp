// estimator/pareto.hpp — the Pareto frontier of points with two objectives, both maximized
// (docs/methodology.md#sweep: output tokens/s per GPU against tokens/s per user).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace llmsizer {

/// Two objectives, both to maximize.
struct ParetoPoint {
  double x = 0;
  double y = 0;
};

/// True when `a` is at least as good as `b` in both objectives and better in one.
[[nodiscard]] constexpr bool dominates(ParetoPoint a, ParetoPoint b) {
  return a.x >= b.x && a.y >= b.y && (a.x > b.x || a.y > b.y);
}

/// Indices of the points no other point dominates, ordered by x descending (so y ascending).
/// Of several identical points only the first (lowest index) is kept; points with a non-finite
/// coordinate are never on the frontier. O(n log n): sort by x, keep each point that beats the best
/// y seen so far.
[[nodiscard]] std::vector<std::size_t> pareto_frontier(std::span<const ParetoPoint> points);

}  // namespace llmsizer
