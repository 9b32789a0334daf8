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

#include "estimator/step_time.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"
#include "request/resolved_estimate.hpp"
#include "request/scenario_fields.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The row as the scenario `estimate --scenarios` reads: every column that names a scenario field.
ScenarioInput scenario_of(const CsvTable& csv, size_t row) {
  ScenarioInput in;
  for (size_t c = 0; c < csv.header.size(); ++c) {
    const std::string& value = csv.records[row].fields[c];
    const ScenarioField* field = find_scenario_field(csv.header[c]);
    if (field != nullptr && !value.empty()) field->parse(in, value, csv.header[c]);
  }
  return in;
}

/// The step a pool repeats: a decode step, or the prefill pool's start-up burst, its prompts per
/// attention rank packed into full token budgets (docs/methodology.md#disaggregated). `tokens` and
/// `steps` say what one rank gets through in `steps` such steps.
struct PoolStep {
  StepTime step;
  double tokens = 0;
  double steps = 1;
};

PoolStep pool_step(const ScenarioResolver::Resolved& r) {
  const Workload& w = r.workload;
  const double per_rank = static_cast<double>(w.concurrency) / r.deployment.replicas / r.deployment.parallel.dp;
  const double isl = static_cast<double>(w.isl);
  if (w.phase == Phase::decode) {
    const StepShape decode{per_rank, isl + static_cast<double>(w.osl) / 2.0, 1, 0, 0, 0};
    return {stage_step_time(*r.prepared, *r.gpu, r.deployment, r.efficiency, decode), per_rank, 1};
  }
  const double tokens = per_rank * isl;
  const double steps = std::ceil(tokens / static_cast<double>(r.efficiency.engine.prefill_chunk_tokens));
  const StepShape burst{0, 0, 1, tokens / steps, isl / 2.0, per_rank / steps};
  return {stage_step_time(*r.prepared, *r.gpu, r.deployment, r.efficiency, burst), tokens, steps};
}

}  // namespace

TEST_SUITE("validate") {

TEST_CASE("measured disaggregated pools: decode TPOT and prefill throughput against the published runs") {
  // Each row cites its source and says how the published figure became a TPOT (batch per GPU over
  // output tok/s per GPU) or an input tok/s per GPU. `gate` = seven: Ant Group's DeepSeek-R1 decode
  // pools on H20 (m159-m165, all inputs stated, quality A-); `report`: the other pools, whose layouts
  // are approximated (EP72 and EP144 with redundant experts as EP64 / EP128 at the same experts per
  // GPU), whose batch, MTP or prompts per step are not stated, or whose engine overlaps communication
  // by an unstated amount (`overlap`, checked as a range in the next test case).
  //
  // The target is a median TPOT error <= 20 % on measured disaggregated runs. On the seven
  // rows the median |error| is 10 % with the shipped calibration (m159 -7 %, m160/m164 -3 %, m161
  // -10 %, m165 -13 %, the batch-8 rows -18 %/-26 %): 14 % before the drafting pass became a whole
  // MTP-module forward and the flash-attention fraction got the tensor/vector rescale
  // (docs/methodology.md#mtp, #tensor-vector), 28 % while decode-only steps paid m + m_half rows per
  // touched expert (docs/methodology.md#moe). Over all 16 pools the median is 10.5 %, 21.7 % before
  // the pools whose sources state two-batch overlap were costed with it
  // (docs/methodology.md#two-batch-overlap). The guards leave room for a refit after other changes.
  const std::string file = test::source_path("tests/data/measured_disaggregated.csv").string();
  const CsvTable csv = parse_csv(read_file(file), file);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < csv.header.size(); ++i) column[csv.header[i]] = i;
  const test::Run r = test::run({"estimate", "--scenarios", file, "--json"});
  REQUIRE(r.code == 0);
  const nlohmann::json results = nlohmann::json::parse(r.out);
  REQUIRE(results.size() == csv.records.size());
  std::vector<double> seven_abs;
  std::vector<double> all_abs;
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
    // worst pools are m166 at -30 %, m151 at +29 % and m163 at -26 %; m158 (H20's TP8 prefill node,
    // compute-bound) is -24 %.
    CHECK(std::abs(std::log1p(error)) <= std::log(2.0));
    if (f[column["gate"]] == "seven") seven_abs.push_back(std::abs(error));
    all_abs.push_back(std::abs(error));
  }
  REQUIRE(seven_abs.size() == 7);
  CHECK(median(seven_abs) <= 0.14);  // 0.10 shipped; 0.137 before this round
  CHECK(median(all_abs) <= 0.15);    // 0.105 shipped; 0.217 without two-batch overlap
}

