// fuzz/invariants.hpp — what must hold of anything an input path accepts: specs that load are usable
// (finite, positive estimates against a known-good partner), measurements are in range, and no
// NaN or infinity is printed. Each check returns "" when it holds, else what broke.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "estimator/efficiency.hpp"
#include "estimator/model_spec.hpp"
#include "estimator/prepared_model.hpp"
#include "estimator/serving.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/measurements.hpp"

namespace llmsizer::fuzz {

/// A known-good model, GPU and calibration that mutated specs are paired with to run an estimate.
struct Fixtures {
  ModelSpec model;
  PreparedModel prepared;  // points into `model`: keep Fixtures where it was made
  GpuSpec gpu;
  Calibration calibration;
};

/// llama-3.1-8b, h100-sxm and the default calibration from the source tree's profiles/.
[[nodiscard]] std::shared_ptr<Fixtures> load_fixtures(const std::filesystem::path& source_dir);

/// Output tokens/s no deployment can exceed on HBM bandwidth alone. A decode step on the busiest
/// GPU reads, at least, its share of the weights every token uses (attention, dense FFN, shared
/// experts, router, norms; the embedding table is left out, a step reads a few of its rows) and,
/// for an MoE layer, its share of the experts_per_token routed experts one token needs (the step's
/// tokens touch at least those; experts split evenly over the stage's tp·dp ranks, so a GPU's share
/// of them is routed bytes x k / E). At peak bandwidth that takes min_bytes / bandwidth, pp stages
/// pass in turn, and a step yields at most concurrency x tokens-per-step tokens.
[[nodiscard]] double hbm_bound_output_tok_s(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                            const Estimate& e);

/// Memory need finite; when it fits, TTFT, TPOT and throughputs finite and positive, the rest finite.
[[nodiscard]] std::string check_estimate(const Estimate& e);
/// check_estimate, and output tokens/s within hbm_bound_output_tok_s.
[[nodiscard]] std::string check_estimate(const Estimate& e, const PreparedModel& model, const GpuSpec& gpu,
                                         const Deployment& deployment);
/// Parameter counts and KV bytes finite and positive, then sized and estimated on the fixture GPU.
[[nodiscard]] std::string check_model(const ModelSpec& model, const Fixtures& f);
/// The fixture model sized and estimated on `gpu`.
[[nodiscard]] std::string check_gpu(const GpuSpec& gpu, const Fixtures& f);
/// The fixture model and GPU estimated with `calibration`'s factors.
[[nodiscard]] std::string check_calibration(const Calibration& calibration, const Fixtures& f);
/// Parallel degrees in 0..2^20, token counts in 0..2^40, metrics finite and positive.
[[nodiscard]] std::string check_measurement(const Measurement& m);

/// The first line of `text` with "nan"/"inf" printed as a word of its own, outside '...' quotes
/// (which echo input): "$inf", "nan ms", "-inf," but not "infinity-fabric" or "info".
[[nodiscard]] std::string nonfinite_in_text(const std::string& text);
/// The first numeric cell of `estimate --csv` output that is NaN or infinite, described.
[[nodiscard]] std::string nonfinite_in_estimate_csv(const std::string& csv);

}  // namespace llmsizer::fuzz
