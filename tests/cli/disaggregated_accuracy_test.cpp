// The disaggregated pools against published runs (tests/data/measured_disaggregated.csv): each
// decode pool's TPOT and each prefill pool's input tok/s per GPU, estimated with `estimate
// --scenarios` one phase at a time (docs/methodology.md#disaggregated, "Measured").
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

TEST_SUITE("validate") {

TEST_CASE("measured disaggregated pools: decode TPOT and prefill throughput against the published runs") {
  // Each row cites its source and says how the published figure became a TPOT (batch per GPU over
  // output tok/s per GPU) or an input tok/s per GPU. `gate` = seven: Ant Group's DeepSeek-R1 decode
  // pools on H20 (m159-m165, all inputs stated, quality A-); `report`: the other wide-EP pools, whose
  // layouts are approximated (EP72 and EP144 with redundant experts as EP64 / EP128 at the same experts
  // per GPU) or whose batch or MTP is not stated.
  //
  // The target is a median TPOT error <= 20 % on measured disaggregated runs. On the seven
  // rows the estimate is +16 % with the shipped calibration (m159 +26 %, m160/m164 +27 %, m161 +9 %,
  // m165 +13 %, the batch-8 rows -5 %/-16 %); it was +28 % while decode-only
  // steps paid m + m_half rows per touched expert instead of the masked layout's
  // (m^k + m_half^k)^(1/k) (docs/methodology.md#moe). The guard below sits between the two: it fails if
  // that change is reverted, and leaves room for a refit after other model changes. The remaining error
  // is compute-bound decode on H20 (attention and grouped-GEMM efficiencies fitted where decode is
  // memory-bound), docs/methodology.md#disaggregated-measured.
  const std::string file = test::source_path("tests/data/measured_disaggregated.csv").string();
  const CsvTable csv = parse_csv(read_file(file), file);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < csv.header.size(); ++i) column[csv.header[i]] = i;
  const test::Run r = test::run({"estimate", "--scenarios", file, "--json"});
  REQUIRE(r.code == 0);
  const nlohmann::json results = nlohmann::json::parse(r.out);
  REQUIRE(results.size() == csv.records.size());
  std::vector<double> seven_abs;
  for (size_t i = 0; i < csv.records.size(); ++i) {
    const auto& f = csv.records[i].fields;
    const nlohmann::json& j = results[i];
    CAPTURE(f[column["id"]]);
    CHECK(!f[column["source"]].empty());
    REQUIRE(j["fits"] == true);
    double error = 0;
    if (f[column["phase"]] == "decode") {
      error = j["tpot_ms"].get<double>() / std::stod(f[column["measured_tpot_ms"]]) - 1.0;
    } else {
      REQUIRE(f[column["phase"]] == "prefill");
      const double per_gpu = j["input_tok_s"].get<double>() / j["gpus"].get<double>();
      error = per_gpu / std::stod(f[column["measured_input_tok_s_per_gpu"]]) - 1.0;
    }
    CAPTURE(error);
    // Every pool within a factor 2 either way: unit slips (a factor tp, ep or 1000) fail here. The
    // worst pool is m155 at -38 % (a prefill pool whose per-device token budget is taken from a
    // profile, not stated by the run; docs/methodology.md#disaggregated-measured).
    CHECK(std::abs(std::log1p(error)) <= std::log(2.0));
    if (f[column["gate"]] == "seven") seven_abs.push_back(std::abs(error));
  }
  REQUIRE(seven_abs.size() == 7);
  CHECK(median(seven_abs) <= 0.22);  // 0.16 shipped; 0.28 with the saturation form in decode
}

}  // TEST_SUITE("validate")

}  // namespace llmsizer
