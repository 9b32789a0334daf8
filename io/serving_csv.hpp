// io/serving_csv.hpp — measured serving runs in the serving_sample.csv format (one run per row:
// id, model, gpu, gpus, tp, pp, dp, ep, weights, isl, osl, concurrency, engine, engine_version,
// ttft_ms, tpot_ms; docs/validation.md#measurement-files), read into the same Measurement rows as
// the YAML measurement schema, so `validate` and `calibrate` treat both alike.
#pragma once

#include <string>
#include <vector>

#include "io/measurements.hpp"

namespace llmsizer {

/// Parses serving-run CSV text. Leading lines starting with '#' are comments (the file's source
/// line). Unknown, missing and duplicate columns, numbers that are not numbers or out of range,
/// gpus != tp x pp x dp and duplicate ids are ConfigError at file:line:col with the line and a caret.
/// `weights` empty means the model's native precisions; "fp4" is NVFP4. The KV-cache type is not
/// recorded (the engine's default applied), so it is left to the estimator's default.
[[nodiscard]] std::vector<Measurement> parse_serving_csv(const std::string& text, const std::string& file);

/// Reads a serving-run CSV file (parse_serving_csv).
[[nodiscard]] std::vector<Measurement> load_serving_csv(const std::string& path);

/// A measurement file of either format: ".csv" is the serving-run CSV, anything else the YAML
/// measurement schema (load_measurements).
[[nodiscard]] std::vector<Measurement> load_measurement_file(const std::string& path);

}  // namespace llmsizer
