#include "estimator/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmsizer {

std::vector<std::size_t> pareto_frontier(std::span<const ParetoPoint> points) {
  std::vector<std::size_t> order;
  order.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (std::isfinite(points[i].x) && std::isfinite(points[i].y)) order.push_back(i);
  }
  // x descending, then y descending, then index ascending: every point that could dominate a point
  // comes before it, and of identical points the lowest index comes first.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].x != points[b].x) return points[a].x > points[b].x;
    if (points[a].y != points[b].y) return points[a].y > points[b].y;
    return a < b;
  });
  std::vector<std::size_t> frontier;
  double best_y = -std::numeric_limits<double>::infinity();
  for (std::size_t i : order) {
    if (points[i].y > best_y) {
      frontier.push_back(i);
      best_y = points[i].y;
    }
  }
  return frontier;
}

}  // namespace llmsizer
