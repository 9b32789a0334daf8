// tests/test_support.hpp — paths to the repository's data and small helpers shared by test files.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

#include "estimator/model_spec.hpp"
#include "hardware/gpu_spec.hpp"
#include "io/catalog.hpp"
#include "io/profile_loader.hpp"

namespace llmsizer::test {

/// A path inside the source tree (LLMSIZER_SOURCE_DIR is set by CMake).
inline std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(LLMSIZER_SOURCE_DIR) / relative;
}

/// The shipped profiles, straight from the source tree (not the copy beside the binary).
inline Catalog shipped_catalog() { return load_catalog({source_path("profiles")}); }

inline ModelSpec shipped_model(const std::string& name) {
  return load_model_file(source_path("profiles/models/" + name + ".yaml").string());
}

inline GpuSpec shipped_gpu(const std::string& name) {
  return load_gpu_file(source_path("profiles/gpus/" + name + ".yaml").string());
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

}  // namespace llmsizer::test
