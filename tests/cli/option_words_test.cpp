// What a new user's trial found in input handling: option values that are identifiers (overlap, phase,
// engine, calibration, price basis, launch engine, list kind) are read in any case, with the
// did-you-mean kept for real typos; a measurements file left in a --profiles directory is skipped
// with a warning naming it, while a broken profile there still stops the command (list names each one).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;
using test::Run;
using test::run;

using test::with;

}  // namespace

TEST_SUITE("user_files") {
  TEST_CASE("estimate: option words in any case give the answer of the lower-case words") {
    const std::vector<std::string> base{"estimate", "--model", "deepseek-v3", "--gpu", "h200-sxm", "--gpus",
                                        "16",       "--isl",   "1000",        "--osl", "1000",     "--concurrency",
                                        "64",       "--json"};
    const Run lower = run(with(base, {"--overlap", "two-batch", "--engine", "sglang", "--phase", "decode",
                                      "--calibration", "default", "--price", "reserved", "--weights", "fp8"}));
    const Run upper = run(with(base, {"--overlap", "TWO-BATCH", "--engine", "SGLang", "--phase", "Decode",
                                      "--calibration", "Default", "--price", "Reserved", "--weights", "FP8"}));
    REQUIRE(lower.code == 0);
    CHECK(upper.err == lower.err);
    CHECK(upper.code == 0);
    CHECK(upper.out == lower.out);  // the echoed words too: one spelling in every writer
    CHECK(lower.out.find("\"engine\": \"sglang\"") != std::string::npos);
  }

  TEST_CASE("sweep, plan, compare, report and --emit read the words in any case too") {
    // Each mixed-case run gives the lower-case run's output: the word is read, and echoed in one spelling.
    const auto same_as_lower = [](const std::vector<std::string>& mixed, const std::vector<std::string>& lower) {
      const Run m = run(mixed);
      const Run l = run(lower);
      REQUIRE(l.code == 0);
      CHECK(m.code == 0);
      CHECK(m.out == l.out);
      CHECK(m.err == l.err);
      return m;
    };
    const std::vector<std::string> sweep{"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpus", "2"};
    const Run swept =
        same_as_lower(with(sweep, {"--engine", "VLLM", "--overlap", "None", "--price", "ON-DEMAND", "--emit", "VLLM"}),
                      with(sweep, {"--engine", "vllm", "--overlap", "none", "--price", "on-demand", "--emit", "vllm"}));
    CHECK(swept.out.find("vllm serve") != std::string::npos);
    const std::vector<std::string> plan{
        "plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9"};
    const Run planned = same_as_lower(with(plan, {"--engine", "TrtLlm", "--overlap", "NONE"}),
                                      with(plan, {"--engine", "trtllm", "--overlap", "none"}));
    CHECK(planned.out.find("engine trtllm") != std::string::npos);
    const std::vector<std::string> compare{"compare",    "--model", "llama-3.1-8b", "--gpu", "h100-sxm",
                                           "--max-gpus", "2",       "--csv"};
    same_as_lower(with(compare, {"--overlap", "Two-Batch"}), with(compare, {"--overlap", "two-batch"}));
    const test::TempDir dir;
    const Run report = run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--engine", "SGLANG", "--html",
                            (dir.path() / "r.html").string()});
    CHECK(report.code == 0);
    CHECK(read_file((dir.path() / "r.html").string()).find("sglang") != std::string::npos);
    const Run list = run({"list", "GPUS"});
    CHECK(list.code == 0);
    CHECK(list.out == run({"list", "gpus"}).out);
  }

  TEST_CASE("a real typo still gets the did-you-mean, in the lower-case spelling") {
    const std::vector<std::string> base{"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm",
                                        "--isl",    "100",     "--osl",        "100"};
    CHECK(run(with(base, {"--overlap", "TWO-BACH"})).err ==
          "error: --overlap: unknown overlap 'TWO-BACH' (expected none or two-batch); did you mean 'two-batch'?\n");
    CHECK(run(with(base, {"--phase", "Decod"})).err ==
          "error: --phase: unknown phase 'Decod' (expected mixed, decode or prefill); did you mean 'decode'?\n");
    CHECK(run(with(base, {"--engine", "SGLng"})).err ==
          "error: --engine: unknown engine 'SGLng' (expected trtllm, vllm or sglang); did you mean 'sglang'?\n");
    CHECK(run(with(base, {"--emit", "VLM"})).err ==
          "error: --emit: unknown engine 'VLM' (expected vllm, sglang or trtllm); did you mean 'vllm'?\n");
    CHECK(run({"list", "GPU"}).err ==
          "error: list: unknown kind 'GPU' (expected models or gpus); did you mean 'gpus'?\n");
  }

  TEST_CASE("a measurements file in a --profiles directory is skipped with a warning naming it") {
    const test::TempDir dir;
    fs::create_directories(dir.path() / "runs");
    const fs::path copied = dir.path() / "runs" / "measurements.yaml";
    fs::copy_file(test::source_path("validation/measurements.yaml"), copied);
    const std::string warning = "warning: " + copied.string() +
                                ": a measurements file, not a profile: skipped (`llmsizer validate --measurements " +
                                copied.string() + "` reads it)\n";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"list", "gpus"},
          std::vector<std::string>{"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl",
                                   "100"}}) {
      CAPTURE(args.front());
      const Run r = run(with({"--profiles", dir.path().string()}, args));
      CHECK(r.code == 0);
      CHECK(r.err == warning);
    }
    const Run check = run({"check", dir.path().string()});
    CHECK(check.code == 0);
    CHECK(check.out == "checked 1 file: 1 ok, 0 with errors\n");
  }

  TEST_CASE("broken profiles beside a measurements file stop list, which names every one") {
    const test::TempDir dir;
    fs::copy_file(test::source_path("validation/measurements.yaml"), dir.path() / "measurements.yaml");
    const fs::path bad = dir.path() / "bad.yaml";
    const fs::path worse = dir.path() / "worse.yaml";
    test::write_text(bad, "schema: gpu/1\nname: bad\nmemory_gbb: 80\n");
    test::write_text(worse, "schema: model/1\nname: worse\nnum_layerz: 2\n");
    const Run list = run({"--profiles", dir.path().string(), "list", "gpus"});
    CHECK(list.code == 2);
    CHECK(list.out == "");
    CHECK(list.err.find(bad.string() + ":3:1: error: memory_gbb: unknown key; did you mean 'memory_gb'?") !=
          std::string::npos);
    CHECK(list.err.find(worse.string() + ":3:1: error: num_layerz: unknown key; did you mean 'num_layers'?") !=
          std::string::npos);
    CHECK(list.err.find("measurements") == std::string::npos);  // the measurements file is no error
    const Run check = run({"check", dir.path().string()});
    CHECK(check.code == 2);
    CHECK(check.out == "checked 3 files: 1 ok, 2 with errors\n");
  }
}

}  // namespace llmsizer
