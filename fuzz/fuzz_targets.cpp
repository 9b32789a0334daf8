#include "fuzz/fuzz_targets.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <typeinfo>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "fuzz/invariants.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/hf_import.hpp"
#include "io/measurements.hpp"
#include "io/profile_loader.hpp"

namespace llmsizer::fuzz {
namespace fs = std::filesystem;

namespace {

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
