// `compare --disagg` and `report --disagg`: the one search with prefill/decode-disaggregated
// deployments, as `sweep` and `plan` run it (same option, same --tp/--pp/--dp/--ep restriction); a
// disaggregated winner is shown with both pools' layouts in text, JSON, CSV and HTML, is what
// `estimate` answers for the same pools, has a "why" per pool and a launch script per pool.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

using test::rel;

// Llama-3.1-70B on H100, 8,192-token prompts under TPOT <= 20 ms, up to 32 GPUs: co-located decoding
// is stretched by other requests' prompts, so the search picks xPyD
// (tests/estimator/sweep_disaggregated_test.cpp).
const std::vector<std::string> long_prompts = {
    "--model", "llama-3.1-70b", "--gpu", "h100-sxm",           "--isl", "8192", "--osl", "512", "--tpot-ms",
    "20",      "--max-gpus",    "32",    "--usd-per-gpu-hour", "2"};

std::vector<std::string> command(const std::string& name, std::vector<std::string> more) {
  std::vector<std::string> args{name};
  args.insert(args.end(), long_prompts.begin(), long_prompts.end());
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

nlohmann::json json_of(const std::vector<std::string>& args) {
  const Run r = run(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

struct Pool {
  int workers = 0, tp = 0, pp = 0, dp = 0, ep = 0;
  [[nodiscard]] int gpus() const { return workers * tp * pp * dp; }
};

/// The two pools of a `pools` label, "2P1D (prefill tp8 pp1 dp1 ep1, decode tp4 pp1 dp1 ep1)".
std::pair<Pool, Pool> parse_pools(const std::string& label) {
  Pool p, d;
  REQUIRE(std::sscanf(label.c_str(), "%dP%dD (prefill tp%d pp%d dp%d ep%d, decode tp%d pp%d dp%d ep%d)", &p.workers,
                      &d.workers, &p.tp, &p.pp, &p.dp, &p.ep, &d.tp, &d.pp, &d.dp, &d.ep) == 10);
  return {p, d};
}

/// The --help line of `option` for `subcommand`.
std::string help_line(const std::string& subcommand, const std::string& option) {
  const Run r = run({subcommand, "--help"});
  const std::size_t at = r.out.find(option + " ");
  REQUIRE(at != std::string::npos);
  return r.out.substr(at, r.out.find('\n', at) - at);
}

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE("compare --disagg: the option and its restrictions are sweep's and plan's") {
    CHECK(help_line("compare", "--disagg") == help_line("sweep", "--disagg"));
    CHECK(help_line("report", "--disagg") == help_line("plan", "--disagg"));
    // --tp restricts both pools, as in the sweep: every layout searched has tp 4.
    const auto j = json_of(command("compare", {"--disagg", "--tp", "4", "--json"}));
    REQUIRE(j.size() == 1);
    REQUIRE(j[0]["pools"].is_string());
    const auto [prefill, decode] = parse_pools(j[0]["pools"]);
    CHECK(prefill.tp == 4);
    CHECK(decode.tp == 4);
  }

  TEST_CASE("compare --disagg picks the sweep's xPyD row and shows both pools; estimate of those pools agrees") {
    const auto j = json_of(command("compare", {"--disagg", "--json"}));
    REQUIRE(j.size() == 1);
    const auto& c = j[0];
    REQUIRE(c["pools"].is_string());
    for (const char* degree : {"tp", "pp", "dp", "ep"}) CHECK(c[degree].is_null());  // a pool's, not one instance's
    const auto [prefill, decode] = parse_pools(c["pools"]);
    CHECK(c["gpus"] == prefill.gpus() + decode.gpus());
    CHECK(c["gpus"].get<int>() <= 32);
    CHECK(c["meets_slo"] == true);
    CHECK(c["tpot_ms"].get<double>() <= 20);
    CHECK((c["limited_by"] == "prefill" || c["limited_by"] == "decode"));
    CHECK(c["kv_transfer_ms"].get<double>() > 0);
    CHECK(c["prefill_queue_ms"].get<double>() >= 0);
    // Without --disagg the same compare stays co-located.
    CHECK(json_of(command("compare", {"--json"}))[0]["pools"].is_null());
    // The one search: sweep --disagg's cheapest row on this GPU is compare's choice.
    const auto sweep = json_of(command("sweep", {"--disagg", "--json"}));
    int cheapest = 0;
    for (const auto& row : sweep["frontier"]) {
      if (row["cheapest"] != true) continue;
      ++cheapest;
      CHECK(row["pools"] == c["pools"]);
      CHECK(row["concurrency"] == c["concurrency"]);
      CHECK(row["usd_per_mtok_output"].get<double>() == rel(c["usd_per_mtok_output"].get<double>(), 1e-12));
    }
    CHECK(cheapest == 1);
    // estimate of the same two pools answers the row's figures.
    const auto e = json_of({"estimate",
                            "--model",
                            "llama-3.1-70b",
                            "--gpu",
                            "h100-sxm",
                            "--isl",
                            "8192",
                            "--osl",
                            "512",
                            "--usd-per-gpu-hour",
                            "2",
                            "--weights",
                            c["weights"].get<std::string>(),
                            "--kv",
                            c["kv"].get<std::string>(),
                            "--prefill-workers",
                            std::to_string(prefill.workers),
                            "--prefill-tp",
                            std::to_string(prefill.tp),
                            "--prefill-pp",
                            std::to_string(prefill.pp),
                            "--prefill-dp",
                            std::to_string(prefill.dp),
                            "--decode-workers",
                            std::to_string(decode.workers),
                            "--decode-tp",
                            std::to_string(decode.tp),
                            "--decode-pp",
                            std::to_string(decode.pp),
                            "--decode-dp",
                            std::to_string(decode.dp),
                            "--decode-batch",
                            std::to_string(c["concurrency"].get<int>() / decode.workers),
                            "--json"});
    CHECK(e["ttft_ms"].get<double>() == rel(c["ttft_ms"].get<double>(), 1e-9));
    CHECK(e["tpot_ms"].get<double>() == rel(c["tpot_ms"].get<double>(), 1e-9));
    CHECK(e["usd_per_mtok_output"].get<double>() == rel(c["usd_per_mtok_output"].get<double>(), 1e-9));
    CHECK(e["kv_transfer_ms"].get<double>() == rel(c["kv_transfer_ms"].get<double>(), 1e-9));
    CHECK(e["limited_by"] == c["limited_by"]);
  }

  TEST_CASE("compare --disagg: the why of a disaggregated candidate, per pool, in text, JSON and CSV") {
    const auto j = json_of(command("compare", {"--disagg", "--json"}));
    const auto& c = j[0];
    const auto [prefill, decode] = parse_pools(c["pools"]);
    // 8,192-token prompts are compute-bound on the prefill pool; decoding at TPOT <= 20 ms streams
    // the weights and KV from HBM.
    CHECK(c["prefill_bound"] == "compute");
    CHECK(c["decode_bound"] == "memory");  // estimate's word for the same bound
    // Phase rates over each pool's own GPUs; requests and cycle are the deployment's.
    const double output_tok_s = c["output_tok_s_per_gpu"].get<double>() * c["gpus"].get<double>();
    CHECK(c["decode_tok_s_per_gpu"].get<double>() == rel(output_tok_s / decode.gpus(), 1e-9));
    CHECK(c["prefill_tok_s_per_gpu"].get<double>() == rel(output_tok_s * 8192 / 512 / prefill.gpus(), 1e-9));
    CHECK(c["running"] == c["concurrency"]);
    CHECK(c["request_cycle_s"].get<double>() == rel(c["running"].get<double>() * 512 / output_tok_s, 1e-9));
    const std::string why = c["why"];
    CHECK(why.find(fmt::format("prefill: prefill pool, {} worker{} of {} GPUs, busy ", prefill.workers,
                               prefill.workers == 1 ? "" : "s", prefill.tp * prefill.pp * prefill.dp)) == 0);
    CHECK(why.find(fmt::format("; decode: decode pool, {} worker{} of {} GPUs, busy ", decode.workers,
                               decode.workers == 1 ? "" : "s", decode.tp * decode.pp * decode.dp)) !=
          std::string::npos);
    CHECK(why.find("; memory: prefill GPUs: ") != std::string::npos);
    CHECK(why.find(fmt::format("; pools: the {} pool sets the rate; ", c["limited_by"].get<std::string>())) !=
          std::string::npos);
    // The text shows the pools' layout as the best configuration and the same clauses.
    const Run text = run(command("compare", {"--disagg"}));
    REQUIRE(text.code == 0);
    CHECK(text.out.find(fmt::format("{} GPUs: {}", c["gpus"].get<int>(), c["pools"].get<std::string>())) !=
          std::string::npos);
    CHECK(text.out.find("among realistic layouts, co-located or as prefill/decode-disaggregated pools (--disagg)") !=
          std::string::npos);
    CHECK(text.out.find("\n    pools: the ") != std::string::npos);
    // CSV: the same columns.
    const Run csv = run(command("compare", {"--disagg", "--csv"}));
    REQUIRE(csv.code == 0);
    const std::string header = csv.out.substr(0, csv.out.find('\n'));
    for (const char* key :
         {",pools,", ",limited_by,", ",balanced_prefill_per_decode,", ",prefill_queue_ms,", ",kv_transfer_ms,"}) {
      CHECK(header.find(key) != std::string::npos);
    }
    CHECK(csv.out.find(c["pools"].get<std::string>()) != std::string::npos);
  }

  TEST_CASE("compare --disagg --emit: one command per pool, each with its workers") {
    const auto j = json_of(command("compare", {"--disagg", "--json"}));
    const std::string pools = j[0]["pools"];
    const Run r = run(command("compare", {"--disagg", "--emit", "vllm"}));
    REQUIRE(r.code == 0);
    CHECK(r.out.find("# compare rank 1\n# disaggregated " + pools + ": start both pools") == 0);
    const std::size_t prefill = r.out.find("the prefill pool of llama-3.1-70b");
    const std::size_t decode = r.out.find("the decode pool of llama-3.1-70b");
    REQUIRE(prefill != std::string::npos);
    REQUIRE(decode != std::string::npos);
    CHECK(prefill < decode);
    std::size_t commands = 0;
    for (std::size_t at = r.out.find("vllm serve"); at != std::string::npos; at = r.out.find("vllm serve", at + 1)) {
      ++commands;
    }
    CHECK(commands == 2);
  }

  TEST_CASE("report --disagg: the search's best configuration with both pools, as compare picks it") {
    const test::TempDir dir;
    const auto html = dir.path() / "r.html";
    const std::vector<std::string> shape = {
        "--model", "llama-3.1-70b", "--gpu", "h100-sxm",           "--isl", "8192",    "--osl",
        "512",     "--tpot-ms",     "20",    "--usd-per-gpu-hour", "2",     "--disagg"};
    std::vector<std::string> report{"report"};
    report.insert(report.end(), shape.begin(), shape.end());
    report.insert(report.end(), {"--html", html.string()});
    REQUIRE(run(report).code == 0);
    std::vector<std::string> compare{"compare"};
    compare.insert(compare.end(), shape.begin(), shape.end());
    compare.push_back("--json");
    const auto j = json_of(compare);  // report searches up to 64 GPUs, compare's default too
    REQUIRE(j[0]["pools"].is_string());
    const std::string page = read_file(html.string());
    CHECK(page.find("co-located or as prefill/decode-disaggregated pools (--disagg)") != std::string::npos);
    CHECK(page.find(j[0]["pools"].get<std::string>()) != std::string::npos);
  }
}

}  // namespace llmsizer
