// cli/common_options.hpp — option groups shared by several subcommands, registered once each with
// the same name, help text and parser everywhere. Scenario fields take their help, parser and
// range check from request/scenario_fields.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "request/scenario_fields.hpp"

namespace llmsizer::cli {

/// Registers scenario field `field` as its option ("--" + name with '_' -> '-'): the text is parsed
/// and range-checked by the field, and the field's value stored in `target`. Errors are ConfigErrors
/// naming the option.
template <typename T>
CLI::Option* add_field_option(CLI::App& app, std::string_view field, T ScenarioInput::*member, T& target) {
  const ScenarioField& f = scenario_field(field);
  return app.add_option_function<std::string>(
      option_name(f),
      [&f, member, &target](const std::string& text) {
        ScenarioInput parsed;
        f.parse(parsed, text, option_name(f));
        target = parsed.*member;
      },
      help_text(f))
      ->type_name(f.value_kind);
}

/// The same for a subcommand that keeps the value itself rather than optional (a required option).
template <typename T>
CLI::Option* add_field_option(CLI::App& app, std::string_view field, std::optional<T> ScenarioInput::*member,
                              T& target) {
  const ScenarioField& f = scenario_field(field);
  return app.add_option_function<std::string>(
      option_name(f),
      [&f, member, &target](const std::string& text) {
        ScenarioInput parsed;
        f.parse(parsed, text, option_name(f));
        target = *(parsed.*member);
      },
      help_text(f))
      ->type_name(f.value_kind);
}

/// --isl and --osl, required.
void add_request_size_options(CLI::App& app, std::int64_t& isl, std::int64_t& osl);
void add_request_size_options(CLI::App& app, std::optional<std::int64_t>& isl, std::optional<std::int64_t>& osl);
/// --calibration NAME.
void add_calibration_option(CLI::App& app, std::string& calibration);
/// --price LABEL and --usd-per-gpu-hour USD.
void add_price_options(CLI::App& app, std::string& price, std::optional<double>& usd_per_gpu_hour);
/// --engine NAME (checked against the calibration when the request is resolved).
void add_engine_option(CLI::App& app, std::string& engine);
/// --weights PRECISION (one precision; `help` overrides the field's help where the default differs).
void add_weights_option(CLI::App& app, std::string& weights, std::string_view help = {});
/// --kv PRECISION.
void add_kv_option(CLI::App& app, std::string& kv);
/// --memory-utilization FRACTION.
void add_memory_utilization_option(CLI::App& app, std::optional<double>& memory_utilization);

}  // namespace llmsizer::cli
