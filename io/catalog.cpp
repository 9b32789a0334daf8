#include "io/catalog.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "base/ascii.hpp"
#include "io/bands_loader.hpp"
#include "io/calibration_loader.hpp"
#include "io/catalog_index.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "io/hf_import.hpp"
#include "io/profile_cache.hpp"
#include "io/profile_loader.hpp"
#include "io/tco_loader.hpp"

namespace llmsizer {
namespace fs = std::filesystem;

namespace {
/// ascii_lower(text) == key for an already lowered key, without allocating (catalog lookups run once per
/// row of a scenarios file; docs/performance.md).
bool lowered_equals(const std::string& text, const std::string& key) {
  if (text.size() != key.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ascii_lower(text[i]) != key[i]) return false;
  }
  return true;
}

template <class Spec>
bool matches(const Spec& spec, const std::string& key) {
  if (lowered_equals(spec.name, key)) return true;
  for (const std::string& alias : spec.aliases) {
    if (lowered_equals(alias, key)) return true;
  }
  return false;
}

bool matches_model(const ModelSpec& spec, const std::string& key) {
  return matches(spec, key) || (!spec.hf_repo.empty() && lowered_equals(spec.hf_repo, key));
}

template <class Spec>
void score_names(const std::vector<Spec>& specs, const std::string& word, std::vector<std::pair<int, std::string>>& scored) {
  for (const Spec& spec : specs) {
    int best = edit_distance(word, spec.name);
    for (const std::string& alias : spec.aliases) best = std::min(best, edit_distance(word, alias));
    // A prefix or substring match is a strong hint ("h100" for "h100-sxm").
    if (ascii_lower(spec.name).find(word) != std::string::npos) best = std::min(best, 1);
    scored.emplace_back(best, spec.name);
  }
}

/// The three closest names, quoted ("'a', 'b', 'c'"), or "" when none is plausible.
std::string best_names(std::vector<std::pair<int, std::string>> scored, const std::string& word) {
  std::sort(scored.begin(), scored.end());
  std::string out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) {
    if (scored[i].first > std::max<int>(3, static_cast<int>(word.size()) / 2)) break;
    out += (out.empty() ? "" : ", ") + ("'" + scored[i].second + "'");
  }
  return out;
}

template <class Spec>
std::string suggestions(const std::vector<Spec>& specs, const std::string& word) {
  std::vector<std::pair<int, std::string>> scored;
  score_names(specs, word, scored);
  return best_names(std::move(scored), word);
}

template <class Spec>
void insert_or_replace(std::vector<Spec>& specs, Spec spec) {
  for (Spec& existing : specs) {
    if (existing.name == spec.name) {
      existing = std::move(spec);
      return;
    }
  }
  specs.push_back(std::move(spec));
}


/// A calibration replacing one of its name is legitimate (a refit in a --profiles directory) but
/// changes every estimate, so it is said.
void add_calibration(Catalog& catalog, const std::string& file, Calibration calibration) {
  const bool replaces = std::any_of(catalog.calibrations.begin(), catalog.calibrations.end(),
                                    [&](const Calibration& c) { return c.name == calibration.name; });
  if (replaces) {
    catalog.warnings.push_back(fmt::format(
        "{}: calibration '{}' replaces the one of that name in an earlier profile directory{}", file, calibration.name,
        calibration.name == "default" ? "; every estimate uses it unless --calibration names another" : ""));
  }
  insert_or_replace(catalog.calibrations, std::move(calibration));
}

/// A measurements file among the profiles is no profile: skipped, and said, so that a file put there to
/// be read is not lost without a word.
void skip_measurements(Catalog& catalog, const std::string& file) {
  catalog.warnings.push_back(
      fmt::format("{}: a measurements file, not a profile: skipped (`llmsizer validate "
                  "--measurements {}` reads it)",
                  file, file));
}

/// Adds `file`'s spec to the catalog: from the cache when it holds exactly this text of this path,
/// else parsed (and then cached). A later profile of a name replaces an earlier one.
void load_text(Catalog& catalog, ProfileCache& cache, const std::string& file, const std::string& text) {
  std::optional<ParsedProfile> profile = cache.find(file, text);
  if (!profile) {
    profile = parse_profile(file, text);
    cache.add(file, text, *profile);
  }
  std::visit(
      [&catalog, &file](auto&& spec) {
        using Spec = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<Spec, GpuSpec>) insert_or_replace(catalog.gpus, std::move(spec));
        if constexpr (std::is_same_v<Spec, ModelSpec>) insert_or_replace(catalog.models, std::move(spec));
        if constexpr (std::is_same_v<Spec, Calibration>) add_calibration(catalog, file, std::move(spec));
        if constexpr (std::is_same_v<Spec, ErrorBands>) insert_or_replace(catalog.error_bands, std::move(spec));
        if constexpr (std::is_same_v<Spec, TcoAssumptions>) insert_or_replace(catalog.tco, std::move(spec));
        if constexpr (std::is_same_v<Spec, MeasurementsProfile>) skip_measurements(catalog, file);
      },
      std::move(*profile));
}

