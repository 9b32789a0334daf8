// The layer picture of docs/architecture.md as a test: scans the `#include` lines of the source tree
// and names file:line for each include that points the wrong way. base/ (value types) includes only
// base/; hardware/ only base/ and hardware/; estimator/ nothing from io/, cli/ or request/; and the
// core (base/, hardware/, estimator/) no YAML, CLI, JSON or XLSX library.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

/// Folders of our own sources; a quoted include whose first component is one of these is "ours".
const std::vector<std::string> our_folders = {"base",    "hardware", "estimator", "io",    "request",
                                              "writers", "cli",      "fuzz",      "bench", "tests"};
const std::vector<std::string> core_folders = {"base", "hardware", "estimator"};
/// Third-party headers the core must not see (loaders and writers own them).
const std::vector<std::string> io_libraries = {"yaml-cpp/", "CLI/", "nlohmann/", "xlsxwriter"};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  for (const std::string& x : list)
    if (x == s) return true;
  return false;
}

/// The folders `folder` may include from, among ours; empty means "any but the forbidden".
bool allowed(const std::string& folder, const std::string& target) {
  if (folder == "base") return target == "base";
  if (folder == "hardware") return target == "base" || target == "hardware";
  if (folder == "estimator") return target != "io" && target != "cli" && target != "request";
  return true;
}

/// One violation per offending include of `text` (a file in `folder`, shown as `name`).
std::vector<std::string> layer_violations(const std::string& folder, const std::string& name, const std::string& text) {
  std::vector<std::string> found;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::size_t hash = line.find_first_not_of(" \t");
    if (hash == std::string::npos || line.compare(hash, 8, "#include") != 0) continue;
    const std::size_t open = line.find_first_of("\"<", hash + 8);
    if (open == std::string::npos) continue;
    const std::size_t close = line.find(line[open] == '"' ? '"' : '>', open + 1);
    const std::string target = line.substr(open + 1, close - open - 1);
    const std::string where = name + ":" + std::to_string(number) + ": " + line.substr(hash);
    if (line[open] == '"') {
      const std::string first = target.substr(0, target.find('/'));
      if (contains(our_folders, first) && !allowed(folder, first)) found.push_back(where);
    } else if (contains(core_folders, folder)) {
      for (const std::string& lib : io_libraries) {
        if (target.rfind(lib, 0) == 0) found.push_back(where);
      }
    }
  }
  return found;
}

}  // namespace

TEST_SUITE("architecture") {
  TEST_CASE("layering: the checker flags each kind of wrong include, with file and line") {
    CHECK(layer_violations("base", "base/a.hpp", "#include \"base/units.hpp\"\n").empty());
    CHECK(layer_violations("base", "base/a.hpp", "\n#include \"hardware/gpu_spec.hpp\"\n") ==
          std::vector<std::string>{"base/a.hpp:2: #include \"hardware/gpu_spec.hpp\""});
    CHECK(layer_violations("hardware", "hardware/a.cpp", "#include \"estimator/deployment.hpp\"\n").size() == 1);
    CHECK(layer_violations("hardware", "hardware/a.cpp", "#include \"hardware/achievable.hpp\"\n").empty());
    CHECK(layer_violations("estimator", "estimator/a.cpp", "  #include \"io/catalog.hpp\"\n").size() == 1);
    CHECK(layer_violations("estimator", "estimator/a.cpp", "#include \"request/scenario.hpp\"\n").size() == 1);
    CHECK(layer_violations("estimator", "estimator/a.cpp", "#include <yaml-cpp/yaml.h>\n").size() == 1);
    CHECK(layer_violations("estimator", "estimator/a.cpp", "#include <nlohmann/json.hpp>\n").size() == 1);
    CHECK(layer_violations("io", "io/a.cpp", "#include <yaml-cpp/yaml.h>\n#include \"estimator/x.hpp\"\n").empty());
  }

  TEST_CASE("layering: no include in the source tree points against the layers") {
    const std::filesystem::path root = test::source_path("");
    std::vector<std::string> violations;
    int scanned = 0;
    for (const std::string& folder : our_folders) {
      if (!std::filesystem::is_directory(root / folder) || folder == "tests") continue;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(root / folder)) {
        const std::string ext = entry.path().extension().string();
        if (ext != ".hpp" && ext != ".cpp") continue;
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string name = std::filesystem::relative(entry.path(), root).generic_string();
        for (std::string& v : layer_violations(folder, name, text)) violations.push_back(std::move(v));
        ++scanned;
      }
    }
    CHECK(scanned > 50);  // the walk found the tree
    for (const std::string& v : violations) FAIL_CHECK(v);
    CHECK(violations.empty());
  }

}  // TEST_SUITE("architecture")

}  // namespace llmsizer
