// One output schema per result type: `fit`, `list` and `compare` print CSV (goldens
// tests/golden/*_csv.txt), the same quantity has the same column key in every command's CSV, rows
// name the model and GPU they describe, and JSON of fit/compare parses with those keys.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/csv_reader.hpp"
#include "io/result_table.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::check_golden;
using test::Run;
using test::run;

const std::vector<std::string> fit_args = {"fit", "--model", "deepseek-r1", "--gpu", "a100-80gb-sxm"};
const std::vector<std::string> compare_args = {"compare", "--model", "glm-4.5", "--model", "llama-3.1-405b",
                                               "--gpu", "h20", "--isl", "1000", "--osl", "1000", "--tpot-ms", "50"};
const std::vector<std::string> estimate_args = {"estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm",
                                                "--gpus", "4", "--weights", "fp8", "--isl", "2048", "--osl", "512",
                                                "--concurrency", "32"};
const std::vector<std::string> sweep_args = {"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl",
                                             "1000", "--osl", "1000", "--tpot-ms", "8", "--max-gpus", "2"};
const std::vector<std::string> plan_args = {"plan", "--model", "glm-4.5", "--gpu", "h20", "--gpu", "h200-sxm",
                                            "--output-tokens-per-day", "2e9", "--tpot-ms", "50"};

std::vector<std::string> with_flag(std::vector<std::string> args, const std::string& flag) {
  args.push_back(flag);
  return args;
}

/// The CSV of a command that must answer: exit 0, nothing on stderr, parsed.
CsvTable csv_of(const std::vector<std::string>& args) {
  const Run r = run(with_flag(args, "--csv"));
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  return parse_csv(r.out, "stdout");
}