TEST_CASE("measured pools whose engine overlaps communication: two-batch overlap lies between the bounds and nearer the runs") {
  // Two-batch overlap (TBO) splits a step into two micro-batches so one's all-to-all runs while the
  // other computes. It is stated for SGLang's pools on 96 H100 (LMSYS blog 2025-05-05: m149-m152) and
  // for DeepSeek's own engine (open-infra-index day 6, "computation-communication overlap": two
  // micro-batches in prefill, a five-stage pipeline in decode: m148, m154, m155); the rows say so
  // (`overlap` two-batch) and the estimate models it (docs/methodology.md#two-batch-overlap). Its
  // step must lie between the no-overlap step and the communication hidden entirely,
  // max(compute + memory + overheads, communication), and over the seven pools it must be nearer
  // the measurements than the no-overlap estimate. The H20 pools (m159-m166) state no overlap.
  const std::string file = test::source_path("tests/data/measured_disaggregated.csv").string();
  const CsvTable csv = parse_csv(read_file(file), file);
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < csv.header.size(); ++i) column[csv.header[i]] = i;
  const Catalog catalog = test::shipped_catalog();
  ScenarioResolver resolver(catalog, "default");
  std::vector<double> overlapped_abs;
  std::vector<double> serial_abs;
  for (size_t i = 0; i < csv.records.size(); ++i) {
    const auto& f = csv.records[i].fields;
    if (f[column["overlap"]] != "two-batch") continue;
    CAPTURE(f[column["id"]]);
    ScenarioInput in = scenario_of(csv, i);
    REQUIRE(in.mtp.value_or(0) == 0);  // one token per decode step: TPOT is the step
    const ScenarioResolver::Resolved r = resolver.resolve(in);
    REQUIRE(r.deployment.overlap == Overlap::two_batch);
    in.overlap = "none";
    const ScenarioResolver::Resolved plain = resolver.resolve(in);
    const PoolStep p = pool_step(plain);
    const StepTime& s = p.step;
    const double hidden = std::max((s.compute_bound + s.memory_bound + s.overhead).value, s.communication.value);
    const StepTime o = pool_step(r).step;
    CHECK(o.total.value > hidden);
    CHECK(o.total.value < s.total.value);
    const Estimate e = estimate_resolved(r);
    REQUIRE(e.fits);
    if (r.workload.phase == Phase::decode) {
      REQUIRE(e.tpot.value == doctest::Approx(o.total.value).epsilon(1e-9));  // the step the estimate ran
      const double measured = std::stod(f[column["measured_tpot_ms"]]) / 1e3;
      overlapped_abs.push_back(std::abs(o.total.value / measured - 1));
      serial_abs.push_back(std::abs(s.total.value / measured - 1));
    } else {
      const double gpus_per_rank = r.deployment.parallel.tp * r.deployment.parallel.pp;
      const double per_gpu = e.input_tok_s / r.deployment.total_gpus();
      REQUIRE(per_gpu == doctest::Approx(p.tokens / (p.steps * o.total.value) / gpus_per_rank).epsilon(1e-9));
      const double measured = std::stod(f[column["measured_input_tok_s_per_gpu"]]);
      overlapped_abs.push_back(std::abs(per_gpu / measured - 1));
      serial_abs.push_back(std::abs(p.tokens / (p.steps * s.total.value) / gpus_per_rank / measured - 1));
    }
  }
  REQUIRE(overlapped_abs.size() == 7);
  CHECK(median(overlapped_abs) < median(serial_abs));
}

}  // TEST_SUITE("validate")

}  // namespace llmsizer
