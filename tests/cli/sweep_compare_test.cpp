// `sweep` and `compare` run in-process through cli::run_cli: JSON shapes, the CSV header, the
// workbook (written, a zip, nothing left behind on failure), pinned messages of bad options, and the
// goldens tests/golden/sweep_*.txt and compare_*.txt (LLMSIZER_UPDATE_GOLDEN=1 rewrites them; they
// move with profiles/calibration/default.yaml).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::check_golden;
using test::Run;
using test::run;

const std::vector<std::string> small_sweep = {"sweep", "--model",   "glm-4.5", "--gpu",      "h20",
                                              "--gpu", "h100-sxm",  "--isl",   "1000",       "--osl",
                                              "1000",  "--tpot-ms", "50",      "--max-gpus", "16"};

using test::with;

const std::vector<std::string> row_keys = {"gpu",
                                           "gpus",
                                           "tp",
                                           "pp",
                                           "dp",
                                           "ep",
                                           "weights",
                                           "kv",
                                           "concurrency",
                                           "ttft_ms",
                                           "tpot_ms",
                                           "output_tok_s",
                                           "output_tok_s_per_gpu",
                                           "tok_s_per_user",
                                           "usd_per_mtok_output",
                                           "meets_slo",
                                           "cheapest"};

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE("sweep --json: {model, configs_evaluated, frontier}, rows with every key, frontier rows undominated") {
    const Run r = run(with(small_sweep, {"--json"}));
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("model") == "glm-4.5");
    CHECK(j.at("configs_evaluated").get<long long>() > 100);
    const auto& rows = j.at("frontier");
    REQUIRE(rows.size() > 4);
    std::map<std::string, int> per_gpu, cheapest;
    for (const auto& row : rows) {
      for (const std::string& key : row_keys) CHECK_MESSAGE(row.contains(key), key);
      per_gpu[row.at("gpu")]++;
      if (row.at("cheapest").get<bool>()) {
        cheapest[row.at("gpu")]++;
        CHECK(row.at("meets_slo").get<bool>());
        CHECK(row.at("tpot_ms").get<double>() <= 50);
      }
      CHECK(row.at("meets_slo").get<bool>() == (row.at("tpot_ms").get<double>() <= 50));
      // h20's one price is its owned (TCO model) price, so both GPUs are priced on the owned basis.
      CHECK(row.at("usd_per_mtok_output").get<double>() > 0);
      for (const auto& other : rows) {
        if (other.at("gpu") != row.at("gpu") || !row.at("on_frontier").get<bool>()) continue;
        const double x = row.at("output_tok_s_per_gpu"), y = row.at("tok_s_per_user");
        const double ox = other.at("output_tok_s_per_gpu"), oy = other.at("tok_s_per_user");
        CHECK_FALSE((ox >= x && oy >= y && (ox > x || oy > y)));
      }
    }
    CHECK(per_gpu.size() == 2);
    CHECK(cheapest == std::map<std::string, int>{{"h100-sxm", 1}, {"h20", 1}});
  }

  TEST_CASE("sweep --csv: the header is the column schema") {
    const Run r = run(with(small_sweep, {"--csv"}));
    REQUIRE(r.code == 0);
    const std::string header = r.out.substr(0, r.out.find('\n'));
    CHECK(
        header ==
        "model,gpu,gpus,tp,pp,dp,ep,pools,weights,kv,mtp,overlap,concurrency,ttft_ms,tpot_ms,output_tok_s,output_tok_s_per_gpu,"
        "tok_s_per_user,"
        "usd_per_mtok_output,meets_slo,realistic,cheapest,on_frontier,memory_gb_per_gpu,joules_per_output_token,"
        "price_basis,usd_per_gpu_hour");
  }

  TEST_CASE("sweep: the table has a heading, one section per GPU and the cheapest row flagged") {
    const Run r = run(small_sweep);
    REQUIRE(r.code == 0);
    CHECK(r.out.rfind("glm-4.5: 1,000 input + 1,000 output tokens per request, SLO TPOT <= 50 ms: ", 0) == 0);
    CHECK(r.out.find("configurations estimated, ") != std::string::npos);
    CHECK(r.out.find("\nh20 (96 GB, $0.851/GPU-h, owned (TCO model)): ") != std::string::npos);  // its basis named
    CHECK(r.out.find("\nh100-sxm (80 GB, $") != std::string::npos);
    CHECK(r.out.find("<- cheapest") != std::string::npos);
  }

  TEST_CASE("golden: sweep --csv of a small dense model") {
    const Run r = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "1000",
                       "--tpot-ms", "8", "--max-gpus", "2", "--csv"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("sweep_llama-3.1-8b_h100-sxm_csv", r.out);
  }

  TEST_CASE("sweep --xlsx: a workbook is written; unwritable paths exit 2 and leave nothing behind") {
    const test::TempDir dir;
    const auto path = dir.path() / "frontier.xlsx";
    const Run ok = run(with(small_sweep, {"--xlsx", path.string()}));
    REQUIRE(ok.code == 0);
    CHECK(ok.out == "wrote the frontier of 2 GPU types to " + path.string() + "\n");
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes.size() > 1000);
    CHECK(bytes.substr(0, 2) == "PK");  // a zip container, as every .xlsx is
    CHECK(bytes.find("xl/worksheets/sheet1.xml") != std::string::npos);

    const auto missing = dir.path() / "no-such-dir" / "frontier.xlsx";
    const Run no_dir = run(with(small_sweep, {"--xlsx", missing.string()}));
    CHECK(no_dir.code == 2);
    CHECK(no_dir.out.empty());
    CHECK(no_dir.err == missing.string() + ": error: cannot write: directory does not exist\n");

    const auto taken = dir.path() / "taken.xlsx";  // a directory: the final rename fails
    std::filesystem::create_directory(taken);
    const Run clash = run(with(small_sweep, {"--xlsx", taken.string()}));
    CHECK(clash.code == 2);
    CHECK(clash.err.rfind(taken.string() + ": error: cannot write: ", 0) == 0);
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
    CHECK(entries == 2);  // frontier.xlsx and the taken directory: no temporary left
  }

  TEST_CASE("sweep: bad options are usage errors with pinned messages") {
    const std::vector<std::string> base = {"sweep", "--model", "llama-3.1-8b", "--isl", "100", "--osl", "100"};
    Run r = run(base);
    CHECK(r.code == 2);
    CHECK(r.err == "error: --gpu: missing: name a GPU or pass --all-gpus\n");
    r = run(with(base, {"--gpu", "h100-sx"}));
    CHECK(r.code == 2);
    CHECK(r.err.find("error: --gpu: unknown GPU 'h100-sx'; did you mean 'h100-sxm'") == 0);
    r = run(with(base, {"--gpu", "h20", "--weights", "fp9"}));
    CHECK(r.code == 2);
    CHECK(r.err.find("error: --weights: unknown precision 'fp9'") == 0);
    CHECK(r.err.find("did you mean 'fp8'?") != std::string::npos);
    r = run(with(base, {"--gpu", "h20", "--engine", "vlm"}));
    CHECK(r.err == "error: --engine: unknown engine 'vlm' (expected trtllm, vllm or sglang); did you mean 'vllm'?\n");
    r = run(with(base, {"--gpu", "h20", "--max-gpus", "0"}));
    CHECK(r.err == "error: --max-gpus: 0 is out of range (1 to 4096)\n");
    r = run(with(base, {"--gpu", "h20", "--concurrency", "0"}));
    CHECK(r.err == "error: --concurrency: 0 is out of range (1 to 2^31)\n");
    r = run(with(base, {"--gpu", "h20", "--tpot-ms", "-1"}));
    CHECK(r.err == "error: --tpot-ms: -1 is out of range (must be > 0 and <= 1e9 ms)\n");
    r = run(with(base, {"--gpu", "h20", "--all-gpus"}));
    CHECK(r.code == 2);
    CHECK(r.err.rfind("error: --gpu excludes --all-gpus", 0) == 0);
  }

  TEST_CASE("compare --json: one object per (model, GPU) with the documented keys") {
    const Run r = run({"compare", "--model", "glm-4.5", "--model", "llama-3.1-70b", "--gpu", "h20", "--gpu", "h100-sxm",
                       "--isl", "1000", "--osl", "1000", "--tpot-ms", "50", "--max-gpus", "16", "--json"});
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 4);  // 2 models x 2 GPUs, model-major
    const std::vector<std::string> keys = {"model",
                                           "gpu",
                                           "min_gpus",
                                           "gpus",
                                           "tp",
                                           "pp",
                                           "dp",
                                           "ep",
                                           "weights",
                                           "concurrency",
                                           "ttft_ms",
                                           "tpot_ms",
                                           "output_tok_s_per_gpu",
                                           "tok_s_per_user",
                                           "usd_per_mtok_output",
                                           "joules_per_output_token",
                                           "meets_slo",
                                           "why"};
    for (const auto& row : j) {
      for (const std::string& key : keys) CHECK_MESSAGE(row.contains(key), key);
      CHECK(row.at("meets_slo").get<bool>());
      CHECK(row.at("tpot_ms").get<double>() <= 50);
      CHECK(row.at("min_gpus").get<int>() <= row.at("gpus").get<int>());
    }
    CHECK(j[0].at("model") == "glm-4.5");
    CHECK(j[1].at("gpu") == "h100-sxm");
    CHECK(j[2].at("model") == "llama-3.1-70b");
    // The why comes from each row's estimate; a MoE decode step reads less than its resident weights
    // when the batch leaves experts idle, a dense one reads all but the embedding table.
    for (const auto& row : j) CHECK(row.at("why").get<std::string>().rfind("prefill: ", 0) == 0);
    CHECK(j[2].at("decode_weight_gb_per_gpu").get<double>() >
          0.9 * j[2].at("resident_weights_gb_per_gpu").get<double>());
    CHECK(j[0].at("rank").is_number());
    CHECK(j[0].at("usd_per_mtok_output").get<double>() > 0);  // h20: its owned (TCO model) price
    CHECK(j[1].at("usd_per_mtok_output").get<double>() > 0);
  }

  TEST_CASE("compare: when nothing meets the SLO it says so and shows the fastest") {
    const Run r = run({"compare", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "1000",
                       "--tpot-ms", "1", "--max-gpus", "8", "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.size() == 1);
    CHECK_FALSE(j[0].at("meets_slo").get<bool>());
    CHECK(j[0].at("concurrency") == 1);  // the fastest per user runs alone
    const Run table = run({"compare", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "1000",
                           "--tpot-ms", "1", "--max-gpus", "8"});
    CHECK(table.out.find("no: fastest shown") != std::string::npos);
  }

  TEST_CASE("golden: compare GLM-4.5 (MoE) with Llama-3.1-405B (dense) on H20") {
    const Run r = run({"compare", "--model", "glm-4.5", "--model", "llama-3.1-405b", "--gpu", "h20", "--isl", "1000",
                       "--osl", "1000", "--tpot-ms", "50"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("compare_glm-4.5_llama-3.1-405b_h20", r.out);
  }

  TEST_CASE("sweep and plan --mtp: fixes the MTP depth; out of range or on a model without MTP is an error") {
    const Run fixed = run({"sweep", "--model", "deepseek-v3", "--gpu", "h200-sxm", "--isl", "1000", "--osl", "1000",
                           "--max-gpus", "8", "--mtp", "1", "--csv"});
    REQUIRE(fixed.code == 0);
    CHECK(fixed.out.find(",fp8,1,") != std::string::npos);  // kv fp8, mtp 1
    CHECK(fixed.out.find(",fp8,0,") == std::string::npos);
    const Run none =
        run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "100", "--osl", "100", "--mtp", "2"});
    CHECK(none.code == 2);
    CHECK(none.err ==
          "error: --mtp: llama-3.1-8b has no MTP module (mtp_layers 0); speculative decoding with --mtp "
          "needs one\n");
    const Run range =
        run({"plan", "--model", "deepseek-v3", "--gpu", "h200-sxm", "--output-tokens-per-day", "1e9", "--mtp", "17"});
    CHECK(range.code == 2);
    CHECK(range.err == "error: --mtp: 17 is out of range (must be >= 0 and <= 16)\n");
  }

}  // TEST_SUITE

}  // namespace llmsizer
