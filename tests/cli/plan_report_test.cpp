// `plan` and `report` through cli::run_cli: golden output, token-count parsing, the workbook read
// back (sheet names, formulas), the HTML page's self-containment, and unwritable paths.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/html_report.hpp"
#include "io/svg_chart.hpp"
#include "io/xlsx_writer.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::check_golden;
using test::Run;
using test::run;

const std::vector<std::string> glm_plan = {"plan", "--model",   "glm-4.5",  "--gpu",
                                           "h20",  "--gpu",     "h200-sxm", "--output-tokens-per-day",
                                           "2e9",  "--tpot-ms", "50"};

using test::with;

bool unzip_on_path() {
  return std::system("command -v unzip >/dev/null 2>&1") == 0;
}

/// One member of a zip archive via the unzip binary.
std::string unzip_member(const std::filesystem::path& zip, const std::string& member) {
  const test::TempDir dir;
  const auto out = dir.path() / "member";
  const std::string command = "unzip -p '" + zip.string() + "' '" + member + "' > '" + out.string() + "' 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  return read_file(out.string());
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

size_t entries(const std::filesystem::path& dir) {
  return static_cast<size_t>(
      std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()));
}

}  // namespace

TEST_SUITE("decisions") {
  TEST_CASE("golden: plan glm-4.5 on h20 and h200-sxm for 2e9 tokens/day at TPOT 50 ms") {
    const Run r = run(glm_plan);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("plan_glm-4.5_h20_h200", r.out);
  }

  TEST_CASE("golden: plan --csv, and input tokens/day setting the ISL:OSL ratio with a given peak") {
    const Run csv = run(with(glm_plan, {"--csv"}));
    CHECK(csv.code == 0);
    check_golden("plan_glm-4.5_csv", csv.out);
    const Run ratio = run({"plan", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--output-tokens-per-day", "5e8",
                           "--input-tokens-per-day", "4e9", "--peak-to-average", "3"});
    CHECK(ratio.code == 0);
    CHECK(ratio.err.empty());
    check_golden("plan_llama-3.1-70b_ratio", ratio.out);
  }

  TEST_CASE("plan --json: demand as computed by hand, options ranked, recommendation") {
    const Run r = run(with(glm_plan, {"--json"}));
    REQUIRE(r.code == 0);
    const nlohmann::json j = nlohmann::json::parse(r.out);
    // 2e9 / 86,400 = 23,148.15 tok/s average; x 2.0 (the default) = 46,296.30 tok/s peak.
    CHECK(j["demand"]["average_output_tok_s"].get<double>() == doctest::Approx(23'148.148148));
    CHECK(j["demand"]["peak_output_tok_s"].get<double>() == doctest::Approx(46'296.296296));
    CHECK(j["demand"]["peak_to_average_is_default"] == true);
    CHECK(j["demand"]["hours_per_month"] == 730.0);
    REQUIRE(j["options"].size() == 2);
    CHECK(j["recommendation"] == "h200-sxm");  // both on the owned basis: h200-sxm costs less per month
    const auto& best = j["options"][0];
    CHECK(best["rank"] == 1);
    CHECK(best["tpot_ms"].get<double>() <= 50.0);
    CHECK(best["gpus"].get<int>() == best["replicas"].get<int>() * best["gpus_per_replica"].get<int>());
    CHECK(best["usd_per_month"].get<double>() ==
          doctest::Approx(best["gpus"].get<double>() * best["usd_per_gpu_hour"].get<double>() * 730.0));
    CHECK(j["options"][1]["gpu"] == "h20");
    CHECK(j["options"][1]["usd_per_month"].get<double>() > best["usd_per_month"].get<double>());
    CHECK(j["options"][1]["price"] == "tco-owned");
  }

  TEST_CASE("plan: token counts in scientific notation equal the digits; --input-tokens-per-day sets the ISL") {
    const Run sci = run(with(glm_plan, {"--json"}));
    std::vector<std::string> digits = glm_plan;
    digits[8] = "2000000000";
    const Run plain = run(with(digits, {"--json"}));
    CHECK(sci.out == plain.out);
    const Run ratio = run({"plan", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--output-tokens-per-day", "1e9",
                           "--input-tokens-per-day", "2.5e9", "--json"});
    REQUIRE(ratio.code == 0);
    const nlohmann::json j = nlohmann::json::parse(ratio.out);
    CHECK(j["demand"]["isl"] == 2500);  // 1000 x 2.5e9 / 1e9
    CHECK(j["demand"]["osl"] == 1000);
  }

  TEST_CASE("plan --concurrency: the levels named are searched as given, unrefined; the search line says so") {
    const Run r = run(with(glm_plan, {"--concurrency", "512", "--concurrency", "256", "--concurrency", "512", "--json"}));
    REQUIRE(r.code == 0);
    const nlohmann::json j = nlohmann::json::parse(r.out);
    REQUIRE(j["options"].size() == 2);
    for (const auto& option : j["options"]) {
      CAPTURE(option["gpu"]);
      const auto c = option["concurrency_per_replica"].get<std::int64_t>();
      CHECK((c == 256 || c == 512));
    }
    const Run text = run(with(glm_plan, {"--concurrency", "256"}));
    REQUIRE(text.code == 0);
    CHECK(text.out.find("the given concurrencies (--concurrency)") != std::string::npos);
    CHECK(run(glm_plan).out.find("the given concurrencies") == std::string::npos);
    const Run zero = run(with(glm_plan, {"--concurrency", "0"}));
    CHECK(zero.code == 2);
    CHECK(zero.err.find("--concurrency") != std::string::npos);
  }

  TEST_CASE("plan: the recommendation counts one GPU per replica in the singular") {
    const Run r = run(
        {"plan", "--model", "llama-3.1-70b", "--gpu", "h200-sxm", "--output-tokens-per-day", "1e9", "--tpot-ms", "50"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("replicas of 1 GPU)") != std::string::npos);
    CHECK(r.out.find("of 1 GPUs") == std::string::npos);
  }

  TEST_CASE("plan: bad token counts exit 2 with the reason") {
    const std::string prefix = "error: --output-tokens-per-day: ";
    const std::string range = "is out of range (must be a positive count up to 1e15 tokens/day)\n";
    for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
             {"0", "'0' " + range},
             {"-5", "'-5' " + range},
             {"1e400", "'1e400' " + range},
             {"abc", "'abc' is not a number; give a token count such as 2000000000 or 2e9\n"},
             {"1.5", "'1.5' is not a whole number of tokens\n"}}) {
      CAPTURE(text);
      const Run r = run({"plan", "--model", "glm-4.5", "--gpu", "h20", "--output-tokens-per-day", text});
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == prefix + message);
    }
    const Run both = run({"plan", "--model", "glm-4.5", "--gpu", "h20", "--output-tokens-per-day", "1e9",
                          "--input-tokens-per-day", "1e9", "--isl", "500"});
    CHECK(both.code == 2);
    CHECK(both.err == "error: --input-tokens-per-day: give either it or --isl/--osl, not both\n");
    const Run peak = run(with(glm_plan, {"--peak-to-average", "0.5"}));
    CHECK(peak.code == 2);
    CHECK(
        peak.err ==
        "error: --peak-to-average: 0.5 is out of range (must be >= 1 and <= 1000: the peak is at least the average)\n");
  }

  TEST_CASE("plan --xlsx: a workbook with Summary, a sheet per GPU with formulas, and Sources") {
    const test::TempDir dir;
    const auto path = dir.path() / "fleet.xlsx";
    const Run r = run(with(glm_plan, {"--xlsx", path.string()}));
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("recommendation: h200-sxm") != std::string::npos);
    const std::string bytes = read_file(path.string());
    REQUIRE(bytes.size() > 4000);
    CHECK(bytes.substr(0, 2) == "PK");
    CHECK(entries(dir.path()) == 1);  // no temporary left beside it
    if (!unzip_on_path()) return;
    const std::string workbook = unzip_member(path, "xl/workbook.xml");
    for (const char* sheet : {"Summary", "Inputs", "h200-sxm", "h20", "Sources"}) {
      CHECK(workbook.find(std::string("<sheet name=\"") + sheet + "\"") != std::string::npos);
    }
    // Sheet order: Summary, Inputs, then GPU sheets in rank order, then Sources.
    const std::string summary = unzip_member(path, "xl/worksheets/sheet1.xml");
    CHECK(summary.find("<f>'h200-sxm'!$B$18</f>") != std::string::npos);  // GPUs linked, not copied
    CHECK(summary.find("<f>IF(ISNUMBER(N5),RANK(N5,$N$5:$N$6,1),\"-\")</f>") != std::string::npos);
    const std::string gpu_sheet = unzip_member(path, "xl/worksheets/sheet3.xml");
    CHECK(gpu_sheet.find("<f>ROUNDUP(B16/B7,0)</f>") != std::string::npos);                         // replicas
    CHECK(gpu_sheet.find("<f>IF(ISNUMBER(B6),B18*B6*B12,\"no price\")</f>") != std::string::npos);  // $/month
    CHECK(gpu_sheet.find("<f>B18*B10*B11/1000</f>") != std::string::npos);                          // kW
  }

  TEST_CASE("plan --xlsx: GPU profiles named like the fixed sheets get names of their own, no crash") {
    // Spreadsheet programs (and libxlsxwriter) compare sheet names case-insensitively: a GPU named
    // 'summary' or 'SOURCES' used to clash with Summary/Sources and crash the writer.
    const test::TempDir dir;
    std::string h20 = read_file(std::string(LLMSIZER_SOURCE_DIR) + "/profiles/gpus/h20.yaml");
    h20.replace(h20.find("aliases: [h20-96gb]\n"), std::string("aliases: [h20-96gb]\n").size(), "");
    for (const char* name : {"summary", "sources"}) {
      std::string text = h20;
      text.replace(text.find("name: h20"), std::string("name: h20").size(), std::string("name: ") + name);
      write_file(dir.path() / (std::string(name) + ".yaml"), text);
    }
    const auto path = dir.path() / "out" / "fleet.xlsx";
    std::filesystem::create_directory(dir.path() / "out");
    const Run r = run({"--profiles", dir.path().string(), "plan", "--model", "llama-3.1-8b", "--gpu", "summary",
                       "--gpu", "sources", "--gpu", "h20", "--output-tokens-per-day", "1e9", "--xlsx", path.string()});
    REQUIRE(r.code == 0);
    CHECK(entries(dir.path() / "out") == 1);
    if (!unzip_on_path()) return;
    const std::string workbook = unzip_member(path, "xl/workbook.xml");
    for (const char* sheet : {"Summary", "Inputs", "summary (2)", "sources (2)", "h20", "Sources"}) {
      CHECK(workbook.find(std::string("<sheet name=\"") + sheet + "\"") != std::string::npos);
    }
  }

  TEST_CASE("worksheet names: valid, at most 31 characters cut between characters, unique case-insensitively") {
    CHECK(worksheet_name("a/b:c") == "a_b_c");
    CHECK(worksheet_name("'quoted'") == "quoted");
    CHECK(worksheet_name(std::string(40, 'x')).size() == 31);
    const std::string accented = std::string(30, 'x') + "\xc3\xa9\xc3\xa9";  // 30 x then two 2-byte characters
    CHECK(worksheet_name(accented) == std::string(30, 'x') + "\xc3\xa9");
    CHECK(unique_worksheet_names({"h20", "H20", "summary"}, {"Summary"}) ==
          std::vector<std::string>{"h20", "H20 (2)", "summary (2)"});
    const auto long_names = unique_worksheet_names({std::string(31, 'g'), std::string(31, 'G')}, {});
    CHECK(long_names[1] == std::string(27, 'G') + " (2)");
  }

  TEST_CASE("plan --xlsx and report --html: unwritable paths exit 2 and leave nothing behind") {
    const test::TempDir dir;
    const auto missing = dir.path() / "no-such-dir" / "fleet.xlsx";
    const Run xlsx = run(with(glm_plan, {"--xlsx", missing.string()}));
    CHECK(xlsx.code == 2);
    CHECK(xlsx.out.empty());
    CHECK(xlsx.err == missing.string() + ": error: cannot write: directory does not exist\n");
    // The target is an existing directory: the rename fails and the temporary is removed.
    std::filesystem::create_directory(dir.path() / "taken.xlsx");
    const Run taken = run(with(glm_plan, {"--xlsx", (dir.path() / "taken.xlsx").string()}));
    CHECK(taken.code == 2);
    CHECK(taken.err.rfind((dir.path() / "taken.xlsx").string() + ": error: cannot write: ", 0) == 0);
    std::filesystem::create_directory(dir.path() / "taken.html");
    const Run html = run({"report", "--model", "llama-3.1-8b", "--gpu", "l4", "--isl", "1000", "--osl", "200", "--html",
                          (dir.path() / "taken.html").string()});
    CHECK(html.code == 2);
    CHECK(html.err.rfind((dir.path() / "taken.html").string() + ": error: cannot write: ", 0) == 0);
    CHECK(entries(dir.path()) == 2);  // only the two directories made above
  }

  TEST_CASE("report --html: one self-contained page with charts, axis labels and every GPU") {
    const test::TempDir dir;
    const auto path = dir.path() / "report.html";
    const Run r = run({"report", "--model", "deepseek-r1", "--gpu", "h20", "--gpu", "h200-sxm", "--isl", "1000",
                       "--osl", "1000", "--tpot-ms", "50", "--html", path.string()});
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == "wrote " + path.string() + "\n");
    CHECK(entries(dir.path()) == 1);
    const std::string html = read_file(path.string());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    for (const char* external :
         {"src=\"http", "href=\"http", "src='http", "href='http", "<script", "<link", "@import"}) {
      CAPTURE(external);
      CHECK(html.find(external) == std::string::npos);
    }
    size_t charts = 0;
    for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
    CHECK(charts == 6);  // a roofline and a throughput chart per GPU, $/Mtok by GPU, the frontiers overlaid
    for (const char* text :
         {"arithmetic intensity (FLOP/byte of HBM traffic)", "attainable throughput (TFLOP/s per GPU)",
          "throughput (output tokens/s per GPU)", "decode speed per user (output tokens/s per request)", "h20",
          "h200-sxm", "Memory fit", "cost ($/Mtok output)", "TPOT SLO 50 ms", "attention core: decode"}) {
      CAPTURE(text);
      CHECK(html.find(text) != std::string::npos);
    }
    // The memory fit sizes for the workload's context, unlike `fit`, and says so.
    CHECK(html.find("Smallest GPU count per weight precision for the workload&#39;s context: 1,000 input + 1,000 "
                    "output = 2,000 tokens per request x 1 request in flight (llmsizer fit sizes for the model&#39;s "
                    "full context, 163,840 tokens, unless given --context)") != std::string::npos);
    // The cost table is the default layout's (the search's best configuration has its own table): it
    // says so and names the layout's weight precision, so one GPU's two costs are not read as one.
    CHECK(html.find("Cost and energy of the default layout at the chosen concurrency") != std::string::npos);
    CHECK(html.find("<td>8 GPUs: tp8 pp1, FP8 weights</td>") != std::string::npos);
  }

  TEST_CASE("HTML and SVG writers escape text") {
    HtmlReport page("a <b> & \"c\"");
    page.paragraph("x < y & z");
    page.table("", {"<h>"}, {{"it's"}});
    const std::string html = page.render();
    CHECK(html.find("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>") != std::string::npos);
    CHECK(html.find("<p>x &lt; y &amp; z</p>") != std::string::npos);
    CHECK(html.find("<th>&lt;h&gt;</th>") != std::string::npos);
    CHECK(html.find("<td>it&#39;s</td>") != std::string::npos);
    Chart chart;
    chart.title = "T<1>";
    chart.x = {"x & y (units)", true, {}, {}};
    chart.series.push_back(
        {"s<1>", "#000", Marker::circle, true, LineStyle::solid, {{1, 2, "", ""}, {100, 3, "p&q", "a<b"}}});
    const std::string svg = render_svg(chart);
    CHECK(svg.find("T&lt;1&gt;") != std::string::npos);
    CHECK(svg.find("x &amp; y (units) (log scale)") != std::string::npos);
    CHECK(svg.find("s&lt;1&gt;") != std::string::npos);
    CHECK(svg.find("p&amp;q") != std::string::npos);
    CHECK(svg.find("<title>a&lt;b</title>") != std::string::npos);
    CHECK(tick_label(1500) == "1.5k");
    CHECK(tick_label(2e6) == "2M");
    CHECK(tick_label(0.5) == "0.5");
  }

}  // TEST_SUITE

