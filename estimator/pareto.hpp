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

/// The frontier of points added one at a time with ascending indices: after any sequence of add(),
/// indices() equals pareto_frontier of the points added so far (tests/estimator/sweep_test.cpp
/// checks it on ties and non-finite points). An add costs a binary search and a move within the
/// frontier, which is small, so a sweep never sorts its rows to rank them.
class ParetoFrontier {
 public:
  /// Adds point `p` with index `index`, which must exceed every index added before.
  void add(ParetoPoint p, std::size_t index);
  /// The frontier's indices, by x descending (so y ascending).
  [[nodiscard]] const std::vector<std::size_t>& indices() const { return indices_; }

 private:
  std::vector<ParetoPoint> points_;  // of indices_, in the same order
  std::vector<std::size_t> indices_;
};

}  // namespace llmsizer