/// A name or alias shared by two profiles of one kind is an error. `specs` are the final profiles
/// (anything with `name` and `aliases`: specs, or the scanned headers of io/catalog_index.hpp).
template <class Named>
void check_unique(const std::vector<Named>& specs, const char* what) {
  std::vector<std::pair<std::string, std::string>> names;  // name/alias -> owner
  for (const auto& spec : specs) {
    names.emplace_back(ascii_lower(spec.name), spec.name);
    for (const std::string& alias : spec.aliases) names.emplace_back(ascii_lower(alias), spec.name);
  }
  std::sort(names.begin(), names.end());
  for (size_t i = 1; i < names.size(); ++i) {
    if (names[i].first == names[i - 1].first && names[i].second != names[i - 1].second) {
      throw ConfigError("aliases", fmt::format("{} name '{}' is used by both '{}' and '{}'", what, names[i].first,
                                               names[i - 1].second, names[i].second));
    }
  }
}

/// Every GPU with a purchase price gets an owned price under the "default" tco/1 profile. Applied
/// after all directories load, so a later directory's GPU or TCO profile counts.
void add_owned_prices(Catalog& catalog) {
  constexpr std::string_view default_tco = "default";
  for (const TcoAssumptions& assumptions : catalog.tco) {
    if (assumptions.name != default_tco) continue;
    for (GpuSpec& gpu : catalog.gpus) add_owned_price(gpu, assumptions);
  }
}
}  // namespace

fs::path executable_directory() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path();
  return exe.parent_path();
}

std::vector<fs::path> profile_directories(const std::vector<std::string>& extra) {
  return profile_directories(extra, executable_directory());
}

std::vector<fs::path> profile_directories(const std::vector<std::string>& extra, const fs::path& exe_dir) {
  std::vector<fs::path> dirs;
  for (const fs::path& candidate : {exe_dir / "profiles", exe_dir / ".." / "share" / "llmsizer" / "profiles"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) {
      dirs.push_back(candidate);
      break;
    }
  }
  if (const char* env = std::getenv("LLMSIZER_PROFILES")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      const size_t end = std::min(list.find(':', start), list.size());
      if (end > start) dirs.emplace_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const std::string& dir : extra) dirs.emplace_back(dir);
  return dirs;
}

/// Sorted by name, as lookups and `list` show them.
void sort_specs(Catalog& catalog) {
  std::sort(catalog.gpus.begin(), catalog.gpus.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::sort(catalog.models.begin(), catalog.models.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

Catalog load_catalog(const std::vector<fs::path>& directories) {
  Catalog catalog;
  catalog.directories = directories;
  ProfileCache cache(profile_cache_file());
  for (const fs::path& dir : directories) {
    for (const std::string& file : catalog_files(dir)) load_text(catalog, cache, file, read_file(file));
  }
  cache.save();
  check_unique(catalog.gpus, "GPU");
  check_unique(catalog.models, "model");
  add_owned_prices(catalog);
  sort_specs(catalog);
  return catalog;
}

namespace {

/// A profile file of the catalog: its text, and its scanned header (nullopt: it must be parsed).
struct IndexedFile {
  std::string file;
  std::string text;
  std::optional<ProfileHeader> header;
  bool load = false;
};

bool header_matches(const ProfileHeader& header, const std::string& key) {
  return matches(header, key) || (!header.hf_repo.empty() && lowered_equals(header.hf_repo, key));
}

/// Marks the final profiles of `kind` that `names` ask for; false when some name matches none.
/// `final` holds the index of the last file of each name (later directories override earlier ones).
bool mark_named(std::vector<IndexedFile>& files, const std::vector<size_t>& final, ProfileKind kind,
                const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const std::string key = ascii_lower(name);
    bool found = false;
    for (size_t i : final) {
      if (files[i].header->kind != kind || !header_matches(*files[i].header, key)) continue;
      files[i].load = true;
      found = true;
    }
    if (!found) return false;
  }
  return true;
}

/// The name checks load_catalog makes on the final specs, made on the final headers; a file the scan
/// could not read is parsed for its names. In file order, so a later profile of a name replaces an
/// earlier one as in load_catalog.
void check_unique_headers(const std::vector<IndexedFile>& files, const std::vector<size_t>& final, ProfileCache& cache) {
  std::vector<ProfileHeader> gpus, models;
  auto add = [](std::vector<ProfileHeader>& list, ProfileHeader header) {
    for (ProfileHeader& existing : list) {
      if (existing.name == header.name) {
        existing = std::move(header);
        return;
      }
    }
    list.push_back(std::move(header));
  };
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].header) {
      if (std::find(final.begin(), final.end(), i) == final.end()) continue;
      add(files[i].header->kind == ProfileKind::gpu ? gpus : models, *files[i].header);
      continue;
    }
    Catalog one;
    load_text(one, cache, files[i].file, files[i].text);
    for (const GpuSpec& gpu : one.gpus) add(gpus, ProfileHeader{ProfileKind::gpu, gpu.name, gpu.aliases, {}});
    for (const ModelSpec& model : one.models) add(models, ProfileHeader{ProfileKind::model, model.name, model.aliases, {}});
  }
  check_unique(gpus, "GPU");
  check_unique(models, "model");
}

}  // namespace