TEST_SUITE("decisions") {
  TEST_CASE("plan and compare carry the 80 % range of the configuration they choose, as estimate bands it") {
    const Run r = run({"plan", "--model", "llama-3.1-70b", "--gpu", "h200-sxm", "--output-tokens-per-day", "2e9",
                       "--tpot-ms", "70", "--json"});
    REQUIRE(r.code == 0);
    const auto option = nlohmann::json::parse(r.out)["options"][0];
    REQUIRE_FALSE(option["tpot_ms_p90"].is_null());
    // The same configuration estimated alone: its bands are the plan's range.
    const auto est = nlohmann::json::parse(
        run({"estimate", "--model", "llama-3.1-70b", "--gpu", "h200-sxm", "--isl", "1000", "--osl", "1000", "--tp",
             std::to_string(option["tp"].get<int>()), "--weights", option["weights"].get<std::string>(), "--kv",
             option["kv"].get<std::string>(), "--concurrency",
             std::to_string(option["concurrency_per_replica"].get<int>()), "--json"})
            .out);
    for (const char* key : {"ttft_ms_p10", "ttft_ms_p90", "tpot_ms_p10", "tpot_ms_p90"}) {
      CAPTURE(key);
      CHECK(option[key].get<double>() == doctest::Approx(est[key].get<double>()).epsilon(1e-9));
    }
    CHECK(option["output_tok_s_per_replica_p10"].get<double>() ==
          doctest::Approx(est["output_tok_s_p10"].get<double>()).epsilon(1e-9));
    // The fleet at either end of the throughput range: whole replicas for the peak at p90 and p10.
    const double peak = 2e9 / 86400 * 2;
    const auto per_replica = option["gpus_per_replica"].get<double>();
    CHECK(option["gpus_pessimistic"].get<double>() ==
          std::ceil(peak / option["output_tok_s_per_replica_p10"].get<double>()) * per_replica);
    CHECK(option["gpus_optimistic"].get<double>() ==
          std::ceil(peak / option["output_tok_s_per_replica_p90"].get<double>()) * per_replica);
    CHECK(option["gpus_optimistic"] <= option["gpus"]);
    CHECK(option["gpus"] <= option["gpus_pessimistic"]);
    CHECK(option["meets_slo_at_p90"].get<bool>() == (option["tpot_ms_p90"].get<double>() <= 70));
    const Run text = run(
        {"plan", "--model", "llama-3.1-70b", "--gpu", "h200-sxm", "--output-tokens-per-day", "2e9", "--tpot-ms", "70"});
    CHECK(text.out.find("\n80% range (") != std::string::npos);
    CHECK(text.out.find(fmt::format("  h200-sxm: {}-{} GPUs", option["gpus_optimistic"].get<int>(),
                                    option["gpus_pessimistic"].get<int>())) != std::string::npos);
    const Run compare = run(
        {"compare", "--model", "llama-3.1-70b", "--gpu", "h200-sxm", "--tpot-ms", "70", "--max-gpus", "2", "--json"});
    REQUIRE(compare.code == 0);
    const auto c = nlohmann::json::parse(compare.out)[0];
    CHECK(c["tpot_ms_p10"].get<double>() < c["tpot_ms"].get<double>());
    CHECK(c["tpot_ms"].get<double>() < c["tpot_ms_p90"].get<double>());
    CHECK(c["output_tok_s_per_gpu_p10"].get<double>() < c["output_tok_s_per_gpu"].get<double>());
    CHECK(c["meets_slo_at_p90"].get<bool>() == (c["tpot_ms_p90"].get<double>() <= 70));
  }
}

}  // namespace llmsizer
