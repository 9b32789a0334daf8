// request/price_choice.hpp — the $/GPU-hour a request uses: --price GPU=USD for one GPU type,
// --usd-per-gpu-hour for every GPU, --price LABEL or BASIS, else the GPU's own default basis: a GPU's
// price never depends on which other GPUs a command compares it with.
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

/// What a comparison does with a GPU that lacks the label or basis --price names: an error (a command
/// on one GPU), or leave it unpriced, which unpriced_note() then says (compare, plan, sweep, report).
/// Throws ConfigError (--price) when the option's label is neither a basis name nor a price label of
/// any of `gpus`: a misspelt label, with a did-you-mean, where comparisons would leave every GPU unpriced.
void check_price_label(const PriceOption& option, const std::vector<const GpuSpec*>& gpus);

enum class MissingNamedPrice : unsigned char { error, unpriced };

/// The price of `gpu`: its GPU=USD entry, else `usd_per_gpu_hour`, else the label (or the first price
/// of the basis) the option names — when `gpu` has neither, an error naming --price or unpriced, as
/// `missing` says — else its first price on its own default basis (default_price_basis). nullopt
/// when the GPU has no price.
[[nodiscard]] PriceChoice choose_price(const GpuSpec& gpu, const PriceOption& option,
                                       std::optional<double> usd_per_gpu_hour,
                                       MissingNamedPrice missing = MissingNamedPrice::error);

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

/// The default price basis of `gpu` in every command (estimate, --scenarios rows, sweep, compare, plan,
/// report, list): the first basis in default_basis_order it has a price on, whichever GPUs are beside
/// it; nullopt when it has no price.
[[nodiscard]] std::optional<PriceBasis> default_price_basis(const GpuSpec& gpu);

/// The first basis in default_basis_order that every GPU of `gpus` with a price has; nullopt when
/// there is none (or no GPU has a price). `--price` with it puts a comparison on one basis.
[[nodiscard]] std::optional<PriceBasis> shared_price_basis(const std::vector<const GpuSpec*>& gpus);

/// The GPU types of a comparison and the basis each is priced on (PriceChoice::basis; "" unpriced).
struct PricedGpu {
  const GpuSpec* gpu = nullptr;
  std::string basis;
};
/// When the priced GPUs of a comparison are on more than one basis (each on its own default, or some
/// given with --price GPU=USD): one line naming each GPU's basis, saying their $ figures are not like
/// for like, and the --price BASIS that puts all of them on one basis where they share one. nullopt
/// when they are on one basis.
[[nodiscard]] std::optional<std::string> mixed_basis_note(const std::vector<PricedGpu>& gpus);

/// For an estimate of `gpu` priced by default on `basis` (a price_basis_names entry) that is not the 3-year
/// rental every GPU with such a price defaults to: one line saying so and how to choose (two
/// single-GPU estimates are otherwise on different bases without a word). nullopt otherwise: the
/// price row names the basis in any case.
/// `estimate` prints it on stderr; the notes column of its JSON, CSV and Python output carries it.
[[nodiscard]] std::optional<std::string> default_basis_note(const GpuSpec& gpu, const std::string& basis);

/// The one wording of why `gpu` has no price and how to price it: that its profile has none, or that it
/// lacks the label or basis `asked` (--price; "" when none was named), with its own default price
/// (choose_price alone) and the --price GPU=USD that compares it at that figure.
[[nodiscard]] std::string unpriced_note(const GpuSpec& gpu, const std::string& asked);

}  // namespace llmsizer
