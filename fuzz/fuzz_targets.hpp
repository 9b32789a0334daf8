// fuzz/fuzz_targets.hpp — what llmsizer's mutation fuzzing runs, and the invariants it checks.
//
// Each target takes one input (a file's text, or an argument list one argument per line) and
// reports whether it was accepted or rejected, and which invariant it broke, if any:
//   - every input loads or throws ConfigError: never another exception, a crash or a hang;
//   - run_cli returns 0 or 2, never 3 (internal error);
//   - what loads gives finite, positive estimates, and no "nan"/"inf" reaches stdout.
// Used by the `hardening` test suite (a fixed number of iterations from a fixed seed) and by the
// llmsizer-fuzz driver (a time budget; docs/hardening.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/mutator.hpp"

namespace llmsizer::fuzz {

/// The verdict on one input. `violation` non-empty means a finding.
struct Result {
  bool accepted = false;  // loaded / exit 0; false: rejected with ConfigError / exit 2
  std::string violation;
};

struct Target {
  std::string name;       // profile, hf, csv, scenarios, measurements, cli, cli-decisions
  std::string extension;  // of corpus and regression files: .yaml, .json, .csv, .args
  bool argv = false;      // inputs are argument lists, one argument per line
  std::vector<std::string> seeds;
  std::function<Result(const std::string& input)> run;
};

/// Where seeds come from (the source tree) and where targets write temporary files.
struct Environment {
  std::filesystem::path source_dir;
  std::filesystem::path work_dir;
};

/// Every target, with seeds loaded: profile (gpu/model/calibration YAML), hf (config.json), csv (the
/// CSV reader), scenarios (estimate --scenarios in-process), measurements (load_measurements) and cli
/// (run_cli with mutated argv: list, show, check, import-hf, fit, estimate) and cli-decisions (sweep,
/// compare, plan, report, validate, calibrate). Throws ConfigError when a seed file is missing.
[[nodiscard]] std::vector<Target> make_targets(const Environment& env);

struct Finding {
  std::string input;
  std::string violation;
};

struct Stats {
  size_t inputs = 0;
  size_t accepted = 0;
  size_t rejected = 0;
  double slowest_seconds = 0;
  std::string slowest_input;
  std::vector<Finding> findings;
};

/// Runs the seeds, then mutated inputs until `iterations` inputs or `deadline`, whichever is first.
/// Inputs that are accepted join the pool mutations start from. `before_each` (may be empty) sees
/// every input before it runs, so a driver can save it in case the process dies.
[[nodiscard]] Stats fuzz_target(const Target& target, Mutator& mutator, size_t iterations,
                                std::chrono::steady_clock::time_point deadline,
                                const std::function<void(const std::string&)>& before_each = {});

/// Splits an argument-list input into arguments (one per line), and joins them back.
[[nodiscard]] std::vector<std::string> split_args(const std::string& input);
[[nodiscard]] std::string join_args(const std::vector<std::string>& args);

}  // namespace llmsizer::fuzz
