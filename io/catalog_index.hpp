// io/catalog_index.hpp — loading only the profiles a command names. A command about one model on
// one GPU reads the name lines of every profile (no YAML parse) and parses only the files it needs,
// plus every calibration and TCO profile; profile parsing is most of a process's start-up
// (docs/performance.md). `check` and `list` still parse and validate every file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/catalog.hpp"
#include "io/profile_loader.hpp"

namespace llmsizer {

/// What the top-level `schema:`, `name:`, `aliases:` and `hf_repo:` lines of a profile say, read
/// without a YAML parser. nullopt when any of them is written in a form this scan does not read
/// exactly (quotes, block lists, anchors, repeated keys, several documents): such a file is parsed.
struct ProfileHeader {
  ProfileKind kind = ProfileKind::unknown;
  std::string name;
  std::vector<std::string> aliases;
  std::string hf_repo;
};
[[nodiscard]] std::optional<ProfileHeader> scan_profile_header(const std::string& text);

/// The paths of the *.yaml files under `directory` and its subdirectories, in the order
/// load_catalog reads them (std::filesystem::path's order). Throws ConfigError for a directory that
/// is missing or unreadable.
[[nodiscard]] std::vector<std::string> catalog_files(const std::filesystem::path& directory);

/// The catalog load_catalog(directories) builds, restricted to the GPUs named `gpu_names` and the
/// models named `model_names` (by name, alias or HF repo id, case-insensitively) and every
/// calibration and TCO profile; the same specs, lookups and name checks. When a name matches no
/// profile it is load_catalog(directories), so the error lists the closest of every name.
[[nodiscard]] Catalog load_catalog_for(const std::vector<std::filesystem::path>& directories,
                                       const std::vector<std::string>& gpu_names,
                                       const std::vector<std::string>& model_names);

}  // namespace llmsizer
