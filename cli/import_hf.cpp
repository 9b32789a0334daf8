// `llmsizer import-hf <config.json> [-o file.yaml]` — a profile from a HF config. With -o the
// model is named after the file, so the written profile loads back (profiles are named like their file);
// a device such as /dev/stdout keeps the name derived from the config.
#include <fmt/format.h>

#include <filesystem>

#include "cli/command.hpp"
#include "cli/common_options.hpp"
#include "io/config_error.hpp"
#include "io/hf_import.hpp"
#include "io/output_file.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {
namespace {

struct ImportOptions {
  std::string config;
  std::string output;
};

int run_import(const ImportOptions& options, Context& context) {
  const std::optional<std::string> file_name = profile_name_of_output(options.output, "-o", "my-model");
  ProfileOutput output(options.output, "-o");  // checked before the config is read
  ModelSpec model = import_hf_config_file(options.config);
  print_model_warnings(model, *context.err);
  if (file_name) {
    // Shown as the config's repo name when it has one, else as the file it is written to (not the
    // config's directory, which named it before it had a file).
    if (model.hf_repo.empty()) model.display_name = *file_name;
    model.name = *file_name;
  }
  const std::string yaml = model_to_yaml(model);
  if (options.output.empty()) {
    *context.out << yaml;
  } else {
    output.write(yaml);
    *context.err << fmt::format("wrote {} (model '{}')\n", options.output, model.name);
  }
  return 0;
}

}  // namespace

Command add_import_hf(CLI::App& app, Context& context) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* sub = app.add_subcommand("import-hf", "Write a model profile from a Hugging Face config.json");
  sub->add_option("config", options->config, "Path to config.json")->required();
  add_profile_output_option(*sub, options->output);
  return {sub, [options, &context] { return run_import(*options, context); }};
}

}  // namespace llmsizer::cli
