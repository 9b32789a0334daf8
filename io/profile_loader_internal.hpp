// io/profile_loader_internal.hpp — what the gpu/1 and model/1 loaders share: the profile header
// (name, display_name, aliases, notes, sources) and the rule that every number has a source.
// Private to io/gpu_loader.cpp, io/model_loader.cpp and io/profile_loader.cpp.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/citation.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::profile_detail {

/// The keys of a profile and, for keys holding a map, the keys of that map; a `sources` field may
/// name either ("dense_tflops" or "dense_tflops.bf16").
struct ProfileKeys {
  std::vector<std::string_view> top;
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> children;
};

/// Lower-case letters, digits, '-', '_' and '.': the characters of a profile's file name.
[[nodiscard]] bool valid_name(const std::string& name);

/// The `sources` list, each field checked against `keys`.
[[nodiscard]] std::vector<Citation> parse_sources(const MapReader& doc, const ProfileKeys& keys);

/// Throws at the first of `numeric_keys` present in `doc` that no entry of `sources` covers.
void require_sources_for(const MapReader& doc, const std::vector<Citation>& sources,
                         const std::vector<std::string_view>& numeric_keys);

/// The header every profile kind carries (name, display_name, aliases, notes, sources) and its file,
/// written into `spec` (a GpuSpec or ModelSpec).
template <class Spec>
void parse_header(const MapReader& doc, const ProfileKeys& keys, Spec& spec) {
  spec.name = doc.string("name");
  if (!valid_name(spec.name)) {
    field_error(doc.source(), doc.error("name", "must be lower-case letters, digits, '-', '_' or '.' (it is the file name)"));
  }
  const std::string stem = std::filesystem::path(doc.source().file).stem().string();
  if (!doc.source().file.empty() && doc.source().file != "-" && stem != spec.name) {
    field_error(doc.source(), doc.error("name", fmt::format("'{}' does not match the file name '{}.yaml'", spec.name, stem)));
  }
  spec.display_name = doc.string_or("display_name", spec.name);
  spec.aliases = doc.string_list("aliases");
  spec.notes = doc.string_or("notes", "");
  spec.sources = parse_sources(doc, keys);
  spec.file = doc.source().file;
}

}  // namespace llmsizer::profile_detail
