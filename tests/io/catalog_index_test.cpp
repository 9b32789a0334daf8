// io/catalog_index.hpp: a command naming one model and one GPU parses only those profiles (plus the
// calibration and TCO ones). These pin that the name scan reads every shipped profile exactly as the
// parser does, that an edited profile is seen, that errors read as with the whole catalog, and
// that `check` and `list` still report every broken profile.
#include "io/catalog_index.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/catalog.hpp"
#include "io/config_error.hpp"
#include "io/profile_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

using test::source_path;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
}

/// The shipped `file` with `from` replaced by `to`.
std::string edited(const std::string& file, const std::string& from, const std::string& to) {
  std::string text = read_file(source_path(file).string());
  REQUIRE(text.find(from) != std::string::npos);
  return text.replace(text.find(from), from.size(), to);
}

std::string error_of(const std::vector<fs::path>& dirs, const std::string& gpu, const std::string& model, bool lazy) {
  try {
    const Catalog catalog = lazy ? load_catalog_for(dirs, {gpu}, {model}) : load_catalog(dirs);
    (void)catalog.gpu(gpu);
    (void)catalog.model(model);
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "";
}

}  // namespace

TEST_SUITE("profiles") {
  TEST_CASE("catalog_files lists what std::filesystem's recursive walk lists, in path order") {
    // catalog_files reads directories with POSIX calls (start-up); the files and their order decide
    // which profile overrides which, so they must be those of the std::filesystem walk it replaced.
    const test::TempDir dir;
    for (const char* name : {"a.yaml", "..yaml", ".yaml", "b.YAML", "c.yml", "a/x.yaml", "a-b/x.yaml", "a.b/x.yaml",
                             "sub/deeper/y.yaml", "zz/e.yaml", "Z.yaml", "a b.yaml"}) {
      write(dir.path() / name, "");
    }
    fs::create_directory_symlink(dir.path() / "sub", dir.path() / "linked-dir");  // not followed
    fs::create_symlink(dir.path() / "a.yaml", dir.path() / "link.yaml");          // a file: listed
    fs::create_symlink(dir.path() / "missing", dir.path() / "dangling.yaml");     // skipped
    for (const std::string& top : {dir.path().string(), dir.path().string() + "/"}) {
      CAPTURE(top);
      std::vector<fs::path> walked;
      for (const fs::directory_entry& entry : fs::recursive_directory_iterator(top)) {
        std::error_code ec;
        if (entry.is_regular_file(ec) && entry.path().extension() == ".yaml") walked.push_back(entry.path());
      }
      std::sort(walked.begin(), walked.end());
      std::vector<std::string> expected;
      for (const fs::path& file : walked) expected.push_back(file.string());
      CHECK(catalog_files(top) == expected);
      CHECK(expected.size() == 10);
    }
    const std::string missing = (dir.path() / "nowhere").string();
    CHECK_THROWS_WITH_AS((void)catalog_files(missing), doctest::Contains("is not a directory"), ConfigError);
  }

  TEST_CASE("the name scan reads every shipped profile as the parser does") {
    const Catalog catalog = load_catalog({source_path("profiles")});
    int scanned = 0;
    for (const fs::path file : catalog_files(source_path("profiles"))) {
      const std::optional<ProfileHeader> header = scan_profile_header(read_file(file.string()));
      REQUIRE_MESSAGE(header, file.string());  // a shipped profile the scan cannot read would always be parsed
      ++scanned;
      if (header->kind == ProfileKind::gpu) {
        const GpuSpec* gpu = catalog.find_gpu(header->name);
        REQUIRE(gpu != nullptr);
        CHECK(gpu->name == header->name);
        CHECK(gpu->aliases == header->aliases);
      } else if (header->kind == ProfileKind::model) {
        const ModelSpec* model = catalog.find_model(header->name);
        REQUIRE(model != nullptr);
        CHECK(model->name == header->name);
        CHECK(model->aliases == header->aliases);
        CHECK(model->hf_repo == header->hf_repo);
      }
    }
    CHECK(scanned == 65);
  }

  TEST_CASE("the name scan leaves to the parser what it does not read exactly") {
    const std::string head = "schema: gpu/1\n";
    CHECK(scan_profile_header(head + "name: a\naliases: [b, c]  # two\n")->aliases ==
          std::vector<std::string>{"b", "c"});
    CHECK(scan_profile_header(head + "name: \"a\"\naliases: [\"1\", 'b']\n")->aliases ==
          std::vector<std::string>{"1", "b"});
    CHECK_FALSE(scan_profile_header(head + "name: \"a\\\\x\"\n"));                   // an escape
    CHECK_FALSE(scan_profile_header(head + "name: a\naliases:\n  - b\n"));           // block list
    CHECK_FALSE(scan_profile_header(head + "name: a\nname: b\n"));                   // repeated key
    CHECK_FALSE(scan_profile_header(head + "name: a\n---\nname: b\n"));              // several documents
    CHECK_FALSE(scan_profile_header(head + "notes: \"open\nname: b\"\nname: a\n"));  // a quote across lines
    CHECK_FALSE(scan_profile_header(head + "name : a\n"));                           // spaced key
    CHECK_FALSE(scan_profile_header(head + "aliases: [a]\n"));                       // no name
  }

  TEST_CASE("load_catalog_for: the named profiles as load_catalog reads them, an edit seen at once") {
    const test::TempDir dir;
    const std::vector<fs::path> dirs = {source_path("profiles"), dir.path()};
    const Catalog full = load_catalog({source_path("profiles")});
    const Catalog named = load_catalog_for({source_path("profiles")}, {"H100"}, {"dsv3"});
    CHECK(named.gpus.size() == 1);
    CHECK(named.models.size() == 1);
    CHECK(named.gpu("h100").prices.size() == full.gpu("h100").prices.size());  // the owned price from tco/1
    CHECK(named.calibrations.size() == full.calibrations.size());
    CHECK(named.model("deepseek-ai/DeepSeek-V3").num_layers == 61);
    // A copy of h20 with 141 GB in a later directory overrides the shipped one; edited again, the
    // next load reads the new text (the profile cache is keyed by contents; io/profile_cache.hpp).
    write(dir.path() / "gpus" / "h20.yaml", edited("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: 141"));
    CHECK(load_catalog_for(dirs, {"h20"}, {"llama-3.1-8b"}).gpu("h20").memory.value == 141e9);
    write(dir.path() / "gpus" / "h20.yaml", edited("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: 144"));
    CHECK(load_catalog_for(dirs, {"h20"}, {"llama-3.1-8b"}).gpu("h20").memory.value == 144e9);
  }

  TEST_CASE("load_catalog_for: errors read as with the whole catalog") {
    const test::TempDir dir;
    const std::vector<fs::path> dirs = {source_path("profiles"), dir.path()};
    // Unknown names: the did-you-mean reads every name.
    CHECK(error_of(dirs, "h10", "llama-3.1-8b", true) == error_of(dirs, "h10", "llama-3.1-8b", false));
    CHECK(error_of(dirs, "h100", "lama", true) == error_of(dirs, "h100", "lama", false));
    // A broken profile that is asked for.
    write(dir.path() / "gpus" / "h20.yaml", edited("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: -96"));
    const std::string broken = error_of(dirs, "h20", "llama-3.1-8b", false);
    CHECK(broken.find("h20.yaml:") != std::string::npos);
    CHECK(error_of(dirs, "h20", "llama-3.1-8b", true) == broken);
    // An alias another profile already uses, on a profile that is not asked for.
    write(dir.path() / "gpus" / "h20.yaml", edited("profiles/gpus/h20.yaml", "aliases: [h20-96gb]", "aliases: [h100]"));
    const std::string shared = error_of(dirs, "l4", "llama-3.1-8b", false);
    CHECK(shared.find("is used by both") != std::string::npos);
    CHECK(error_of(dirs, "l4", "llama-3.1-8b", true) == shared);
  }

  TEST_CASE("check and list still report a broken profile that estimate does not ask for") {
    const test::TempDir dir;
    write(dir.path() / "gpus" / "h20.yaml", edited("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: -96"));
    const std::string profiles = dir.path().string();
    const test::Run estimate = test::run({"--profiles", profiles, "estimate", "--model", "llama-3.1-8b", "--gpu",
                                          "h100-sxm", "--isl", "100", "--osl", "100"});
    CHECK(estimate.code == 0);  // h20 is not read
    const test::Run list = test::run({"--profiles", profiles, "list", "gpus"});
    CHECK(list.code == 2);
    CHECK(list.err.find("h20.yaml:") != std::string::npos);
    const test::Run check = test::run({"check", profiles});
    CHECK(check.code == 2);
    CHECK(check.err.find("h20.yaml:") != std::string::npos);
    const test::Run named = test::run({"--profiles", profiles, "estimate", "--model", "llama-3.1-8b", "--gpu", "h20",
                                       "--isl", "100", "--osl", "100"});
    CHECK(named.code == 2);
    CHECK(named.err == list.err);
  }
}

}  // namespace llmsizer
