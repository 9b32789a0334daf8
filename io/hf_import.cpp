#include "io/hf_import.hpp"

#include "io/config_error.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer {

ModelSpec import_hf_config(const std::string&, const std::string& file) {
  throw ConfigError(file, 0, 0, "", "Hugging Face import is not implemented yet");
}

ModelSpec import_hf_config_file(const std::string& path) { return import_hf_config(read_file(path), path); }

std::string model_to_yaml(const ModelSpec&) { return {}; }

}  // namespace llmsizer
