// estimator/text_format.hpp — the sentences results carry (reasons, notes), built in one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/precision.hpp"
#include "base/units.hpp"

namespace llmsizer {

/// "weights 88.2 GB + KV 6.2 GB + activations 1.3 GB = 95.7 GB per GPU; 86.4 GB usable (90% of 96 GB)"
[[nodiscard]] std::string describe_shortfall(Bytes weights, Bytes kv, Bytes activations, Bytes usable, Bytes capacity,
                                             double utilization);

/// "FP8 weights run as BF16 matmuls on a100-80gb-sxm (weight-only: stored FP8, dequantized)"
[[nodiscard]] std::string weight_only_note(Precision stored, ComputeType compute, const std::string& gpu);

/// A whole number with thousands separators, as text output shows counts: "50,960" (never in CSV or JSON).
[[nodiscard]] std::string grouped(std::int64_t value);
/// A run of decimal digits with a comma before each group of three from the right: "1234567" ->
/// "1,234,567" (grouped, and io/table.hpp with_commas for the whole part of a figure).
[[nodiscard]] std::string grouped_digits(std::string_view digits);

/// A count and its noun, singular for one: "1 request", "2,048 requests"; `plural_noun` where the
/// plural is not noun + "s".
[[nodiscard]] std::string count_of(std::int64_t count, std::string_view noun, std::string_view plural_noun = {});

/// Upper-case display of a precision ("FP8", "NVFP4").
[[nodiscard]] std::string upper(std::string_view text);

}  // namespace llmsizer
