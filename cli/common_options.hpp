// cli/common_options.hpp — option groups shared by several subcommands, registered once each with
// the same name, help text and parser everywhere. Scenario fields take their help, parser and
// range check from request/scenario_fields.hpp.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "request/scenario_fields.hpp"

namespace llmsizer::cli {

/// Registers scenario field `field` as its option ("--" + name with '_' -> '-'), with its help and
/// value kind; `on_text` receives the text as given.
CLI::Option* add_field_text_option(CLI::App& app, const ScenarioField& field,
                                   std::function<void(const std::string&)> on_text);

/// Registers scenario field `field` as its option: the text is parsed and range-checked by the field
/// and the field's value stored in `target` (the value itself where `target` is not optional). Errors
/// are ConfigErrors naming the option.
template <typename Value, typename Target>
CLI::Option* add_field_option(CLI::App& app, std::string_view field, Value ScenarioInput::*member, Target& target) {
  const ScenarioField& f = scenario_field(field);
  return add_field_text_option(app, f, [&f, member, &target](const std::string& text) {
    ScenarioInput parsed;
    f.parse(parsed, text, option_name(f));
    if constexpr (std::is_same_v<Value, Target>) {
      target = parsed.*member;
    } else {
      target = *(parsed.*member);  // an optional field stored as a plain value: parse always sets it
    }
  });
}

/// A check that the value is one of `words`; any other is a ConfigError (exit 2) naming `what`, the
/// words and the closest: "list: unknown kind 'modles' (expected models or gpus); did you mean 'models'?".
[[nodiscard]] CLI::Validator one_of(std::vector<std::string> words, std::string what);

/// -o,--output FILE of a command that writes a profile (calibrate, import-hf; default: stdout). An
/// empty value is a ConfigError naming -o.
CLI::Option* add_profile_output_option(CLI::App& app, std::string& output);

/// ISL and OSL of `plan`, `sweep`, `compare` and `report` when the command line gives none.
inline constexpr std::int64_t default_request_tokens = 1000;

/// --isl and --osl, each default_request_tokens unless given (the help says so); `isl` and `osl`
/// hold the default beforehand.
void add_request_size_options(CLI::App& app, std::int64_t& isl, std::int64_t& osl);
/// --concurrency N, with the subcommand's help (what no value means differs between them).
void add_concurrency_option(CLI::App& app, std::optional<std::int64_t>& concurrency, std::string_view help);
/// --concurrency N, repeatable: each value parsed as the concurrency field.
void add_concurrency_list_option(CLI::App& app, std::vector<std::int64_t>& levels, std::string_view help);
/// --model NAME, required: one model (fit, sweep, plan, report) or, repeatable, several (compare).
CLI::Option* add_model_option(CLI::App& app, std::string& model);
CLI::Option* add_model_option(CLI::App& app, std::vector<std::string>& models);
/// --gpu NAME, repeatable (sweep, compare, plan, report); the caller marks it required where it is.
CLI::Option* add_gpus_option(CLI::App& app, std::vector<std::string>& gpus);
/// --ttft-ms and --tpot-ms: the service levels a configuration must meet.
void add_slo_options(CLI::App& app, std::optional<double>& ttft_ms, std::optional<double>& tpot_ms);
/// --calibration NAME.
void add_calibration_option(CLI::App& app, std::string& calibration);
/// --price LABEL|BASIS|GPU=USD (repeatable) and --usd-per-gpu-hour USD.
void add_price_options(CLI::App& app, std::string& price, std::optional<double>& usd_per_gpu_hour);
/// --engine NAME (checked against the calibration when the request is resolved).
void add_engine_option(CLI::App& app, std::string& engine);
/// --weights PRECISION (one precision; `help` overrides the field's help where the default differs).
void add_weights_option(CLI::App& app, std::string& weights, std::string_view help = {});
/// --kv PRECISION.
void add_kv_option(CLI::App& app, std::string& kv);
/// --overlap none|two-batch (checked as the scenario field is: an unknown name is a ConfigError).
void add_overlap_option(CLI::App& app, std::string& overlap);
/// --memory-utilization FRACTION.
void add_memory_utilization_option(CLI::App& app, std::optional<double>& memory_utilization);

}  // namespace llmsizer::cli
