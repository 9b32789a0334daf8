// io/profile_cache.hpp and io/spec_codec.hpp: the parsed specs kept between runs. These pin that a
// cached spec is the parsed one to the last bit (every shipped profile), that an edited or broken
// profile is parsed again and reported as without the cache, that a damaged, foreign or
// unwritable cache is only a slower run, and that every golden command prints the same with the
// cache off, cold and warm. The cache lives in a temporary directory (XDG_CACHE_HOME), never in
// the user's home.
#include "io/profile_cache.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/catalog.hpp"
#include "io/catalog_index.hpp"
#include "io/config_error.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

using test::source_path;

/// Points the cache at `dir` (XDG_CACHE_HOME) with LLMSIZER_CACHE set to `mode` (nullptr: unset)
/// for the scope, then restores both.
class CacheEnv {
 public:
  explicit CacheEnv(const fs::path& dir, const char* mode = nullptr) {
    save("XDG_CACHE_HOME", old_xdg_);
    save("LLMSIZER_CACHE", old_mode_);
    ::setenv("XDG_CACHE_HOME", dir.c_str(), 1);
    if (mode != nullptr) {
      ::setenv("LLMSIZER_CACHE", mode, 1);
    } else {
      ::unsetenv("LLMSIZER_CACHE");
    }
  }
  ~CacheEnv() {
    restore("XDG_CACHE_HOME", old_xdg_);
    restore("LLMSIZER_CACHE", old_mode_);
  }
  CacheEnv(const CacheEnv&) = delete;
  CacheEnv& operator=(const CacheEnv&) = delete;

 private:
  static void save(const char* name, std::optional<std::string>& into) {
    if (const char* value = std::getenv(name)) into = value;
  }
  static void restore(const char* name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  std::optional<std::string> old_xdg_, old_mode_;
};

void write_profile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string edited_copy(const std::string& file, const std::string& from, const std::string& to) {
  std::string text = read_file(source_path(file).string());
  REQUIRE(text.find(from) != std::string::npos);
  return text.replace(text.find(from), from.size(), to);
}

/// Every spec of a catalog, encoded: equal strings mean equal specs, member by member.
std::vector<std::string> encoded(const Catalog& catalog) {
  std::vector<std::string> out;
  for (const GpuSpec& s : catalog.gpus) out.push_back(encode_profile(s));
  for (const ModelSpec& s : catalog.models) out.push_back(encode_profile(s));
  for (const Calibration& s : catalog.calibrations) out.push_back(encode_profile(s));
  for (const ErrorBands& s : catalog.error_bands) out.push_back(encode_profile(s));
  for (const TcoAssumptions& s : catalog.tco) out.push_back(encode_profile(s));
  return out;
}

/// How many of the profile files in `profiles` (the shipped ones by default) the cache in `dir` serves.
int cached_files(const fs::path& dir, const fs::path& profiles = source_path("profiles")) {
  const CacheEnv env(dir);
  ProfileCache cache(profile_cache_file());
  for (const fs::path file : catalog_files(profiles)) {
    (void)cache.find(file.string(), read_file(file.string()));
  }
  return cache.hits();
}

std::string error_of_list(const fs::path& profiles) {
  const test::Run r = test::run({"--profiles", profiles.string(), "list", "gpus"});
  CHECK(r.code == 2);
  return r.err;
}

}  // namespace