Catalog load_catalog_for(const std::vector<fs::path>& directories, const std::vector<std::string>& gpu_names,
                         const std::vector<std::string>& model_names) {
  std::vector<IndexedFile> files;
  try {
    for (const fs::path& dir : directories) {
      for (const std::string& file : catalog_files(dir)) {
        std::string text = read_file(file);
        std::optional<ProfileHeader> header = scan_profile_header(text);
        files.push_back({file, std::move(text), std::move(header), false});
      }
    }
  } catch (const ConfigError&) {
    return load_catalog(directories);  // its error, after the files before the bad directory
  }
  std::vector<size_t> final;  // scanned GPU and model files not overridden by a later one of the same name
  for (size_t i = 0; i < files.size(); ++i) {
    const std::optional<ProfileHeader>& h = files[i].header;
    files[i].load = !h || (h->kind != ProfileKind::gpu && h->kind != ProfileKind::model &&
                           h->kind != ProfileKind::measurements);  // unread, calibration, tco, unknown schema
    if (!h || (h->kind != ProfileKind::gpu && h->kind != ProfileKind::model)) continue;
    std::erase_if(final, [&](size_t j) { return files[j].header->kind == h->kind && files[j].header->name == h->name; });
    final.push_back(i);
  }
  if (!mark_named(files, final, ProfileKind::gpu, gpu_names) || !mark_named(files, final, ProfileKind::model, model_names)) {
    return load_catalog(directories);  // an unknown name: the did-you-mean reads every name
  }
  Catalog catalog;
  catalog.directories = directories;
  ProfileCache cache(profile_cache_file());
  for (const IndexedFile& f : files) {
    if (f.load) load_text(catalog, cache, f.file, f.text);
    if (f.header && f.header->kind == ProfileKind::measurements) skip_measurements(catalog, f.file);
  }
  check_unique_headers(files, final, cache);
  cache.save();
  add_owned_prices(catalog);
  sort_specs(catalog);
  return catalog;
}

const Calibration& Catalog::calibration(const std::string& name) const {
  for (const Calibration& c : calibrations) {
    if (ascii_iequals(c.name, name)) return c;  // a name, matched in any case as GPU and model names are
  }
  std::vector<std::string> names;
  for (const Calibration& c : calibrations) names.push_back(c.name);
  const std::string hint = closest_match(name, names);
  // With no near name, say where calibrations come from: one written by `calibrate -o DIR/NAME.yaml`
  // is read only when DIR is given with --profiles.
  throw ConfigError("--calibration",
                    fmt::format("no calibration profile named '{}'{}", name,
                                hint.empty() ? fmt::format(" among the profile directories read (they have: {}); a "
                                                           "calibration file in another directory is read with "
                                                           "--profiles DIR",
                                                           fmt::join(names, ", "))
                                             : did_you_mean(hint)));
}

const ErrorBands* Catalog::bands(const std::string& name) const {
  for (const ErrorBands& b : error_bands) {
    if (ascii_iequals(b.name, name)) return &b;
  }
  return nullptr;
}

const GpuSpec* Catalog::find_gpu(const std::string& name) const {
  const std::string key = ascii_lower(name);
  for (const GpuSpec& gpu : gpus) {
    if (matches(gpu, key)) return &gpu;
  }
  return nullptr;
}

const ModelSpec* Catalog::find_model(const std::string& name) const {
  const std::string key = ascii_lower(name);
  for (const ModelSpec& model : models) {
    if (matches_model(model, key)) return &model;
  }
  return nullptr;
}

std::string Catalog::closest_names(const std::string& name) const {
  std::vector<std::pair<int, std::string>> scored;
  score_names(gpus, ascii_lower(name), scored);
  score_names(models, ascii_lower(name), scored);
  return best_names(std::move(scored), ascii_lower(name));
}

const GpuSpec& Catalog::gpu(const std::string& name, const std::string& option) const {
  if (const GpuSpec* gpu = find_gpu(name)) return *gpu;
  const std::string hint = suggestions(gpus, ascii_lower(name));
  throw ConfigError(
      option, fmt::format("unknown GPU '{}'{}; `llmsizer list gpus` shows them all", name, did_you_mean_one_of(hint)));
}

ModelSpec Catalog::model(const std::string& name_or_path, const std::string& option) const {
  if (const ModelSpec* model = find_model(name_or_path)) return *model;
  const fs::path path(name_or_path);
  if (path.extension() == ".json") return import_hf_config_file(name_or_path);
  if (path.extension() == ".yaml" || path.extension() == ".yml") return load_model_file(name_or_path);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return import_hf_config_file(name_or_path);
  const std::string hint = suggestions(models, ascii_lower(name_or_path));
  throw ConfigError(option, fmt::format("unknown model '{}'{}; `llmsizer list models` shows them all, and a path "
                                        "to a Hugging Face config.json works too",
                                        name_or_path, did_you_mean_one_of(hint)));
}

}  // namespace llmsizer
