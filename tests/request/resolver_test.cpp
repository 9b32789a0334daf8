// request/resolver: engine names come from the calibration, and the shared option groups parse
// through the scenario fields in every subcommand.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/config_error.hpp"
#include "request/resolver.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

std::string engine_error(const Calibration& calibration, const std::string& engine) {
  try {
    static_cast<void>(engine_named(calibration, engine));
  } catch (const ConfigError& e) {
    return e.path() + ": " + e.message();
  }
  return "";
}

Calibration with_engines(const std::vector<std::string>& names) {
  Calibration c;
  for (const std::string& n : names) {
    EngineEfficiency e;
    e.engine = n;
    c.engines.push_back(e);
  }
  return c;
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("engines: accepted and suggested from the calibration's list, not from a list in the code") {
    const Calibration shipped = test::shipped_catalog().calibration("default");
    for (const char* known : {"", "default", "trtllm", "vllm", "sglang"}) CHECK(engine_error(shipped, known).empty());
    CHECK(engine_error(shipped, "vlm") ==
          "--engine: unknown engine 'vlm' (expected trtllm, vllm or sglang); did you mean 'vllm'?");
    // A calibration that lists another engine accepts it, suggests it, and no longer knows vllm.
    const Calibration custom = with_engines({"default", "lmdeploy", "tgi"});
    CHECK(engine_error(custom, "lmdeploy").empty());
    CHECK(engine_error(custom, "lmdeplo") ==
          "--engine: unknown engine 'lmdeplo' (expected lmdeploy or tgi); did you mean 'lmdeploy'?");
    CHECK(engine_error(custom, "vllm") == "--engine: unknown engine 'vllm' (expected lmdeploy or tgi)");
    CHECK(engine_error(with_engines({}), "vllm") == "--engine: unknown engine 'vllm' (expected default)");
  }

  TEST_CASE("engines: estimate, sweep and plan check --engine against the same list") {
    const std::string expected =
        "error: --engine: unknown engine 'sglng' (expected trtllm, vllm or sglang); did you mean 'sglang'?\n";
    const Run estimate = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl",
                              "100", "--engine", "sglng"});
    CHECK(estimate.err == expected);
    const Run sweep = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                           "--engine", "sglng"});
    CHECK(sweep.err == expected);
    const Run plan = run({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9",
                          "--engine", "sglng"});
    CHECK(plan.err == expected);
  }

  TEST_CASE("shared options: --isl is the isl field in estimate, sweep, compare and report") {
    const std::string expected = "error: --isl: 0 is out of range (must be >= 1 and <= 2147483648)\n";
    for (const char* command : {"estimate", "sweep", "compare", "report"}) {
      CAPTURE(command);
      std::vector<std::string> args = {command, "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "0", "--osl", "100"};
      if (std::string(command) == "report") args.insert(args.end(), {"--html", "x.html"});
      const Run r = run(args);
      CHECK(r.code == 2);
      CHECK(r.err == expected);
    }
  }

  TEST_CASE("shared options: sweep's repeatable --concurrency reads each value as the concurrency field") {
    const Run r = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                       "--max-gpus", "1", "--concurrency", "010", "--json"});
    REQUIRE(r.code == 0);
    const auto frontier = nlohmann::json::parse(r.out).at("frontier");
    REQUIRE_FALSE(frontier.empty());
    for (const auto& row : frontier) CHECK(row["concurrency"] == 10);  // decimal, not octal 8
    const Run bad = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100",
                         "--concurrency", "4", "--concurrency", "lots"});
    CHECK(bad.err == "error: --concurrency: expected a whole number, got 'lots'\n");
  }

  TEST_CASE("shared options: --usd-per-gpu-hour parses and checks alike in every subcommand") {
    const std::string expected = "error: --usd-per-gpu-hour: 0 is out of range (must be > 0 and <= 1000 $/GPU-hour)\n";
    const std::vector<std::vector<std::string>> commands = {
        {"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100"},
        {"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100"},
        {"compare", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100"},
        {"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9"},
        {"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100", "--html", "x.html"}};
    for (std::vector<std::string> args : commands) {
      CAPTURE(args[0]);
      args.emplace_back("--usd-per-gpu-hour");
      args.emplace_back("0");
      const Run r = run(args);
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == expected);
    }
  }

  TEST_CASE("layouts: a layout error names the option the user gave") {
    auto error_of = [](std::vector<std::string> extra) {
      std::vector<std::string> args{"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1000",
                                    "--osl", "500"};
      args.insert(args.end(), extra.begin(), extra.end());
      const Run r = run(args);
      CHECK(r.code == 2);
      return r.err;
    };
    CHECK(error_of({"--tp", "2", "--pp", "40"}) == "error: --pp: pp 40 exceeds the 32 layers\n");
    CHECK(error_of({"--tp", "2", "--ep", "2"}) == "error: --ep: ep 2 needs a mixture-of-experts model; llama-3.1-8b is dense\n");
    CHECK(error_of({"--tp", "3"}) == "error: --tp: tp 3 must divide the 32 attention heads of llama-3.1-8b\n");
    CHECK(error_of({"--dp", "3", "--gpus", "8"}) == "error: --gpus: 8 GPUs is not a multiple of tp x pp x dp = 3\n");
  }

  TEST_CASE("KV precision: TensorRT-LLM runs FP8 KV with a ModelOpt FP8/NVFP4 checkpoint; otherwise BF16") {
    auto kv_of = [](const std::string& model, const std::string& gpu, std::vector<std::string> extra) {
      std::vector<std::string> args{"estimate", "--model", model, "--gpu", gpu, "--isl", "1000", "--osl", "500",
                                    "--json"};
      args.insert(args.end(), extra.begin(), extra.end());
      const Run r = run(args);
      REQUIRE(r.code == 0);
      const auto j = nlohmann::json::parse(r.out);
      return (j.is_array() ? j.at(0) : j).at("kv").get<std::string>();
    };
    // Llama-3.1-70B is released in BF16: FP8 or NVFP4 weights are a ModelOpt checkpoint, with FP8 KV.
    CHECK(kv_of("llama-3.1-70b", "h100-sxm", {"--weights", "fp8", "--engine", "trtllm"}) == "fp8");
    CHECK(kv_of("llama-3.1-70b", "b200", {"--weights", "fp4", "--engine", "trtllm"}) == "fp8");
    CHECK(kv_of("llama-3.1-70b", "h100-sxm", {"--engine", "trtllm"}) == "bf16");  // its own BF16 weights
    // vLLM, SGLang and the generic engine keep the model dtype ('auto').
    CHECK(kv_of("llama-3.1-70b", "h100-sxm", {"--weights", "fp8", "--engine", "vllm"}) == "bf16");
    CHECK(kv_of("llama-3.1-70b", "h100-sxm", {"--weights", "fp8", "--engine", "sglang"}) == "bf16");
    CHECK(kv_of("llama-3.1-70b", "h100-sxm", {"--weights", "fp8"}) == "bf16");
    // DeepSeek-R1 is released in FP8: its own checkpoint carries no KV quantization; NVFP4 experts do.
    CHECK(kv_of("deepseek-r1", "h200-sxm", {"--engine", "trtllm", "--gpus", "8"}) == "bf16");
    CHECK(kv_of("deepseek-r1", "h200-sxm", {"--engine", "trtllm", "--gpus", "8", "--weights", "fp8"}) == "bf16");
    CHECK(kv_of("deepseek-r1", "b200", {"--engine", "trtllm", "--gpus", "8", "--experts", "fp4"}) == "fp8");
    // No FP8 on A100: the KV cache stays 16-bit; --kv always wins.
    CHECK(kv_of("llama-3.1-8b", "a100-80gb-sxm", {"--weights", "fp8", "--engine", "trtllm"}) == "bf16");
    CHECK(kv_of("llama-3.1-70b", "h100-sxm", {"--weights", "fp8", "--engine", "trtllm", "--kv", "bf16"}) == "bf16");
  }

  TEST_CASE("layouts: an automatic layout replicates before it builds a pipeline deeper than needed") {
    // 33 and 100 H100s for an 8B model: one GPU holds it, so every GPU is a replica (it used to pick
    // pp 33, beyond the 32 layers, and blame --gpus; and tp4 pp25 for 100).
    for (const char* gpus : {"33", "100"}) {
      CAPTURE(gpus);
      const Run r = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--gpus", gpus, "--isl", "1000",
                         "--osl", "500", "--concurrency", "64", "--json"});
      REQUIRE(r.code == 0);
      const auto j = nlohmann::json::parse(r.out);
      const auto& row = j.is_array() ? j.at(0) : j;
      CHECK(row.at("pp") == 1);
      CHECK(row.at("tp") == 1);
      CHECK(row.at("replicas") == std::stoi(gpus));
    }
    // A hinted pipeline depth leaves the rest of the count to tp: --pp 2 on 8 GPUs is tp4 pp2.
    const Run r = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--gpus", "8", "--pp", "2", "--isl",
                       "1000", "--osl", "500", "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    const auto& row = j.is_array() ? j.at(0) : j;
    CHECK(row.at("tp") == 4);
    CHECK(row.at("pp") == 2);
  }

  TEST_CASE("model limits: a request beyond the context window, and --mtp without an MTP module, are errors") {
    const Run glm = run({"estimate", "--model", "glm-4.5", "--gpu", "h20", "--isl", "300000", "--osl", "100"});
    CHECK(glm.code == 2);
    CHECK(glm.err == "error: --isl: 300000 prompt + 100 output = 300100 tokens exceed the 131072-token context window "
                     "of glm-4.5\n");
    const Run osl = run({"estimate", "--model", "glm-4.5", "--gpu", "h20", "--isl", "1000", "--osl", "131000"});
    CHECK(osl.err.rfind("error: --osl: 1000 prompt + 131000 output = 132000 tokens exceed", 0) == 0);
    const Run at_limit = run({"estimate", "--model", "glm-4.5", "--gpu", "h20", "--isl", "131000", "--osl", "72"});
    CHECK(at_limit.code == 0);
    const Run mtp = run({"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "100",
                         "--mtp", "2"});
    CHECK(mtp.code == 2);
    CHECK(mtp.err == "error: --mtp: llama-3.1-70b has no MTP module (mtp_layers 0); speculative decoding with --mtp "
                     "needs one\n");
    const Run with_module = run({"estimate", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--isl", "1000", "--osl",
                                 "100", "--mtp", "2"});
    CHECK(with_module.code == 0);
  }
}

}  // namespace llmsizer
