// tests/test_support.hpp — paths to the repository's data and small helpers shared by test files.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/command.hpp"
#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/catalog.hpp"
#include "io/profile_loader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::test {

/// A path inside the source tree (LLMSIZER_SOURCE_DIR is set by CMake).
inline std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(LLMSIZER_SOURCE_DIR) / relative;
}

/// The shipped profiles, straight from the source tree (not the copy beside the binary).
inline Catalog shipped_catalog() {
  return load_catalog({source_path("profiles")});
}

inline ModelSpec shipped_model(const std::string& name) {
  return load_model_file(source_path("profiles/models/" + name + ".yaml").string());
}

inline GpuSpec shipped_gpu(const std::string& name) {
  return load_gpu_file(source_path("profiles/gpus/" + name + ".yaml").string());
}

/// Equal to `expected` within `tolerance` relative. doctest's Approx adds 1.0 to the scale, which turns
/// `epsilon` into an absolute tolerance for small numbers (seconds, shares); scale(0) keeps it relative.
inline doctest::Approx rel(double expected, double tolerance) {
  return doctest::Approx(expected).epsilon(tolerance).scale(0);
}

/// A fresh empty directory under the system temp dir, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("llmsizer-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes `text` to `path` as is (binary), replacing the file.
inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

/// `args` followed by `more` (a command line with extra options).
inline std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

/// One in-process run of the command line: exit code, stdout and stderr.
struct Run {
  int code = 0;
  std::string out;
  std::string err;
};

inline Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = cli::run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

/// Compares `actual` (stdout) with tests/golden/<name>.txt, or rewrites the file when
/// LLMSIZER_UPDATE_GOLDEN=1 (review the diff before committing).
inline void check_golden(const std::string& name, const std::string& actual) {
  const auto path = source_path("tests/golden/" + name + ".txt");
  const char* env = std::getenv("LLMSIZER_UPDATE_GOLDEN");
  if (env && std::string(env) == "1") {
    std::ofstream out(path, std::ios::binary);
    out << actual;
    REQUIRE(out.good());
    MESSAGE("rewrote " << path.string());
    return;
  }
  const std::string expected = read_file(path.string());
  CHECK_MESSAGE(actual == expected,
                "stdout differs from " << path.string() << "; rerun with LLMSIZER_UPDATE_GOLDEN=1 and review the diff");
}

}  // namespace llmsizer::test
