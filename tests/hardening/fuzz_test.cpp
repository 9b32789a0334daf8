// Deterministic mutation fuzzing of every input path (fuzz/fuzz_targets.hpp): a fixed seed and a fixed
// number of inputs per target, so a failure reproduces exactly. Longer runs use the llmsizer-fuzz
// driver (docs/hardening.md). Inputs that once broke an invariant live in tests/data/regressions/
// <target>/ and are replayed here.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "fuzz/fuzz_targets.hpp"
#include <fmt/format.h>

#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

// Printable preview of an input for failure messages.
std::string preview(const std::string& input) {
  std::string out;
  for (size_t i = 0; i < input.size() && out.size() < 400; ++i) {
    const unsigned char c = static_cast<unsigned char>(input[i]);
    if (c == '\n') out += "\\n";
    else if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return input.size() > 400 ? out + fmt::format("... ({} bytes)", input.size()) : out;
}

const fuzz::Target& find(const std::vector<fuzz::Target>& targets, const std::string& name) {
  for (const fuzz::Target& t : targets) {
    if (t.name == name) return t;
  }
  FAIL("no fuzz target named " << name);
  throw std::logic_error("unreachable");
}

// Runs `iterations` inputs (the seeds first) of one target from a fixed seed; every finding fails.
void run_fuzz(const std::string& name, size_t iterations) {
  const test::TempDir work;
  const std::vector<fuzz::Target> targets = fuzz::make_targets({test::source_path(""), work.path()});
  const fuzz::Target& target = find(targets, name);
  fuzz::Mutator mutator(20250101);
  const auto no_deadline = std::chrono::steady_clock::time_point::max();
  const fuzz::Stats stats = fuzz::fuzz_target(target, mutator, iterations, no_deadline);
  CHECK(stats.inputs == iterations);
  for (const fuzz::Finding& f : stats.findings) FAIL_CHECK(f.violation << "\n  input: " << preview(f.input));
  // Both outcomes occur: the seeds load and most mutations are rejected with a ConfigError.
  CHECK(stats.accepted > 0);
  CHECK(stats.rejected > 0);
}

}  // namespace

TEST_SUITE("hardening") {

TEST_CASE("fuzz: gpu/model/calibration YAML loads or throws ConfigError; what loads estimates finitely") {
  run_fuzz("profile", 700);
}

TEST_CASE("fuzz: config.json import loads or throws ConfigError, and loads back from its YAML") { run_fuzz("hf", 400); }

TEST_CASE("fuzz: the CSV reader") { run_fuzz("csv", 1500); }

TEST_CASE("fuzz: estimate --scenarios exits 0 or 2 and prints no nan/inf") { run_fuzz("scenarios", 50); }

TEST_CASE("fuzz: measurements load or throw ConfigError, with numbers in range") { run_fuzz("measurements", 150); }

TEST_CASE("fuzz: mutated command lines exit 0 or 2, never 3, and print no nan/inf") { run_fuzz("cli", 120); }

TEST_CASE("regressions: inputs that once broke an invariant are handled") {
  const test::TempDir work;
  const std::vector<fuzz::Target> targets = fuzz::make_targets({test::source_path(""), work.path()});
  size_t replayed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(test::source_path("tests/data/regressions"))) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
    const std::string target_name = entry.path().parent_path().filename().string();
    CAPTURE(entry.path().string());
    const fuzz::Result result = find(targets, target_name).run(read_file(entry.path().string()));
    CHECK_MESSAGE(result.violation.empty(), result.violation);
    ++replayed;
  }
  CHECK(replayed > 0);
}

}  // TEST_SUITE("hardening")

}  // namespace llmsizer
