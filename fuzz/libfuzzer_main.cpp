// llmsizer-libfuzzer — the targets of fuzz/fuzz_targets.hpp under libFuzzer (coverage-guided), built by
// clang with -DLLMSIZER_LIBFUZZER=ON (scripts/fuzz does all of it; docs/hardening.md).
//
//   LLMSIZER_FUZZ_TARGET=profile ./llmsizer-libfuzzer [libFuzzer flags] CORPUS_DIR...
//   LLMSIZER_FUZZ_TARGET=profile LLMSIZER_FUZZ_WRITE_SEEDS=DIR ./llmsizer-libfuzzer   # seed a corpus
//
// The target is chosen by LLMSIZER_FUZZ_TARGET (profile, hf, csv, scenarios, measurements, cli,
// cli-decisions) because libFuzzer owns the command line. An input that breaks an invariant aborts,
// so libFuzzer saves it as a crash-* file; sanitizer reports do the same.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fuzz/fuzz_targets.hpp"
#include "io/config_error.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<llmsizer::fuzz::Target>* all_targets = nullptr;
const llmsizer::fuzz::Target* chosen = nullptr;

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "llmsizer-libfuzzer: %s\nhint: LLMSIZER_FUZZ_TARGET={profile|hf|csv|scenarios|measurements|cli|"
               "cli-decisions} llmsizer-libfuzzer CORPUS_DIR\n",
               problem.c_str());
  std::exit(2);
}

void write_seeds(const llmsizer::fuzz::Target& target, const fs::path& dir) {
  fs::create_directories(dir);
  for (size_t i = 0; i < target.seeds.size(); ++i) {
    std::ofstream(dir / ("seed-" + std::to_string(i) + target.extension), std::ios::binary) << target.seeds[i];
  }
  std::fprintf(stderr, "llmsizer-libfuzzer: wrote %zu seeds for %s to %s\n", target.seeds.size(),
               target.name.c_str(), dir.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const char* name = std::getenv("LLMSIZER_FUZZ_TARGET");
  if (!name) usage("set LLMSIZER_FUZZ_TARGET");
  static char scratch[] = "/tmp/llmsizer-libfuzzer-XXXXXX";
  if (!::mkdtemp(scratch)) usage("cannot create a scratch directory in /tmp");
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
  });
  const char* source = std::getenv("LLMSIZER_SOURCE_DIR");
  try {
    all_targets = new std::vector<llmsizer::fuzz::Target>(
        llmsizer::fuzz::make_targets({source ? source : LLMSIZER_SOURCE_DIR, scratch}));
  } catch (const llmsizer::ConfigError& e) {
    usage(e.format() + " (set LLMSIZER_SOURCE_DIR to the llmsizer source tree)");
  }
  for (const auto& t : *all_targets) {
    if (t.name == name) chosen = &t;
  }
  if (!chosen) usage(std::string("unknown target '") + name + "'");
  if (const char* seeds = std::getenv("LLMSIZER_FUZZ_WRITE_SEEDS")) {
    write_seeds(*chosen, seeds);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const llmsizer::fuzz::Result result = chosen->run(std::string(reinterpret_cast<const char*>(data), size));
  if (!result.violation.empty()) {
    std::fprintf(stderr, "llmsizer-libfuzzer: invariant broken (%s): %s\n", chosen->name.c_str(),
                 result.violation.substr(0, 2000).c_str());
    std::abort();
  }
  return 0;
}
