// io/tco_loader.hpp — tco/1 profiles (an owner's cost assumptions), and the owned price they give a
// GPU with a purchase price.
#pragma once

#include "hardware/gpu_spec.hpp"
#include "hardware/tco.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {

/// Parses and validates a tco/1 document (every number sourced). Throws ConfigError.
[[nodiscard]] TcoAssumptions parse_tco(const YAML::Node& root, const SourceText& source);

/// The label of the price computed from a GPU's purchase price.
inline constexpr std::string_view owned_price_label = "tco-owned";

/// Appends to `gpu.prices` the owned price from its purchase price under `assumptions` (basis owned,
/// label tco-owned); no change for a GPU without a purchase price or that already lists tco-owned.
void add_owned_price(GpuSpec& gpu, const TcoAssumptions& assumptions);

}  // namespace llmsizer
