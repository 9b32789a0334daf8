// Tests of `validate` and `calibrate`: the published error, its CI gate, reproducible calibration,
// user measurement files and their errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "estimator/calibration_fit.hpp"
#include "estimator/error_stats.hpp"
#include "io/calibration_loader.hpp"
#include "io/measurements.hpp"
#include "io/yaml_reader.hpp"
#include "tests/cli/validation_json.hpp"
#include "tests/test_support.hpp"

namespace {

using llmsizer::test::Run;
using llmsizer::test::run;

using llmsizer::test::summary_value;

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_SUITE("validate") {
  TEST_CASE("error statistics by hand") {
    // Errors -0.5, -0.1, 0.2, 0.3, 1.0: |e| sorted 0.1 0.2 0.3 0.5 1.0 -> median 0.3, nearest-rank
    // p90 = ceil(0.9*5) = 5th = 1.0; signed median 0.2.
    const llmsizer::ErrorSummary s = llmsizer::summarize_errors({-0.5, -0.1, 0.2, 0.3, 1.0});
    CHECK(s.rows == 5);
    CHECK(s.median_abs == doctest::Approx(0.3));
    CHECK(s.p90_abs == doctest::Approx(1.0));
    CHECK(s.bias == doctest::Approx(0.2));
    CHECK(llmsizer::relative_error(120, 100) == doctest::Approx(0.2));
  }

  TEST_CASE("the held-out split is deterministic and about 30%") {
    int held = 0;
    for (int i = 0; i < 1000; ++i) held += llmsizer::is_holdout(std::string("m").append(std::to_string(i))) ? 1 : 0;
    CHECK(held > 250);
    CHECK(held < 350);
    CHECK(llmsizer::is_holdout("m185") == llmsizer::is_holdout("m185"));
  }

  TEST_CASE("validate prints per-source and overall tables for the shipped measurements") {
    const Run r = run({"validate"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find("Per source") != std::string::npos);
    CHECK(r.out.find("held-out rows") != std::string::npos);
    CHECK(r.out.find("TensorRT-LLM perf overview (v0.13.0)") != std::string::npos);
    CHECK(r.out.find("Worst rows") != std::string::npos);
    CHECK(r.out.find("median |err|") != std::string::npos);
  }

  TEST_CASE("CI gate: held-out error stays within the thresholds set from the honest result") {
    // Thresholds come from the calibrated result recorded in docs/validation.md plus a margin; a
    // change that makes the estimator worse on rows calibration never saw fails here. The shipped
    // calibration is fitted on every shipped file, so the gate on TPOT and TTFT is held on the
    // 1,159 serving runs' held-out rows (348 TPOT, 350 TTFT: held-out TPOT median 11% p90 38%, TTFT
    // median 31% p90 84%), no longer on the single held-out TPOT row of measurements.yaml. Tightened
    // from 15% / 50% / 42% when the KV precision rule and the corrected serving runs landed, from
    // 14% / 45% / 40% / 115% when FP4 weights on Hopper became weight-only (W4A16), and the TTFT
    // gate from 38% / 110% when prompt steps got their host launch cost (methodology.md#prefill-launch).
    const Run shipped = run({"validate", "--shipped", "--json"});
    REQUIRE(shipped.code == 0);
    const auto all = nlohmann::json::parse(shipped.out);
    CHECK(summary_value(all, "held-out rows", "tpot", "median_abs_error") <= 0.13);
    CHECK(summary_value(all, "held-out rows", "tpot", "p90_abs_error") <= 0.43);
    CHECK(summary_value(all, "held-out rows", "ttft", "median_abs_error") <= 0.34);
    CHECK(summary_value(all, "held-out rows", "ttft", "p90_abs_error") <= 0.95);
    CHECK(all["not_fitting"].empty());
    const Run r = run({"validate", "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(summary_value(j, "held-out rows", "output_tok_s_per_gpu", "median_abs_error") <= 0.25);
    CHECK(summary_value(j, "all rows", "tpot", "median_abs_error") <= 0.40);
    // A measured deployment that "does not fit" would be a bug in the memory model.
    CHECK(j["not_fitting"].empty());
    CHECK(j["estimated"].get<int>() >= 50);
  }

  TEST_CASE("calibrate from the priors reproduces the shipped default calibration") {
    // The shipped profile is `llmsizer calibrate --shipped` (its fitted.data says so): every shipped
    // measurement, the 1,159 serving runs included.
    const auto shipped =
        llmsizer::load_calibration_file(llmsizer::test::source_path("profiles/calibration/default.yaml").string());
    REQUIRE(shipped.data.starts_with("`llmsizer calibrate --shipped` on measurements.yaml, serving_sample.csv"));
    const Run r = run({"calibrate", "--shipped", "--date", shipped.fitted_on});
    REQUIRE(r.code == 0);
    const llmsizer::SourceText src = llmsizer::make_source("calibrated.yaml", r.out);
    const auto fitted = llmsizer::parse_calibration(llmsizer::parse_yaml(r.out, src), src);
    CHECK(fitted.data == shipped.data);
    for (const auto& p : llmsizer::candidate_parameters(shipped)) {
      CAPTURE(p.name);
      CHECK(llmsizer::get_parameter(fitted, p.name) ==
            doctest::Approx(llmsizer::get_parameter(shipped, p.name)).epsilon(2e-3));
    }
  }

  TEST_CASE("calibrate fits the prompt-group share of mixed engines only; a prefill-first engine keeps 1") {
    // docs/methodology.md#prompt-groups: a prefill-first engine rebuilds the lockstep every cycle, so
    // its share is derived (1), not fitted; the mixed engines' groups wear off and are fitted.
    const auto priors =
        llmsizer::load_calibration_file(llmsizer::test::source_path("profiles/calibration/priors.yaml").string());
    const auto fitted_names = [](const llmsizer::Calibration& c) {
      std::vector<std::string> out;
      for (const auto& p : llmsizer::candidate_parameters(c)) out.push_back(p.name);
      return out;
    };
    const auto has = [](const std::vector<std::string>& names, const std::string& name) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    const std::vector<std::string> names = fitted_names(priors);
    CHECK(has(names, "trtllm.prompt_group_share"));
    CHECK(has(names, "vllm.prompt_group_share"));
    CHECK_FALSE(has(names, "sglang.prompt_group_share"));
    CHECK(llmsizer::get_parameter(priors, "sglang.prompt_group_share") == 1.0);
    const auto shipped =
        llmsizer::load_calibration_file(llmsizer::test::source_path("profiles/calibration/default.yaml").string());
    CHECK(llmsizer::get_parameter(shipped, "sglang.prompt_group_share") == 1.0);
    // The engine's scheduler decides, not its name: TensorRT-LLM made prefill-first leaves the fit too.
    llmsizer::Calibration first = priors;
    for (auto& e : first.engines) {
      if (e.engine == "trtllm") e.prefill_first = true;
    }
    CHECK_FALSE(has(fitted_names(first), "trtllm.prompt_group_share"));
  }

  TEST_CASE("calibrate -o names the calibration after its file: --profiles DIR --calibration NAME uses it") {
    namespace fs = std::filesystem;
    llmsizer::test::TempDir dir;
    fs::create_directories(dir.path() / "mine");
    const fs::path file = dir.path() / "mine" / "my-calibration.yaml";
    const Run fit = run({"calibrate", "--date", "2026-01-01", "-o", file.string()});
    REQUIRE(fit.code == 0);
    CHECK(fit.err.ends_with("wrote " + file.string() +
                            " (calibration 'my-calibration': --profiles DIR --calibration my-calibration uses it)\n"));
    const auto written = llmsizer::load_calibration_file(file.string());
    CHECK(written.name == "my-calibration");
    // The estimate finds it by that name in the --profiles directory, and only there.
    const std::vector<std::string> estimate = {"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm",
                                               "--isl", "1000", "--osl", "1000", "--json"};
    std::vector<std::string> mine = estimate;
    mine.insert(mine.end(), {"--profiles", (dir.path() / "mine").string(), "--calibration", "my-calibration"});
    const Run with_mine = run(mine);
    CHECK(with_mine.code == 0);
    CHECK(with_mine.err.empty());  // a calibration of its own name replaces nothing
    std::vector<std::string> elsewhere = estimate;
    elsewhere.insert(elsewhere.end(), {"--calibration", "my-calibration"});
    const Run without = run(elsewhere);
    CHECK(without.code == 2);
    CHECK(without.err.starts_with("error: --calibration: no calibration profile named 'my-calibration' among the "
                                  "profile directories read (they have: "));
    CHECK(without.err.find("); a calibration file in another directory is read with --profiles DIR\n") !=
          std::string::npos);
    // Written as default.yaml it is named default and replaces the shipped one: said on stderr.
    fs::create_directories(dir.path() / "over");
    const fs::path over = dir.path() / "over" / "default.yaml";
    const Run again = run({"calibrate", "--date", "2026-01-01", "-o", over.string()});
    REQUIRE(again.code == 0);
    CHECK(llmsizer::load_calibration_file(over.string()).name == "default");
    std::vector<std::string> replaced = estimate;
    replaced.insert(replaced.end(), {"--profiles", (dir.path() / "over").string()});
    const Run r = run(replaced);
    CHECK(r.code == 0);
    CHECK(r.err == "warning: " + over.string() +
                       ": calibration 'default' replaces the one of that name in an earlier profile directory; every "
                       "estimate uses it unless --calibration names another\n");
    // A name that cannot be a profile's is refused before anything is fitted.
    const Run bad = run({"calibrate", "--name", "My Cal", "-o", file.string()});
    CHECK(bad.code == 2);
    CHECK(bad.err == "error: --name: 'My Cal' is not a profile name (lower-case letters, digits, '-', '_' or '.')\n");
  }

  TEST_CASE("a user's measurement file is validated on its own rows") {
    llmsizer::test::TempDir dir;
    const auto file = dir.path() / "mine.yaml";
    write(file, R"(schema: measurements/1
measurements:
- id: lab-1
  source: {name: our lab, path: run 42}
  model_ref: llama-3.1-8b
  precision: {weights: bf16}
  hardware: {gpu: h100-sxm, count: 1}
  engine: vLLM 0.10
  parallelism: {tp: 1}
  workload: {isl: 1000, osl: 1000, concurrency: 8}
  metrics: {tpot_ms: 9.5, ttft_ms: 60}
  quality: A
- id: lab-2
  source: {name: our lab, path: run 43}
  model_ref: llama-3.1-8b
  precision: {weights: bf16}
  hardware: {gpu: h100-sxm, count: 1}
  engine: vLLM 0.10
  workload: {concurrency: 8}
  metrics: {tpot_ms: 9.5}
  quality: A
)");
    const Run r = run({"validate", "--measurements", file.string(), "--json"});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["estimated"] == 1);
    REQUIRE(j["rows"].size() == 2);  // lab-1: tpot and ttft
    CHECK(j["rows"][0]["id"] == "lab-1");
    CHECK(j["rows"][0]["source"] == "our lab");
    REQUIRE(j["not_estimated"].size() == 1);
    CHECK(j["not_estimated"][0]["id"] == "lab-2");
    CHECK(j["not_estimated"][0]["status"] == "skipped: input/output lengths not stated");
  }

  TEST_CASE("measurement files with structural errors exit 2 with file:line:col") {
    llmsizer::test::TempDir dir;
    const auto file = dir.path() / "bad.yaml";
    write(file, "measurements:\n  id: m1\n");
    Run r = run({"validate", "--measurements", file.string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("bad.yaml:2:3: error: measurements: expected a list of measured deployments") !=
          std::string::npos);
    write(file, "measurements:\n- id: m1\n  model_ref: llama-3.1-8b\n  hardwrae: {gpu: h100, count: 1}\n");
    r = run({"validate", "--measurements", file.string()});
    CHECK(r.code == 2);
    CHECK(r.err.find("bad.yaml:4:3: error: measurements[0].hardwrae: unknown key; did you mean 'hardware'?") !=
          std::string::npos);
  }

  TEST_CASE("numbers in a measurement file are range-checked; prose is skipped with a reason") {
    llmsizer::test::TempDir dir;
    const auto file = dir.path() / "ranges.yaml";
    const std::string row =
        "measurements:\n"
        "- id: m1\n"
        "  model_ref: llama-3.1-8b\n"
        "  hardware: {gpu: h100-sxm, count: 1}\n"
        "  workload: {isl: 1000, osl: 1000, concurrency: 8}\n"
        "  metrics: {tpot_ms: 9.5}\n";
    auto error_with = [&](const std::string& from, const std::string& to) {
      std::string text = row;
      text.replace(text.find(from), from.size(), to);
      write(file, text);
      const Run r = run({"validate", "--measurements", file.string()});
      CHECK(r.code == (r.err.empty() ? 0 : 2));
      return r.err.substr(0, r.err.find('\n'));
    };
    const std::string at = file.string();
    CHECK(error_with("count: 1", "count: 0") ==
          at + ":4:36: error: measurements[0].hardware.count: 0 is out of range (must be a whole number from 1 to 100000)");
    CHECK(error_with("concurrency: 8", "concurrency: -8") ==
          at + ":5:49: error: measurements[0].workload.concurrency: -8 is out of range (must be a whole number from 0 to "
                "2147483648)");
    CHECK(error_with("isl: 1000", "isl: 1e30") ==
          at + ":5:19: error: measurements[0].workload.isl: 1e30 is out of range (must be a whole number from 1 to 2147483648)");
    CHECK(error_with("tpot_ms: 9.5", "tpot_ms: .nan") ==
          at + ":6:22: error: measurements[0].metrics.tpot_ms: '.nan' is not a finite number");
    CHECK(error_with("tpot_ms: 9.5", "tpot_ms: 0").starts_with(at + ":6:22: error: measurements[0].metrics.tpot_ms: 0 "));
    CHECK(error_with("- id: m1", "- id: m1\n  parallelism: {tp: 2.5}").starts_with(
        at + ":3:21: error: measurements[0].parallelism.tp: 2.5 is out of range"));
    // Prose stays prose: the row is skipped with a reason, not an error.
    CHECK(error_with("count: 1", "count: eight").empty());
    CHECK(error_with("tpot_ms: 9.5", "tpot_ms: 9-10 ms").empty());
    // A repeated id names both rows.
    CHECK(error_with("metrics: {tpot_ms: 9.5}\n", "metrics: {tpot_ms: 9.5}\n" + row.substr(row.find("- id"))) ==
          at + ":7:7: error: measurements[1].id: duplicate measurement id 'm1' (also on line 2)");
  }

  TEST_CASE("prose in the shipped data is interpreted, not guessed") {
    const auto rows = llmsizer::load_measurements(llmsizer::test::source_path("validation/measurements.yaml").string());
    auto find = [&](const std::string& id) {
      for (const auto& m : rows) {
        if (m.id == id) return m;
      }
      FAIL("missing " << id);
      return rows.front();
    };
    const auto ant = find("m159");  // "Attention-DP16 + MoE-EP16", batch 48 per GPU on 16 GPUs, MTP 1 step
    CHECK(ant.dp == 16);
    CHECK(ant.ep == 16);
    CHECK(ant.tp == 1);
    CHECK(ant.concurrency == 48 * 16);
    CHECK(ant.mtp == 1);
    CHECK(ant.phase == "decode");
    CHECK(ant.kv == "fp8");          // FP8 MLA
    const auto b200 = find("m170");  // "nvfp4 experts/fp8"
    CHECK(b200.experts == "nvfp4");
    CHECK(b200.weights == "fp8");
    CHECK(b200.tpot_ms == doctest::Approx(1000.0 / 274.7));
    const auto offline = find("m033");
    CHECK(offline.concurrency == 0);  // unbounded: as many as fit
    CHECK(find("m108").skip_reason == "input/output lengths not stated");
    CHECK(find("m096").skip_reason == "static batching (the estimator models continuous batching)");
  }
}

namespace {

struct CaseFixture {
  std::unique_ptr<llmsizer::ModelSpec> spec;
  llmsizer::PreparedModel prepared;
};

CaseFixture fixture(const std::string& model) {
  CaseFixture f;
  f.spec = std::make_unique<llmsizer::ModelSpec>(llmsizer::test::shipped_model(model));
  f.prepared = llmsizer::prepare(*f.spec);
  return f;
}

/// A measured case whose "measurement" is the prior's prediction scaled by `factor`.
llmsizer::MeasuredCase scaled_case(const CaseFixture& f, const llmsizer::GpuSpec& gpu, std::int64_t concurrency,
                                   double factor, const llmsizer::Calibration& prior) {
  llmsizer::MeasuredCase c;
  c.id = f.spec->name + "-" + std::to_string(concurrency);
  c.model = &f.prepared;
  c.gpu = &gpu;
  c.deployment.weights = c.deployment.experts = llmsizer::Precision::fp8;
  c.deployment.parallel.tp = 8;
  c.workload = llmsizer::Workload{1024, 1024, concurrency, llmsizer::Phase::mixed};
  c.engine = "trtllm";
  const llmsizer::Prediction p = llmsizer::predict(c, prior);
  c.tpot_s = *p.value[static_cast<int>(llmsizer::Metric::tpot)] * factor;
  c.ttft_s = *p.value[static_cast<int>(llmsizer::Metric::ttft)] * factor;
  return c;
}

}  // namespace

TEST_SUITE("validate") {
  TEST_CASE("leave-one-model-out: each model is predicted by the fit on the other models only") {
    const auto prior =
        llmsizer::load_calibration_file(llmsizer::test::source_path("profiles/calibration/priors.yaml").string());
    const llmsizer::GpuSpec gpu = llmsizer::test::shipped_gpu("h100-sxm");
    const CaseFixture small = fixture("llama-3.1-8b");
    const CaseFixture large = fixture("llama-3.1-70b");
    std::vector<llmsizer::MeasuredCase> cases;
    for (std::int64_t c : {1, 8, 32, 128}) cases.push_back(scaled_case(small, gpu, c, 1.3, prior));
    for (std::int64_t c : {1, 8, 32, 128}) cases.push_back(scaled_case(large, gpu, c, 0.8, prior));
    const auto lomo = llmsizer::leave_one_model_out(cases, prior, 3, 10, 0.5);
    REQUIRE(lomo.size() == cases.size());
    // The 8B's cases are predicted by the calibration fitted on the 70B's alone, and vice versa.
    const std::vector<llmsizer::MeasuredCase> only_large(cases.begin() + 4, cases.end());
    const std::vector<llmsizer::MeasuredCase> only_small(cases.begin(), cases.begin() + 4);
    const auto fit_large = llmsizer::fit_calibration(only_large, prior, 3, 10, 0.5).calibration;
    const auto fit_small = llmsizer::fit_calibration(only_small, prior, 3, 10, 0.5).calibration;
    for (size_t i = 0; i < cases.size(); ++i) {
      CAPTURE(cases[i].id);
      const auto expected = llmsizer::predict(cases[i], i < 4 ? fit_large : fit_small);
      const int tpot = static_cast<int>(llmsizer::Metric::tpot);
      REQUIRE(lomo[i].value[tpot].has_value());
      CHECK(*lomo[i].value[tpot] == doctest::Approx(*expected.value[tpot]).epsilon(1e-12));
    }
    // Fitted on the 70B (measured 20% faster than the prior), the 8B is predicted faster than
    // the prior too: the error of a model the fit never saw, not the in-sample one.
    const int tpot = static_cast<int>(llmsizer::Metric::tpot);
    CHECK(*lomo[2].value[tpot] < *llmsizer::predict(cases[2], prior).value[tpot]);
  }
}
