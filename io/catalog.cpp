#include "io/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <unistd.h>

#include <fmt/format.h>

#include "io/bands_loader.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/profile_loader.hpp"
#include "io/tco_loader.hpp"

namespace llmsizer {
namespace fs = std::filesystem;

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// lower(text) == key for an already lowered key, without allocating (catalog lookups run once per
/// row of a scenarios file; docs/performance.md).
bool lowered_equals(const std::string& text, const std::string& key) {
  if (text.size() != key.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))) != key[i]) return false;
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
    if (lower(spec.name).find(word) != std::string::npos) best = std::min(best, 1);
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

void load_file(Catalog& catalog, const fs::path& file) {
  const std::string text = read_file(file.string());
  const SourceText source = make_source(file.string(), text);
  const YAML::Node root = parse_yaml(text, source);
  switch (profile_kind(root)) {
    case ProfileKind::gpu: insert_or_replace(catalog.gpus, parse_gpu(root, source)); break;
    case ProfileKind::model: insert_or_replace(catalog.models, parse_model(root, source)); break;
    case ProfileKind::calibration: {
      Calibration calibration = parse_calibration(root, source);
      for (Calibration& existing : catalog.calibrations) {
        if (existing.name == calibration.name) {
          existing = std::move(calibration);
          return;
        }
      }
      catalog.calibrations.push_back(std::move(calibration));
      break;
    }
    case ProfileKind::bands: insert_or_replace(catalog.error_bands, parse_error_bands(root, source)); break;
    case ProfileKind::tco: insert_or_replace(catalog.tco, parse_tco(root, source)); break;
    case ProfileKind::measurements: break;  // read by `validate`
    case ProfileKind::unknown: {
      const YAML::Node schema = root.IsMap() ? root["schema"] : YAML::Node();
      throw located_error(schema.IsDefined() ? schema : root, source, "schema",
                          "expected 'gpu/1' or 'model/1' (or calibration/1, tco/1, measurements/1)");
    }
  }
}

void check_unique_names(const Catalog& catalog) {
  auto check = [](const auto& specs, const char* what) {
    std::vector<std::pair<std::string, std::string>> names;  // name/alias -> owner
    for (const auto& spec : specs) {
      names.emplace_back(lower(spec.name), spec.name);
      for (const std::string& alias : spec.aliases) names.emplace_back(lower(alias), spec.name);
    }
    std::sort(names.begin(), names.end());
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i].first == names[i - 1].first && names[i].second != names[i - 1].second) {
        throw ConfigError("aliases", fmt::format("{} name '{}' is used by both '{}' and '{}'", what, names[i].first,
                                                 names[i - 1].second, names[i].second));
      }
    }
  };
  check(catalog.gpus, "GPU");
  check(catalog.models, "model");
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
  std::vector<fs::path> dirs;
  const fs::path exe_dir = executable_directory();
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

Catalog load_catalog(const std::vector<fs::path>& directories) {
  Catalog catalog;
  catalog.directories = directories;
  for (const fs::path& dir : directories) {
    // The error_code forms: a name too long for the OS or an unreadable directory is bad input, and
    // the throwing forms would make it an internal error.
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw ConfigError("--profiles", fmt::format("'{}' is not a directory", dir.string()));
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".yaml") files.push_back(it->path());
    }
    if (ec) throw ConfigError("--profiles", fmt::format("cannot read '{}': {}", dir.string(), ec.message()));
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) load_file(catalog, file);
  }
  check_unique_names(catalog);
  add_owned_prices(catalog);
  std::sort(catalog.gpus.begin(), catalog.gpus.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::sort(catalog.models.begin(), catalog.models.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return catalog;
}

const Calibration& Catalog::calibration(const std::string& name) const {
  for (const Calibration& c : calibrations) {
    if (c.name == name) return c;
  }
  std::vector<std::string> names;
  for (const Calibration& c : calibrations) names.push_back(c.name);
  const std::string hint = closest_match(name, names);
  throw ConfigError("--calibration", fmt::format("no calibration profile named '{}'{}", name,
                                                 hint.empty() ? "" : "; did you mean '" + hint + "'?"));
}

const ErrorBands* Catalog::bands(const std::string& name) const {
  for (const ErrorBands& b : error_bands) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

const GpuSpec* Catalog::find_gpu(const std::string& name) const {
  const std::string key = lower(name);
  for (const GpuSpec& gpu : gpus) {
    if (matches(gpu, key)) return &gpu;
  }
  return nullptr;
}

const ModelSpec* Catalog::find_model(const std::string& name) const {
  const std::string key = lower(name);
  for (const ModelSpec& model : models) {
    if (matches_model(model, key)) return &model;
  }
  return nullptr;
}

std::string Catalog::closest_names(const std::string& name) const {
  std::vector<std::pair<int, std::string>> scored;
  score_names(gpus, lower(name), scored);
  score_names(models, lower(name), scored);
  return best_names(std::move(scored), lower(name));
}

const GpuSpec& Catalog::gpu(const std::string& name, const std::string& option) const {
  if (const GpuSpec* gpu = find_gpu(name)) return *gpu;
  const std::string hint = suggestions(gpus, lower(name));
  throw ConfigError(option, fmt::format("unknown GPU '{}'{}; `llmsizer list gpus` shows them all", name,
                                        hint.empty() ? "" : "; did you mean " + hint + "?"));
}

ModelSpec Catalog::model(const std::string& name_or_path, const std::string& option) const {
  if (const ModelSpec* model = find_model(name_or_path)) return *model;
  const fs::path path(name_or_path);
  if (path.extension() == ".json") return import_hf_config_file(name_or_path);
  if (path.extension() == ".yaml" || path.extension() == ".yml") return load_model_file(name_or_path);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return import_hf_config_file(name_or_path);
  const std::string hint = suggestions(models, lower(name_or_path));
  throw ConfigError(option, fmt::format("unknown model '{}'{}; `llmsizer list models` shows them all, and a path "
                                        "to a Hugging Face config.json works too",
                                        name_or_path, hint.empty() ? "" : "; did you mean " + hint + "?"));
}

}  // namespace llmsizer
