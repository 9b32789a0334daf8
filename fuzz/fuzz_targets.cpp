#include "fuzz/fuzz_targets.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <typeinfo>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/scenario.hpp"
#include "estimator/layout.hpp"
#include "estimator/serving.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/hf_import.hpp"
#include "io/measurements.hpp"
#include "io/profile_loader.hpp"

namespace llmsizer::fuzz {
namespace fs = std::filesystem;

namespace {

/// A known-good model, GPU and calibration that mutated specs are paired with to run an estimate.
struct Fixtures {
  ModelSpec model;
  PreparedModel prepared;
  GpuSpec gpu;
  Calibration calibration;
};

std::string read_text(const fs::path& path) { return read_file(path.string()); }

/// Runs `body`; a ConfigError is a rejection, any other exception a finding.
Result guarded(const std::function<Result()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    if (e.format().empty()) return {false, "ConfigError with an empty message"};
    return {false, {}};
  } catch (const std::exception& e) {
    return {false, fmt::format("threw {} instead of ConfigError: {}", typeid(e).name(), e.what())};
  } catch (...) {
    return {false, "threw something that is not a std::exception"};
  }
}

bool finite_positive(double v) { return std::isfinite(v) && v > 0; }
bool finite_nonnegative(double v) { return std::isfinite(v) && v >= 0; }

std::string check_estimate(const Estimate& e) {
  if (!finite_nonnegative(e.memory.need.total().value)) return fmt::format("memory need {}", e.memory.need.total().value);
  if (!e.fits) return {};
  const std::pair<const char*, double> positive[] = {
      {"ttft", e.ttft.value}, {"tpot", e.tpot.value}, {"output_tok_s", e.output_tok_s},
      {"output_tok_s_per_gpu", e.output_tok_s_per_gpu}, {"tok_s_per_user", e.tok_s_per_user}};
  for (const auto& [name, value] : positive) {
    if (!finite_positive(value)) return fmt::format("estimate {} = {}", name, value);
  }
  const std::pair<const char*, double> nonnegative[] = {
      {"input_tok_s", e.input_tok_s}, {"prefill_share", e.prefill_share}, {"power_w", e.power_w},
      {"joules_per_output_token", e.joules_per_output_token}, {"usd_per_mtok_output", e.usd_per_mtok_output.value_or(0)}};
  for (const auto& [name, value] : nonnegative) {
    if (!finite_nonnegative(value)) return fmt::format("estimate {} = {}", name, value);
  }
  return {};
}

/// Sizes and estimates `model` on `gpu`; "" when everything is finite.
std::string check_pair(const PreparedModel& model, const GpuSpec& gpu, const EfficiencyParams& efficiency) {
  Deployment base;
  base.weights = model.spec->weights_precision;
  base.experts = model.spec->experts_precision;
  const Workload workload{1024, 256, 8, Phase::mixed};
  const MinimumGpus min = minimum_gpus(model, gpu, base, Residency{1280, 8}, efficiency, 64);
  const Deployment deployment = min.gpus ? min.deployment : base;
  return check_estimate(estimate(model, gpu, deployment, workload, efficiency, 2.0));
}

std::string check_model(const ModelSpec& model, const Fixtures& f) {
  if (model.layer_attention.size() != static_cast<size_t>(model.num_layers) ||
      model.layer_is_moe.size() != static_cast<size_t>(model.num_layers)) {
    return "per-layer vectors do not match num_layers";
  }
  const PreparedModel prepared = prepare(model);
  if (!finite_positive(prepared.params.total) || !finite_positive(prepared.params.active)) {
    return fmt::format("parameters total {} active {}", prepared.params.total, prepared.params.active);
  }
  if (!finite_nonnegative(kv_bytes_per_token(model, Precision::fp8))) return "KV bytes per token not finite";
  return check_pair(prepared, f.gpu, f.calibration.resolve(f.gpu.generation, ""));
}

std::string check_gpu(const GpuSpec& gpu, const Fixtures& f) {
  for (double v : {gpu.memory.value, gpu.memory_bandwidth.value, gpu.tdp.value}) {
    if (!finite_positive(v)) return fmt::format("GPU figure {}", v);
  }
  return check_pair(f.prepared, gpu, f.calibration.resolve(gpu.generation, ""));
}

std::string check_calibration(const Calibration& c, const Fixtures& f) {
  return check_pair(f.prepared, f.gpu, c.resolve(f.gpu.generation, c.default_engine));
}

// ---------------------------------------------------------------- targets

Result run_profile(const std::string& text, const Fixtures& f) {
  return guarded([&]() -> Result {
    const SourceText source = make_source("-", text);  // "-": no file-name rule
    const YAML::Node root = parse_yaml(text, source);
    Result result;
    // Every parser sees every document: a model file handed to the GPU loader must fail cleanly too.
    const std::function<std::string()> parsers[] = {
        [&] { return check_gpu(parse_gpu(root, source), f); },
        [&] { return check_model(parse_model(root, source), f); },
        [&] { return check_calibration(parse_calibration(root, source), f); }};
    for (const auto& parse : parsers) {
      const Result r = guarded([&]() -> Result { return {true, parse()}; });
      result.accepted = result.accepted || r.accepted;
      if (!r.violation.empty()) return r;
    }
    return result;
  });
}

Result run_hf(const std::string& text, const Fixtures& f) {
  return guarded([&]() -> Result {
    const ModelSpec model = import_hf_config(text, "config.json");
    if (std::string v = check_model(model, f); !v.empty()) return {true, v};
    const std::string yaml = model_to_yaml(model);
    const SourceText source = make_source("-", yaml);
    try {
      (void)parse_model(parse_yaml(yaml, source), source);
    } catch (const ConfigError& e) {
      return {true, "imported model does not load back from model_to_yaml: " + e.format()};
    }
    return {true, {}};
  });
}

Result run_csv(const std::string& text) {
  return guarded([&]() -> Result {
    (void)parse_csv(text, "fuzz.csv");
    return {true, {}};
  });
}

bool nonfinite_word(std::string cell) {
  cell.erase(0, cell.find_first_not_of(" \t"));
  cell.erase(cell.find_last_not_of(" \t") + 1);
  std::transform(cell.begin(), cell.end(), cell.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!cell.empty() && (cell[0] == '-' || cell[0] == '+')) cell.erase(0, 1);
  return cell == "nan" || cell == "inf" || cell == "infinity";
}

/// The first line of `text` with "nan"/"inf" printed as a word of its own (outside '...' quotes,
/// which echo input): "$inf", "nan ms", "-inf," but not "infinity-fabric" or "info".
std::string nonfinite_in_text(const std::string& text) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '+'; };
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    bool quoted = false;
    std::string word;
    for (size_t i = 0; i <= line.size(); ++i) {
      const char c = i < line.size() ? line[i] : ' ';
      if (c == '\'') quoted = !quoted;
      if (!quoted && word_char(c)) {
        word += c;
        continue;
      }
      if (nonfinite_word(word)) return line;
      word.clear();
    }
  }
  return {};
}

