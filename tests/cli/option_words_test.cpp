// What a new user's trial found in input handling: option values that are identifiers (overlap, phase,
// engine, calibration, price basis, launch engine, list kind) are read in any case, with the
// did-you-mean kept for real typos; a measurements file left in a --profiles directory is skipped
// with a warning naming it, while a broken profile there still stops the command (list names each one).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;
using test::Run;
using test::run;

std::vector<std::string> args_plus(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_SUITE("user_files") {
  TEST_CASE("estimate: option words in any case give the answer of the lower-case words") {
    const std::vector<std::string> base{"estimate", "--model", "deepseek-v3", "--gpu", "h200-sxm", "--gpus",
                                        "16",       "--isl",   "1000",        "--osl", "1000",     "--concurrency",
                                        "64",       "--json"};
    const Run lower = run(args_plus(base, {"--overlap", "two-batch", "--engine", "sglang", "--phase", "decode",
                                           "--calibration", "default", "--price", "reserved", "--weights", "fp8"}));
    const Run upper = run(args_plus(base, {"--overlap", "TWO-BATCH", "--engine", "SGLang", "--phase", "Decode",
                                           "--calibration", "Default", "--price", "Reserved", "--weights", "FP8"}));
    REQUIRE(lower.code == 0);
    CHECK(upper.err == lower.err);
    CHECK(upper.code == 0);
    CHECK(upper.out == lower.out);  // the echoed words too: one spelling in every writer
    CHECK(lower.out.find("\"engine\": \"sglang\"") != std::string::npos);
  }

  TEST_CASE("sweep, plan, compare, report and --emit read the words in any case too") {
    const Run sweep = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpus", "2", "--engine",
                           "VLLM", "--overlap", "None", "--price", "ON-DEMAND", "--emit", "VLLM"});
    CHECK(sweep.code == 0);
    CHECK(sweep.err == "");
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9",
                          "--engine", "TrtLlm", "--overlap", "NONE"});
    CHECK(plan.code == 0);
    const Run compare =
        run({"compare", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpus", "2", "--overlap", "Two-Batch"});
    CHECK(compare.code == 0);
    const test::TempDir dir;
    const Run report = run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--engine", "SGLANG", "--html",
                            (dir.path() / "r.html").string()});
    CHECK(report.code == 0);
    const Run list = run({"list", "GPUS"});
    CHECK(list.code == 0);
    CHECK(list.out == run({"list", "gpus"}).out);
  }

  TEST_CASE("a real typo still gets the did-you-mean, in the lower-case spelling") {
    const std::vector<std::string> base{"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm",
                                        "--isl",    "100",     "--osl",        "100"};
    CHECK(run(args_plus(base, {"--overlap", "TWO-BACH"})).err ==
          "error: --overlap: unknown overlap 'TWO-BACH' (expected none or two-batch); did you mean 'two-batch'?\n");
    CHECK(run(args_plus(base, {"--phase", "Decod"})).err ==
          "error: --phase: unknown phase 'Decod' (expected mixed, decode or prefill); did you mean 'decode'?\n");
    CHECK(run(args_plus(base, {"--engine", "SGLng"})).err ==
          "error: --engine: unknown engine 'SGLng' (expected trtllm, vllm or sglang); did you mean 'sglang'?\n");
    CHECK(run(args_plus(base, {"--emit", "VLM"})).err ==
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
      const Run r = run(args_plus({"--profiles", dir.path().string()}, args));
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
