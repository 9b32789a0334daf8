// llmsizer-fuzz — runs the mutation fuzz targets of fuzz/fuzz_targets.hpp for a time budget.
//
//   llmsizer-fuzz [--seconds N] [--seed S] [--findings DIR] [--source DIR] [--hang-seconds N] TARGET...
//
// TARGET is profile, hf, csv, scenarios, measurements, cli, cli-decisions, or all. Each target runs
// for N seconds (default 60). Inputs that break an invariant are written to DIR (default
// ./fuzz-findings) as <target>-<n><ext> with the violation in <target>-<n>.txt; an input that crashes
// the process is written to crash-<target><ext> by a signal handler, and one running longer than
// --hang-seconds to hang-<target><ext>. The slowest input of each target is kept as
// slowest-<target><ext>. Exit status 0 when nothing was found, 1 otherwise, 2 on bad usage.
// Run it from the build directory (the catalog is the profiles/ copied beside the executables) or
// set LLMSIZER_PROFILES.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "fuzz/fuzz_targets.hpp"
#include "io/config_error.hpp"

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The input being run, for the crash handler and the hang watchdog. A driver is one process with one
// fuzzing thread, so plain globals are the simple, honest choice here (not in the library).
std::mutex current_mutex;
std::string current_input;
std::string crash_path;  // where the signal handler writes current_input
std::atomic<long long> current_started_ns{0};

extern "C" void on_fatal_signal(int signal) {
  const int fd = ::open(crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    const char* data = current_input.data();
    size_t left = current_input.size();
    while (left > 0) {
      const ssize_t n = ::write(fd, data, left);
      if (n <= 0) break;
      data += n;
      left -= static_cast<size_t>(n);
    }
    ::close(fd);
  }
  const char message[] = "llmsizer-fuzz: fatal signal; input saved\n";
  (void)!::write(2, message, sizeof message - 1);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void install_crash_handler() {
  static std::vector<char> alternate_stack(1 << 16);  // stack overflows need their own stack
  stack_t ss{};
  ss.ss_sp = alternate_stack.data();
  ss.ss_size = alternate_stack.size();
  sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_handler = on_fatal_signal;
  action.sa_flags = SA_ONSTACK;
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(s, &action, nullptr);
}

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

struct Options {
  double seconds = 60;
  std::uint32_t seed = 20250101;
  double hang_seconds = 20;
  fs::path findings = "fuzz-findings";
  fs::path source = LLMSIZER_SOURCE_DIR;
  std::vector<std::string> targets;
};

int usage(const std::string& problem) {
  std::cerr << "error: " << problem << "\nhint: llmsizer-fuzz [--seconds N] [--seed S] [--findings DIR] "
            << "[--source DIR] [--hang-seconds N] {profile|hf|csv|scenarios|measurements|cli|cli-decisions|all}...\n";
  return 2;
}

bool parse_options(int argc, char** argv, Options& o, std::string& problem) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (arg == "--seconds" && has_value) o.seconds = std::stod(argv[++i]);
      else if (arg == "--seed" && has_value) o.seed = static_cast<std::uint32_t>(std::stoul(argv[++i]));
      else if (arg == "--hang-seconds" && has_value) o.hang_seconds = std::stod(argv[++i]);
      else if (arg == "--findings" && has_value) o.findings = argv[++i];
      else if (arg == "--source" && has_value) o.source = argv[++i];
      else if (!arg.empty() && arg[0] == '-') problem = "unknown option or missing value: " + arg;
      else o.targets.push_back(arg);
    } catch (const std::exception&) {
      problem = "bad number after " + arg;
    }
  }
  if (problem.empty() && o.targets.empty()) problem = "name at least one target";
  if (problem.empty() && !(o.seconds > 0 && o.hang_seconds > 0)) problem = "--seconds and --hang-seconds must be > 0";
  return problem.empty();
}

