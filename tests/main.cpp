// The test binary's main: doctest's, with the profile cache (io/profile_cache.hpp) of every load in
// this process in a fresh temporary directory, never in the user's home, removed at exit.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "llmsizer-test-cache-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return 3;
  ::setenv("XDG_CACHE_HOME", dir.c_str(), 1);
  ::unsetenv("LLMSIZER_CACHE");
  doctest::Context context(argc, argv);
  const int result = context.run();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}