bool has(const std::vector<std::string>& header, const std::string& key) {
  return std::find(header.begin(), header.end(), key) != header.end();
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("golden: fit --csv, list models --csv, compare --csv") {
    const Run fit = run(with_flag(fit_args, "--csv"));
    CHECK(fit.code == 0);
    CHECK(fit.err.empty());
    check_golden("fit_deepseek-r1_a100-80gb-sxm_csv", fit.out);
    const Run models = run({"list", "models", "--csv"});
    CHECK(models.code == 0);
    CHECK(models.err.empty());
    check_golden("list_models_csv", models.out);
    const Run compare = run(with_flag(compare_args, "--csv"));
    CHECK(compare.code == 0);
    CHECK(compare.err.empty());
    check_golden("compare_glm-4.5_llama-3.1-405b_h20_csv", compare.out);
  }

  TEST_CASE("fit --csv: one row per precision as in --json, notes joined, no fit leaves the layout empty") {
    const CsvTable csv = csv_of(fit_args);
    const Run json = run(with_flag(fit_args, "--json"));
    REQUIRE(json.code == 0);
    const nlohmann::json rows = nlohmann::json::parse(json.out);
    REQUIRE(csv.records.size() == rows.size());
    std::vector<std::string> keys;
    for (const auto& [key, value] : rows[0].items()) keys.push_back(key);
    CHECK(std::set<std::string>(csv.header.begin(), csv.header.end()) == std::set<std::string>(keys.begin(), keys.end()));
    const auto at = [&](const std::string& key) {
      return static_cast<std::size_t>(std::find(csv.header.begin(), csv.header.end(), key) - csv.header.begin());
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& fields = csv.records[i].fields;
      CHECK(fields[at("weights")] == rows[i]["weights"].get<std::string>());
      CHECK(fields[at("fits")] == (rows[i]["fits"].get<bool>() ? "true" : "false"));
      // Numbers agree: the CSV is the JSON's double to six significant digits (csv_number).
      CHECK(fields[at("weights_gb_per_gpu")] == csv_number(rows[i]["weights_gb_per_gpu"].get<double>()));
      CHECK(std::stod(fields[at("weights_gb_per_gpu")]) ==
            doctest::Approx(rows[i]["weights_gb_per_gpu"].get<double>()).epsilon(5e-6));
      if (rows[i]["gpus"].is_null()) CHECK(fields[at("tp")].empty());
    }
    // FP8 on A100 runs weight-only (a note), and the notes column joins them with "; ".
    CHECK(csv.records[0].fields[at("notes")].find("weight-only") != std::string::npos);
  }

  TEST_CASE("list models --csv and list gpus --csv: one row per profile, keyed by model or gpu") {
    const CsvTable models = csv_of({"list", "models"});
    CHECK(models.header.front() == "model");
    CHECK(models.records.size() == 29);
    CHECK(has(models.header, "params"));
    CHECK(has(models.header, "kv_kb_per_token"));
    const CsvTable gpus = csv_of({"list", "gpus"});
    CHECK(gpus.header.front() == "gpu");
    CHECK(gpus.records.size() == 32);
    CHECK(has(gpus.header, "usd_per_gpu_hour"));
    // Llama-3.1-70B has 70,553,706,496 parameters (STYLE.md section 6a), in full rather than "70.6B".
    bool found = false;
    for (const CsvRecord& r : models.records) {
      if (r.fields[0] != "llama-3.1-70b") continue;
      found = true;
      const auto params = std::find(models.header.begin(), models.header.end(), "params") - models.header.begin();
      CHECK(r.fields[static_cast<std::size_t>(params)] == "70553706496");
    }
    CHECK(found);
  }

  TEST_CASE("the same quantity has the same column key in estimate, sweep, plan, compare and fit CSV") {
    const CsvTable estimate = csv_of(estimate_args);
    const CsvTable sweep = csv_of(sweep_args);
    const CsvTable plan = csv_of(plan_args);
    const CsvTable compare = csv_of(compare_args);
    const CsvTable fit = csv_of(fit_args);
    for (const CsvTable* t : {&estimate, &sweep, &plan, &compare, &fit}) {
      CHECK(has(t->header, "model"));
      CHECK(has(t->header, "gpu"));
      CHECK(has(t->header, "tp"));
      CHECK(has(t->header, "pp"));
      CHECK(has(t->header, "weights"));
    }
    for (const CsvTable* t : {&estimate, &sweep, &plan, &compare}) {
      for (const char* key : {"ttft_ms", "tpot_ms", "usd_per_mtok_output"}) {
        CAPTURE(key);
        CHECK(has(t->header, key));
      }
    }
    for (const CsvTable* t : {&estimate, &sweep, &compare}) {
      for (const char* key : {"gpus", "concurrency", "output_tok_s_per_gpu", "tok_s_per_user", "joules_per_output_token"}) {
        CAPTURE(key);
        CHECK(has(t->header, key));
      }
    }
    // A layout's GPU count is `gpus` in fit as everywhere; compare's row has its own `gpus` beside the
    // fewest that would hold its precision.
    CHECK(has(fit.header, "gpus"));
    CHECK_FALSE(has(fit.header, "min_gpus"));
    CHECK(has(compare.header, "min_gpus"));
    for (const char* key : {"weights_gb_per_gpu", "kv_gb_per_gpu", "usable_gb_per_gpu", "free_kv_tokens"}) {
      CAPTURE(key);
      CHECK(has(estimate.header, key));
      CHECK(has(fit.header, key));
    }
    CHECK(has(sweep.header, "memory_gb_per_gpu"));
    CHECK(has(compare.header, "memory_gb_per_gpu"));
  }

  TEST_CASE("notes are a list of sentences in every command's JSON, whether empty, one or several") {
    // Counts every "notes" value anywhere in a document and checks that each is a list of strings.
    const auto notes_lists = [](const auto& self, const nlohmann::json& j) -> int {
      int found = 0;
      if (j.is_object() && j.contains("notes")) {
        CHECK(j.at("notes").is_array());
        for (const auto& n : j.at("notes")) CHECK(n.is_string());
        ++found;
      }
      if (j.is_structured()) {
        for (const auto& child : j) found += self(self, child);
      }
      return found;
    };
    const test::TempDir dir;
    test::write_text(dir.path() / "s.csv", "model,gpu,isl,osl\nllama-3.1-8b,h100-sxm,100,100\nllama-3.1-70b,a100-40gb-pcie,100,100\n");
    const std::vector<std::string> scenarios = {"estimate", "--scenarios", (dir.path() / "s.csv").string()};
    for (const auto& args : {fit_args, estimate_args, compare_args, sweep_args, plan_args, scenarios}) {
      CAPTURE(args[0]);
      const Run r = run(with_flag(args, "--json"));
      REQUIRE(r.code == 0);
      const int found = notes_lists(notes_lists, nlohmann::json::parse(r.out));
      if (args == fit_args || args == estimate_args || args == scenarios) CHECK(found > 0);
    }
  }

  TEST_CASE("fit --json and compare --json parse and name the model and GPU of every row") {
    const Run fit = run(with_flag(fit_args, "--json"));
    REQUIRE(fit.code == 0);
    const nlohmann::json fit_rows = nlohmann::json::parse(fit.out);
    REQUIRE(fit_rows.size() > 1);
    for (const auto& row : fit_rows) {
      CHECK(row.at("model") == "deepseek-r1");
      CHECK(row.at("gpu") == "a100-80gb-sxm");
      CHECK(row.at("notes").is_array());
    }
    const Run compare = run(with_flag(compare_args, "--json"));
    REQUIRE(compare.code == 0);
    const nlohmann::json compare_rows = nlohmann::json::parse(compare.out);
    REQUIRE(compare_rows.size() == 2);
    CHECK(compare_rows[0].at("model") == "glm-4.5");
    CHECK(compare_rows[1].at("model") == "llama-3.1-405b");
    for (const auto& row : compare_rows) CHECK(row.at("gpu") == "h20");
  }

  TEST_CASE("show --csv: a model's weights per precision, a GPU's prices") {
    const CsvTable model = csv_of({"show", "llama-3.1-70b"});
    CHECK(model.header == std::vector<std::string>{"model", "weights", "weights_gb", "weights_gib"});
    REQUIRE(model.records.size() == 4);
    // 70,553,706,496 parameters x 2 bytes = 141,107,412,992 B in BF16 (STYLE.md section 6a).
    CHECK(model.records[0].fields == std::vector<std::string>{"llama-3.1-70b", "bf16", "141.107",
                                                              model.records[0].fields[3]});
    CHECK(std::stod(model.records[0].fields[3]) == doctest::Approx(131.4).epsilon(0.001));
    const CsvTable gpu = csv_of({"show", "h100-sxm"});
    CHECK(gpu.header == std::vector<std::string>{"gpu", "price", "price_basis", "usd_per_gpu_hour", "date", "source"});
    REQUIRE_FALSE(gpu.records.empty());
    CHECK(gpu.records[0].fields[0] == "h100-sxm");
  }

  TEST_CASE("--json and --csv exclude each other on fit, list, compare and show") {
    for (const auto& args : {fit_args, std::vector<std::string>{"list", "gpus"}, compare_args,
                             std::vector<std::string>{"show", "h20"}}) {
      std::vector<std::string> both = with_flag(with_flag(args, "--json"), "--csv");
      const Run r = run(both);
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err.find("excludes") != std::string::npos);
    }
  }
}

}  // namespace llmsizer
