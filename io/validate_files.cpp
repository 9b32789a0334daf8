#include "io/validate_files.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "io/bands_loader.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/measurements.hpp"
#include "io/profile_loader.hpp"
#include "io/tco_loader.hpp"

namespace llmsizer {

namespace {
/// The kind and name of a YAML profile after its checks (the measurements aside).
std::string validate_yaml_profile(const YAML::Node& root, const SourceText& source, const std::string& path,
                                  std::vector<std::string>* warnings) {
  switch (profile_kind(root)) {
    case ProfileKind::gpu: return "gpu " + parse_gpu(root, source).name;
    case ProfileKind::model: {
      const ModelSpec model = parse_model(root, source);  // an estimated profile warns, as an import does
      for (const std::string& w : model.warnings) {
        if (warnings != nullptr) warnings->push_back(path + ": warning: " + w);
      }
      return "model " + model.name;
    }
    case ProfileKind::calibration: return "calibration " + parse_calibration(root, source).name;
    case ProfileKind::bands: return "bands " + parse_error_bands(root, source).name;
    case ProfileKind::tco: return "tco " + parse_tco(root, source).name;
    case ProfileKind::measurements:
    case ProfileKind::unknown: break;
  }
  return {};
}
}  // namespace

std::string validate_profile_file(const std::string& path, std::vector<std::string>* warnings,
                                  std::vector<ConfigError>* errors) {
  if (std::filesystem::path(path).extension() == ".json") {
    const ModelSpec model = import_hf_config_file(path);
    for (const std::string& w : model.warnings) {
      if (warnings != nullptr) warnings->push_back(path + ": warning: " + w);
    }
    return "model " + model.name;
  }
  const std::string text = read_file(path);
  SourceText source = make_source(path, text);
  const YAML::Node root = parse_yaml(text, source);
  const ProfileKind kind = profile_kind(root);
  if (kind == ProfileKind::measurements) return fmt::format("measurements ({} rows)", load_measurements(path, errors).size());
  if (kind != ProfileKind::unknown) {
    source.field_errors = errors;
    try {
      return validate_yaml_profile(root, source, path, warnings);
    } catch (const ConfigError&) {
      if (errors == nullptr || errors->empty()) throw;
      return {};  // a rule error after field errors may come of a stand-in value: the field errors say it
    }
  }
  if (!root.IsMap()) throw located_error(root, source, "(top level)", "expected a map with a 'schema:' key");
  const YAML::Node schema = root["schema"];
  throw located_error(schema.IsDefined() ? schema : root, source, "schema",
                      "expected 'gpu/1', 'model/1', 'calibration/1', 'tco/1' or 'measurements/1'");
}

}  // namespace llmsizer
