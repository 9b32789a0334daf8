// python/session.hpp — the native side of the llmsizer Python module: one catalog (the profile
// directories a call names) with its resolvers, kept by the module between calls so that a model is
// looked up and prepared once per session rather than once per call.
#pragma once

#include <pybind11/pybind11.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/embedded.hpp"

namespace llmsizer::python {

/// A keyword argument that is not a scenario field nor calibration=: the caller checks it against the
/// command's options and runs the command line instead (scenarios=, or an option added later).
struct NotAScenarioField {};

class Session {
 public:
  /// Loads the profiles beside `installed_beside` (as beside the executable), then LLMSIZER_PROFILES,
  /// then `profiles`, as the command line orders them. Throws ConfigError on a broken profile.
  Session(const std::string& installed_beside, const std::vector<std::string>& profiles);
  Session(const Session&) = delete;  // the resolvers hold a reference to catalog_
  Session& operator=(const Session&) = delete;

  /// Runs a command line ("sweep", "--model", ..., "--json") on this catalog.
  [[nodiscard]] cli::CommandOutput run(const std::vector<std::string>& args) const;

  /// One estimate from keyword arguments named like the scenario fields (isl=, usd_per_gpu_hour=) plus
  /// calibration=; each value is read by its field's own parser from its text, as the CLI reads it.
  /// Returns the object `estimate --json` prints, keyed by the estimate schema's columns. Throws
  /// ConfigError for bad input and NotAScenarioField for a keyword this path does not read; each
  /// import warning of the model is issued as `warning_category`.
  [[nodiscard]] pybind11::dict estimate(const pybind11::dict& options, pybind11::handle warning_category);

  /// What loading the profiles warned of (a measurements file skipped, a calibration replaced), as the
  /// command line prints it on stderr once per load.
  [[nodiscard]] const std::vector<std::string>& catalog_warnings() const { return catalog_.warnings; }

 private:
  ScenarioResolver& resolver(const std::string& calibration);
  /// The keyword arguments read by their fields; calibration= is set apart.
  [[nodiscard]] ScenarioInput scenario_input(const pybind11::dict& options, std::string& calibration) const;

  std::filesystem::path installed_beside_;
  Catalog catalog_;
  std::map<std::string, std::unique_ptr<ScenarioResolver>> resolvers_;  // by calibration name
  cli::BandCache bands_;  // the error bands of each regime estimate() has met
  // Built once, as an estimate a call is made of a few lookups and the answer's 40-odd values.
  pybind11::dict fields_by_name_;     // scenario field name -> its index in scenario_fields()
  std::vector<std::string> options_;  // option_name() of each field, for its errors
  std::vector<pybind11::str> keys_;   // estimate_columns() keys
};

/// A result cell as Python: None, bool, int, float, str or list of str. A non-finite number is None,
/// as the JSON writer prints it (null).
[[nodiscard]] pybind11::object python_value(const Cell& cell);

}  // namespace llmsizer::python
