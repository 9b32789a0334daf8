// io/spec_codec.hpp — the parsed, validated spec of one profile file in a binary form, for the
// profile cache (io/profile_cache.hpp). Every field of every spec is written: the codec names each
// struct's members in a structured binding, so adding a member to a spec without adding it here
// does not compile (io/spec_codec.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "estimator/efficiency.hpp"
#include "estimator/error_bands.hpp"
#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"
#include "hardware/tco.hpp"

namespace llmsizer {

/// A measurements/1 file among the profiles: `validate` reads it; the catalog keeps nothing of it.
struct MeasurementsProfile {};

/// What load_catalog keeps of one profile file.
using ParsedProfile = std::variant<GpuSpec, ModelSpec, Calibration, ErrorBands, TcoAssumptions, MeasurementsProfile>;

/// The bytes of `profile`; decode_profile reads them back into an equal spec.
[[nodiscard]] std::string encode_profile(const ParsedProfile& profile);
/// The profile encode_profile wrote into `bytes`; nullopt when `bytes` are not exactly one encoded
/// profile (truncated, trailing bytes, an impossible size or variant index).
[[nodiscard]] std::optional<ParsedProfile> decode_profile(std::string_view bytes);

}  // namespace llmsizer
