#include "request/price_choice.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "base/ascii.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "io/number_text.hpp"
#include "io/table.hpp"

namespace llmsizer {
namespace {

constexpr const char* option = "--price";
static_assert(std::size(default_basis_order) == std::size(price_basis_names), "every basis has its place in the order");

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

double parse_usd(const std::string& gpu_text, const std::string& value_text) {
  std::string problem;
  const std::optional<double> value = number_from_text(value_text, &problem);
  if (!value) throw ConfigError(option, fmt::format("{}: {}", gpu_text, problem));
  if (!(*value > 0 && *value <= max_usd_per_gpu_hour)) {
    throw ConfigError(option, fmt::format("{}: {} $/GPU-hour is out of range (> 0 and <= 1000)", gpu_text, value_text));
  }
  return *value;
}

const PricePoint* first_of_basis(const GpuSpec& gpu, PriceBasis basis) {
  for (const PricePoint& p : gpu.prices) {
    if (p.basis == basis) return &p;
  }
  return nullptr;
}

/// The price a label or basis name picks on `gpu`: the label first, then the basis.
const PricePoint* named_price(const GpuSpec& gpu, const std::string& name) {
  if (const PricePoint* p = find_price(gpu, name)) return p;
  if (auto basis = parse_price_basis(ascii_lower(name))) return first_of_basis(gpu, *basis);
  return nullptr;
}

/// "GPU has no price 'NAME'", what it has, and a did-you-mean among its labels and the basis names.
std::string no_such_price(const GpuSpec& gpu, const std::string& asked) {
  if (gpu.prices.empty()) return fmt::format("{} has no price '{}'; it has no prices, use --price {}=USD", gpu.name, asked, gpu.name);
  std::string known;
  std::vector<std::string> names(std::begin(price_basis_names), std::end(price_basis_names));
  for (const PricePoint& p : gpu.prices) {
    known += (known.empty() ? "" : ", ") + fmt::format("{} ({})", p.label, name(p.basis));
    names.push_back(p.label);
  }
  // A basis name the GPU has no price on is itself among the names: no did-you-mean to itself.
  std::string hint = closest_match(asked, names);
  if (ascii_iequals(hint, asked)) hint.clear();
  return fmt::format("{} has no price '{}' (it has: {}){}", gpu.name, asked, known, did_you_mean(hint));
}

PriceChoice from_profile(const PricePoint& p) { return {p.per_gpu_hour.value, p.label, std::string(name(p.basis))}; }

}  // namespace

std::string price_basis_text(const std::string& basis) {
  if (basis == name(PriceBasis::rental_3yr)) return "3-year rental";
  if (basis == name(PriceBasis::owned)) return "owned (TCO model)";
  if (basis == name(PriceBasis::published_tco)) return "published TCO";
  if (basis == user_price_label) return "user-given";
  return basis;  // on-demand, reserved, or "" when unpriced
}

PriceOption parse_price_option(const Catalog& catalog, const std::string& text) {
  PriceOption parsed;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string entry = trimmed(text.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    const size_t equals = entry.find('=');
    if (equals == std::string::npos) {
      if (!parsed.label.empty() && parsed.label != entry) {
        throw ConfigError(option, fmt::format("two price labels, '{}' and '{}'; give one label, and GPU=USD for "
                                              "single GPU types", parsed.label, entry));
      }
      parsed.label = entry;
      continue;
    }
    const std::string gpu_text = trimmed(entry.substr(0, equals));
    const GpuSpec& gpu = catalog.gpu(gpu_text, option);
    const double usd_per_hour = parse_usd(gpu_text, trimmed(entry.substr(equals + 1)));
    for (const auto& [known, value] : parsed.per_gpu) {
      if (known == &gpu && value != usd_per_hour) {
        throw ConfigError(option, fmt::format("{} is given two prices ({} and {})", gpu.name, value, usd_per_hour));
      }
    }
    parsed.per_gpu.emplace_back(&gpu, usd_per_hour);
  }
  return parsed;
}

PriceChoice choose_price(const GpuSpec& gpu, const PriceOption& o, std::optional<double> usd_per_gpu_hour,
                         MissingNamedPrice missing) {
  for (const auto& [priced, value] : o.per_gpu) {
    if (priced == &gpu || priced->name == gpu.name) return {value, user_price_label, user_price_label};
  }
  if (usd_per_gpu_hour) return {usd_per_gpu_hour, user_price_label, user_price_label};
  if (!o.label.empty()) {
    if (const PricePoint* p = named_price(gpu, o.label)) return from_profile(*p);
    if (missing == MissingNamedPrice::unpriced) return {};  // unpriced_note() says why, never another basis
    throw ConfigError(option, no_such_price(gpu, o.label));
  }
  const std::optional<PriceBasis> basis = default_price_basis(gpu);
  if (!basis) return {};
  return from_profile(*first_of_basis(gpu, *basis));
}

PriceChoice default_price(const GpuSpec& gpu) {
  return choose_price(gpu, {}, std::nullopt);
}

std::vector<std::string> unused_price_warnings(const PriceOption& option, const std::vector<const GpuSpec*>& gpus) {
  std::vector<std::string> warnings;
  std::string run;
  for (const GpuSpec* g : gpus) run += (run.empty() ? "" : ", ") + g->name;
  for (const auto& [gpu, usd] : option.per_gpu) {
    const auto same = [&](const GpuSpec* g) { return g->name == gpu->name; };
    if (std::any_of(gpus.begin(), gpus.end(), same)) continue;
    warnings.push_back(fmt::format("--price {}={:g}: {} is not a GPU of this run ({}); that price is not used",
                                   gpu->name, usd, gpu->name, run));
  }
  return warnings;
}

void check_price_label(const PriceOption& o, const std::vector<const GpuSpec*>& gpus) {
  if (o.label.empty() || parse_price_basis(ascii_lower(o.label))) return;
  std::vector<std::string> names(std::begin(price_basis_names), std::end(price_basis_names));
  for (const GpuSpec* g : gpus) {
    if (find_price(*g, o.label)) return;
    for (const PricePoint& p : g->prices) names.push_back(p.label);
  }
  throw ConfigError(option, fmt::format("unknown price '{}': neither a basis ({}) nor a price label of {}{}", o.label,
                                        fmt::join(price_basis_names, ", "),
                                        gpus.size() == 1 ? gpus.front()->name : "a GPU of this run",
                                        did_you_mean(closest_match(o.label, names))));
}

bool has_named_price(const GpuSpec& gpu, const PriceOption& o) {
  return o.label.empty() || named_price(gpu, o.label) != nullptr;
}

std::optional<PriceBasis> default_price_basis(const GpuSpec& gpu) {
  for (PriceBasis b : default_basis_order) {
    if (first_of_basis(gpu, b)) return b;
  }
  return std::nullopt;
}

std::optional<PriceBasis> shared_price_basis(const std::vector<const GpuSpec*>& gpus) {
  const auto priced = [](const GpuSpec* g) { return !g->prices.empty(); };
  if (std::none_of(gpus.begin(), gpus.end(), priced)) return std::nullopt;
  for (PriceBasis b : default_basis_order) {
    const auto has = [&](const GpuSpec* g) { return !priced(g) || first_of_basis(*g, b); };
    if (std::all_of(gpus.begin(), gpus.end(), has)) return b;
  }
  return std::nullopt;
}

std::optional<std::string> mixed_basis_note(const std::vector<PricedGpu>& gpus) {
  std::vector<std::string> bases;
  std::vector<const GpuSpec*> specs;
  std::string each;
  for (const PricedGpu& g : gpus) {
    specs.push_back(g.gpu);
    if (g.basis.empty()) continue;
    if (std::find(bases.begin(), bases.end(), g.basis) == bases.end()) bases.push_back(g.basis);
    each += fmt::format("{}{} {}", each.empty() ? "" : ", ", g.gpu->name, price_basis_text(g.basis));
  }
  if (bases.size() < 2) return std::nullopt;
  // A user-given price stays as given whatever --price BASIS names, so only more GPU=USD figures align it.
  const bool user = std::find(bases.begin(), bases.end(), std::string(user_price_label)) != bases.end();
  const std::optional<PriceBasis> shared = shared_price_basis(specs);
  const std::string one =
      user ? std::string(
                 "a user-given price is taken as given: --price GPU=USD for every GPU type, all on the "
                 "same basis, makes them like for like")
      : shared ? fmt::format("--price {} puts all of them on one basis", name(*shared))
               : std::string("they share no basis: --price GPU=USD sets one figure per GPU type");
  return fmt::format(
      "prices are on different bases ({}): each GPU type is priced on its own (its default basis, as "
      "when priced alone, or the price given), so its $ figures are not like for like with the "
      "others'; {}",
      each, one);
}

std::optional<std::string> default_basis_note(const GpuSpec& gpu, const std::string& basis) {
  if (basis.empty() || basis == name(default_basis_order[0])) return std::nullopt;  // most rows of a batch
  const auto used = parse_price_basis(basis);
  const PriceBasis usual = default_basis_order[0];
  if (!used || *used == usual) return std::nullopt;  // user-given, unpriced, or the usual basis
  std::vector<std::string> others;
  for (const PricePoint& p : gpu.prices) {
    const std::string other(name(p.basis));
    if (p.basis != *used && std::find(others.begin(), others.end(), other) == others.end()) others.push_back(other);
  }
  const std::string because = fmt::format(
      ": {} has no {} price, the default of the GPUs that have one, so its $ figures do not compare directly "
      "with theirs (--price {} puts every GPU with such a price on this basis)",
      gpu.name, price_basis_text(std::string(name(usual))), basis);
  std::string list;
  for (const std::string& o : others) list += (list.empty() ? "" : ", ") + o;
  const std::string choose = others.empty() ? fmt::format("--price {}=USD sets another price", gpu.name)
                                            : fmt::format("--price BASIS picks another of its bases ({})", list);
  return fmt::format("priced on the {} basis{}; {}", price_basis_text(basis), because, choose);
}

std::string unpriced_note(const GpuSpec& gpu, const std::string& asked) {
  if (gpu.prices.empty()) return fmt::format("{} has no price in its profile: --price {}=USD gives it one", gpu.name, gpu.name);
  const PriceChoice own = default_price(gpu);
  const std::string lower = ascii_lower(asked);  // a basis name is read in any case, as named_price reads it
  const std::optional<PriceBasis> basis = parse_price_basis(lower);
  const std::string why =
      asked.empty() ? fmt::format("{} is not priced in this run", gpu.name)
      : basis
          ? fmt::format("{} has no {} price, the basis --price {} asks for", gpu.name, price_basis_text(lower), lower)
          : fmt::format("{} has no price '{}', the label --price {} asks for", gpu.name, asked, asked);
  return fmt::format(
      "{}; its profile prices it at {}/GPU-hour ({}, {} basis): --price {}={:.3f} compares it at "
      "that figure",
      why, money_text(*own.usd_per_gpu_hour, 3), own.label, price_basis_text(own.basis), gpu.name,
      *own.usd_per_gpu_hour);
}

}  // namespace llmsizer
