// `fit` and `estimate` run in-process through cli::run_cli: the sizing seeds as JSON, golden output
// (tests/golden/fit_*.txt, estimate_*.txt; see tests/golden/README.md), the CSV column schema,
// "does not fit" as an answer, pinned messages of bad options, and `estimate --scenarios`.
// LLMSIZER_UPDATE_GOLDEN=1 rewrites the goldens instead of comparing; review the diff. The estimate
// goldens move whenever profiles/calibration/default.yaml does: regenerate them then.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/estimate_row.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::rel;

using test::check_golden;
using test::Run;
using test::run;

/// `fit ... --json` parsed, with exit code 0 and nothing on stderr.
nlohmann::json fit_json(std::vector<std::string> args) {
  args.insert(args.begin(), "fit");
  args.emplace_back("--json");
  const Run r = run(args);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const nlohmann::json rows = nlohmann::json::parse(r.out);
  REQUIRE(rows.is_array());
  return rows;
}

const nlohmann::json& row_for(const nlohmann::json& rows, const std::string& weights) {
  for (const nlohmann::json& row : rows) {
    if (row["weights"] == weights) return row;
  }
  FAIL("no row for weights " << weights);
  return rows[0];
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("fit: boards with the same memory part need the same GPUs") {
    // docs/profiles.md#usable-memory. Llama-3.1-70B at FP8 holds 70.6 GB of weights: one H100 SXM5 fits
    // it with 2,000 tokens of context in 90 % of the 85.5 GB the runtime sees (79.65 GiB). The H100
    // PCIe has the same HBM part; read as its nominal 80 GB (72 GB usable) it needed two.
    for (const char* pair : {"h100-sxm,h100-pcie", "h200-sxm,h200-nvl", "h200-sxm,h20-141gb", "a100-80gb-sxm,a100-80gb-pcie"}) {
      CAPTURE(pair);
      const std::string names = pair;
      const std::string a = names.substr(0, names.find(',')), b = names.substr(names.find(',') + 1);
      for (const char* weights : {"fp8", "bf16"}) {
        CAPTURE(weights);
        const auto need = [&](const std::string& gpu) {
          return row_for(fit_json({"--model", "llama-3.1-70b", "--gpu", gpu, "--context", "2000"}), weights)["gpus"];
        };
        CHECK(need(a) == need(b));
      }
    }
    CHECK(row_for(fit_json({"--model", "llama-3.1-70b", "--gpu", "h100-pcie", "--context", "2000"}), "fp8")["gpus"] == 1);
  }

  // ---- fit: the sizing seeds (numbers explained in tests/estimator/memory_fit_test.cpp, which also
  // checks that the next smaller count does not fit; here that is shown once, with --max-gpus) ------

  TEST_CASE("fit --json: GLM-4.5 at max context needs 8 x H20 in FP8, 16 in BF16") {
    // One row per precision, native (BF16) first: 706 GB of BF16 weights need tp8 pp2; 354 GB of
    // FP8 fit tp8 with 6.2 GB of KV per GPU for 131,072 tokens.
    const nlohmann::json rows = fit_json({"--model", "glm-4.5", "--gpu", "h20"});
    REQUIRE(rows.size() >= 2);
    CHECK(rows[0]["weights"] == "bf16");
    const nlohmann::json& bf16 = row_for(rows, "bf16");
    CHECK(bf16["fits"] == true);
    CHECK(bf16["gpus"] == 16);
    CHECK(bf16["tp"] == 8);
    CHECK(bf16["pp"] == 2);
    const nlohmann::json& fp8 = row_for(rows, "fp8");
    CHECK(fp8["gpus"] == 8);
    CHECK(fp8["tp"] == 8);
    CHECK(fp8["pp"] == 1);
    CHECK(fp8["kv"] == "bf16");
    CHECK(fp8["kv_gb_per_gpu"].get<double>() == rel(376'832.0 * 131'072 / 8 / 1e9, 1e-9));
    CHECK(fp8["reason"].is_null());
    CHECK(fp8["notes"].empty());
    // The layout's GPU count is `gpus`, the key every command gives a deployment's count; KV room is
    // counted in whole tokens.
    CHECK_FALSE(fp8.contains("min_gpus"));
    CHECK(fp8["free_kv_tokens"].is_number_integer());
  }

  TEST_CASE("fit --json: DeepSeek-R1 FP8 needs 16 x A100-80GB SXM, with the weight-only note") {
    const nlohmann::json rows = fit_json({"--model", "deepseek-r1", "--gpu", "a100-80gb-sxm", "--weights", "fp8"});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["gpus"] == 16);
    CHECK(rows[0]["tp"] == 8);
    CHECK(rows[0]["pp"] == 2);
    REQUIRE(rows[0]["notes"].size() == 1);
    CHECK(rows[0]["notes"][0] ==
          "FP8 weights run as BF16 matmuls on a100-80gb-sxm (weight-only: stored FP8, dequantized for compute)");
    // Capped at 8 GPUs it does not fit, and says why.
    const nlohmann::json capped =
        fit_json({"--model", "deepseek-r1", "--gpu", "a100-80gb-sxm", "--weights", "fp8", "--max-gpus", "8"});
    CHECK(capped[0]["fits"] == false);
    CHECK(capped[0]["gpus"].is_null());
    CHECK(capped[0]["reason"].get<std::string>().rfind("needs ", 0) == 0);
    CHECK(capped[0]["weights_gb_per_gpu"].get<double>() == rel(85.14, 0.005));
  }

  TEST_CASE("fit --json: Llama-3.1-405B FP8 at 8K context fits 8 x H100") {
    const nlohmann::json rows =
        fit_json({"--model", "llama-3.1-405b", "--gpu", "h100-sxm", "--weights", "fp8", "--context", "8192"});
    CHECK(rows[0]["gpus"] == 8);
    CHECK(rows[0]["tp"] == 8);
  }

  TEST_CASE("estimate with MTP: the breakdown line says it is the verifying pass, without the drafting passes") {
    const std::vector<std::string> args{"estimate", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--isl", "1000",
                                        "--osl", "1000", "--concurrency", "64"};
    std::vector<std::string> mtp = args;
    mtp.insert(mtp.end(), {"--mtp", "2"});
    const test::Run with = test::run(mtp);
    REQUIRE(with.code == 0);
    CHECK(with.out.find("decode step (one stage; the verifying pass, without the 2 drafting passes): ") !=
          std::string::npos);
    const test::Run without = test::run(args);
    REQUIRE(without.code == 0);
    CHECK(without.out.find("decode step (one stage): ") != std::string::npos);
  }

  TEST_CASE("fit: a layout memory alone needs but no engine would run is flagged, a usual one is not") {
    // Llama-3.1-405B in BF16 on 24 GB L4s needs a pipeline deeper than engines run.
    const nlohmann::json deep = fit_json({"--model", "llama-3.1-405b", "--gpu", "l4", "--weights", "bf16"});
    REQUIRE(deep[0]["pp"].get<int>() > 4);
    CHECK(deep[0]["notes"].dump().find("unrealistic: pp " + std::to_string(deep[0]["pp"].get<int>()) +
                                       " is deeper than the 4 pipeline stages") != std::string::npos);
    const nlohmann::json usual = fit_json({"--model", "llama-3.1-405b", "--gpu", "h100-sxm", "--weights", "fp8",
                                           "--context", "8192"});
    CHECK(usual[0]["notes"].dump().find("unrealistic") == std::string::npos);
  }

  TEST_CASE("fit --json: Qwen3-235B-A22B BF16 fits 8 x H20") {
    const nlohmann::json rows = fit_json({"--model", "qwen3-235b-a22b", "--gpu", "h20", "--weights", "bf16"});
    CHECK(rows[0]["gpus"] == 8);
  }

  TEST_CASE("fit --json: GLM-4.5 FP8 at 8K context fits 4 x H200") {
    const nlohmann::json rows =
        fit_json({"--model", "glm-4.5", "--gpu", "h200-sxm", "--weights", "fp8", "--context", "8192"});
    CHECK(rows[0]["gpus"] == 4);
    CHECK(rows[0]["tp"] == 4);
  }

  TEST_CASE("golden: fit deepseek-r1 on a100-80gb-sxm") {
    const Run r = run({"fit", "--model", "deepseek-r1", "--gpu", "a100-80gb-sxm"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("fit_deepseek-r1_a100-80gb-sxm", r.out);
  }

  // ---- estimate ---------------------------------------------------------------------------------

  TEST_CASE("golden: estimate llama-3.1-70b FP8 on 4 x h100-sxm, JSON") {
    const Run r = run({"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--gpus", "4", "--weights", "fp8",
                       "--kv", "fp8", "--isl", "2048", "--osl", "512", "--concurrency", "32", "--json"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("estimate_llama-3.1-70b_h100-sxm", r.out);
  }

  TEST_CASE("golden: estimate deepseek-r1 tp8 ep8 with MTP on h200-sxm, JSON") {
    const Run r = run({"estimate", "--model",  "deepseek-r1", "--gpu", "h200-sxm", "--tp",  "8",
                       "--ep",     "8",        "--isl",       "1024",  "--osl",    "2048",  "--concurrency",
                       "64",       "--engine", "trtllm",      "--mtp", "1",        "--json"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("estimate_deepseek-r1_h200-sxm", r.out);
  }

  TEST_CASE("estimate --csv: the header carries every documented column, one row of as many fields") {
    const Run r = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1024", "--osl", "256",
                       "--concurrency", "8", "--csv"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const CsvTable csv = parse_csv(r.out, "stdout");
    REQUIRE(csv.records.size() == 1);
    CHECK(csv.records[0].fields.size() == csv.header.size());
    for (const char* key :
         {"fits", "reason", "ttft_ms", "tpot_ms", "output_tok_s", "output_tok_s_per_gpu", "tok_s_per_user",
          "prefill_bound", "decode_bound", "usd_per_mtok_output", "usd_per_mtok_input", "joules_per_output_token"}) {
      CAPTURE(key);
      CHECK(std::find(csv.header.begin(), csv.header.end(), key) != csv.header.end());
    }
    // Every writer reads the same schema: the CSV header is its keys, in order.
    std::vector<std::string> keys;
    for (const Column& c : cli::estimate_columns()) keys.push_back(c.key);
    CHECK(csv.header == keys);
    auto field = [&](const std::string& key) {
      const auto at = std::find(csv.header.begin(), csv.header.end(), key) - csv.header.begin();
      return csv.records[0].fields[static_cast<size_t>(at)];
    };
    CHECK(field("fits") == "true");
    CHECK(field("reason").empty());
    CHECK(field("decode_bound") == "memory");
    CHECK(std::stod(field("tpot_ms")) > 0);
  }

  TEST_CASE("estimate: a model that does not fit is an answer (fits=false, reason, exit 0)") {
    // Llama-3.1-405B BF16 on one 24 GB L4: 811.7 GB of weights.
    const Run r = run({"estimate", "--model", "llama-3.1-405b", "--gpu", "l4", "--gpus", "1", "--isl", "1024", "--osl",
                       "1024", "--json"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j["fits"] == false);
    const std::string reason = j["reason"].get<std::string>();
    CHECK(reason.rfind("needs 816.6 GB per GPU (weights 811.7 GB + KV 1.1 GB + activations 3.9 GB); ", 0) == 0);
    CHECK(reason.find(" GB usable (") != std::string::npos);
    CHECK(j["tpot_ms"].is_null());
    CHECK(j["ttft_ms"].is_null());
    CHECK(j["error"].is_null());
    const Run table =
        run({"estimate", "--model", "llama-3.1-405b", "--gpu", "l4", "--gpus", "1", "--isl", "1024", "--osl", "1024"});
    CHECK(table.code == 0);
    CHECK(table.out.find("\ndoes not fit: needs 816.6 GB per GPU") != std::string::npos);
  }

  TEST_CASE("estimate and fit: bad options exit 2 with a pinned message") {
    const std::vector<std::string> workload = {"--isl", "1024", "--osl", "1024"};
    auto estimate_with = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "estimate");
      args.insert(args.end(), workload.begin(), workload.end());
      return run(args);
    };
    SUBCASE("--weights fp9: did you mean fp8") {
      const Run r = estimate_with({"--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--weights", "fp9"});
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err ==
            "error: --weights: unknown precision 'fp9' (expected one of bf16, fp16, fp8, int8, fp4, nvfp4, mxfp4, "
            "int4, fp32); did you mean 'fp8'?\n");
      const Run fit = run({"fit", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--weights", "fp9"});
      CHECK(fit.code == 2);
      CHECK(fit.err == r.err);
    }
    SUBCASE("--tp 3 for a 64-head model") {
      const Run r = estimate_with({"--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--tp", "3"});
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == "error: --tp: tp 3 must divide the 64 attention heads of llama-3.1-70b\n");
    }
    SUBCASE("unknown GPU") {
      const Run r = estimate_with({"--model", "llama-3.1-70b", "--gpu", "h100-sxn"});
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err ==
            "error: --gpu: unknown GPU 'h100-sxn'; did you mean 'h100-sxm', 'a100-80gb-sxm', 'h200-sxm'?; "
            "`llmsizer list gpus` shows them all\n");
    }
    SUBCASE("--tp that is not a number: the tp field's parser names it, as a CSV cell's") {
      const Run r = estimate_with({"--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--tp", "x"});
      CHECK(r.code == 2);
      CHECK(r.err == "error: --tp: expected a whole number, got 'x'\n");
    }
    SUBCASE("missing --isl") {
      const Run r = run({"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--osl", "10"});
      CHECK(r.code == 2);
      CHECK(r.err == "error: --isl: missing: input tokens per request\n");
    }
  }

  // ---- estimate --scenarios ---------------------------------------------------------------------

  TEST_CASE("estimate --scenarios: ids and row order kept, bad rows reported by line, others answered") {
    // tests/data/scenarios/batch.csv (line 1 is the header):
    //   2 zeta   empty tp            -> the smallest layout that fits (1 x H100, tp1)
    //   3 alpha  tp "x"              -> error on line 3
    //   4 mid    unknown model       -> error on line 4
    //   5 beta   empty isl and concurrency -> --isl 512 from the command line, concurrency 1
    // plus an unknown `comment` column: one warning. Exit 2 because some rows were bad.
    const std::string file = test::source_path("tests/data/scenarios/batch.csv").string();
    const Run r = run({"estimate", "--scenarios", file, "--isl", "512", "--json"});
    CHECK(r.code == 2);
    CHECK(r.err == file + ":1: warning: ignoring unknown column 'comment'\n" + file +
                       ":3:29: error: tp: expected a whole number, got 'x'\n" + file +
                       ":4:5: error: model: unknown model 'no-such-model'; `llmsizer list models` shows them all, and a "
                       "path to a Hugging Face config.json works too\n");
    const nlohmann::json rows = nlohmann::json::parse(r.out);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0]["id"] == "zeta");
    CHECK(rows[1]["id"] == "alpha");
    CHECK(rows[2]["id"] == "mid");
    CHECK(rows[3]["id"] == "beta");

    CHECK(rows[0]["fits"] == true);
    CHECK(rows[0]["gpus"] == 1);
    CHECK(rows[0]["tp"] == 1);
    CHECK(rows[0]["isl"] == 1024);
    CHECK(rows[0]["concurrency"] == 8);
    CHECK(rows[0]["error"].is_null());

    CHECK(rows[1]["fits"].is_null());
    CHECK(rows[1]["tpot_ms"].is_null());
    CHECK(rows[1]["error"] == "tp: expected a whole number, got 'x'");
    CHECK(rows[2]["model"] == "no-such-model");
    CHECK(rows[2]["error"].get<std::string>().rfind("model: unknown model 'no-such-model'", 0) == 0);

    CHECK(rows[3]["fits"] == true);
    CHECK(rows[3]["tp"] == 2);
    CHECK(rows[3]["gpus"] == 2);
    CHECK(rows[3]["isl"] == 512);
    CHECK(rows[3]["osl"] == 256);
    CHECK(rows[3]["concurrency"] == 1);
    CHECK(rows[3]["tpot_ms"].get<double>() > 0);
  }

  TEST_CASE("estimate --scenarios --csv: the same rows in the same order, errors in the error column") {
    const std::string file = test::source_path("tests/data/scenarios/batch.csv").string();
    const Run r = run({"estimate", "--scenarios", file, "--isl", "512", "--csv"});
    CHECK(r.code == 2);
    const CsvTable csv = parse_csv(r.out, "stdout");
    REQUIRE(csv.records.size() == 4);
    const auto error_column =
        static_cast<size_t>(std::find(csv.header.begin(), csv.header.end(), "error") - csv.header.begin());
    REQUIRE(error_column < csv.header.size());
    const std::vector<std::string> ids = {"zeta", "alpha", "mid", "beta"};
    for (size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(i);
      REQUIRE(csv.records[i].fields.size() == csv.header.size());
      CHECK(csv.records[i].fields[0] == ids[i]);
      CHECK(csv.records[i].fields[error_column].empty() == (i == 0 || i == 3));
    }
  }

  TEST_CASE("estimate --scenarios: an mtp cell beyond int is an error, not a wrap-around") {
    // Was a bug: static_cast<int>(parse_whole(...)) wrapped 4,294,967,297 to 1, which then passed the
    // 0..16 range check.
    test::TempDir dir;
    const std::string file = (dir.path() / "mtp.csv").string();
    std::ofstream(file) << "id,model,gpu,isl,osl,mtp\nhuge,deepseek-r1,h200-sxm,1024,1024,4294967297\n";
    const Run r = run({"estimate", "--scenarios", file, "--json"});
    CHECK(r.code == 2);
    CHECK(r.err == file + ":2:37: error: mtp: 4294967297 is out of range (must be >= 0 and <= 16)\n");
    const nlohmann::json rows = nlohmann::json::parse(r.out);
    CHECK(rows[0]["error"] == "mtp: 4294967297 is out of range (must be >= 0 and <= 16)");
  }

  TEST_CASE("estimate --scenarios: every scenario option has a column") {
    // BUG (cli/scenarios_batch.cpp known_columns): --mtp-acceptance and --memory-utilization exist
    // as options (and in ScenarioInput) but have no CSV column, so `mtp_acceptance` and
    // `memory_utilization` are ignored with a warning and a scenarios file cannot vary them, although
    // --scenarios' help says the columns are the long option names. Fix: add both to Field,
    // known_columns and apply().
    test::TempDir dir;
    const std::string file = (dir.path() / "columns.csv").string();
    std::ofstream(file) << "id,model,gpu,isl,osl,mtp,mtp_acceptance,memory_utilization\n"
                           "a,deepseek-r1,h200-sxm,1024,1024,1,0.5,0.5\n";
    const Run r = run({"estimate", "--scenarios", file, "--json"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const nlohmann::json rows = nlohmann::json::parse(r.out);
    // Half of H200's visible memory (about 75 GB), not the default 90% (about 136 GB).
    CHECK(rows[0]["usable_gb_per_gpu"].get<double>() < 100);
  }

  // With no concurrency given the note names the largest batch memory holds; when not even one
  // request fits there is none, so the note is not printed beside "does not fit".
  TEST_CASE("estimate: a deployment that does not fit names no largest batch") {
    const Run pool = run({"estimate", "--model", "deepseek-r1", "--gpu", "h200", "--isl", "1000", "--osl", "1000",
                          "--prefill-workers", "1", "--decode-workers", "1", "--decode-tp", "1"});
    CHECK(pool.code == 0);
    CHECK(pool.out.find("does not fit: decode pool") != std::string::npos);
    CHECK(pool.out.find("largest batch") == std::string::npos);
    const Run one = run({"estimate", "--model", "deepseek-r1", "--gpu", "h200", "--tp", "1", "--isl", "1000",
                         "--osl", "1000", "--concurrency", "0"});
    CHECK(one.code == 0);
    CHECK(one.out.find("does not fit") != std::string::npos);
    CHECK(one.out.find("largest batch") == std::string::npos);
    // Where it fits, the note stays.
    const Run fits = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h200", "--isl", "1000", "--osl", "1000",
                          "--concurrency", "0"});
    CHECK(fits.out.find("(largest batch that") != std::string::npos);
  }

}  // TEST_SUITE("cli")

}  // namespace llmsizer
