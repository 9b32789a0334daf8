// Tests of `validate` on measured serving runs (validation/serving_sample.csv and a user's CSV of
// runs): every shipped run fits, the runs the shipped copy corrected are warned about, a 4-bit
// release is read as such, and leave-one-model-out.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/command.hpp"
#include "tests/cli/validation_json.hpp"
#include "tests/test_support.hpp"

namespace {

using llmsizer::test::Run;
using llmsizer::test::run;

using llmsizer::test::summary_value;

using llmsizer::test::write_text;

// A user's run and one of the shipped runs as it was before the shipped copy corrected it.
const std::string runs_with_a_corrected_one =
    "id,model,gpu,gpus,tp,pp,dp,ep,weights,isl,osl,concurrency,engine,engine_version,ttft_ms,tpot_ms\n"
    "lab-1,llama-3.1-8b,h100-sxm,1,1,1,1,1,bf16,1000,1000,8,vllm,0.10,60,9.5\n"
    "2026_04_06_deepseek_r1_h200_sxm_trtllm_fp8_agg_1024x8192_c32_tp8_ep8_923,deepseek-r1,h200-sxm,64,64,1,1,8,"
    "fp8,1024,8192,32,trtllm,1.1.0rc2.post2,1144.223147194134,15.821505026388829\n";

}  // namespace

