#include "request/scenario_rows.hpp"

#include <functional>
#include <string_view>
#include <utility>

#include "base/hash_mix.hpp"
#include "io/config_error.hpp"

namespace llmsizer {
namespace {

/// Sets aside, for its lifetime, the fields of a row that rows do not share, so that the rest of the
/// input compares and hashes as the key of the shared part.
class OwnFieldsSetAside {
 public:
  explicit OwnFieldsSetAside(ScenarioInput& input)
      : input_(input),
        id_(std::exchange(input.id, std::string())),
        isl_(std::exchange(input.isl, std::nullopt)),
        osl_(std::exchange(input.osl, std::nullopt)),
        concurrency_(std::exchange(input.concurrency, std::nullopt)) {}
  ~OwnFieldsSetAside() {
    input_.id = std::move(id_);
    input_.isl = isl_;
    input_.osl = osl_;
    input_.concurrency = concurrency_;
  }
  OwnFieldsSetAside(const OwnFieldsSetAside&) = delete;
  OwnFieldsSetAside& operator=(const OwnFieldsSetAside&) = delete;

 private:
  ScenarioInput& input_;
  std::string id_;
  std::optional<std::int64_t> isl_, osl_, concurrency_;
};

/// A hash of the fields that tell deployments apart most often; equality (every field) decides.
std::size_t shared_hash(const ScenarioInput& in) {
  std::size_t h = 0;
  const auto mix = [&h](std::size_t v) { hash_mix(h, v); };
  const std::hash<std::string_view> text;
  for (const std::string* s : {&in.model, &in.gpu, &in.engine, &in.weights, &in.kv}) mix(text(*s));
  for (const std::optional<int>* degree : {&in.gpus, &in.tp, &in.pp, &in.dp, &in.ep}) {
    mix(static_cast<std::size_t>(degree->value_or(-1)));
  }
  return h;
}

}  // namespace

ScenarioRows::Shared* ScenarioRows::shared(const ScenarioInput& in) {
  const std::size_t hash = shared_hash(in);
  for (std::size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] == hash && entries_[i]->key == in) return entries_[i].get();
  }
  ++misses_;
  auto entry = std::make_unique<Shared>();
  entry->key = in;
  entry->hash = hash;
  entry->layout_given = ScenarioResolver::layout_given(in);
  ScenarioResolver::Resolved& r = entry->resolved;
  try {
    // resolve()'s steps but the row's own (the workload and its context check), in its order; a
    // layout given by degrees does not read the workload.
    resolver_.resolve_names(in, r);
    entry->precisions = resolver_.precisions(in, r);
    if (entry->layout_given) r.deployment = resolver_.layout(in, r, entry->precisions, r.workload);
    resolver_.resolve_price(in, r);
  } catch (const ConfigError&) {
    return nullptr;
  }
  if (entries_.size() < capacity) {
    hashes_.push_back(hash);
    return entries_.emplace_back(std::move(entry)).get();
  }
  const std::size_t slot = oldest_;
  oldest_ = (oldest_ + 1) % capacity;
  hashes_[slot] = hash;
  entries_[slot] = std::move(entry);
  return entries_[slot].get();
}

const ScenarioResolver::Resolved& ScenarioRows::resolve(ScenarioInput& input) {
  last_ = nullptr;
  ScenarioResolver::check_request(input);
  Shared* entry = nullptr;
  if (!input.disaggregated()) {
    const OwnFieldsSetAside own(input);
    entry = shared(input);
  }
  if (!entry) {
    // Two pools (their batches and layouts read the workload), or a shared part that fails: resolve()
    // alone gives the answer, or the first error in its order.
    alone_ = resolver_.resolve(input);
    return alone_;
  }
  ScenarioResolver::Resolved& r = entry->resolved;
  resolver_.resolve_workload(input, r);
  if (!entry->layout_given) r.deployment = resolver_.layout(input, r, entry->precisions, r.workload);
  last_ = entry;
  return r;
}

Estimate ScenarioRows::estimate() {
  if (!last_) return estimate_resolved(alone_, prepared_);
  Shared& s = *last_;
  if (!s.layout_given) return estimate_resolved(s.resolved, prepared_);
  const ScenarioResolver::Resolved& r = s.resolved;
  if (!s.prepared) s.prepared = prepare_deployment(*r.prepared, *r.gpu, r.deployment, r.efficiency, r.usd_per_gpu_hour);
  Estimate e = llmsizer::estimate(*s.prepared, r.workload);
  add_resolved_notes(e, r);
  return e;
}

}  // namespace llmsizer
