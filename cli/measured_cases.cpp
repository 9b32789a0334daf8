#include "cli/measured_cases.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "io/config_error.hpp"
#include "io/serving_csv.hpp"

namespace llmsizer::cli {

namespace {

std::string shipped_file(const char* name, const std::filesystem::path& installed_beside) {
  const std::filesystem::path dir = installed_beside.empty() ? executable_directory() : installed_beside;
  for (const auto& candidate : {dir / "validation" / name, dir / ".." / "share" / "llmsizer" / "validation" / name}) {
    if (std::filesystem::is_regular_file(candidate)) return candidate.string();
  }
  throw ConfigError("--measurements",
                    fmt::format("the shipped {} was not found next to the executable; pass a file", name));
}

}  // namespace

std::string shipped_measurements_path(const std::filesystem::path& installed_beside) {
  return shipped_file("measurements.yaml", installed_beside);
}

std::string shipped_serving_runs_path(const std::filesystem::path& installed_beside) {
  return shipped_file("serving_sample.csv", installed_beside);
}

void add_measurement_options(CLI::App& app, std::vector<std::string>& files, bool& with_shipped) {
  app.add_option("--measurements", files,
                 "Measurements file, YAML or serving-run CSV (repeatable; default: the shipped "
                 "validation/measurements.yaml)")
      ->type_name("FILE");
  app.add_flag("--shipped", with_shipped,
               "Include every shipped file: validation/measurements.yaml and the measured serving runs "
               "validation/serving_sample.csv");
}

std::vector<std::string> measurement_files(const std::vector<std::string>& files, bool with_shipped,
                                           const std::filesystem::path& installed_beside) {
  std::vector<std::string> out = files;
  if (with_shipped) {
    out.insert(out.begin(), {shipped_measurements_path(installed_beside), shipped_serving_runs_path(installed_beside)});
  } else if (files.empty()) {
    out.push_back(shipped_measurements_path(installed_beside));
  }
  return out;
}

namespace {

/// A serving-run row's `fp4` names the run's 4-bit checkpoint: NVFP4 (NVIDIA ModelOpt) for a model
/// released in 16 or 8 bits, but the release itself for a model whose routed experts were released in
/// a 4-bit format (gpt-oss: MXFP4 experts, BF16 attention and embeddings; models.yaml `quantization`),
/// which the engines serve as shipped. Read as NVFP4 everywhere, attention and dense layers would also
/// run in 4 bits.
bool released_four_bit(const Measurement& m, ScenarioResolver& resolver) {
  if (m.weights != "fp4") return false;
  const Precision experts = resolver.prepared(m.model)->spec->experts_precision;
  return info(experts).native_compute == ComputeType::fp4 || experts == Precision::int4;
}

ScenarioInput scenario_of(const Measurement& m, ScenarioResolver& resolver) {
  ScenarioInput in;
  in.id = m.id;
  in.model = m.model;
  in.gpu = m.gpu;
  in.gpus = m.gpus;
  in.tp = m.tp;
  in.pp = m.pp;
  in.dp = m.dp;
  in.ep = m.ep;
  if (!in.tp && !in.pp && !in.dp) in.tp = m.gpus;  // a stated single instance without degrees: TP across it
  if (in.dp && !in.tp) in.tp = 1;
  in.weights = released_four_bit(m, resolver) ? std::string() : m.weights;  // empty: native precisions
  in.experts = m.experts;
  in.kv = m.kv;
  in.engine = m.engine;
  in.phase = m.phase;
  in.isl = m.isl;
  in.osl = m.osl;
  in.concurrency = m.concurrency;
  in.mtp = m.mtp;
  return in;
}

void attach_metrics(const Measurement& m, MeasuredCase& c) {
  if (m.tpot_ms) c.tpot_s = *m.tpot_ms / 1000.0;
  if (m.ttft_ms) c.ttft_s = *m.ttft_ms / 1000.0;
  c.output_tok_s_per_gpu = m.output_tok_s_per_gpu;
  c.input_tok_s_per_gpu = m.input_tok_s_per_gpu;
}

/// A row naming a GPU or model the catalog does not know is a typo in the user's file (every shipped
/// row names known ones): an error at the row, with the lookup's did-you-mean, not a skipped row.
ConfigError misnamed(const Measurement& m, int index, const ConfigError& lookup) {
  const bool csv = std::filesystem::path(m.file).extension() == ".csv";
  const bool gpu = lookup.path() == "--gpu";
  const std::string field =
      csv ? (gpu ? "gpu" : "model") : fmt::format("measurements[{}].{}", index, gpu ? "hardware.gpu" : "model_ref");
  return ConfigError(m.file, m.line, 0, field, lookup.message());
}

}  // namespace

std::vector<MeasuredRow> load_measured_rows(const std::vector<std::string>& files, ScenarioResolver& resolver) {
  std::vector<MeasuredRow> rows;
  for (const std::string& file : files) {
    int index = -1;
    for (Measurement& m : load_measurement_file(file)) {
      ++index;
      MeasuredRow row;
      row.measurement = std::move(m);
      const Measurement& mm = row.measurement;
      if (!mm.skip_reason.empty()) {
        row.status = "skipped: " + mm.skip_reason;
      } else if (!mm.quality.empty() && mm.quality[0] == 'C') {
        row.status = "excluded: quality C (ambiguous normalisation)";
      } else if (!mm.tpot_ms && !mm.ttft_ms && !mm.output_tok_s_per_gpu && !mm.input_tok_s_per_gpu) {
        row.status = "skipped: no metric the estimator predicts";
      } else {
        try {
          const ScenarioResolver::Resolved r = resolver.resolve(scenario_of(mm, resolver));
          MeasuredCase& c = row.estimate_case;
          c.id = mm.id;
          c.source = mm.source;
          c.model = r.prepared.get();
          c.gpu = r.gpu;
          c.deployment = r.deployment;
          c.workload = r.workload;
          c.engine = r.engine;
          c.holdout = is_holdout(mm.id);
          attach_metrics(mm, c);
          row.usable = true;
          row.status = "estimated";
        } catch (const ConfigError& e) {
          if (e.path() == "--gpu" || e.path() == "--model") throw misnamed(mm, index, e);
          row.status = fmt::format("error: {}{}", e.path().empty() ? "" : e.path() + ": ", e.message());
        }
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace llmsizer::cli
