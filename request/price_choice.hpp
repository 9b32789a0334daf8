// request/price_choice.hpp — the $/GPU-hour a request uses: --price GPU=USD for one GPU type,
// --usd-per-gpu-hour for every GPU, --price LABEL or BASIS, else the profile's price on one basis for
// the whole command (a comparison never mixes bases unless the user gives the prices).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hardware/gpu_spec.hpp"
#include "io/catalog.hpp"

namespace llmsizer {

/// What a price given on the command line is labelled and based on.
inline constexpr const char* user_price_label = "user";

struct PriceChoice {
  std::optional<double> usd_per_gpu_hour;  // nullopt: unpriced
  std::string label;                       // the profile's label, or "user"
  std::string basis;                       // on-demand, reserved, 3yr-rental, owned; "user"; "" unpriced
};

/// How text names a PriceChoice::basis: "on-demand", "reserved", "3-year rental", "owned (TCO)",
/// "user-given"; "" when unpriced.
[[nodiscard]] std::string price_basis_text(const std::string& basis);

/// --price as given: entries joined by ',' (the option repeats), each "GPU=USD" for that GPU type or
/// one label or basis name for the rest. Throws ConfigError naming --price: an unknown GPU (with the
/// catalog's did-you-mean), a bad number, a GPU given twice, two labels.
struct PriceOption {
  std::vector<std::pair<const GpuSpec*, double>> per_gpu;
  std::string label;  // a label or basis name; "" for the default
};
[[nodiscard]] PriceOption parse_price_option(const Catalog& catalog, const std::string& text);

/// The price of `gpu`: its GPU=USD entry, else `usd_per_gpu_hour`, else the label (or the first price
/// of the basis) the option names — an error naming --price when `gpu` has neither — else the first
/// price on `basis`, else (no basis) the GPU's first price. nullopt when the GPU has no such price.
[[nodiscard]] PriceChoice choose_price(const GpuSpec& gpu, const PriceOption& option,
                                       std::optional<double> usd_per_gpu_hour,
                                       std::optional<PriceBasis> basis = std::nullopt);

/// A warning for each GPU=USD entry of `option` that names none of `gpus` (the run's GPUs): that
/// price is not used, which is said rather than dropped silently.
[[nodiscard]] std::vector<std::string> unused_price_warnings(const PriceOption& option,
                                                             const std::vector<const GpuSpec*>& gpus);

/// True when `option` names a label or basis that `gpu` has a price for (or names none).
[[nodiscard]] bool has_named_price(const GpuSpec& gpu, const PriceOption& option);

/// The one basis a command over `gpus` prices on by default: the first GPU's first basis when every
/// priced GPU has it, else the first basis (in price_basis_names order) that most of them have;
/// nullopt when none is priced.
[[nodiscard]] std::optional<PriceBasis> common_price_basis(const std::vector<const GpuSpec*>& gpus);

/// Why `gpu` is unpriced in a comparison priced on `basis` (a PriceChoice::basis), and how to price
/// it: its profile's first price, on another basis, and the --price GPU=USD that compares it at that
/// figure; or that its profile has no price.
[[nodiscard]] std::string unpriced_note(const GpuSpec& gpu, const std::string& basis);

}  // namespace llmsizer
