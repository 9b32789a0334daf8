// Hostile and careless inputs, each with its exact message: deep nesting and very long lines in
// YAML, NaN/Inf and out-of-range numbers on the command line and in scenario CSVs, control bytes,
// scenario CSV headers, and inputs that are directories or endless streams. Output paths and the
// exit-code contract: output_checks_test.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/config_error.hpp"
#include "io/profile_loader.hpp"
#include "io/yaml_reader.hpp"
#include "tests/io/loader_fixture.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {
namespace fs = std::filesystem;

using test::run;
using test::Run;
using test::write_text;

using test::gpu_error;

std::vector<std::string> estimate_with(std::vector<std::string> extra) {
  std::vector<std::string> args = {"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1024", "--osl", "256"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_SUITE("hardening") {

TEST_CASE("10,000-deep nesting is a located ConfigError, not a stack overflow") {
  // yaml-cpp stops its recursive parser at 500 levels; the loader says so at the scanner's position.
  const std::string flow = "schema: gpu/1\nvendor: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  // The quoted line is cut at 200 characters, so the caret stands at its end.
  CHECK(gpu_error(flow) ==
        "bad.yaml:2:20009: error: YAML syntax: nested deeper than the parser's limit of 500 levels\n"
        "vendor: " + std::string(192, '[') + "...\n" + std::string(203, ' ') + "^");
  std::string maps = "vendor: ";
  for (int i = 0; i < 10000; ++i) maps += "{a: ";
  CHECK(gpu_error(maps + "1" + std::string(10000, '}')).find("bad.yaml:1:") == 0);
  CHECK(gpu_error(maps + "1" + std::string(10000, '}')).find("nested deeper than the parser's limit of 500 levels") !=
        std::string::npos);
  std::string block = "vendor:\n";
  for (int i = 0; i < 10000; ++i) block += "- ";
  CHECK(gpu_error(block + "x\n").find("YAML syntax: nested deeper than the parser's limit of 500 levels") !=
        std::string::npos);
  // 400 levels is legal YAML, just not a GPU profile.
  CHECK(gpu_error("schema: gpu/1\nvendor: " + std::string(400, '[') + std::string(400, ']') + "\n") ==
        "bad.yaml:1:1: error: name: missing required key\n"
        "schema: gpu/1\n"
        "^");
}

TEST_CASE("very long keys, values and lines are quoted shortened") {
  // YAML limits implicit keys to 1024 characters; a 1000-character key is legal and unknown.
  const std::string key(1000, 'k');
  CHECK(gpu_error("schema: gpu/1\n" + key + ": 1\n") ==
        "bad.yaml:2:1: error: " + std::string(200, 'k') + "...: unknown key\n" + std::string(200, 'k') + "...\n^");
  // A 100,000-character value in a message is cut at 1000 characters of the message.
  const std::string value(100000, 'x');
  const std::string message = gpu_error("schema: gpu/1\nname: bad\nvendor: v\ngeneration: g\nlaunch_year: 2024\n"
                                        "memory_gb: " + value + "\nsources: [{fields: ['*'], cite: test}]\n");
  CHECK(message == "bad.yaml:6:12: error: memory_gb: " + ("expected a number, got '" + value).substr(0, 1000) +
                       "...\nmemory_gb: " + std::string(189, 'x') + "...\n           ^");
}

TEST_CASE("NaN, infinity and out-of-range numbers on the command line name the option and its range") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--usd-per-gpu-hour", "nan"}, "error: --usd-per-gpu-hour: 'nan' is not a finite number\n"},
      {{"--usd-per-gpu-hour", "inf"}, "error: --usd-per-gpu-hour: 'inf' is not a finite number\n"},
      {{"--usd-per-gpu-hour", "-1"}, "error: --usd-per-gpu-hour: -1 is out of range (must be > 0 and <= 1000 $/GPU-hour)\n"},
      {{"--usd-per-gpu-hour", "0"}, "error: --usd-per-gpu-hour: 0 is out of range (must be > 0 and <= 1000 $/GPU-hour)\n"},
      {{"--memory-utilization", "inf"}, "error: --memory-utilization: 'inf' is not a finite number\n"},
      {{"--memory-utilization", "nan"}, "error: --memory-utilization: 'nan' is not a finite number\n"},
      {{"--memory-utilization", "0"}, "error: --memory-utilization: 0 is out of range (must be > 0 and <= 1)\n"},
      {{"--mtp", "1", "--mtp-acceptance", "nan"}, "error: --mtp-acceptance: 'nan' is not a finite number\n"},
      {{"--mtp-acceptance", "1"}, "error: --mtp-acceptance: 1 is out of range (must be >= 0 and < 1)\n"},
      {{"--mtp", "17"}, "error: --mtp: 17 is out of range (must be >= 0 and <= 16)\n"},
      {{"--concurrency", "-1"}, "error: --concurrency: -1 is out of range (must be >= 0 and <= 2147483648)\n"},
      {{"--concurrency", "2147483649"}, "error: --concurrency: 2147483649 is out of range (must be >= 0 and <= 2147483648)\n"},
      {{"--tp", "0"}, "error: --tp: 0 is out of range (must be >= 1 and <= 1048576)\n"},
  };
  for (const auto& [extra, expected] : cases) {
    CAPTURE(extra[0]);
    const Run r = run(estimate_with(extra));
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == expected);
  }
  const Run isl = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "0", "--osl", "1"});
  CHECK(isl.err == "error: --isl: 0 is out of range (must be >= 1 and <= 2147483648)\n");
  // Scenario options are parsed by their field (request/scenario_fields), as a scenarios CSV cell is:
  // a count beyond range is named with the option, not a CLI11 conversion failure.
  const Run huge = run(estimate_with({"--concurrency", "1e30"}));
  CHECK(huge.code == 2);
  CHECK(huge.err == "error: --concurrency: '1e30' is out of range for a count\n");
  const Run gpus = run(estimate_with({"--gpus", "99999999999"}));
  CHECK(gpus.code == 2);
  CHECK(gpus.err == "error: --gpus: 99999999999 is out of range (must be >= 1 and <= 1048576)\n");
  // fit checks its own counts.
  const Run context = run({"fit", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--context", "0"});
  CHECK(context.err == "error: --context: 0 is out of range (must be >= 1 and <= 2147483648)\n");
  const Run max_gpus = run({"fit", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpus", "0"});
  CHECK(max_gpus.err == "error: --max-gpus: 0 is out of range (must be >= 1 and <= 100000)\n");
  const Run util = run({"fit", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--memory-utilization", "nan"});
  CHECK(util.err == "error: --memory-utilization: 'nan' is not a finite number\n");
  // CLI11's Range validator passes NaN; calibrate checks it itself.
  const Run prior = run({"calibrate", "--prior-strength", "nan"});
  CHECK(prior.code == 2);
  CHECK(prior.err == "error: --prior-strength: 'nan' is not a finite number\n");
}

TEST_CASE("control bytes and bidi overrides from profiles and CSV files are escaped in show, tables and warnings") {
  const test::TempDir dir;
  std::string h20 = read_file(std::string(LLMSIZER_SOURCE_DIR) + "/profiles/gpus/h20.yaml");
  h20.replace(h20.find("name: h20"), std::string("name: h20").size(), "name: evil");
  h20.replace(h20.find("aliases: [h20-96gb]"), std::string("aliases: [h20-96gb]").size(), "aliases: []");
  const std::string display = "display_name: NVIDIA H20 96GB";
  // ESC [2J clears a terminal; U+202E (E2 80 AE) reverses the text after it.
  h20.replace(h20.find(display), display.size(), "display_name: \"clear\\e[2J right\\u202Eleft\"");
  write_text(dir.path() / "evil.yaml", h20);
  const Run show = run({"--profiles", dir.path().string(), "show", "evil"});
  REQUIRE(show.code == 0);
  CHECK(show.out.find('\x1b') == std::string::npos);
  CHECK(show.out.find("\xe2\x80\xae") == std::string::npos);
  CHECK(show.out.find("clear\\x1B[2J right\\xE2\\x80\\xAEleft") != std::string::npos);
  // A scenario id in the estimate table, and an unknown column named in the warning.
  const fs::path csv = dir.path() / "s.csv";
  write_text(csv, "id,model,gpu,isl,osl,note\x07\x1b]0;title\x07\nrow\x1b[31m,llama-3.1-8b,h100-sxm,100,10,x\n");
  const Run table = run({"estimate", "--scenarios", csv.string()});
  REQUIRE(table.code == 0);
  CHECK(table.out.find('\x1b') == std::string::npos);
  CHECK(table.out.find("row\\x1B[31m") != std::string::npos);
  CHECK(table.err.find('\x1b') == std::string::npos);
  CHECK(table.err.find('\x07') == std::string::npos);
  CHECK(table.err.find("warning: ignoring unknown column 'note\\x07\\x1B]0;title\\x07'") != std::string::npos);
}

TEST_CASE("scenario CSV cells: nan, inf and counts beyond range are row errors") {
  const test::TempDir dir;
  const fs::path csv = dir.path() / "s.csv";
  write_text(csv,
             "id,model,gpu,isl,osl,concurrency,mtp,tp,usd_per_gpu_hour\n"
             "nan-isl,llama-3.1-8b,h100-sxm,nan,256,1,,,\n"
             "inf-osl,llama-3.1-8b,h100-sxm,1024,inf,1,,,\n"
             "huge-concurrency,llama-3.1-8b,h100-sxm,1024,256,1e30,,,\n"
             "wrapping-mtp,llama-3.1-8b,h100-sxm,1024,256,1,4294967297,,\n"
             "huge-tp,llama-3.1-8b,h100-sxm,1024,256,1,,99999999999999999999,\n"
             "nan-price,llama-3.1-8b,h100-sxm,1024,256,1,,,nan\n"
             "big-price,llama-3.1-8b,h100-sxm,1024,256,1,,,1e9\n"
             "max-counts,llama-3.1-8b,h100-sxm,2147483648,2147483648,2147483648,,,\n"
             "ok,llama-3.1-8b,h100-sxm,1024,256,1,,,\n");
  const Run r = run({"estimate", "--scenarios", csv.string(), "--csv"});
  CHECK(r.code == 2);
  const std::string f = csv.string();
  CHECK(r.err == f + ":2:31: error: isl: 'nan' is not a finite number\n" +
                     f + ":3:36: error: osl: 'inf' is not a finite number\n" +
                     f + ":4:49: error: concurrency: '1e30' is out of range for a count\n" +
                     f + ":5:47: error: mtp: 4294967297 is out of range (must be >= 0 and <= 16)\n" +
                     f + ":6:43: error: tp: '99999999999999999999' is out of range for a count\n" +
                     f + ":7:46: error: usd_per_gpu_hour: 'nan' is not a finite number\n" +
                     f + ":8:46: error: usd_per_gpu_hour: 1000000000 is out of range (must be > 0 and <= 1000 $/GPU-hour)\n" +
                     f + ":9:34: error: isl: 2147483648 prompt + 2147483648 output = 4294967296 tokens exceed the "
                         "131072-token context window of llama-3.1-8b\n");
  CHECK(r.out.find("max-counts,llama-3.1-8b,h100-sxm,") != std::string::npos);
  for (const char* word : {"nan", "inf", "NaN", "Inf"}) CHECK(r.out.find(std::string(",") + word) == std::string::npos);
  // The largest accepted counts within the context window: context x concurrency x KV bytes is ~3.6e22
  // bytes, computed in doubles; 3 requests run, the rest queue, and every number is finite.
  const Run json = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100000", "--osl",
                        "31072", "--concurrency", "2147483648", "--json"});
  CHECK(json.code == 0);
  const nlohmann::json j = nlohmann::json::parse(json.out);
  CHECK(j["fits"] == true);
  CHECK(j["queued"].get<double>() > 2e9);
  for (const auto& [key, value] : j.items()) {
    CAPTURE(key);
    if (value.is_number()) CHECK(std::isfinite(value.get<double>()));
  }
}

TEST_CASE("scenario CSV headers: a near-miss of a column is a typo, a repeated column is ambiguous") {
  const test::TempDir dir;
  const fs::path csv = dir.path() / "s.csv";
  auto header_error = [&](const std::string& header, const std::string& row) {
    write_text(csv, header + "\n" + row + "\n");
    const Run r = run({"estimate", "--scenarios", csv.string(), "--csv"});
    return std::pair{r.code, r.err};
  };
  // Each error names the line and column where the header field starts.
  CHECK(header_error("model,gpu,isl,osl,concurency", "llama-3.1-8b,h100-sxm,100,100,4") ==
        std::pair{2, csv.string() + ":1:19: error: concurency: unknown column; did you mean 'concurrency'?\n"});
  CHECK(header_error("model,gpu,isl,osl,weight", "llama-3.1-8b,h100-sxm,100,100,fp8") ==
        std::pair{2, csv.string() + ":1:19: error: weight: unknown column; did you mean 'weights'?\n"});
  // Two letters swapped: one slip, not a column of notes (it was a warning, and the row ran at the
  // model's native precision).
  CHECK(header_error("model,gpu,isl,osl,wieghts", "llama-3.1-8b,h100-sxm,100,100,fp8") ==
        std::pair{2, csv.string() + ":1:19: error: wieghts: unknown column; did you mean 'weights'?\n"});
  CHECK(header_error("\nmodel,gpu,isl,osl,cnocurrency", "llama-3.1-8b,h100-sxm,100,100,4") ==
        std::pair{2, csv.string() + ":2:19: error: cnocurrency: unknown column; did you mean 'concurrency'?\n"});
  CHECK(header_error("model,gpu,isl,osl,isl", "llama-3.1-8b,h100-sxm,100,100,200") ==
        std::pair{2, csv.string() + ":1:19: error: isl: the column appears twice; which value would count is ambiguous\n"});
  // Columns that are not near any known one (notes, labels) are kept out with a warning.
  CHECK(header_error("model,gpu,isl,osl,cost,notes", "llama-3.1-8b,h100-sxm,100,100,4,x") ==
        std::pair{0, csv.string() + ":1: warning: ignoring unknown columns 'cost', 'notes'\n"});
}

TEST_CASE("inputs that are directories or endless streams are errors, not hangs") {
  const Run dir = run({"import-hf", test::source_path("tests/data").string()});
  CHECK(dir.code == 2);
  CHECK(dir.err == test::source_path("tests/data").string() + ": error: is a directory, not a file\n");
  if (fs::is_character_file("/dev/zero")) {
    const Run zero = run({"estimate", "--scenarios", "/dev/zero"});
    CHECK(zero.code == 2);
    CHECK(zero.err == "/dev/zero: error: larger than 256 MiB; not an input this tool reads\n");
  }
}

}  // TEST_SUITE("hardening")

}  // namespace llmsizer