/// Aborts the process (after saving the input) when one input runs longer than the limit.
void watchdog(double limit_seconds, const std::atomic<bool>& done, const fs::path& findings, const std::string* target) {
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long long started = current_started_ns;
    if (started == 0 || (now_ns() - started) / 1e9 < limit_seconds) continue;
    std::lock_guard<std::mutex> lock(current_mutex);
    write_file(findings / ("hang-" + *target), current_input);
    std::cerr << fmt::format("llmsizer-fuzz: one input ran over {} s; saved as {}\n", limit_seconds,
                             (findings / ("hang-" + *target)).string());
    std::_Exit(1);
  }
}

/// Fuzzes one target until its time budget ends, prints a summary and writes the findings.
size_t run_target(const llmsizer::fuzz::Target& target, const Options& o, std::string& target_file) {
  {
    std::lock_guard<std::mutex> lock(current_mutex);
    target_file = target.name + target.extension;
    crash_path = (o.findings / ("crash-" + target_file)).string();
  }
  llmsizer::fuzz::Mutator mutator(o.seed);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  const llmsizer::fuzz::Stats stats = llmsizer::fuzz::fuzz_target(
      target, mutator, static_cast<size_t>(-1), deadline, [](const std::string& input) {
        std::lock_guard<std::mutex> lock(current_mutex);
        current_input = input;
        current_started_ns = now_ns();
      });
  current_started_ns = 0;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << fmt::format("{:<13} {:>8} inputs in {:>6.1f} s ({:>7.1f}/s): {} accepted, {} rejected, {} findings; "
                           "slowest input {:.3f} s\n",
                           target.name, stats.inputs, elapsed, stats.inputs / elapsed, stats.accepted, stats.rejected,
                           stats.findings.size(), stats.slowest_seconds)
            << std::flush;
  write_file(o.findings / ("slowest-" + target.name + target.extension), stats.slowest_input);
  for (size_t i = 0; i < stats.findings.size(); ++i) {
    const fs::path base = o.findings / fmt::format("{}-{}", target.name, i);
    write_file(base.string() + target.extension, stats.findings[i].input);
    write_file(base.string() + ".txt", stats.findings[i].violation + "\n");
    if (i < 5) std::cout << "  " << base.string() << target.extension << ": " << stats.findings[i].violation.substr(0, 300) << "\n";
  }
  return stats.findings.size();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string problem;
  if (!parse_options(argc, argv, o, problem)) return usage(problem);
  char scratch[] = "/tmp/llmsizer-fuzz-XXXXXX";
  if (!::mkdtemp(scratch)) return usage("cannot create a scratch directory in /tmp");
  std::vector<llmsizer::fuzz::Target> targets;
  try {
    targets = llmsizer::fuzz::make_targets({o.source, scratch});
  } catch (const llmsizer::ConfigError& e) {
    std::cerr << e.format() << "\nhint: --source must be the llmsizer source tree\n";
    fs::remove_all(scratch);
    return 2;
  }
  if (o.targets.size() == 1 && o.targets[0] == "all") {
    o.targets.clear();
    for (const auto& t : targets) o.targets.push_back(t.name);
  }
  std::vector<const llmsizer::fuzz::Target*> chosen;
  for (const std::string& name : o.targets) {
    const auto it = std::find_if(targets.begin(), targets.end(), [&](const auto& t) { return t.name == name; });
    if (it == targets.end()) {
      fs::remove_all(scratch);
      return usage("unknown target '" + name + "'");
    }
    chosen.push_back(&*it);
  }
  fs::create_directories(o.findings);
  install_crash_handler();
  std::atomic<bool> done{false};
  std::string target_file;  // hang-<target><ext>, read by the watchdog
  std::thread dog(watchdog, o.hang_seconds, std::cref(done), o.findings, &target_file);
  size_t findings = 0;
  for (const llmsizer::fuzz::Target* target : chosen) findings += run_target(*target, o, target_file);
  done = true;
  dog.join();
  fs::remove_all(scratch);
  return findings == 0 ? 0 : 1;
}
