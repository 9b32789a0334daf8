// `estimate` of a prefill/decode-disaggregated deployment (--prefill-* / --decode-* and the same
// scenarios CSV columns): what the text and JSON carry for two pools, which fields are null for one
// phase (--phase prefill has no TPOT and no $/Mtok output), and the pinned messages of bad pools.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "io/csv_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

/// Llama-3.1-70B FP8 on H100, 2,048 in + 512 out, $2/GPU-hour, plus `more`.
Run estimate(std::vector<std::string> more) {
  std::vector<std::string> args{"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--weights", "fp8",
                                "--isl", "2048", "--osl", "512", "--usd-per-gpu-hour", "2"};
  args.insert(args.end(), more.begin(), more.end());
  return run(args);
}

nlohmann::json estimate_json(std::vector<std::string> more) {
  more.emplace_back("--json");
  const Run r = estimate(more);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

const std::vector<std::string> two_pools{"--prefill-workers", "2", "--prefill-tp", "8", "--prefill-batch", "4",
                                         "--decode-workers", "3", "--decode-tp", "4", "--decode-batch", "64"};

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("estimate 2P3D: both pools' layouts, TTFT parts and GPUs of both pools; co-located fields null") {
    const nlohmann::json j = estimate_json(two_pools);
    CHECK(j["fits"] == true);
    CHECK(j["gpus"] == 28);  // 2 x 8 + 3 x 4
    for (const char* key : {"tp", "pp", "dp", "ep", "replicas", "weights_gb_per_gpu", "kv_gb_per_gpu",
                            "free_kv_tokens", "ttft_ms_p10", "tpot_ms_p90"}) {
      CHECK_MESSAGE(j[key].is_null(), key);
    }
    CHECK(j["prefill_workers"] == 2);
    CHECK(j["prefill_tp"] == 8);
    CHECK(j["prefill_batch"] == 4);
    CHECK(j["decode_workers"] == 3);
    CHECK(j["decode_tp"] == 4);
    CHECK(j["decode_ep"] == 1);
    CHECK(j["decode_batch"] == 64);
    CHECK(j["running"] == 192);
    // TTFT = prefill queue + prefill + KV transfer + request overhead: more than the first and last.
    CHECK(j["kv_transfer_ms"].get<double>() > 0);
    CHECK(j["ttft_ms"].get<double>() > j["kv_transfer_ms"].get<double>() + j["prefill_queue_ms"].get<double>());
    CHECK(j["tpot_ms"].get<double>() > 0);
    CHECK(j["usd_per_hour"].get<double>() == doctest::Approx(56.0));  // 28 GPUs x $2
    CHECK(j["usd_per_mtok_output"].get<double>() ==
          doctest::Approx(56.0 / (j["output_tok_s"].get<double>() * 3600) * 1e6));
    CHECK(j["prefill_gb_per_gpu"].get<double>() > 0);
    CHECK(j["decode_gb_per_gpu"].get<double>() > 0);
    const std::string limited = j["limited_by"];
    CHECK((limited == "prefill" || limited == "decode"));
    CHECK(j["band_basis"] == "none: the bands come from co-located serving runs, not from disaggregated pools");

    const Run text = estimate(two_pools);
    REQUIRE(text.code == 0);
    CHECK(text.out.find("llama-3.1-70b on 28 x h100-sxm, disaggregated 2P3D, weights FP8, KV BF16") == 0);
    CHECK(text.out.find("prefill pool: 2 prefill workers (tp8 pp1 dp1 ep1, 8 GPUs each), 4 requests per worker\n") !=
          std::string::npos);
    CHECK(text.out.find("decode pool: 3 decode workers (tp4 pp1 dp1 ep1, 4 GPUs each), 64 requests per worker\n") !=
          std::string::npos);
    CHECK(text.out.find("+ KV transfer ") != std::string::npos);
    CHECK(text.out.find("at 64 sequences per decode worker\n") != std::string::npos);  // not capped: no "(of ...)"
    // A batch beyond what the decode GPUs' KV cache holds: TPOT is the step of the sequences it holds.
    std::vector<std::string> capped = two_pools;
    capped.back() = "100000";
    const Run big = estimate(capped);
    REQUIRE(big.code == 0);
    // The KV cache holds fewer than asked, and the two prefill workers feed fewer still.
    CHECK(big.out.find("sequences per decode worker (of 100,000 asked: the KV cache holds ") != std::string::npos);
    CHECK(big.out.find(", the prefill pool feeds fewer)") != std::string::npos);
    CHECK(big.out.find("at 100,000 sequences per decode worker") == std::string::npos);
    CHECK(text.out.find("for 28 GPUs at $2.000/GPU-h") != std::string::npos);
  }

  // One of a thing is singular, and large figures carry thousands separators in text.
  TEST_CASE("estimate text: one worker, one request, and watts with separators") {
    const Run one = estimate({"--prefill-workers", "1", "--prefill-tp", "8", "--prefill-batch", "1", "--decode-workers",
                              "1", "--decode-tp", "8", "--decode-batch", "1"});
    REQUIRE(one.code == 0);
    CHECK(one.out.find("prefill pool: 1 prefill worker (tp8 pp1 dp1 ep1, 8 GPUs each), 1 request per worker\n") !=
          std::string::npos);
    CHECK(one.out.find("at 1 sequence per decode worker\n") != std::string::npos);
    const Run single = estimate({"--tp", "1", "--concurrency", "1"});
    CHECK(single.out.find(", 1 request in flight\n") != std::string::npos);
    const Run wide = estimate({"--tp", "8", "--concurrency", "64"});  // 8 x 700 W TDP at 70%
    CHECK(std::regex_search(wide.out, std::regex(R"(at \d{1,3}(,\d{3})+ W\b)")));
  }

  TEST_CASE("estimate --phase prefill prints no TPOT and no output $/Mtok; --phase decode no TTFT") {
    const nlohmann::json prefill = estimate_json({"--tp", "8", "--phase", "prefill", "--concurrency", "8"});
    for (const char* key : {"tpot_ms", "tok_s_per_user", "output_tok_s", "output_tok_s_per_gpu", "usd_per_mtok_output",
                            "joules_per_output_token", "kwh_per_mtok_output", "decode_bound", "tpot_ms_p10"}) {
      CHECK_MESSAGE(prefill[key].is_null(), key);
    }
    CHECK(prefill["ttft_ms"].get<double>() > 0);
    CHECK(prefill["usd_per_mtok_input"].get<double>() > 0);
    CHECK(prefill["input_tok_s"].get<double>() > 0);
    const Run text = estimate({"--tp", "8", "--phase", "prefill", "--concurrency", "8"});
    CHECK(text.out.find("TPOT") == std::string::npos);
    CHECK(text.out.find("cost per M output tokens") == std::string::npos);
    CHECK(text.out.find("per user") == std::string::npos);
    CHECK(text.out.find("input throughput") != std::string::npos);
    CHECK(text.out.find("cost per M input tokens") != std::string::npos);

    const nlohmann::json decode = estimate_json({"--tp", "8", "--phase", "decode", "--concurrency", "64"});
    for (const char* key : {"ttft_ms", "prefill_alone_ms", "input_tok_s", "prefill_bound", "usd_per_mtok_input"}) {
      CHECK_MESSAGE(decode[key].is_null(), key);
    }
    CHECK(decode["tpot_ms"].get<double>() > 0);
    CHECK(decode["usd_per_mtok_output"].get<double>() > 0);
    const Run decode_text = estimate({"--tp", "8", "--phase", "decode", "--concurrency", "64"});
    CHECK(decode_text.out.find("TTFT") == std::string::npos);
    CHECK(decode_text.out.find("TPOT") != std::string::npos);
  }

  TEST_CASE("estimate with pools: bad combinations are named by option") {
    auto error_of = [](std::vector<std::string> more) {
      const Run r = estimate(more);
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      return r.err;
    };
    CHECK(error_of({"--decode-tp", "8"}) == "error: --decode-tp: needs --decode-workers: how many decode workers have "
                                            "this layout\n");
    CHECK(error_of({"--prefill-workers", "1"}) == "error: --decode-workers: missing: a disaggregated deployment needs "
                                                  "both pools; --prefill-workers was given\n");
    CHECK(error_of({"--tp", "8", "--prefill-workers", "1", "--decode-workers", "1"}) ==
          "error: --tp: lays out one co-located deployment; a disaggregated one takes each pool's (--prefill-tp, "
          "--decode-tp)\n");
    CHECK(error_of({"--gpus", "16", "--prefill-workers", "1", "--decode-workers", "1"}) ==
          "error: --gpus: lays out one co-located deployment; a disaggregated one takes each pool's "
          "(--prefill-workers, --decode-workers)\n");
    CHECK(error_of({"--phase", "prefill", "--prefill-workers", "1", "--decode-workers", "1"}) ==
          "error: --phase: 'prefill' asks for one side of disaggregated serving; with --prefill-workers and "
          "--decode-workers the deployment has both: leave --phase out\n");
    CHECK(error_of({"--concurrency", "8", "--prefill-workers", "1", "--decode-workers", "1", "--decode-batch", "4"}) ==
          "error: --concurrency: a disaggregated deployment runs --decode-workers x --decode-batch requests at once; "
          "give --concurrency or --decode-batch, not both\n");
    CHECK(error_of({"--prefill-workers", "1", "--decode-workers", "1", "--decode-tp", "3"}) ==
          "error: --decode-tp: tp 3 must divide the 64 attention heads of llama-3.1-70b\n");
    CHECK(error_of({"--prefill-workers", "1", "--decode-workers", "0"}) ==
          "error: --decode-workers: 0 is out of range (must be >= 1 and <= 1048576)\n");
  }

  TEST_CASE("--prefill-chunk-tokens: a stated token budget replaces the engine's; out of range is named") {
    // DeepSeek-R1 prefill pool on 32 H100 (dp32 ep32), 4 prompts of 4,096 per rank: SGLang's budget of
    // 8,192 runs them in two steps, a stated 16,384 (LMSYS's tokens per device) in one, which pays the
    // per-step costs once: more input tokens per second, the same prompts.
    const std::vector<std::string> pool = {"estimate", "--model", "deepseek-r1", "--gpu", "h100-sxm", "--gpus", "32",
                                           "--tp", "1", "--dp", "32", "--ep", "32", "--weights", "fp8", "--engine",
                                           "sglang", "--isl", "4096", "--osl", "1", "--concurrency", "128", "--phase",
                                           "prefill", "--json"};
    const test::Run two_steps = test::run(pool);
    std::vector<std::string> stated = pool;
    stated.insert(stated.end(), {"--prefill-chunk-tokens", "16384"});
    const test::Run one_step = test::run(stated);
    REQUIRE(two_steps.code == 0);
    REQUIRE(one_step.code == 0);
    const double two = nlohmann::json::parse(two_steps.out)["input_tok_s"].get<double>();
    const double one = nlohmann::json::parse(one_step.out)["input_tok_s"].get<double>();
    CHECK(one > two);
    CHECK(one < 1.1 * two);  // the per-step costs are a few percent of a 1.6 s step
    std::vector<std::string> bad = pool;
    bad.insert(bad.end(), {"--prefill-chunk-tokens", "0"});
    const test::Run zero = test::run(bad);
    CHECK(zero.code == 2);
    CHECK(zero.err == "error: --prefill-chunk-tokens: 0 is out of range (must be >= 1 and <= 16777216)\n");
  }

  TEST_CASE("estimate --scenarios: the pool columns, a co-located row beside an xPyD row, a bad pool row") {
    const test::TempDir dir;
    const std::string file = (dir.path() / "pools.csv").string();
    std::ofstream(file) << "id,model,gpu,weights,isl,osl,tp,prefill_workers,prefill_tp,decode_workers,decode_tp,"
                           "decode_batch\n"
                           "xpyd,llama-3.1-70b,h100-sxm,fp8,2048,512,,2,8,3,4,64\n"
                           "mixed,llama-3.1-70b,h100-sxm,fp8,2048,512,8,,,,,\n"
                           "bad,llama-3.1-70b,h100-sxm,fp8,2048,512,,,,,4,64\n";
    const Run r = run({"estimate", "--scenarios", file, "--csv"});
    CHECK(r.code == 2);  // the third row is bad; the others are answered
    // Line 4, at the decode_tp field (file:line:col).
    CHECK(r.err.find(".csv:4:") != std::string::npos);
    CHECK(r.err.find(": error: decode_tp: needs --decode-workers: how many decode workers have this layout") !=
          std::string::npos);
    const CsvTable table = parse_csv(r.out, "stdout");
    REQUIRE(table.records.size() == 3);
    auto cell = [&](size_t row, const std::string& column) {
      const auto it = std::find(table.header.begin(), table.header.end(), column);
      REQUIRE(it != table.header.end());
      return table.records[row].fields[static_cast<size_t>(it - table.header.begin())];
    };
    CHECK(cell(0, "gpus") == "28");
    CHECK(cell(0, "tp").empty());
    CHECK(cell(0, "prefill_workers") == "2");
    CHECK(cell(0, "decode_batch") == "64");
    CHECK_FALSE(cell(0, "kv_transfer_ms").empty());
    CHECK(cell(1, "tp") == "8");
    CHECK(cell(1, "prefill_workers").empty());
    CHECK(cell(1, "kv_transfer_ms").empty());
    CHECK(cell(2, "error") == "decode_tp: needs --decode-workers: how many decode workers have this layout");
  }

  TEST_CASE("estimate: with more in flight than any layout runs at once, the default serves the most per GPU") {
    // DeepSeek-R1 at FP8 (about 671 GB of weights) on H200 with 100,000 requests of 1,200 tokens in
    // flight: an instance runs at most the engine's max batch, 2,048 (calibration max_batch, dp 1), and
    // queues the rest, so every layout queues (saturated) and the default is the one with the most
    // output per GPU. Co-located that is tp8 on 8 GPUs (591 running), ahead of tp8 pp2, the smallest
    // layout running the max batch (the decode pool, which runs no prompts beside its batch, gains from
    // the larger batch: tests/request/default_layout_test.cpp). Earlier versions asked KV for all 100,000 requests,
    // then took the smallest layout running the max batch.
    const std::vector<std::string> base{"estimate", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--isl", "1000",
                                        "--osl", "200", "--concurrency", "100000", "--json"};
    auto estimate_json = [](std::vector<std::string> args, const std::vector<std::string>& extra) {
      args.insert(args.end(), extra.begin(), extra.end());
      const Run r = run(args);
      REQUIRE(r.code == 0);
      return nlohmann::json::parse(r.out);
    };
    auto per_gpu = [](const nlohmann::json& j) { return j["output_tok_s"].get<double>() / j["gpus"].get<double>(); };
    const nlohmann::json chosen = estimate_json(base, {});
    const nlohmann::json max_batch = estimate_json(base, {"--tp", "8", "--pp", "2"});
    CHECK(chosen["fits"] == true);
    CHECK(chosen["queued"].get<std::int64_t>() > 0);
    CHECK(per_gpu(chosen) >= per_gpu(max_batch));
    CHECK(chosen["gpus"] < max_batch["gpus"]);
    const nlohmann::json pools = estimate_json(base, {"--prefill-workers", "1", "--decode-workers", "1"});
    CHECK(pools["fits"] == true);
    CHECK(pools["queued"].get<std::int64_t>() > 0);
  }

  TEST_CASE("estimate: a layout an engine would not run carries the search's note") {
    // The same sentences as sweep's "unrealistic:" column (estimator/realism.hpp unrealistic_note),
    // naming the pool of a disaggregated deployment; a realistic layout gets none.
    const Run deep = estimate({"--pp", "8"});
    REQUIRE(deep.code == 0);
    CHECK(deep.out.find("note: unrealistic: pp 8 is deeper than the 4 pipeline stages engines are run with") !=
          std::string::npos);
    const Run wide = estimate({"--prefill-workers", "1", "--prefill-tp", "16", "--decode-workers", "1"});
    REQUIRE(wide.code == 0);
    CHECK(wide.out.find("note: unrealistic: prefill pool: tp 16 exceeds the 8-GPU nvlink4 scale-up domain") !=
          std::string::npos);
    const Run fine = estimate({"--tp", "8"});
    REQUIRE(fine.code == 0);
    CHECK(fine.out.find("unrealistic") == std::string::npos);
  }

  TEST_CASE("estimate --overlap: two-batch hides part of a wide-EP pool's all-to-all; a misspelling is an error") {
    // DeepSeek-R1 FP8 decode on 32 H100, DP32 EP32 over 4 nodes, 128 per GPU: the all-to-all crosses
    // nodes, so overlapping it with the other micro-batch's computation shortens TPOT
    // (docs/methodology.md#two-batch-overlap); the term is checked by hand in
    // tests/estimator/two_batch_overlap_test.cpp.
    const std::vector<std::string> pool{"estimate", "--model", "deepseek-r1", "--gpu", "h100-sxm", "--gpus", "32",
                                        "--tp", "1", "--dp", "32", "--ep", "32", "--weights", "fp8", "--engine",
                                        "sglang", "--isl", "2000", "--osl", "2", "--concurrency", "4096",
                                        "--phase", "decode", "--json"};
    auto tpot = [&](std::vector<std::string> more) {
      std::vector<std::string> args = pool;
      args.insert(args.end(), more.begin(), more.end());
      const Run r = run(args);
      REQUIRE(r.code == 0);
      return nlohmann::json::parse(r.out)["tpot_ms"].get<double>();
    };
    const double serial = tpot({});
    CHECK(tpot({"--overlap", "none"}) == serial);
    CHECK(tpot({"--overlap", "two-batch"}) < serial);
    const Run bad = estimate({"--overlap", "two-batches"});
    CHECK(bad.code == 2);
    CHECK(bad.out.empty());
    CHECK(bad.err == "error: --overlap: unknown overlap 'two-batches' (expected none or two-batch); did you mean "
                     "'two-batch'?\n");
  }

  TEST_CASE("estimate --overlap two-batch where no expert all-to-all runs says so") {
    const Run dense = run({"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--isl", "1000", "--osl",
                           "1000", "--concurrency", "64", "--overlap", "two-batch", "--json"});
    REQUIRE(dense.code == 0);
    const std::string notes = nlohmann::json::parse(dense.out)["notes"].dump();
    CHECK(notes.find("two-batch overlap hides the expert all-to-all, and this deployment has none (ep 1)") !=
          std::string::npos);
    const Run wide = run({"estimate", "--model", "deepseek-r1", "--gpu", "h100-sxm", "--gpus", "32", "--tp", "1",
                          "--dp", "32", "--ep", "32", "--weights", "fp8", "--isl", "2000", "--osl", "200",
                          "--concurrency", "1024", "--overlap", "two-batch", "--json"});
    REQUIRE(wide.code == 0);
    CHECK(nlohmann::json::parse(wide.out)["notes"].dump().find("two-batch") == std::string::npos);
  }
}

}  // namespace llmsizer