TEST_SUITE("validate") {
  TEST_CASE("validate reads the serving-run CSV: every measured run of the shipped file fits") {
    const std::string csv = llmsizer::test::source_path("validation/serving_sample.csv").string();
    const Run r = run({"validate", "--measurements", csv, "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    // Engines queue what the KV cache cannot hold; none of these runs may read "does not fit".
    CHECK(j["not_fitting"].empty());
    CHECK(j["estimated"].get<int>() == 1159);
    CHECK(j["not_estimated"].empty());
    bool by_model = false;
    for (const auto& line : j["regimes"]) by_model = by_model || line["group"] == "model deepseek-r1";
    CHECK(by_model);
  }

  // The shipped copy corrected the parallelism of 93 runs (docs/validation.md, "The correction"): a
  // user's file with one of them as it was is warned about, naming the fields and their values; the
  // user's rows are theirs in the split, neither training nor held out.
  TEST_CASE("validate warns about runs the shipped copy corrected and labels the user's rows as theirs") {
    llmsizer::test::TempDir dir;
    const auto file = dir.path() / "runs.csv";
    write_text(file, runs_with_a_corrected_one);
    const Run r = run({"validate", "--measurements", file.string()});
    REQUIRE(r.code == 0);
    CHECK(r.err.find("warning: " + file.string() + ": 1 row is a run of the shipped ") == 0);
    CHECK(r.err.find("with gpus, tp as they were before its correction") != std::string::npos);
    CHECK(r.err.find("e.g. line 3 '2026_04_06_deepseek_r1_h200_sxm_trtllm_fp8_agg_1024x8192_c32_tp8_ep8_923': "
                     "gpus 64 (shipped copy: 8), tp 64 (shipped copy: 8)") != std::string::npos);
    CHECK(r.out.find("  yours  ") != std::string::npos);
    CHECK(r.out.find("  training  ") == std::string::npos);
    CHECK(r.out.find("  held-out  ") == std::string::npos);
    const Run j = run({"validate", "--measurements", file.string(), "--json"});
    const auto json = nlohmann::json::parse(j.out);
    CHECK(summary_value(json, "your rows", "tpot", "rows") == 2);
    // The corrected copy itself draws no warning.
    const std::string shipped = llmsizer::test::source_path("validation/serving_sample.csv").string();
    const Run copy = run({"validate", "--measurements", shipped, "--json"});
    CHECK(copy.err.find("before its correction") == std::string::npos);
    // The source tree's copy has the shipped bytes (the build has its own copy): it keeps the split.
    const auto copy_json = nlohmann::json::parse(copy.out);
    CHECK(summary_value(copy_json, "held-out rows", "tpot", "rows") > 300);
    for (const auto& line : copy_json["overall"]) CHECK(line["group"] != "your rows");
  }

  TEST_CASE("validate knows the shipped files by name: the serving runs alone still catch a corrected run") {
    // An installation with validation/serving_sample.csv but no measurements.yaml: the warning needs
    // the serving runs, wherever they sit in the list of shipped files.
    namespace fs = std::filesystem;
    llmsizer::test::TempDir dir;
    const fs::path install = dir.path() / "install";
    fs::create_directories(install / "validation");
    fs::create_directory_symlink(llmsizer::test::source_path("profiles"), install / "profiles");
    fs::copy_file(llmsizer::test::source_path("validation/serving_sample.csv"), install / "validation" / "serving_sample.csv");
    const fs::path file = dir.path() / "runs.csv";
    write_text(file, runs_with_a_corrected_one);
    std::ostringstream out, err;
    const int code = llmsizer::cli::run_cli({"validate", "--measurements", file.string()}, out, err, nullptr, install);
    CHECK(code == 0);
    CHECK(err.str().find("warning: " + file.string() + ": 1 row is a run of the shipped ") == 0);
    CHECK(err.str().find("with gpus, tp as they were before its correction") != std::string::npos);
  }

  TEST_CASE("a serving-run row's fp4 is the release for a model released in 4 bits, NVFP4 otherwise") {
    // gpt-oss-120b ships MXFP4 experts and BF16 attention: its "fp4" runs are that release, so they
    // predict exactly as the row with the native precisions (empty weights), not as NVFP4 throughout.
    llmsizer::test::TempDir dir;
    const auto file = dir.path() / "runs.csv";
    const std::string head = "id,model,gpu,gpus,tp,pp,dp,ep,weights,isl,osl,concurrency,engine,engine_version,ttft_ms,tpot_ms\n";
    write_text(file, head + "a,gpt-oss-120b,h200-sxm,1,1,1,1,1,fp4,8192,1024,8,vllm,,400,9\n" +
                    "b,gpt-oss-120b,h200-sxm,1,1,1,1,1,,8192,1024,8,vllm,,400,9\n" +
                    "c,gpt-oss-120b,h200-sxm,1,1,1,1,1,nvfp4,8192,1024,8,vllm,,400,9\n" +
                    "d,deepseek-r1,b200,8,8,1,1,8,fp4,8192,1024,8,trtllm,,400,9\n" +
                    "e,deepseek-r1,b200,8,8,1,1,8,nvfp4,8192,1024,8,trtllm,,400,9\n");
    const Run r = run({"validate", "--measurements", file.string(), "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    std::map<std::string, double> ttft;
    for (const auto& row : j["rows"]) {
      if (row["metric"] == "ttft") ttft[row["id"].get<std::string>()] = row["predicted"].get<double>();
    }
    REQUIRE(ttft.size() == 5);
    CHECK(ttft["a"] == ttft["b"]);
    CHECK(ttft["a"] != ttft["c"]);
    CHECK(ttft["d"] == ttft["e"]);  // DeepSeek-R1 was released in FP8: its fp4 runs are NVFP4
  }

  TEST_CASE("validate --leave-one-model-out reports the error on each model left out of the fit") {
    llmsizer::test::TempDir dir;
    const auto file = dir.path() / "runs.csv";
    std::ifstream in(llmsizer::test::source_path("validation/serving_sample.csv"));
    std::string line, text;
    std::map<std::string, int> per_model;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#' || line.starts_with("id,")) {
        text += line + "\n";
        continue;
      }
      const std::string model = line.substr(line.find(',') + 1, line.find(',', line.find(',') + 1) - line.find(',') - 1);
      if ((model == "llama-3.1-8b" || model == "llama-3.1-70b") && per_model[model]++ < 8) text += line + "\n";
    }
    write_text(file, text);
    const Run r = run({"validate", "--measurements", file.string(), "--leave-one-model-out", "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.contains("leave_one_model_out"));
    int rows = 0;
    for (const auto& l : j["leave_one_model_out"]["overall"]) {
      if (l["group"] == "all rows" && l["metric"] == "tpot") rows = l["rows"].get<int>();
    }
    CHECK(rows == 16);
    // Each row's prediction by the calibration fitted without its model, to look at one by one.
    int tpot_rows = 0;
    for (const auto& row : j["leave_one_model_out"]["rows"]) {
      if (row["metric"] != "tpot") continue;
      ++tpot_rows;
      CHECK(row["predicted"].get<double>() > 0);
    }
    CHECK(tpot_rows == 16);
    const Run text_run = run({"validate", "--measurements", file.string(), "--leave-one-model-out", "--worst", "0"});
    CHECK(text_run.out.find("Leave-one-model-out (each model predicted by a calibration fitted from 'priors' without it)") !=
          std::string::npos);
    CHECK(text_run.out.find("(leave-one-model-out)") != std::string::npos);
  }
}
