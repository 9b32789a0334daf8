#include "estimator/pareto.hpp"

#include <algorithm>
#include <cassert>
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

void ParetoFrontier::add(ParetoPoint p, std::size_t index) {
  assert(std::all_of(indices_.begin(), indices_.end(), [&](std::size_t i) { return i < index; }));
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) return;
  // pareto_frontier keeps p unless a point before it in its order (x descending, y descending, index
  // ascending) has y >= p.y. Every earlier index is lower, so those are the points with x >= p.x; of
  // them, a frontier point has the highest y (any other is below one that comes before it), and
  // frontier points with x >= p.x are a prefix whose y ascends, so its last point decides.
  const auto at_least = std::partition_point(points_.begin(), points_.end(), [&](ParetoPoint q) { return q.x >= p.x; });
  if (at_least != points_.begin() && std::prev(at_least)->y >= p.y) return;
  // p is kept; it now comes before every frontier point with x == p.x (all lower in y) and, of those
  // with x < p.x, before the ones with y <= p.y (a prefix of them: y ascends).
  const auto first = std::partition_point(points_.begin(), at_least, [&](ParetoPoint q) { return q.x > p.x; });
  const auto last = std::partition_point(at_least, points_.end(), [&](ParetoPoint q) { return q.y <= p.y; });
  const auto from = first - points_.begin();
  const auto to = last - points_.begin();
  points_.erase(points_.begin() + from, points_.begin() + to);
  indices_.erase(indices_.begin() + from, indices_.begin() + to);
  points_.insert(points_.begin() + from, p);
  indices_.insert(indices_.begin() + from, index);
}

}  // namespace llmsizer
