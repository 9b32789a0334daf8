// The deployment options a user states (MTP drafts, two-batch overlap) are recorded in every
// estimate output and reach the estimates of sweep, plan, compare and report; the ep-1 note of
// two-batch overlap is the same text everywhere (request/resolved_estimate.hpp).
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

using test::with;

const std::string ep1_note = "two-batch overlap hides the expert all-to-all, and this deployment has none (ep 1)";

// DeepSeek-R1 FP8 on 8 H200 with attention DP and EP 8: an expert all-to-all that two-batch overlap
// hides in part, and an MTP module.
const std::vector<std::string> wide_ep = {"--model", "deepseek-r1", "--gpu",     "h200-sxm", "--tp",
                                          "1",       "--dp",        "8",         "--ep",     "8",
                                          "--weights", "fp8",       "--isl",     "1000",     "--osl", "1000"};

nlohmann::json options_json(const std::vector<std::string>& args) {
  const Run r = run(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("estimate records mtp, its acceptance and overlap in JSON, CSV and the text header") {
    const std::vector<std::string> base =
        with(with({"estimate"}, wide_ep), {"--concurrency", "256", "--mtp", "2", "--mtp-acceptance", "0.7"});
    const nlohmann::json serial = options_json(with(base, {"--json"}));
    const nlohmann::json overlapped = options_json(with(base, {"--overlap", "two-batch", "--json"}));
    CHECK(serial["mtp"] == 2);
    CHECK(serial["mtp_acceptance"] == 0.7);
    CHECK(serial["overlap"] == "none");
    CHECK(overlapped["overlap"] == "two-batch");
    const nlohmann::json plain = options_json(with(with({"estimate"}, wide_ep), {"--json"}));
    CHECK(plain["mtp"] == 0);
    CHECK(plain["mtp_acceptance"].is_null());

    const Run csv = run(with(base, {"--overlap", "two-batch", "--csv"}));
    REQUIRE(csv.code == 0);
    const std::string header = csv.out.substr(0, csv.out.find('\n'));
    CHECK(header.find(",mtp,mtp_acceptance,overlap,") != std::string::npos);
    CHECK(csv.out.find(",2,0.7,two-batch,") != std::string::npos);

    const Run text = run(with(base, {"--overlap", "two-batch"}));
    REQUIRE(text.code == 0);
    const std::string first_line = text.out.substr(0, text.out.find('\n'));
    CHECK(first_line.find(", MTP 2 (acceptance 0.7), two-batch overlap, engine ") != std::string::npos);
  }

  TEST_CASE("estimate --scenarios: rows that differ only in mtp or overlap differ in the output") {
    const test::TempDir dir;
    const auto csv = dir.path() / "rows.csv";
    test::write_text(csv,
                     "id,model,gpu,tp,dp,ep,weights,isl,osl,concurrency,mtp,overlap\n"
                     "a,deepseek-r1,h200-sxm,1,8,8,fp8,1000,1000,256,,\n"
                     "b,deepseek-r1,h200-sxm,1,8,8,fp8,1000,1000,256,1,\n"
                     "c,deepseek-r1,h200-sxm,1,8,8,fp8,1000,1000,256,,two-batch\n"
                     "d,deepseek-r1,h200-sxm,8,1,1,fp8,1000,1000,256,,two-batch\n");
    const nlohmann::json rows = options_json({"estimate", "--scenarios", csv.string(), "--json"});
    REQUIRE(rows.size() == 4);
    CHECK(rows[0]["mtp"] == 0);
    CHECK(rows[1]["mtp"] == 1);
    CHECK(rows[0]["overlap"] == "none");
    CHECK(rows[2]["overlap"] == "two-batch");
    CHECK(rows[2]["tpot_ms"] != rows[0]["tpot_ms"]);
    // ep 1: the overlap stated is not applied; the row records what runs and says why, as estimate does.
    CHECK(rows[3]["overlap"] == "none");
    CHECK(rows[3]["notes"].dump().find(ep1_note) != std::string::npos);
  }

  TEST_CASE("sweep, plan and compare --overlap two-batch: the searched estimates run it") {
    const std::vector<std::string> restrict = {"--mtp", "0", "--concurrency", "256"};
    auto sweep_tpot = [&](const char* overlap) {
      const nlohmann::json doc =
          options_json(with(with(with({"sweep"}, wide_ep), restrict), {"--overlap", overlap, "--json"}));
      REQUIRE(!doc["frontier"].empty());
      return doc["frontier"][0]["tpot_ms"].get<double>();
    };
    CHECK(sweep_tpot("two-batch") != sweep_tpot("none"));

    auto plan_tpot = [&](const char* overlap) {
      const nlohmann::json doc = options_json(with(
          with({"plan"}, wide_ep), {"--mtp", "0", "--output-tokens-per-day", "2e10", "--overlap", overlap, "--json"}));
      return doc["options"][0]["tpot_ms"].get<double>();
    };
    CHECK(plan_tpot("two-batch") != plan_tpot("none"));

    auto compare_tpot = [&](const char* overlap) {
      const nlohmann::json doc =
          options_json({"compare", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--tp", "1", "--dp", "8", "--ep", "8",
                        "--mtp", "0", "--max-gpus", "8", "--overlap", overlap, "--json"});
      return doc[0]["tpot_ms"].get<double>();
    };
    CHECK(compare_tpot("two-batch") != compare_tpot("none"));
  }

  TEST_CASE("two-batch overlap under a calibration that hides communication (comm_overlap > 0) is warned about") {
    const test::TempDir dir;
    std::string profile = read_file(test::source_path("profiles/calibration/default.yaml").string());
    profile.replace(profile.find("name: default"), 13, "name: lab");
    profile.replace(profile.find("comm_overlap: 0\n"), 16, "comm_overlap: 0.5\n");
    test::write_text(dir.path() / "lab.yaml", profile);
    const std::string warning = "--overlap two-batch with calibration 'lab', whose comm_overlap 0.5 hides that "
                                "fraction of all communication";
    const std::vector<std::string> estimate =
        with(with({"--profiles", dir.path().string(), "estimate", "--calibration", "lab"}, wide_ep), {"--json"});
    const nlohmann::json overlapped = options_json(with(estimate, {"--overlap", "two-batch"}));
    CHECK(overlapped["warnings"].dump().find(warning) != std::string::npos);
    CHECK(options_json(estimate)["warnings"].dump().find("comm_overlap") == std::string::npos);
    const Run sweep = run(with(with({"--profiles", dir.path().string(), "sweep", "--calibration", "lab"}, wide_ep),
                               {"--mtp", "0", "--concurrency", "64", "--overlap", "two-batch", "--json"}));
    REQUIRE(sweep.code == 0);
    CHECK(sweep.err.find("warning: " + warning) != std::string::npos);
    // The shipped calibration hides none: no warning.
    const Run shipped = run(with(with({"estimate"}, wide_ep), {"--overlap", "two-batch"}));
    REQUIRE(shipped.code == 0);
    CHECK(shipped.err.find("comm_overlap") == std::string::npos);
  }

  TEST_CASE("--overlap on the search commands: the ep-1 note, and a misspelling is the estimate's error") {
    const std::vector<std::string> dense = {"--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpus", "2"};
    const Run sweep = run(with(with({"sweep"}, dense), {"--overlap", "two-batch"}));
    REQUIRE(sweep.code == 0);
    CHECK(sweep.out.find("note: " + ep1_note) != std::string::npos);
    const Run sweep_json = run(with(with({"sweep"}, dense), {"--overlap", "two-batch", "--json"}));
    REQUIRE(sweep_json.code == 0);
    CHECK(sweep_json.err.find("note: " + ep1_note) != std::string::npos);
    const Run none = run(with({"sweep"}, dense));
    CHECK(none.out.find(ep1_note) == std::string::npos);

    const nlohmann::json plan = options_json({"plan", "--model", "llama-3.1-8b", "--gpu", "h100-sxm",
                                              "--output-tokens-per-day", "1e9", "--overlap", "two-batch", "--json"});
    CHECK(plan["options"][0]["note"].get<std::string>().find(ep1_note) != std::string::npos);

    const Run compare = run({"compare", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpus", "2",
                             "--overlap", "two-batch"});
    REQUIRE(compare.code == 0);
    CHECK(compare.out.find("note: " + ep1_note) != std::string::npos);

    const test::TempDir dir;
    const std::string html = (dir.path() / "r.html").string();
    const Run report = run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--overlap", "two-batch",
                            "--html", html});
    REQUIRE(report.code == 0);
    CHECK(read_file(html).find(ep1_note) != std::string::npos);

    for (const char* command : {"sweep", "plan", "compare", "report"}) {
      CAPTURE(command);
      const Run bad = run({command, "--overlap", "two-batches"});
      CHECK(bad.code == 2);
      CHECK(bad.out.empty());
      CHECK(bad.err == "error: --overlap: unknown overlap 'two-batches' (expected none or two-batch); did you mean "
                       "'two-batch'?\n");
    }
  }

  TEST_CASE("an MTP acceptance rate without MTP is warned about, not silently dropped") {
    const std::vector<std::string> base = {"estimate", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--isl", "1000",
                                           "--osl", "1000", "--mtp-acceptance", "0.5", "--json"};
    const std::string warning = "--mtp-acceptance 0.5 has no effect without --mtp: no token is drafted";
    CHECK(options_json(base)["warnings"].dump().find(warning) != std::string::npos);
    const nlohmann::json drafted = options_json(with(base, {"--mtp", "1"}));
    CHECK(drafted["warnings"].dump().find("--mtp-acceptance") == std::string::npos);
    CHECK(drafted["mtp_acceptance"].get<double>() == 0.5);
  }
}

}  // namespace llmsizer
