// The claims of docs/hardening.md that the adversarial pass found broken, each pinned: one number
// reading for every input (decimal, finite, no denormals), a YAML text with more documents than are
// looked at is an error, quoted lines cut between characters, a plan for a tiny demand is finite,
// and output files leave no temporary behind a fatal signal, keep the replaced file's owner and
// refuse a link planted in a sticky world-writable directory.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "estimator/plan.hpp"
#include "io/config_error.hpp"
#include "io/measurements.hpp"
#include "io/number_text.hpp"
#include "io/output_file.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

std::string number_error(const std::string& text) {
  std::string message;
  return number_from_text(text, &message) ? std::string("(a number)") : message;
}

std::string yaml_error(const std::string& text) {
  try {
    (void)parse_yaml(text, make_source("bad.yaml", text));
    return "(no error)";
  } catch (const ConfigError& e) {
    return e.format();
  }
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Runs `child` in a forked process; how it ended (the signal that killed it, or -exit status).
template <class Child>
int fork_and_wait(Child child) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    child();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

constexpr uid_t nobody = 65534;  // Debian's nobody:nogroup

}  // namespace

TEST_SUITE("hardening") {

TEST_CASE("config.json: a repeated key is an error at the second occurrence, with its path") {
  // nlohmann keeps the last value silently; the importer must not (a second num_hidden_layers changes
  // the model). Nested objects name their path.
  const test::TempDir dir;
  const std::string file = (dir.path() / "config.json").string();
  auto error_of = [&](const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
    const test::Run r = test::run({"show", file});
    CHECK(r.code == 2);
    return r.err;
  };
  CHECK(error_of("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 4096,\n  \"hidden_size\": 8192\n}\n") ==
        file + ":4:3: error: hidden_size: duplicate key; a config.json names each key once\n"
               "  \"hidden_size\": 8192\n  ^\n");
  CHECK(error_of("{\"text_config\": {\"vocab_size\": 1, \"vocab_size\": 2}}").find(
            ":1:35: error: text_config.vocab_size: duplicate key") != std::string::npos);
  // The same key in two different objects is not a repeat.
  const std::string fine = error_of("{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}, \"c\": [{\"x\": 1}, {\"x\": 2}]}");
  CHECK(fine.find("duplicate key") == std::string::npos);
}

TEST_CASE("config.json numbers follow the one number rule, at file:line:col with the dotted key path") {
  // nlohmann accepts 1e-310 as a denormal double and reports 1e400 without its key; the importer
  // holds them to the rule of YAML, CSV and the command line.
  const test::TempDir dir;
  const std::string file = (dir.path() / "config.json").string();
  const std::string llama = read_file(test::source_path("tests/data/hf/llama-3.1-8b.json").string());
  auto error_with = [&](const std::string& from, const std::string& to, int code = 2) {
    std::string text = llama;
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
    std::ofstream(file, std::ios::binary) << text;
    const test::Run r = test::run({"show", file});
    CHECK(r.code == code);
    return r.err;
  };
  CHECK(error_with("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 1e-310") ==
        file + ":19:19: error: rms_norm_eps: '1e-310' is too close to zero (nonzero numbers must be at least "
               "2.22507e-308 in size)\n  \"rms_norm_eps\": 1e-310,\n                  ^\n");
  CHECK(error_with("\"factor\": 8.0", "\"factor\": -4.9e-324").find(
            ":21:15: error: rope_scaling.factor: '-4.9e-324' is too close to zero") != std::string::npos);
  CHECK(error_with("\"rope_theta\": 500000.0", "\"rope_theta\": 1e400") ==
        file + ":27:17: error: rope_theta: '1e400' is out of range for a number\n"
               "  \"rope_theta\": 1e400,\n                ^\n");
  CHECK(error_with("[\"LlamaForCausalLM\"]", "[\"LlamaForCausalLM\", [0, 1e-999999]]")
            .find(":3:45: error: architectures[1][1]: '1e-999999' is too close to zero") != std::string::npos);
  // Zero at any exponent is zero; JSON has no spelling of NaN or infinity, so those stay syntax errors.
  CHECK(error_with("\"attention_dropout\": 0.0", "\"attention_dropout\": 0e-999", 0).find("error") == std::string::npos);
  CHECK(error_with("\"attention_dropout\": 0.0", "\"attention_dropout\": NaN").find(":5:24: error: JSON syntax: ") !=
        std::string::npos);
}

TEST_CASE("one number parser: decimal only, finite, normal; the message names the text") {
  CHECK(*number_from_text("0100") == 100);  // decimal, not octal 64
  CHECK(*number_from_text("+1e3") == 1000);
  CHECK(*number_from_text("-0.5") == -0.5);
  CHECK(*number_from_text(".5") == 0.5);
  CHECK(*number_from_text("0e-999") == 0);  // zero is zero at any exponent
  CHECK(*number_from_text("2.2250738585072014e-308") == 2.2250738585072014e-308);  // the smallest normal
  for (const char* text : {"0x10", "0b1", "1,5", "1e", "--1", " 1", "1 ", "", ".", "e5", "1_000", "١"}) {
    CAPTURE(text);
    CHECK(number_error(text) == std::string("expected a number, got '") + text + "'");
  }
  for (const char* text : {"nan", "-nan", "NaN", "inf", "-Infinity", ".inf", "-.inf", ".NAN", "+.nan"}) {
    CAPTURE(text);
    CHECK(number_error(text) == std::string("'") + text + "' is not a finite number");
  }
  CHECK(number_error("1e400") == "'1e400' is out of range for a number");
  CHECK(number_error("-1e309") == "'-1e309' is out of range for a number");
  for (const char* text : {"1e-310", "-4.9e-324", "1e-400", "0.000000000000000000000000000000000000000000000000000000"
                                                             "0000000000000000000000000000000000000000000000000000000"
                                                             "0000000000000000000000000000000000000000000000000000000"
                                                             "0000000000000000000000000000000000000000000000000000000"
                                                             "0000000000000000000000000000000000000000000000000000000"
                                                             "00000000000000000000000000000000000000000000000000001"}) {
    CAPTURE(text);
    CHECK(number_error(text) ==
          std::string("'") + text + "' is too close to zero (nonzero numbers must be at least 2.22507e-308 in size)");
  }
}

TEST_CASE("measurement metrics: a denormal or any non-finite spelling is an error at file:line:col") {
  const test::TempDir dir;
  const std::string file = (dir.path() / "m.yaml").string();
  const auto error_for = [&](const std::string& value) {
    std::ofstream(file) << "measurements:\n- id: a\n  model_ref: llama-3.1-8b\n  hardware: {gpu: h100-sxm, count: 1}\n"
                           "  workload: {isl: 128, osl: 128, concurrency: 1}\n  metrics:\n    output_tok_s_per_gpu: "
                        << value << "\n";
    try {
      (void)load_measurements(file);
      return std::string("(no error)");
    } catch (const ConfigError& e) {
      return e.format();
    }
  };
  const std::string at = file + ":7:27: error: measurements[0].metrics.output_tok_s_per_gpu: ";
  CHECK(error_for("1e-310") == at + "'1e-310' is too close to zero (nonzero numbers must be at least 2.22507e-308 in "
                                    "size)\n    output_tok_s_per_gpu: 1e-310\n                          ^");
  CHECK(error_for("-.nan").rfind(at + "'-.nan' is not a finite number\n", 0) == 0);
  CHECK(error_for("-nan").rfind(at + "'-nan' is not a finite number\n", 0) == 0);
  CHECK(error_for(".inf").rfind(at + "'.inf' is not a finite number\n", 0) == 0);
  CHECK(error_for("-1").rfind(at + "-1 is out of range (must be > 0 and <= 1e+12)\n", 0) == 0);
  CHECK(error_for("20-22 average") == "(no error)");  // prose: the row is kept, the metric is unknown
}

TEST_CASE("a YAML text with a document past the 64 looked at is an error, never accepted unread") {
  std::string dashes;
  for (int i = 0; i < 64; ++i) dashes += "---\n";
  CHECK(yaml_error("a: 1\n" + dashes + "b: 2\n") ==
        "bad.yaml:66:1: error: a second YAML document ('---'); a profile file holds one\nb: 2\n^");
  std::string many;
  for (int i = 0; i < 100; ++i) many += "---\n";
  CHECK(yaml_error("a: 1\n" + many) ==
        "bad.yaml: error: more than 64 YAML documents (empty ones included); a profile file holds one");
  CHECK(yaml_error("a: 1\n---\n") == "(no error)");  // a stray end marker is harmless
}

TEST_CASE("a quoted source line is cut between UTF-8 characters, not inside one") {
  const std::string line = std::string(199, 'a') + "\xC3\xA9" + std::string(10, 'b');  // é spans bytes 200-201
  const SourceText source = make_source("f", line + "\n");
  CHECK(source.line(1) == std::string(199, 'a') + "...");
}

TEST_CASE("plan: a demand needing a fraction of a replica costs one replica, every number finite") {
  const ReplicaUnit unit{1000.0, 8, 8, 2.0, 700.0, 0.7};
  const Fleet tiny = size_fleet(Demand{1e-30, 0, 2.0}, unit);
  CHECK(tiny.replicas == 1);
  CHECK(tiny.gpus == 8);
  REQUIRE(tiny.usd_per_mtok_served);
  CHECK(std::isfinite(*tiny.usd_per_mtok_served));
  CHECK(std::isfinite(tiny.utilization));
  // No tokens at all: one replica still, and no cost per token (0/0 printed "$-nan" before).
  const Fleet none = size_fleet(Demand{0, 0, 2.0}, unit);
  CHECK(none.replicas == 1);
  CHECK(none.usd_per_month);
  CHECK_FALSE(none.usd_per_mtok_served);
  CHECK(none.utilization == 0);
  // On the command line a count that rounds to no token is out of range.
  const test::Run r = test::run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e-30"});
  CHECK(r.code == 2);
  CHECK(r.err == "error: --output-tokens-per-day: '1e-30' is out of range (must be a positive count up to 1e15 tokens/day)\n");
}

TEST_CASE("output files: a fatal signal or a file-size limit leaves no temporary file") {
  const test::TempDir dir;
  const std::string target = (dir.path() / "out.yaml").string();
  // SIGHUP while the output is being written (SIGINT and SIGTERM take the same handler; doctest
  // claims those two for itself in this process).
  CHECK(fork_and_wait([&] {
          OutputFile file(target);
          std::ofstream(file.temp_path()) << "half";
          ::raise(SIGHUP);
        }) == SIGHUP);
  CHECK(names_in(dir.path()).empty());
  // A write past RLIMIT_FSIZE raises SIGXFSZ, whose default action ends the process.
  CHECK(fork_and_wait([&] {
          const rlimit limit{4096, 4096};
          ::setrlimit(RLIMIT_FSIZE, &limit);
          write_file_atomically(target, std::string(100'000, 'x'));
        }) == SIGXFSZ);
  CHECK(names_in(dir.path()).empty());
}

// Run only as a fresh process by the next test (skipped otherwise): with SIGINT and SIGTERM back at
// their default action before the first output file of this process, the writer installs its
// cleanup handler for them, and the signal arrives while the temporary file is written.
TEST_CASE("output files: helper process dying of a signal mid-write" * doctest::skip()) {
  const char* target = std::getenv("LLMSIZER_SIGNAL_TEST_TARGET");
  const char* signal_text = std::getenv("LLMSIZER_SIGNAL_TEST_SIGNAL");
  if (target == nullptr || signal_text == nullptr) return;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  OutputFile file(target);
  std::ofstream(file.temp_path()) << "half";
  ::raise(std::atoi(signal_text));
}

TEST_CASE("output files: SIGINT and SIGTERM mid-write leave no temporary file") {
  // doctest holds SIGINT and SIGTERM in this process, so each runs in a fresh copy of the test
  // binary (the skipped helper above), which installs the writer's handler as llmsizer does.
  for (const int signal_number : {SIGINT, SIGTERM}) {
    CAPTURE(signal_number);
    const test::TempDir dir;
    const std::string target = (dir.path() / "out.yaml").string();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("LLMSIZER_SIGNAL_TEST_TARGET", target.c_str(), 1);
      ::setenv("LLMSIZER_SIGNAL_TEST_SIGNAL", std::to_string(signal_number).c_str(), 1);
      const int null_fd = ::open("/dev/null", O_WRONLY);
      ::dup2(null_fd, STDOUT_FILENO);
      ::execl("/proc/self/exe", "llmsizer_tests", "-tc=output files: helper process dying of a signal mid-write",
              "--no-skip", "--no-breaks", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == signal_number);
    CHECK(names_in(dir.path()).empty());
  }
}

TEST_CASE("output files: a replaced file keeps its owner, group and mode") {
  const test::TempDir dir;
  const fs::path target = dir.path() / "out.txt";
  std::ofstream(target) << "old\n";
  ::chmod(target.c_str(), 0640);
  const bool root = ::geteuid() == 0;
  if (root) REQUIRE(::chown(target.c_str(), nobody, nobody) == 0);
  write_file_atomically(target.string(), "new\n");
  struct stat after {};
  REQUIRE(::stat(target.c_str(), &after) == 0);
  CHECK((after.st_mode & 07777) == 0640);
  if (root) CHECK(after.st_uid == nobody);
  if (root) CHECK(after.st_gid == nobody);
  CHECK(read_file(target.string()) == "new\n");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("output files: another user's link in a sticky world-writable directory is not followed") {
  if (::geteuid() != 0) return;  // planting a link owned by someone else needs root
  const test::TempDir dir;
  const fs::path sticky = dir.path() / "shared";
  fs::create_directory(sticky);
  ::chmod(sticky.c_str(), 01777);
  const fs::path victim = dir.path() / "victim.txt";
  std::ofstream(victim) << "keep\n";
  const fs::path link = sticky / "out.yaml";
  fs::create_symlink(victim, link);
  REQUIRE(::lchown(link.c_str(), nobody, nobody) == 0);
  const test::Run r = test::run({"import-hf", test::source_path("tests/data/hf/llama-3.1-8b.json").string(), "-o",
                                 link.string()});
  CHECK(r.code == 2);
  CHECK(r.err == link.string() + ": error: -o: cannot write: refusing to follow the symbolic link " + link.string() +
                     ": it is owned by another user in a sticky world-writable directory (the kernel's "
                     "protected_symlinks rule)\n");
  CHECK(read_file(victim.string()) == "keep\n");
  CHECK(names_in(sticky) == std::vector<std::string>{"out.yaml"});
  // The directory's owner's link (root's here) and the caller's own are followed.
  REQUIRE(::lchown(link.c_str(), 0, 0) == 0);
  CHECK(test::run({"import-hf", test::source_path("tests/data/hf/llama-3.1-8b.json").string(), "-o", link.string()})
            .code == 0);
  CHECK(read_file(victim.string()).rfind("schema: model/1\n", 0) == 0);
}

}  // TEST_SUITE("hardening")

}  // namespace llmsizer
