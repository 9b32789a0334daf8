// Values a user types that the tool used to take silently: an empty or directory -o of the commands
// that write a profile, mistyped names in a measurements file, and a default price basis that only
// the text output mentioned.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("calibrate and import-hf: an empty -o is an error, and -o DIR suggests a file inside it") {
    const std::string empty_error =
        "error: -o: empty file name: name the .yaml file to write, or leave -o out to print the profile on stdout\n";
    const Run calibrate = run({"calibrate", "-o", ""});
    CHECK(calibrate.code == 2);
    CHECK(calibrate.out.empty());
    CHECK(calibrate.err == empty_error);
    const Run imported =
        run({"import-hf", test::source_path("tests/data/hf/llama-3.1-8b.json").string(), "--output", ""});
    CHECK(imported.code == 2);
    CHECK(imported.out.empty());
    CHECK(imported.err == empty_error);

    const test::TempDir dir;
    const std::string d = dir.path().string();
    const Run into_dir = run({"calibrate", "-o", d});
    CHECK(into_dir.code == 2);
    CHECK(into_dir.err == "error: -o: '" + d + "' is a directory; name the file to write in it, e.g. " +
                              (dir.path() / "my-calibration.yaml").string() + "\n");
    const Run named = run({"calibrate", "-o", d, "--name", "lab"});
    CHECK(named.code == 2);
    CHECK(named.err.find("e.g. " + (dir.path() / "lab.yaml").string() + "\n") != std::string::npos);
    CHECK(std::filesystem::is_empty(dir.path()));
  }

  TEST_CASE("a measured row's mistyped precision, engine or phase is an error at its value, with a did-you-mean") {
    const test::TempDir dir;
    const auto file = dir.path() / "typos.yaml";
    const std::string row =
        "measurements:\n"
        "- id: m1\n"
        "  model_ref: llama-3.1-8b\n"
        "  precision: {weights: bf16}\n"
        "  hardware: {gpu: h100-sxm, count: 1}\n"
        "  engine: vLLM 0.10\n"
        "  workload: {isl: 1000, osl: 1000, concurrency: 8, phase: mixed}\n"
        "  metrics: {tpot_ms: 9.5}\n";
    auto first_error = [&](const std::string& from, const std::string& to) {
      std::string text = row;
      text.replace(text.find(from), from.size(), to);
      test::write_text(file, text);
      const Run r = run({"validate", "--measurements", file.string()});
      CHECK(r.code == (r.err.empty() ? 0 : 2));
      return r.err.substr(0, r.err.find('\n'));
    };
    const std::string at = file.string();
    const std::string precisions = "(expected nvfp4, mxfp4, fp4, fp8, int8, int4, bf16, fp16)";
    const std::string engines = "(expected tensorrt-llm, trtllm, sglang, vllm)";
    struct Typo {
      std::string from, to, error;
    };
    for (const Typo& t : std::vector<Typo>{
             {"weights: bf16", "weights: bf61",
              ":4:24: error: measurements[0].precision.weights: unknown precision 'bf61' " + precisions +
                  "; did you mean 'bf16'?"},
             {"{weights: bf16}", "{weights: bf16, kv_cache: fb8}",
              ":4:40: error: measurements[0].precision.kv_cache: unknown precision 'fb8' " + precisions +
                  "; did you mean 'fp8'?"},
             {"engine: vLLM 0.10", "engine: sglnag",
              ":6:11: error: measurements[0].engine: unknown engine 'sglnag' " + engines + "; did you mean 'sglang'?"},
             {"engine: vLLM 0.10", "engine: vLMM 0.10 (patched)",
              ":6:11: error: measurements[0].engine: unknown engine 'vLMM 0.10 (patched)' " + engines +
                  "; did you mean 'vllm'?"},
             {"phase: mixed", "phase: decod",
              ":7:59: error: measurements[0].workload.phase: unknown phase 'decod' (expected mixed, decode, prefill); "
              "did you mean 'decode'?"}}) {
      CHECK(first_error(t.from, t.to) == at + t.error);
    }
    // Prose stays prose: a precision not stated skips the row; another engine is the generic one.
    CHECK(first_error("weights: bf16", "weights: not stated in summary").empty());
    CHECK(first_error("engine: vLLM 0.10", "engine: DeepSeek in-house").empty());
    CHECK(first_error("weights: bf16", "weights: fp8 (block)").empty());
    // Words that name no engine or precision the tool models are not typos: "llm" is one letter from
    // "vllm"; an engine it has no calibration for is the generic engine; a quantisation scheme it does
    // not model skips the row; the long spellings of 16-bit types are read as them.
    for (const char* engine : {"in-house LLM server", "NVIDIA MLPerf LLM harness", "LMDeploy", "TGI", "MindIE 2.0"}) {
      CAPTURE(engine);
      CHECK(first_error("engine: vLLM 0.10", std::string("engine: ") + engine).empty());
    }
    for (const char* weights : {"unknown", "AWQ", "W4A16", "bfloat16", "float16 (half)"}) {
      CAPTURE(weights);
      CHECK(first_error("weights: bf16", std::string("weights: ") + weights).empty());
    }
  }

  TEST_CASE("the shipped measurements load without an error") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"validate"}, std::vector<std::string>{"validate", "--shipped"}}) {
      const Run r = run(args);
      CHECK_MESSAGE(r.code == 0, r.err);
    }
  }

  TEST_CASE("a GPU priced by default on another basis says so in the notes of JSON, CSV and text") {
    // H20 has no 3-year rental price, the default basis of the GPUs that have one.
    const std::vector<std::string> base = {"estimate", "--model", "llama-3.1-8b", "--gpu", "h20",
                                           "--isl",    "1000",    "--osl",        "100"};
    auto with = [&](const std::string& flag) {
      std::vector<std::string> args = base;
      if (!flag.empty()) args.push_back(flag);
      const Run r = run(args);
      REQUIRE(r.code == 0);
      return r;
    };
    const std::string note = "h20 has no 3-year rental price";
    const nlohmann::json json = nlohmann::json::parse(with("--json").out);
    CHECK(json["notes"].dump().find(note) != std::string::npos);
    CHECK(with("--csv").out.find(note) != std::string::npos);
    CHECK(with("").err.find("note: priced on the") != std::string::npos);
    // A GPU on the usual basis, or a price the user chose, has no such note.
    std::vector<std::string> h100 = base;
    h100[4] = "h100-sxm";
    h100.push_back("--json");
    CHECK(nlohmann::json::parse(run(h100).out)["notes"].dump().find(note) == std::string::npos);
    std::vector<std::string> chosen = base;
    chosen.insert(chosen.end(), {"--usd-per-gpu-hour", "2", "--json"});
    CHECK(nlohmann::json::parse(run(chosen).out)["notes"].dump().find(note) == std::string::npos);
  }
}

}  // namespace llmsizer
