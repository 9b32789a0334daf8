// request/scenario_rows.hpp — the rows of a scenarios batch (`estimate --scenarios`) resolved and
// estimated with what they share worked out once. Rows of a scenarios file mostly repeat a few
// deployments under many workloads; a row that differs from an earlier one only in its id, isl, osl
// and concurrency has the same model, GPU, engine, efficiency, precisions, price and error bands, and,
// when it gives layout degrees (tp/pp/dp/ep), the same layout and prepared deployment.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "estimator/prepared_deployment.hpp"
#include "request/prepared_deployments.hpp"
#include "request/resolver.hpp"

namespace llmsizer {

/// Resolves and estimates one row after another, each answer the one ScenarioResolver::resolve and
/// estimate_resolved give for the row alone (the same Resolved, Estimate and ConfigError): each row
/// still runs the checks that read its own fields (required fields and ranges, context window, and a
/// layout that depends on the workload), in resolve()'s order; a row whose shared part fails is
/// resolved alone, so its error is resolve()'s first. Owned by one batch; not for two threads at once.
class ScenarioRows {
 public:
  /// Shared parts kept; a new one at a full cache replaces the oldest.
  static constexpr std::size_t capacity = 256;

  explicit ScenarioRows(ScenarioResolver& resolver) : resolver_(resolver) {}
  ScenarioRows(const ScenarioRows&) = delete;
  ScenarioRows& operator=(const ScenarioRows&) = delete;

  /// resolver.resolve(input). Valid until the next call. `input` serves as scratch while the row's
  /// own fields are set aside, and is as given when this returns or throws.
  [[nodiscard]] const ScenarioResolver::Resolved& resolve(ScenarioInput& input);
  /// estimate_resolved() of the row resolve() returned last (which must have returned).
  [[nodiscard]] Estimate estimate();
  /// How many shared parts were worked out (for tests: rows that share one count once).
  [[nodiscard]] std::size_t shared_misses() const { return misses_; }

 private:
  struct Shared {
    ScenarioInput key;  // the rows' input with id, isl, osl and concurrency cleared
    std::size_t hash = 0;
    ScenarioResolver::Resolved resolved;  // complete but for the workload, warnings and (unless given) layout
    Deployment precisions;
    bool layout_given = false;
    std::optional<PreparedDeployment> prepared;  // when layout_given, on the first estimate; points into `resolved`
  };
  /// The shared part of `input` (whose own fields are set aside), worked out on a miss; nullptr when
  /// working it out fails (the row is then resolved alone).
  [[nodiscard]] Shared* shared(const ScenarioInput& input);

  ScenarioResolver& resolver_;
  std::vector<std::unique_ptr<Shared>> entries_;  // entries never move: `prepared` points into them
  std::vector<std::size_t> hashes_;               // entries_[i]->hash, scanned first
  std::size_t oldest_ = 0;
  std::size_t misses_ = 0;
  Shared* last_ = nullptr;            // the last row's shared part; nullptr: it was resolved alone
  ScenarioResolver::Resolved alone_;  // the last row resolved alone (disaggregated, or a failing shared part)
  PreparedDeployments prepared_;      // rows whose layout depends on their workload
};

}  // namespace llmsizer
