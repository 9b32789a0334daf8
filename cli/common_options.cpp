#include "cli/common_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "base/ascii.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"

namespace llmsizer::cli {

CLI::Option* add_field_text_option(CLI::App& app, const ScenarioField& field,
                                   std::function<void(const std::string&)> on_text) {
  return app.add_option_function<std::string>(option_name(field), std::move(on_text), help_text(field))
      ->type_name(field.value_kind);
}

CLI::Validator one_of(std::vector<std::string> words, std::string what) {
  return CLI::Validator(
      [words = std::move(words), what = std::move(what)](std::string& text) {
        for (const std::string& word : words) {
          if (!ascii_iequals(word, text)) continue;
          text = word;  // the word in its own case
          return std::string();
        }
        std::string expected;
        for (size_t i = 0; i < words.size(); ++i)
          expected += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
        throw ConfigError(what,
                          fmt::format("unknown kind '{}' (expected {}){}", text, expected, did_you_mean(text, words)));
      },
      "");
}

CLI::Option* add_profile_output_option(CLI::App& app, std::string& output) {
  // Without -o the profile goes to stdout; an empty -o (a variable that expanded to nothing) is not
  // that request, and writing to stdout with exit 0 would hide it.
  return app.add_option("-o,--output", output, "Write the profile here (default: stdout)")
      ->check(CLI::Validator(
          [](std::string& path) -> std::string {
            if (path.empty()) {
              throw ConfigError("-o",
                                "empty file name: name the .yaml file to write, or leave -o out to print the "
                                "profile on stdout");
            }
            return {};
          },
          ""));
}

void add_request_size_options(CLI::App& app, std::int64_t& isl, std::int64_t& osl) {
  for (auto [name, target] : {std::pair{"isl", &isl}, std::pair{"osl", &osl}}) {
    const ScenarioField& field = scenario_field(name);
    add_field_option(app, name, name == std::string_view("isl") ? &ScenarioInput::isl : &ScenarioInput::osl, *target)
        ->description(fmt::format("{} (default: {})", field.help, default_request_tokens));
  }
}

void add_concurrency_option(CLI::App& app, std::optional<std::int64_t>& concurrency, std::string_view help) {
  add_field_option(app, "concurrency", &ScenarioInput::concurrency, concurrency)->description(std::string(help));
}

void add_concurrency_list_option(CLI::App& app, std::vector<std::int64_t>& levels, std::string_view help) {
  const ScenarioField& field = scenario_field("concurrency");
  app.add_option_function<std::vector<std::string>>(
         option_name(field),
         [&field, &levels](const std::vector<std::string>& texts) {
           levels.clear();
           for (const std::string& text : texts) {
             ScenarioInput parsed;
             field.parse(parsed, text, option_name(field));
             levels.push_back(*parsed.concurrency);
           }
         },
         std::string(help))
      ->type_name(field.value_kind);
}

CLI::Option* add_model_option(CLI::App& app, std::string& model) {
  return app.add_option("--model", model, "Model name, alias, HF repo id, or path to config.json / model YAML")
      ->required();
}

CLI::Option* add_model_option(CLI::App& app, std::vector<std::string>& models) {
  return app.add_option("--model", models, "Model name, alias, HF repo id, or path (repeatable)")->required();
}

CLI::Option* add_gpus_option(CLI::App& app, std::vector<std::string>& gpus) {
  return app.add_option("--gpu", gpus, "GPU name or alias (repeatable)");
}

void add_slo_options(CLI::App& app, std::optional<double>& ttft_ms, std::optional<double>& tpot_ms) {
  app.add_option("--ttft-ms", ttft_ms, "Time-to-first-token SLO in ms (meets_slo)");
  app.add_option("--tpot-ms", tpot_ms, "Time-per-output-token SLO in ms (meets_slo)");
}

void add_calibration_option(CLI::App& app, std::string& calibration) {
  app.add_option("--calibration", calibration, "Calibration profile name (default: default)");
}

void add_price_options(CLI::App& app, std::string& price, std::optional<double>& usd_per_gpu_hour) {
  // Repeatable: the values join with ',' into the one price field (request/price_choice.hpp reads it).
  const ScenarioField& field = scenario_field("price");
  app.add_option_function<std::vector<std::string>>(
         option_name(field),
         [&price](const std::vector<std::string>& texts) {
           price.clear();
           for (const std::string& text : texts) price += (price.empty() ? "" : ",") + text;
         },
         help_text(field))
      ->type_name(field.value_kind);
  add_field_option(app, "usd_per_gpu_hour", &ScenarioInput::usd_per_gpu_hour, usd_per_gpu_hour);
}

void add_engine_option(CLI::App& app, std::string& engine) {
  add_field_option(app, "engine", &ScenarioInput::engine, engine);
}

void add_weights_option(CLI::App& app, std::string& weights, std::string_view help) {
  CLI::Option* option = add_field_option(app, "weights", &ScenarioInput::weights, weights);
  if (!help.empty()) option->description(std::string(help));
}

void add_kv_option(CLI::App& app, std::string& kv) {
  add_field_option(app, "kv", &ScenarioInput::kv, kv);
}

void add_overlap_option(CLI::App& app, std::string& overlap) {
  add_field_option(app, "overlap", &ScenarioInput::overlap, overlap);
}

void add_memory_utilization_option(CLI::App& app, std::optional<double>& memory_utilization) {
  add_field_option(app, "memory_utilization", &ScenarioInput::memory_utilization, memory_utilization);
}

}  // namespace llmsizer::cli
