// request/scenario_fields.hpp — every scenario field declared once: its name (the CSV column; the
// command-line option is "--" + name with '_' -> '-'), help text, default, parser and range check.
// The CLI options, the scenarios CSV and the resolver all read this table, so a number parses the
// same way wherever it is written (decimal only: "0100" is one hundred, not octal 64).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "estimator/deployment.hpp"
#include "request/scenario_input.hpp"

namespace llmsizer {

// DeepSeek-V3 technical report §5.4.3: the second token predicted by MTP is accepted 85–90% of the time.
inline constexpr double default_mtp_acceptance = 0.85;
// Later draft positions reuse the one MTP module on its own predictions and are accepted less often;
// 0.8 per position gives 1.85 / 2.43 / 2.74 tokens per step for 1 / 2 / 3 drafts, inside the
// 1.8–3.3 accepted tokens per step Ant Group reports for DeepSeek-R1 with MTP on H20 (LMSYS blog
// 2025-09-26).
inline constexpr double default_mtp_acceptance_decay = 0.8;
/// Largest --mtp accepted.
inline constexpr int max_mtp_draft_tokens = 16;

struct ScenarioField {
  std::string name;          // CSV column, e.g. "usd_per_gpu_hour"
  std::string help;          // without the default
  std::string default_text;  // what applies when the field is not given ("": required, or nothing to say)
  /// Parses `text` into the field of `input` and checks its range. Throws ConfigError whose path is
  /// `where`: the option as the user wrote it ("--isl") or the CSV column ("isl").
  void (*parse)(ScenarioInput& input, const std::string& text, const std::string& where);
  /// Checks the range of a value already in `input` (set by code rather than parsed); nullptr for text.
  void (*check)(const ScenarioInput& input, const std::string& where);
  std::string value_kind = "TEXT";  // what --help shows for the value: TEXT, INT or NUMBER
};

/// The phase and the overlap a text names ("" is the default); a ConfigError at `where` (the option or
/// the CSV column) with a did-you-mean otherwise.
[[nodiscard]] Phase phase_named(const std::string& text, const std::string& where);
[[nodiscard]] Overlap overlap_named(const std::string& text, const std::string& where);
/// The name overlap_named reads for `overlap`: "none" or "two-batch".
[[nodiscard]] std::string_view overlap_name(Overlap overlap);

/// The table, in the order options are listed in --help.
[[nodiscard]] const std::vector<ScenarioField>& scenario_fields();
/// The field called `name` (a CSV column name); nullptr when there is none.
[[nodiscard]] const ScenarioField* find_scenario_field(std::string_view name);
/// The field called `name`; the name must be one of the table's (a programming error otherwise).
[[nodiscard]] const ScenarioField& scenario_field(std::string_view name);
/// "--usd-per-gpu-hour" for usd_per_gpu_hour.
[[nodiscard]] std::string option_name(const ScenarioField& field);
/// The help text with its default: "Output tokens per request" or "... (default: bf16)".
[[nodiscard]] std::string help_text(const ScenarioField& field);
/// Range-checks every numeric field of `input`, naming each by its option ("--isl").
void check_scenario_ranges(const ScenarioInput& input);

/// A whole decimal number ("1024", also "1e3" and "8.0"); `where` names the field in errors.
[[nodiscard]] std::int64_t parse_whole(const std::string& text, const std::string& where);
/// A decimal number (NaN and infinity parse, so that the range check names them).
[[nodiscard]] double parse_number(const std::string& text, const std::string& where);

}  // namespace llmsizer
