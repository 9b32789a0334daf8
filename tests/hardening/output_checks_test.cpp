// Outputs and exit codes under hostile conditions: atomic writes and unwritable paths, devices and
// symlinks written through, /dev/stdout and /dev/full, and the exit-code contract (0 answered, 2 bad
// input or usage with one error line and a hint, 3 internal error with a request for a bug report).
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

using test::run;
using test::Run;
using test::write_text;

// A usage error: exit 2, nothing on stdout, exactly "error: ..." then "hint: ...".
void check_usage_message(const Run& r) {
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  const size_t first = r.err.find('\n');
  REQUIRE(first != std::string::npos);
  CHECK(r.err.rfind("error: ", 0) == 0);
  CHECK(r.err.substr(first + 1).rfind("hint: ", 0) == 0);
  CHECK(r.err.find('\n', first + 1) == r.err.size() - 1);
}

std::vector<std::string> sorted_names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A stream buffer that refuses every write, as a closed pipe or a full disk would.
class FailingBuffer : public std::streambuf {
 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

}  // namespace

TEST_SUITE("hardening") {
  TEST_CASE("import-hf -o writes atomically; an unwritable path is exit 2 and leaves nothing") {
    const std::string config = test::source_path("tests/data/hf/llama-3.1-8b.json").string();
    const Run missing = run({"import-hf", config, "-o", "/nonexistent/dir/x.yaml"});
    CHECK(missing.code == 2);
    CHECK(missing.out.empty());
    CHECK(missing.err == "/nonexistent/dir/x.yaml: error: -o: cannot write: directory does not exist\n");
    CHECK_FALSE(fs::exists("/nonexistent/dir/x.yaml"));

    const test::TempDir dir;
    // A regular file used as a directory (root ignores permission bits, so read-only directories do
    // not fail here; this does).
    const fs::path file = dir.path() / "file.txt";
    write_text(file, "not a directory\n");
    const std::string under_file = (file / "x.yaml").string();
    const Run not_dir = run({"import-hf", config, "-o", under_file});
    CHECK(not_dir.code == 2);
    CHECK(not_dir.err == under_file + ": error: -o: cannot write: directory does not exist\n");
    // The target is an existing directory: refused before anything is written, naming a file inside it.
    const fs::path taken = dir.path() / "taken.yaml";
    fs::create_directories(taken);
    const Run onto_dir = run({"import-hf", config, "-o", taken.string()});
    CHECK(onto_dir.code == 2);
    CHECK(onto_dir.err == "error: -o: '" + taken.string() + "' is a directory; name the file to write in it, e.g. " +
                              (taken / "my-model.yaml").string() + "\n");
    CHECK(sorted_names_in(dir.path()) == std::vector<std::string>{"file.txt", "taken.yaml"});
    // Success replaces an existing file whole and leaves no temporary file.
    const fs::path out = dir.path() / "llama.yaml";
    write_text(out, std::string(100000, '#') + "\n");
    const Run ok = run({"import-hf", config, "-o", out.string()});
    CHECK(ok.code == 0);
    CHECK(ok.err == "wrote " + out.string() + " (model 'llama')\n");  // named after the file it is written to
    CHECK(read_file(out.string()).rfind("schema: model/1\nname: llama\n", 0) == 0);
    CHECK(load_model_file(out.string()).num_layers == 32);
    CHECK(sorted_names_in(dir.path()) == std::vector<std::string>{"file.txt", "llama.yaml", "taken.yaml"});
  }

  TEST_CASE("output paths that are devices or symlinks are written through, never replaced") {
    const std::string config = test::source_path("tests/data/hf/llama-3.1-8b.json").string();
    // /dev/null stays a device (renaming a file over it as root would replace the device node).
    const Run null = run({"import-hf", config, "-o", "/dev/null"});
    CHECK(null.code == 0);
    CHECK(null.err == "wrote /dev/null (model 'llama-3.1-8b')\n");  // a device does not name the model
    CHECK(fs::is_character_file("/dev/null"));
    // A full device is a write error with the system's reason, exit 2.
    if (fs::is_character_file("/dev/full")) {
      const Run full = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9",
                            "--xlsx", "/dev/full"});
      CHECK(full.code == 2);
      CHECK(full.err == "/dev/full: error: cannot write: No space left on device\n");
      CHECK(fs::is_character_file("/dev/full"));
    }
    // Through a symlink the file it names is replaced and the link kept; a dangling link is an error
    // and creates nothing where it points.
    const test::TempDir dir;
    fs::create_symlink("real.yaml", dir.path() / "link.yaml");
    const Run dangling = run({"import-hf", config, "-o", (dir.path() / "link.yaml").string()});
    CHECK(dangling.code == 2);
    CHECK(dangling.err == (dir.path() / "link.yaml").string() + ": error: -o: cannot write: is a symbolic link to " +
                              (dir.path() / "real.yaml").string() + ", which does not exist\n");
    CHECK(sorted_names_in(dir.path()) == std::vector<std::string>{"link.yaml"});
    std::ofstream(dir.path() / "real.yaml") << "old\n";
    const Run linked = run({"import-hf", config, "-o", (dir.path() / "link.yaml").string()});
    CHECK(linked.code == 0);
    CHECK(fs::is_symlink(dir.path() / "link.yaml"));
    CHECK(read_file((dir.path() / "real.yaml").string()).rfind("schema: model/1\n", 0) == 0);
    CHECK(sorted_names_in(dir.path()) == std::vector<std::string>{"link.yaml", "real.yaml"});
    // A symlink loop is an error, and the links stay links.
    fs::create_symlink("loop-b.yaml", dir.path() / "loop-a.yaml");
    fs::create_symlink("loop-a.yaml", dir.path() / "loop-b.yaml");
    const Run loop = run({"import-hf", config, "-o", (dir.path() / "loop-a.yaml").string()});
    CHECK(loop.code == 2);
    CHECK(loop.err.find("cannot write: ") != std::string::npos);
    CHECK(fs::is_symlink(dir.path() / "loop-a.yaml"));
    CHECK(fs::is_symlink(dir.path() / "loop-b.yaml"));
    fs::remove(dir.path() / "loop-a.yaml");
    fs::remove(dir.path() / "loop-b.yaml");
    // A directory in the file's place is named as such.
    const Run onto_dir = run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                              "--html", dir.path().string()});
    CHECK(onto_dir.code == 2);
    CHECK(onto_dir.err == dir.path().string() + ": error: cannot write: is a directory\n");
  }

  TEST_CASE("CLI11's own usage errors are one line plus a hint, exit 2") {
    check_usage_message(run({"estimate", "--model", "llama-3.1-8b", "--json", "--csv"}));  // excludes
    check_usage_message(run({"fit", "--gpu", "h100-sxm"}));                                // required
    check_usage_message(run({"show"}));                                                    // positional
    check_usage_message(run({"show", "h20", "h100-sxm"}));                                 // extra positional
    check_usage_message(run({"list", "gpus", "--profiles"}));                              // missing value
    // A scenario option's value is read by its field's parser: a ConfigError naming the option, as in a CSV.
    const Run many = run({"estimate", "--isl", "many"});
    CHECK(many.code == 2);
    CHECK(many.err == "error: --isl: expected a whole number, got 'many'\n");
    // So is every other numeric option's, before CLI11 converts it (cli/run_cli.cpp apply_number_rule).
    const Run context = run({"fit", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--context", "many"});
    CHECK(context.code == 2);
    CHECK(context.err == "error: --context: expected a whole number, got 'many'\n");
    check_usage_message(run({"--nonsense"}));
    check_usage_message(run({"lsit"}));
  }

  TEST_CASE("an exception that is not a ConfigError is exit 3 with a bug-report request") {
    // stdout that throws on write (a stream with badbit exceptions over a buffer refusing writes)
    // stands in for any unexpected exception inside a command.
    FailingBuffer failing;
    std::ostream out(&failing);
    out.exceptions(std::ios::badbit);
    std::ostringstream err;
    CHECK(cli::run_cli({"list", "gpus"}, out, err) == 3);
    CHECK(err.str().rfind("internal error: ", 0) == 0);
    CHECK(err.str().find("\nThis is a bug in llmsizer; please report it with the command line that caused it.\n") !=
          std::string::npos);
  }

  TEST_CASE("-o /dev/stdout writes to the descriptor: appending to a log appends") {
    const test::TempDir dir;
    const fs::path log = dir.path() / "log.yaml";
    write_text(log, "# earlier\n");
    const std::string command = std::string("'") + LLMSIZER_BINARY + "' import-hf '" +
                                test::source_path("tests/data/hf/llama-3.1-8b.json").string() +
                                "' -o /dev/stdout >> '" + log.string() + "' 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    const std::string text = read_file(log.string());
    CHECK(text.rfind("# earlier\nschema: model/1\nname: llama-3.1-8b\n", 0) == 0);  // kept, and not named 'stdout'
    CHECK(fs::is_regular_file(log));
  }

  TEST_CASE("output that cannot reach standard output is exit 2, not success") {
    if (!fs::is_character_file("/dev/full")) return;
    const std::string command = std::string("'") + LLMSIZER_BINARY + "' list gpus > /dev/full 2>/dev/null";
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
  }

}  // TEST_SUITE("hardening")

}  // namespace llmsizer
