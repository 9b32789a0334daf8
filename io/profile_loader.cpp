// io/profile_loader.cpp — what every profile kind shares: the `schema:` dispatch, the file loaders,
// and the header and sources rules (io/profile_loader_internal.hpp). gpu/1 is read in
// io/gpu_loader.cpp, model/1 in io/model_loader.cpp.
#include "io/profile_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "io/did_you_mean.hpp"
#include "io/profile_loader_internal.hpp"

namespace llmsizer {
namespace profile_detail {
namespace {

/// nullopt when a `sources` field names a field of the profile (or is "*"); otherwise the end of
/// the error message ("" or a did-you-mean).
std::optional<std::string> unknown_source_field(const std::string& field, const ProfileKeys& keys) {
  if (field == "*") return std::nullopt;
  const size_t dot = field.find('.');
  const std::string top = field.substr(0, dot);
  if (std::find(keys.top.begin(), keys.top.end(), top) == keys.top.end()) {
    return did_you_mean(top, keys.top);
  }
  if (dot == std::string::npos) return std::nullopt;
  const std::string sub = field.substr(dot + 1);
  for (const auto& [parent, children] : keys.children) {
    if (parent != top) continue;
    if (std::find(children.begin(), children.end(), sub) != children.end()) return std::nullopt;
    const std::string suggestion = closest_match(sub, children);
    return did_you_mean(suggestion.empty() ? suggestion : top + "." + suggestion);
  }
  return fmt::format("; {} has no sub-fields", top);
}

bool covered(const std::vector<Citation>& sources, const std::string& key) {
  for (const Citation& c : sources) {
    for (const std::string& f : c.fields) {
      if (f == "*" || f == key || f.rfind(key + ".", 0) == 0) return true;
    }
  }
  return false;
}

}  // namespace

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::vector<Citation> parse_sources(const MapReader& doc, const ProfileKeys& keys) {
  const YAML::Node list = doc.require("sources");
  if (!list.IsSequence() || list.size() == 0) {
    throw doc.error("sources", "expected a non-empty list of {fields, cite}");
  }
  std::vector<Citation> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const MapReader entry(list[i], fmt::format("sources[{}]", i), doc.source(), {"fields", "cite"});
    Citation c{entry.string_list("fields"), entry.string("cite")};
    if (c.fields.empty()) throw entry.error("fields", "list the fields this source covers (or \"*\")");
    for (size_t f = 0; f < c.fields.size(); ++f) {
      const std::optional<std::string> why = unknown_source_field(c.fields[f], keys);
      if (!why) continue;
      throw entry.error_at(entry.get("fields")[f], fmt::format("sources[{}].fields[{}]", i, f),
                           fmt::format("'{}' is not a field of this profile{}", c.fields[f], *why));
    }
    out.push_back(std::move(c));
  }
  return out;
}

void require_sources_for(const MapReader& doc, const std::vector<Citation>& sources,
                         const std::vector<std::string_view>& numeric_keys) {
  for (std::string_view key : numeric_keys) {
    if (doc.has(key) && !covered(sources, std::string(key))) {
      throw doc.error(key, "no entry in sources covers this field; every number needs a source");
    }
  }
}

}  // namespace profile_detail

ProfileKind profile_kind(const YAML::Node& root) {
  if (!root.IsMap()) return ProfileKind::unknown;
  const YAML::Node schema = root["schema"];
  // The shared measurements format predates `schema:`: `schema_version: 1` over a `measurements:` list.
  if (!schema.IsDefined() && root["measurements"].IsDefined()) return ProfileKind::measurements;
  if (!schema.IsDefined() || !schema.IsScalar()) return ProfileKind::unknown;
  return profile_kind(std::string_view(schema.Scalar()));
}

ProfileKind profile_kind(std::string_view schema) {
  const std::string_view kind = schema.substr(0, schema.find('/'));
  if (kind == "gpu") return ProfileKind::gpu;
  if (kind == "model") return ProfileKind::model;
  if (kind == "calibration") return ProfileKind::calibration;
  if (kind == "bands") return ProfileKind::bands;
  if (kind == "measurements") return ProfileKind::measurements;
  if (kind == "tco") return ProfileKind::tco;
  return ProfileKind::unknown;
}

GpuSpec load_gpu_file(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText source = make_source(path, text);
  return parse_gpu(parse_yaml(text, source), source);
}

ModelSpec load_model_file(const std::string& path) {
  const std::string text = read_file(path);
  const SourceText source = make_source(path, text);
  return parse_model(parse_yaml(text, source), source);
}

}  // namespace llmsizer
