// The error bands of estimate rows (estimate_band, band_basis) and the caches of what rows of a batch
// share (BandCache by regime, BasisNoteCache by GPU and price basis): cli/estimate_row.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "base/hash_mix.hpp"
#include "cli/estimate_row.hpp"
#include "request/price_choice.hpp"

namespace llmsizer::cli {

std::optional<Band> estimate_band(const ScenarioResolver::Resolved& r, BandMetric metric) {
  // The bands come from co-located serving runs; one side or two pools are another regime.
  if (!r.error_bands || !r.model || !r.gpu || r.pools || r.workload.phase != Phase::mixed) return std::nullopt;
  const Regime regime = llmsizer::regime_of(r.model->is_moe(), r.gpu->generation, r.engine, r.workload.concurrency);
  return find_band(*r.error_bands, metric, regime);
}

std::string band_basis(const ScenarioResolver::Resolved& r) {
  if (!r.error_bands) return "no bands/1 profile for this calibration";
  if (r.pools || r.workload.phase != Phase::mixed) {
    return "none: the bands come from co-located serving runs, not from disaggregated pools";
  }
  const Regime asked = llmsizer::regime_of(r.model->is_moe(), r.gpu->generation, r.engine, r.workload.concurrency);
  std::vector<std::pair<std::string, std::string>> parts;  // basis -> its metrics
  for (BandMetric m : band_metrics) {
    const std::optional<Band> b = estimate_band(r, m);
    if (!b) continue;
    const std::string basis =
        b->wide ? fmt::format("wide: few measurements for this regime ({} of {}, {} needed), so the {} runs of {}",
                              b->own_runs, asked.label(), r.error_bands->min_runs, b->runs, b->regime.label())
                : fmt::format("{} measured runs of {}", b->runs, b->regime.label());
    auto it = std::find_if(parts.begin(), parts.end(), [&](const auto& p) { return p.first == basis; });
    if (it == parts.end())
      parts.emplace_back(basis, band_metric_name(m));
    else
      it->second += std::string(", ") + band_metric_name(m);
  }
  std::string out;
  for (const auto& [basis, metrics] : parts) out += (out.empty() ? "" : "; ") + metrics + ": " + basis;
  return out.empty() ? "no measured runs in the bands profile" : out;
}

const RowBands& BandCache::of(const ScenarioResolver::Resolved& r) {
  const bool named = r.model && r.gpu;
  const bool moe = named && r.model->is_moe();
  const std::string_view generation = named ? std::string_view(r.gpu->generation) : std::string_view();
  const std::string concurrency = concurrency_band(r.workload.concurrency);
  const bool pools = r.pools.has_value();
  // A hash of the key, compared first: a batch has a few dozen regimes, and most rows' key differs
  // from most entries' (equality of every member decides).
  std::size_t hash = std::hash<const void*>()(r.error_bands);
  const auto mix = [&hash](std::size_t v) { hash_mix(hash, v); };
  const std::hash<std::string_view> text;
  mix(text(generation));
  mix(text(r.engine));
  mix(text(concurrency));
  mix((moe ? 1U : 0U) | (pools ? 2U : 0U) | (static_cast<std::size_t>(r.workload.phase) << 2));
  for (std::size_t i = 0; i < hashes_.size(); ++i) {
    const Entry& e = cached_[i];
    if (hashes_[i] == hash && e.error_bands == r.error_bands && e.moe == moe && e.pools == pools &&
        e.phase == r.workload.phase && e.generation == generation && e.engine == r.engine &&
        e.concurrency == concurrency) {
      return e.bands;
    }
  }
  RowBands bands;
  for (BandMetric m : band_metrics) bands.band[static_cast<std::size_t>(m)] = estimate_band(r, m);
  bands.basis = band_basis(r);
  hashes_.push_back(hash);
  return cached_
      .emplace_back(Entry{r.error_bands, moe, std::string(generation), r.engine, concurrency, pools, r.workload.phase,
                          std::move(bands)})
      .bands;
}

const std::optional<std::string>& BasisNoteCache::of(const GpuSpec& gpu, const std::string& basis) {
  for (const Entry& e : cached_) {
    if (e.gpu == &gpu && e.basis == basis) return e.note;
  }
  return cached_.emplace_back(Entry{&gpu, basis, default_basis_note(gpu, basis)}).note;
}

}  // namespace llmsizer::cli