/// Numeric cells of `estimate --csv` output that are NaN or infinite.
std::string nonfinite_in_estimate_csv(const std::string& csv) {
  const CsvTable table = parse_csv(csv, "stdout");
  std::vector<bool> numeric;
  for (const std::string& key : table.header) {
    bool is_numeric = false;
    for (const Column& c : cli::estimate_columns()) {
      if (c.key == key) is_numeric = !c.unit.empty() || key == "tp" || key == "pp" || key == "dp" || key == "ep";
    }
    numeric.push_back(is_numeric);
  }
  for (const CsvRecord& record : table.records) {
    for (size_t i = 0; i < record.fields.size() && i < numeric.size(); ++i) {
      if (numeric[i] && nonfinite_word(record.fields[i])) {
        return fmt::format("column {} is '{}' on output line {}", table.header[i], record.fields[i], record.line);
      }
    }
  }
  return {};
}

struct CliRun {
  int code = 0;
  std::string out, err;
};

CliRun run_cli_in(const std::vector<std::string>& args, const fs::path& dir) {
  // Mutated arguments may name output files anywhere; run inside the scratch directory.
  const fs::path previous = fs::current_path();
  fs::current_path(dir);
  std::ostringstream out, err;
  CliRun r;
  try {
    r.code = cli::run_cli(args, out, err);
  } catch (...) {
    fs::current_path(previous);
    throw;
  }
  fs::current_path(previous);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string check_exit(const CliRun& r) {
  if (r.code == 0 || r.code == 2) {
    if (r.code == 2 && r.err.empty()) return "exit 2 with nothing on stderr";
    return {};
  }
  return fmt::format("exit code {}: {}", r.code, r.err.substr(0, 500));
}

Result run_scenarios(const std::string& text, const fs::path& work) {
  return guarded([&]() -> Result {
    const fs::path file = work / "scenarios.csv";
    std::ofstream(file, std::ios::binary) << text;
    const CliRun r = run_cli_in({"estimate", "--scenarios", file.string(), "--csv"}, work);
    if (std::string v = check_exit(r); !v.empty()) return {false, v};
    if (r.code == 0 || !r.out.empty()) {
      if (std::string v = nonfinite_in_estimate_csv(r.out); !v.empty()) return {r.code == 0, "stdout: " + v};
    }
    return {r.code == 0, {}};
  });
}

std::string check_measurement(const Measurement& m) {
  for (const std::optional<int>& degree : {m.tp, m.pp, m.dp, m.ep, m.mtp}) {
    if (degree && (*degree < 0 || *degree > (1 << 20))) return fmt::format("{}: parallel degree {}", m.id, *degree);
  }
  for (const std::optional<std::int64_t>& count : {m.isl, m.osl, m.concurrency}) {
    if (count && (*count < 0 || *count > (1LL << 40))) return fmt::format("{}: token count {}", m.id, *count);
  }
  for (const std::optional<double>& metric : {m.tpot_ms, m.ttft_ms, m.output_tok_s_per_gpu, m.input_tok_s_per_gpu}) {
    if (metric && !finite_positive(*metric)) return fmt::format("{}: metric {}", m.id, *metric);
  }
  if (m.gpus < 0) return fmt::format("{}: {} GPUs", m.id, m.gpus);
  return {};
}

Result run_measurements(const std::string& text, const fs::path& work) {
  return guarded([&]() -> Result {
    const fs::path file = work / "measurements.yaml";
    std::ofstream(file, std::ios::binary) << text;
    for (const Measurement& m : load_measurements(file.string())) {
      if (std::string v = check_measurement(m); !v.empty()) return {true, v};
    }
    return {true, {}};
  });
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

Result run_args(const std::string& input, const Environment& env) {
  return guarded([&]() -> Result {
    std::vector<std::string> args = split_args(input);
    for (size_t i = 0; i < args.size(); ++i) {
      args[i] = replace_all(replace_all(args[i], "$SRC", env.source_dir.string()), "$WORK", env.work_dir.string());
      // Keep every output file inside the scratch directory.
      const bool output = i > 0 && (args[i - 1] == "-o" || args[i - 1] == "--output" || args[i - 1] == "--xlsx" ||
                                    args[i - 1] == "--html");
      if (output && args[i].rfind(env.work_dir.string(), 0) != 0) {
        args[i] = (env.work_dir / ("out-" + std::to_string(std::hash<std::string>{}(args[i])))).string();
      }
    }
    const CliRun r = run_cli_in(args, env.work_dir);
    if (std::string v = check_exit(r); !v.empty()) return {false, v};
    if (r.code == 0) {
      if (std::string line = nonfinite_in_text(r.out); !line.empty()) return {true, "non-finite number in stdout: " + line};
    }
    return {r.code == 0, {}};
  });
}

std::vector<std::string> files_with_extension(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> texts;
  for (const fs::path& p : paths) texts.push_back(read_text(p));
  return texts;
}

std::vector<std::string> cli_seeds(const fs::path& file) {
  std::vector<std::string> seeds;
  std::istringstream in(read_text(file));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> args;
    std::istringstream words(line);
    for (std::string w; words >> w;) args.push_back(w);
    seeds.push_back(join_args(args));
  }
  return seeds;
}

std::shared_ptr<Fixtures> load_fixtures(const fs::path& src) {
  auto f = std::make_shared<Fixtures>();
  f->model = load_model_file((src / "profiles/models/llama-3.1-8b.yaml").string());
  f->prepared = prepare(f->model);
  f->gpu = load_gpu_file((src / "profiles/gpus/h100-sxm.yaml").string());
  f->calibration = load_calibration_file((src / "profiles/calibration/default.yaml").string());
  return f;
}

}  // namespace