TEST_SUITE("profiles") {
  TEST_CASE("every shipped profile reads back from its encoding to the same spec") {
    int files = 0;
    for (const fs::path file : catalog_files(source_path("profiles"))) {
      const ParsedProfile parsed = parse_profile(file, read_file(file.string()));
      const std::string bytes = encode_profile(parsed);
      const std::optional<ParsedProfile> decoded = decode_profile(bytes);
      REQUIRE_MESSAGE(decoded, file.string());
      CHECK(decoded->index() == parsed.index());
      CHECK_MESSAGE(encode_profile(*decoded) == bytes, file.string());
      // Not one profile's bytes with any byte missing or one byte more.
      CHECK_FALSE(decode_profile(std::string_view(bytes).substr(0, bytes.size() - 1)));
      CHECK_FALSE(decode_profile(std::string_view(bytes).substr(0, bytes.size() / 2)));
      CHECK_FALSE(decode_profile(bytes + '\0'));
      ++files;
    }
    CHECK(files == 65);
    // The codec carries what the parse computed or warned, not only what the YAML says.
    const ModelSpec estimated = std::get<ModelSpec>(
        *decode_profile(encode_profile(test::shipped_model("qwen3-max"))));
    CHECK(estimated.estimated);
    CHECK_FALSE(estimated.warnings.empty());
    CHECK(estimated.warnings == test::shipped_model("qwen3-max").warnings);
  }

  TEST_CASE("the catalog from the cache is the parsed catalog, cold and warm") {
    const test::TempDir cache;
    const std::vector<fs::path> dirs = {source_path("profiles")};
    std::vector<std::string> uncached;
    {
      const CacheEnv off(cache.path(), "off");
      uncached = encoded(load_catalog(dirs));
      CHECK_FALSE(fs::exists(cache.path() / "llmsizer"));  // off writes nothing
    }
    const CacheEnv on(cache.path());
    CHECK(cached_files(cache.path()) == 0);
    CHECK(encoded(load_catalog(dirs)) == uncached);  // cold: parsed, then written
    CHECK(fs::exists(*profile_cache_file()));
    CHECK(cached_files(cache.path()) == 65);
    CHECK(encoded(load_catalog(dirs)) == uncached);  // warm: every file from the cache
    const Catalog named = load_catalog_for(dirs, {"h100-sxm"}, {"deepseek-v3"});
    CHECK(encode_profile(named.gpu("h100-sxm")) == encode_profile(load_catalog(dirs).gpu("h100-sxm")));
  }

  TEST_CASE("an edited profile is parsed again; the others still come from the cache") {
    const test::TempDir cache, profiles;
    const CacheEnv env(cache.path());
    const std::vector<fs::path> dirs = {source_path("profiles"), profiles.path()};
    write_profile(profiles.path() / "gpus" / "h20.yaml",
                  edited_copy("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: 141"));
    CHECK(load_catalog(dirs).gpu("h20").memory.value == 141e9);
    write_profile(profiles.path() / "gpus" / "h20.yaml",
                  edited_copy("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: 144"));
    CHECK(load_catalog(dirs).gpu("h20").memory.value == 144e9);
    CHECK(load_catalog_for(dirs, {"h20"}, {"llama-3.1-8b"}).gpu("h20").memory.value == 144e9);
    CHECK(cached_files(cache.path()) == 65);  // the shipped ones were not dropped
    // Back to the first text: the stale record of it was dropped on the edit, so it is parsed again.
    write_profile(profiles.path() / "gpus" / "h20.yaml",
                  edited_copy("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: 141"));
    CHECK(load_catalog(dirs).gpu("h20").memory.value == 141e9);
  }

  TEST_CASE("a broken profile is reported by list and check even when a good version of it is cached") {
    const test::TempDir cache, profiles;
    const fs::path h20 = profiles.path() / "gpus" / "h20.yaml";
    std::string uncached_error;
    {
      const CacheEnv off(cache.path(), "off");
      write_profile(h20, edited_copy("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: -96"));
      uncached_error = error_of_list(profiles.path());
    }
    CHECK(uncached_error.find("h20.yaml:") != std::string::npos);
    const CacheEnv env(cache.path());
    write_profile(h20, edited_copy("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: 141"));
    CHECK(test::run({"--profiles", profiles.path().string(), "list", "gpus"}).code == 0);  // cached now
    write_profile(h20, edited_copy("profiles/gpus/h20.yaml", "memory_gb: 96", "memory_gb: -96"));
    CHECK(error_of_list(profiles.path()) == uncached_error);
    CHECK(error_of_list(profiles.path()) == uncached_error);  // a broken file is never cached
    const test::Run check = test::run({"check", profiles.path().string()});
    CHECK(check.code == 2);
    CHECK(check.err.find("h20.yaml:") != std::string::npos);
    const test::Run named = test::run({"--profiles", profiles.path().string(), "estimate", "--model",
                                       "llama-3.1-8b", "--gpu", "h20", "--isl", "100", "--osl", "100"});
    CHECK(named.err == uncached_error);
  }

  TEST_CASE("a damaged, truncated or foreign cache file is read as empty and rewritten") {
    const test::TempDir cache;
    const CacheEnv env(cache.path());
    const std::vector<fs::path> dirs = {source_path("profiles")};
    const std::vector<std::string> expected = encoded(load_catalog(dirs));
    const fs::path file = *profile_cache_file();
    const std::string good = read_file(file.string());
    std::string flipped = good;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x20);
    std::string foreign = good;
    foreign.replace(foreign.find("llmsizer profile cache"), 8, "llmsizeX");
    std::string other_build = good;  // the build id (after the magic line and its length) of another build
    other_build[good.find('\n') + 1 + 8] = static_cast<char>(other_build[good.find('\n') + 1 + 8] ^ 1);
    const std::string damaged[] = {good.substr(0, good.size() / 2), good.substr(0, 10), flipped, foreign, other_build,
                                   std::string(100, '\xff'), ""};
    for (const std::string& bytes : damaged) {
      write_profile(file, bytes);
      CHECK(cached_files(cache.path()) == 0);
      CHECK(encoded(load_catalog(dirs)) == expected);
      CHECK(cached_files(cache.path()) == 65);  // rewritten whole
    }
  }

  TEST_CASE("two builds of the tool keep their own cache files and do not rewrite each other's") {
    // This test binary and the llmsizer executable are two builds: with one shared file each run of
    // one made the other's next run a miss that parsed every profile and rewrote the file.
    const test::TempDir cache;
    const CacheEnv env(cache.path());
    const std::string list = std::string("'") + LLMSIZER_BINARY + "' list gpus > /dev/null";
    REQUIRE(std::system(list.c_str()) == 0);
    const std::vector<fs::path> dirs = {source_path("profiles")};
    (void)load_catalog(dirs);
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(cache.path() / "llmsizer"))
      files.push_back(entry.path());
    REQUIRE(files.size() == 2);
    CHECK(std::find(files.begin(), files.end(), *profile_cache_file()) != files.end());
    const fs::path executable_cache = files[0] == *profile_cache_file() ? files[1] : files[0];
    // A rewrite is a new file renamed over the old one: a new inode.
    auto inode = [](const fs::path& file) {
      struct stat st {};
      REQUIRE(::stat(file.c_str(), &st) == 0);
      return st.st_ino;
    };
    const ino_t before = inode(executable_cache);
    REQUIRE(std::system(list.c_str()) == 0);
    CHECK(inode(executable_cache) == before);  // every profile a hit: not rewritten
    CHECK(cached_files(cache.path()) == 65);   // nor was this build's file
  }

  TEST_CASE("writing a cache deletes other builds' files untouched for 30 days and the old single file only") {
    const test::TempDir dir;
    const fs::path keep = dir.path() / "profiles-00000000000000aa.bin";
    const fs::path stale = dir.path() / "profiles-0123456789abcdef.bin";
    const fs::path fresh = dir.path() / "profiles-fedcba9876543210.bin";
    const fs::path legacy = dir.path() / "profiles.bin";
    const fs::path other = dir.path() / "profiles-notes.bin";
    const fs::path unrelated = dir.path() / "notes.txt";
    for (const fs::path& f : {keep, stale, fresh, legacy, other, unrelated}) write_profile(f, "x");
    const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * (stale_cache_days + 1));
    for (const fs::path& f : {keep, stale, other, unrelated}) fs::last_write_time(f, old);
    prune_stale_caches(dir.path(), keep);
    CHECK(fs::exists(keep));  // this build's, however old
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(fresh));  // another build's, still in use
    CHECK_FALSE(fs::exists(legacy));
    CHECK(fs::exists(other));  // not a cache file's name
    CHECK(fs::exists(unrelated));
    // Through a run of the tool: a cold cache written beside a stale file removes it.
    const CacheEnv env(dir.path());
    fs::create_directories(dir.path() / "llmsizer");
    const fs::path in_cache = dir.path() / "llmsizer" / "profiles-0123456789abcdef.bin";
    write_profile(in_cache, "x");
    fs::last_write_time(in_cache, old);
    REQUIRE(test::run({"list", "gpus"}).code == 0);
    CHECK_FALSE(fs::exists(in_cache));
  }

  TEST_CASE("an unwritable cache directory leaves the run uncached and silent") {
    const test::TempDir dir;
    write_profile(dir.path() / "not-a-directory", "x");  // the cache directory would have to be inside a file
    const CacheEnv env(dir.path() / "not-a-directory");
    const test::Run r = test::run({"list", "gpus"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const CacheEnv off(dir.path(), "0");
    CHECK_FALSE(profile_cache_file());
  }

  TEST_CASE("every golden command prints the same with the cache off, cold and warm") {
    const std::vector<std::vector<std::string>> commands = {
        {"list", "gpus"},
        {"list", "models", "--csv"},
        {"show", "llama-3.1-70b"},
        {"fit", "--model", "deepseek-r1", "--gpu", "a100-80gb-sxm"},
        {"fit", "--model", "deepseek-r1", "--gpu", "a100-80gb-sxm", "--csv"},
        {"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "4", "--weights", "fp8", "--kv", "fp8",
         "--isl", "2048", "--osl", "512", "--concurrency", "32", "--json"},
        {"estimate", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--tp", "8", "--ep", "8", "--isl", "1024", "--osl",
         "2048", "--concurrency", "64", "--engine", "trtllm", "--mtp", "1", "--json"},
        {"estimate", "--model", "qwen3-max", "--gpu", "h200-sxm", "--gpus", "16", "--isl", "1000", "--osl", "1000"},
        {"plan", "--model", "glm-4.5", "--gpu", "h20", "--gpu", "h200-sxm", "--output-tokens-per-day", "2e9",
         "--tpot-ms", "50"},
        {"plan", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--output-tokens-per-day", "5e8",
         "--input-tokens-per-day", "4e9", "--peak-to-average", "3"},
        {"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "1000", "--tpot-ms", "8",
         "--max-gpus", "2", "--csv"},
        {"compare", "--model", "glm-4.5", "--model", "llama-3.1-405b", "--gpu", "h20", "--isl", "1000", "--osl", "1000",
         "--tpot-ms", "50", "--csv"},
    };
    const test::TempDir cache;
    for (const std::vector<std::string>& command : commands) {
      CAPTURE(command.front());
      test::Run off;
      {
        const CacheEnv env(cache.path(), "off");
        off = test::run(command);
      }
      CHECK(off.code == 0);
      const CacheEnv env(cache.path());
      for (int pass = 0; pass < 2; ++pass) {  // the first fills the cache (list and show read every file)
        const test::Run cached = test::run(command);
        CHECK(cached.code == off.code);
        CHECK(cached.out == off.out);
        CHECK(cached.err == off.err);
      }
    }
    CHECK(cached_files(cache.path(), profile_directories({}).front()) == 65);  // the profiles beside the binary
  }
}

}  // namespace llmsizer
