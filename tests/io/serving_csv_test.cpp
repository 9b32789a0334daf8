// The serving-run CSV reader (io/serving_csv.hpp): the shipped file reads into measurements with
// every column mapped, and each structural error names file:line:col with the line and a caret.
#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <utility>

#include "io/config_error.hpp"
#include "io/serving_csv.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

const std::string csv_header =
    "id,model,gpu,gpus,tp,pp,dp,ep,weights,isl,osl,concurrency,engine,engine_version,ttft_ms,tpot_ms\n";
const std::string good_row = "r1,deepseek-r1,b200,8,4,1,2,8,fp4,4000,1000,96,trtllm,1.3.0rc1,531.5,89.3\n";

std::string error_of(const std::string& text) {
  try {
    (void)parse_serving_csv(text, "runs.csv");
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "no error";
}

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("the shipped serving_sample.csv reads every run, with its layout, precision and metrics") {
    const auto rows = load_measurement_file(test::source_path("validation/serving_sample.csv").string());
    REQUIRE(rows.size() == 1159);  // the file's data rows (NOTES.md: 1,159 runs)
    const Measurement& first = rows.front();
    // First data row after the 7 comment lines and the csv_header.
    CHECK(first.line == 9);
    CHECK(first.model == "deepseek-r1");
    CHECK(first.gpu == "b200");
    CHECK(first.gpus == 4);
    CHECK(*first.tp == 4);
    CHECK(*first.pp == 1);
    CHECK(*first.dp == 1);
    CHECK(*first.ep == 4);
    CHECK(first.weights == "fp4");  // as written: NVFP4 unless the model was released in 4 bits
    CHECK(first.kv.empty());          // not recorded: the estimator's default applies
    CHECK(first.engine == "trtllm");
    CHECK(first.phase == "mixed");
    CHECK(*first.isl == 4000);
    CHECK(*first.osl == 1000);
    CHECK(*first.concurrency == 224);
    CHECK(*first.ttft_ms == doctest::Approx(588.6100334575892));
    CHECK(*first.tpot_ms == doctest::Approx(90.83985855867864));
    CHECK(first.source == "serving_sample.csv");
    CHECK(first.skip_reason.empty());
    int native = 0;
    for (const Measurement& m : rows) native += m.weights.empty() ? 1 : 0;
    CHECK(native == 203);  // rows whose weights cell is empty: the model's native precisions
  }

  TEST_CASE("every shipped run has the GPU count its id names (the copy's correction of tp x ep rows)") {
    // Ids end _tpX_epY_N or _tpX_0_epY_0_N: X GPUs of tensor or attention-DP ranks. The dump had
    // gpus = X x Y for 93 of the 2026-04-06 rows; the copy corrects them (its csv_header says so).
    const auto rows = load_measurement_file(test::source_path("validation/serving_sample.csv").string());
    const std::regex layout("_tp([0-9]+)(_0)?_ep([0-9]+|none)(_0)?_[0-9]+$");
    int named = 0;
    for (const Measurement& m : rows) {
      std::smatch match;
      if (!std::regex_search(m.id, match, layout)) continue;
      ++named;
      INFO(m.id);
      CHECK(m.gpus == std::stoi(match[1].str()));
      CHECK(m.gpus <= 8);  // no run of the file spans more than one 8-GPU node
    }
    CHECK(named == 1159);
  }

  TEST_CASE("a comment-free file with an empty metric cell reads; the metric is absent") {
    const auto rows =
        parse_serving_csv(csv_header + "r1,llama-3.1-8b,h100-sxm,1,1,1,1,1,,1024,128,8,vllm,,,7.5\n", "runs.csv");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].line == 2);
    CHECK(rows[0].weights.empty());
    CHECK_FALSE(rows[0].ttft_ms.has_value());
    CHECK(*rows[0].tpot_ms == 7.5);
  }

  TEST_CASE("structural errors in a serving CSV name file:line:col, the line and a caret") {
    CHECK(error_of("id,modle,gpu\n") == "runs.csv:1:4: error: modle: unknown column; did you mean 'model'?\n"
                                        "id,modle,gpu\n"
                                        "   ^");
    CHECK(error_of("# source\nid,id\n") == "runs.csv:2:4: error: id: duplicate column\nid,id\n   ^");
    CHECK(error_of("id,model\n").starts_with("runs.csv:1:1: error: gpu: missing column (the header must name it)"));
    // One bad cell of a data row each: the row, then the start of the message it must give.
    const std::pair<const char*, const char*> bad_rows[] = {
        {"r1,deepseek-r1,b200,8,4,1,2,8,fp4,4000,1000,96,trtllm,1.3.0rc1,531.5,abc",
         "runs.csv:2:70: error: tpot_ms: expected a number, got 'abc'"},
        {"r1,deepseek-r1,b200,8,4,1,2,8,fp4,4000,1000,0,trtllm,1.3.0rc1,531.5,89.3",
         "runs.csv:2:45: error: concurrency: 0 is out of range (must be a whole number from 1 to 2147483648)"},
        {"r1,deepseek-r1,b200,8,4,1,2,8,fp4,4000,1000,96,trtllm,1.3.0rc1,nan,89.3",
         "runs.csv:2:64: error: ttft_ms: 'nan' is not a finite number"},
        {"r1,deepseek-r1,b200,8,4,1,2,8,fp4,4000,1000,96,trtllm,1.3.0rc1,531.5,0",
         "runs.csv:2:70: error: tpot_ms: 0 is out of range (must be > 0)"},
        {"r1,deepseek-r1,b200,6,4,1,2,8,fp4,4000,1000,96,trtllm,1.3.0rc1,531.5,89.3",
         "runs.csv:2:21: error: gpus: 6 is not tp x pp x dp = 4 x 1 x 2 = 8"},
        {"r1,deepseek-r1,b200,8,4,1,2,8,fp5,4000,1000,96,trtllm,1.3.0rc1,531.5,89.3",
         "runs.csv:2:31: error: weights: unknown precision 'fp5'; did you mean"},
    };
    for (const auto& [row, message] : bad_rows) {
      CAPTURE(row);
      CHECK(error_of(csv_header + row + "\n").starts_with(message));
    }
    CHECK(error_of(csv_header + "r1,deepseek-r1,b200\n")
              .starts_with("runs.csv:2:20: error: 3 fields, the header has 16"));
    CHECK(error_of(csv_header + good_row + good_row)
              .starts_with("runs.csv:3:1: error: id: duplicate id 'r1' (also on line 2)"));
  }

  TEST_CASE("the file's extension picks the format") {
    const auto yaml = load_measurement_file(test::source_path("validation/measurements.yaml").string());
    CHECK_FALSE(yaml.empty());
    CHECK(yaml.front().source != "measurements.yaml");  // YAML rows carry their own source names
  }
}

}  // namespace llmsizer