std::vector<std::string> split_args(const std::string& input) {
  std::vector<std::string> args;
  if (input.empty()) return args;
  size_t start = 0;
  while (true) {
    const size_t end = input.find('\n', start);
    args.push_back(input.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return args;
}

std::string join_args(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) out += (i ? "\n" : "") + args[i];
  return out;
}

std::vector<Target> make_targets(const Environment& env) {
  const fs::path& src = env.source_dir;
  const std::shared_ptr<Fixtures> f = load_fixtures(src);
  std::vector<Target> targets;
  targets.push_back({"profile", ".yaml", false, files_with_extension(src / "profiles", ".yaml"),
                     [f](const std::string& in) { return run_profile(in, *f); }});
  targets.push_back({"hf", ".json", false, files_with_extension(src / "tests/data/hf", ".json"),
                     [f](const std::string& in) { return run_hf(in, *f); }});
  std::vector<std::string> csv_seeds = {read_text(src / "tests/data/fuzz/scenarios.csv")};
  if (fs::exists(src / "tests/data/measured_deployments.csv")) {
    csv_seeds.push_back(read_text(src / "tests/data/measured_deployments.csv"));
  }
  targets.push_back({"csv", ".csv", false, csv_seeds, [](const std::string& in) { return run_csv(in); }});
  targets.push_back({"scenarios", ".csv", false, {read_text(src / "tests/data/fuzz/scenarios.csv")},
                     [work = env.work_dir](const std::string& in) { return run_scenarios(in, work); }});
  targets.push_back({"measurements", ".yaml", false, {read_text(src / "tests/data/fuzz/measurements.yaml")},
                     [work = env.work_dir](const std::string& in) { return run_measurements(in, work); }});
  targets.push_back({"cli", ".args", true, cli_seeds(src / "tests/data/fuzz/cli_seeds.txt"),
                     [env](const std::string& in) { return run_args(in, env); }});
  targets.push_back({"cli-decisions", ".args", true, cli_seeds(src / "tests/data/fuzz/cli_decisions_seeds.txt"),
                     [env](const std::string& in) { return run_args(in, env); }});
  return targets;
}

Stats fuzz_target(const Target& target, Mutator& mutator, size_t iterations,
                  std::chrono::steady_clock::time_point deadline,
                  const std::function<void(const std::string&)>& before_each) {
  Stats stats;
  std::vector<std::string> pool = target.seeds;
  const size_t pool_limit = 4 * target.seeds.size() + 16;
  for (size_t i = 0; i < iterations && std::chrono::steady_clock::now() < deadline; ++i) {
    std::string input;
    if (i < target.seeds.size()) {
      input = target.seeds[i];
    } else if (target.argv) {
      input = join_args(mutator.mutate_args(split_args(pool[mutator.below(pool.size())])));
    } else {
      input = mutator.mutate(pool[mutator.below(pool.size())], target.seeds);
    }
    if (before_each) before_each(input);
    const auto start = std::chrono::steady_clock::now();
    const Result result = target.run(input);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++stats.inputs;
    ++(result.accepted ? stats.accepted : stats.rejected);
    if (seconds > stats.slowest_seconds) {
      stats.slowest_seconds = seconds;
      stats.slowest_input = input;
    }
    if (!result.violation.empty()) stats.findings.push_back({input, result.violation});
    if (result.accepted && i >= target.seeds.size() && pool.size() < pool_limit) pool.push_back(input);
  }
  return stats;
}

}  // namespace llmsizer::fuzz
