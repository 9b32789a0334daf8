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
  std::string basis;                       // a price_basis_names entry; "user"; "" unpriced
};

/// How text names a PriceChoice::basis: "on-demand", "reserved", "3-year rental", "owned (TCO model)",
/// "published TCO", "user-given"; "" when unpriced.
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
/// of the basis) the option names — an error naming --price when `gpu` has neither — else its first
/// price on `basis`, by default common_price_basis({&gpu}). nullopt when the GPU has no such price.
[[nodiscard]] PriceChoice choose_price(const GpuSpec& gpu, const PriceOption& option,
                                       std::optional<double> usd_per_gpu_hour,
                                       std::optional<PriceBasis> basis = std::nullopt);

/// The price a command on `gpu` alone uses when none is given: choose_price with no option.
[[nodiscard]] PriceChoice default_price(const GpuSpec& gpu);

/// A warning for each GPU=USD entry of `option` that names none of `gpus` (the run's GPUs): that
/// price is not used, which is said rather than dropped silently.
[[nodiscard]] std::vector<std::string> unused_price_warnings(const PriceOption& option,
                                                             const std::vector<const GpuSpec*>& gpus);

/// True when `option` names a label or basis that `gpu` has a price for (or names none).
[[nodiscard]] bool has_named_price(const GpuSpec& gpu, const PriceOption& option);

/// The order that breaks a tie between bases: a market rental rate first, then our TCO model's owned
/// cost, then committed and list rates; a source's all-in TCO figure last (asked for by name).
inline constexpr PriceBasis default_basis_order[] = {PriceBasis::rental_3yr, PriceBasis::owned, PriceBasis::reserved,
                                                     PriceBasis::on_demand, PriceBasis::published_tco};

/// The one default price choice of every command (estimate, --scenarios rows, sweep, compare, plan,
/// report, list): a command over `gpus` prices on the basis most of them have a price on, a tie going
/// to the earlier basis in default_basis_order; nullopt when none is priced. A GPU alone gets its own
/// first basis in that order, so one GPU with the same GPUs beside it gets the same price everywhere.
[[nodiscard]] std::optional<PriceBasis> common_price_basis(const std::vector<const GpuSpec*>& gpus);

/// For an estimate of `gpu` priced by default on `basis` (a price_basis_names entry) that is not the 3-year
/// rental every GPU with such a price defaults to: one line saying so and how to choose (two
/// single-GPU estimates are otherwise on different bases without a word). nullopt otherwise: the
/// price row names the basis in any case.
/// `estimate` prints it on stderr; the notes column of its JSON, CSV and Python output carries it.
[[nodiscard]] std::optional<std::string> default_basis_note(const GpuSpec& gpu, const std::string& basis);

/// The one wording of why `gpu` has no price in a run priced on `basis` (a PriceChoice::basis; "" when
/// nothing is priced) and how to price it: its own default price (choose_price alone) and the
/// --price GPU=USD that compares it at that figure; or that its profile has no price.
[[nodiscard]] std::string unpriced_note(const GpuSpec& gpu, const std::string& basis);
/// The same for a run priced by default on `basis` (nullopt: nothing is priced).
[[nodiscard]] std::string unpriced_note(const GpuSpec& gpu, std::optional<PriceBasis> basis);

}  // namespace llmsizer
