// Claims of docs/hardening.md that no other test checked when the page was audited (its table
// "Claims and the tests that check them" names each test): command-line numbers read by the one
// number rule in every command, the output writer's set-id, FIFO, descriptor and ignored-signal
// rules, and paths too long for the OS.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/output_file.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> sorted_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_SUITE("hardening") {

TEST_CASE("command-line numbers: every command reads them by the one number rule, not CLI11's") {
  // CLI11 converted "0100" as octal 64, accepted "0x10", "nan" and "inf", and refused "1e3" for a count.
  const test::Run plan = test::run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day",
                                    "1e9", "--isl", "0100", "--osl", "0100", "--json"});
  REQUIRE(plan.code == 0);
  const nlohmann::json demand = nlohmann::json::parse(plan.out)["demand"];
  CHECK(demand["isl"] == 100);
  CHECK(demand["osl"] == 100);
  const test::Run fit = test::run({"fit", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--context", "0100",
                                   "--max-gpus", "1e3", "--json"});
  REQUIRE(fit.code == 0);
  // KV of 100 tokens: 100 x 131,072 bytes (32 layers x 8 KV heads x 128 x 2 x 2 bytes); 64 would be 0.0083886.
  CHECK(fit.out.find("\"kv_gb_per_gpu\": 0.0131072,") != std::string::npos);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "10", "--tpot-ms", "nan"},
       "error: --tpot-ms: 'nan' is not a finite number\n"},
      {{"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "10", "--max-gpus", "0x10"},
       "error: --max-gpus: expected a whole number, got '0x10'\n"},
      {{"compare", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "10", "--ttft-ms", "1e-310"},
       "error: --ttft-ms: '1e-310' is too close to zero (nonzero numbers must be at least 2.22507e-308 in size)\n"},
      {{"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9", "--peak-to-average",
        "-.inf"},
       "error: --peak-to-average: '-.inf' is not a finite number\n"},
      {{"validate", "--worst", "1e400"}, "error: --worst: '1e400' is out of range for a count\n"},
      {{"calibrate", "--prior-strength", "Infinity"}, "error: --prior-strength: 'Infinity' is not a finite number\n"},
      {{"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "10", "--concurrency", " 5"},
       "error: --concurrency: expected a whole number, got ' 5'\n"},
  };
  for (const auto& [args, expected] : cases) {
    CAPTURE(args[0]);
    const test::Run r = test::run(args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == expected);
  }
}

TEST_CASE("output files: set-id bits of a replaced file are not copied; a FIFO and /dev/fd/N are written through") {
  const test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  std::ofstream(target) << "old\n";
  ::chmod(target.c_str(), 06755);
  write_file_atomically(target.string(), "new\n");
  struct stat after {};
  REQUIRE(::stat(target.c_str(), &after) == 0);
  CHECK((after.st_mode & 07777) == 0755);
  // A named pipe stays a pipe: a reader on the other end gets the output.
  const fs::path fifo = dir.path() / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const pid_t reader = ::fork();
  if (reader == 0) {
    std::ifstream in(fifo);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ::_exit(text == "through the pipe\n" ? 0 : 1);
  }
  write_file_atomically(fifo.string(), "through the pipe\n");
  int status = 0;
  ::waitpid(reader, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(fs::is_fifo(fifo));
  // /dev/fd/N is the descriptor itself: writing appends at its offset, nothing is renamed.
  const fs::path log = dir.path() / "log.txt";
  std::ofstream(log) << "first\n";
  const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
  REQUIRE(fd >= 0);
  write_file_atomically("/dev/fd/" + std::to_string(fd), "second\n");
  write_file_atomically("/proc/self/fd/" + std::to_string(fd), "third\n");
  ::close(fd);
  CHECK(read_file(log.string()) == "first\nsecond\nthird\n");
  CHECK(sorted_entries(dir.path()) == std::vector<std::string>{"log.txt", "out.txt", "pipe"});
}

TEST_CASE("output files: a SIGHUP that was ignored stays ignored while writing") {
  // Under nohup SIGHUP is ignored; installing the cleanup handler must not make it fatal.
  const test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGHUP, SIG_IGN);
    OutputFile file(target.string());
    std::ofstream(file.temp_path()) << "done\n";
    ::raise(SIGHUP);
    file.commit();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(read_file(target.string()) == "done\n");
  CHECK(sorted_entries(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("paths too long for the OS are bad input (exit 2), for reading and for writing") {
  const std::string long_path = "/tmp/" + std::string(5000, 'a') + ".yaml";
  const test::Run in = test::run({"import-hf", long_path});
  CHECK(in.code == 2);
  CHECK(in.err.find("error: ") != std::string::npos);
  const test::Run out = test::run(
      {"import-hf", test::source_path("tests/data/hf/llama-3.1-8b.json").string(), "-o", long_path});
  CHECK(out.code == 2);
  CHECK(out.err.find("cannot write: File name too long") != std::string::npos);
}

TEST_CASE("HTML and SVG text shows control bytes and bidi overrides escaped, as messages and table cells do") {
  // A profile's display name reached report --html raw: ESC and BEL are invalid in HTML, U+202E
  // reorders what the page shows.
  const test::TempDir dir;
  std::string h20 = read_file(test::source_path("profiles/gpus/h20.yaml").string());
  h20.replace(h20.find("name: h20"), std::string("name: h20").size(), "name: evil");
  h20.replace(h20.find("aliases: [h20-96gb]"), std::string("aliases: [h20-96gb]").size(), "aliases: []");
  const std::string display = "display_name: NVIDIA H20 96GB";
  h20.replace(h20.find(display), display.size(), "display_name: \"clear\\e[2J right\\u202Eleft\\a <b>\"");
  std::ofstream(dir.path() / "evil.yaml") << h20;
  const fs::path html = dir.path() / "r.html";
  const test::Run r = test::run({"--profiles", dir.path().string(), "report", "--model", "llama-3.1-8b", "--gpu", "evil",
                                 "--isl", "100", "--osl", "10", "--html", html.string()});
  REQUIRE(r.code == 0);
  const std::string page = read_file(html.string());
  CHECK(page.find('\x1b') == std::string::npos);
  CHECK(page.find('\x07') == std::string::npos);
  CHECK(page.find("\xe2\x80\xae") == std::string::npos);
  CHECK(page.find("clear\\x1B[2J right\\xE2\\x80\\xAEleft\\x07 &lt;b&gt;") != std::string::npos);
}

}  // TEST_SUITE("hardening")

}  // namespace llmsizer
