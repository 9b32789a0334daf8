// request/scenario_fields: one table drives the command-line options and the scenarios CSV, so the
// same text gives the same ScenarioInput and the same error, named as the user wrote it.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli/scenario.hpp"
#include "io/config_error.hpp"
#include "request/scenario_fields.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

/// `args` parsed by the estimate options (add_scenario_options) into a ScenarioInput.
ScenarioInput from_command_line(const std::vector<std::pair<std::string, std::string>>& cells) {
  ScenarioInput in;
  CLI::App app;
  cli::add_scenario_options(app, in, false);
  std::vector<std::string> args;
  for (const auto& [column, value] : cells) {
    args.push_back(value);
    args.push_back(option_name(scenario_field(column)));
  }
  app.parse(args);  // CLI11 takes the arguments reversed
  return in;
}

/// The same cells applied as a scenarios CSV row does: each column's field parser.
ScenarioInput from_csv_cells(const std::vector<std::pair<std::string, std::string>>& cells) {
  ScenarioInput in;
  for (const auto& [column, value] : cells) {
    const ScenarioField* field = find_scenario_field(column);
    REQUIRE(field != nullptr);
    field->parse(in, value, column);
  }
  return in;
}

std::string error_of(void (*parse)(ScenarioInput&, const std::string&, const std::string&), const std::string& text,
                     const std::string& where) {
  ScenarioInput in;
  try {
    parse(in, text, where);
  } catch (const ConfigError& e) {
    return e.path() + ": " + e.message();
  }
  return "";
}

}  // namespace

TEST_SUITE("request") {
  TEST_CASE("scenario fields: every field has a distinct CSV column, an option of the same name, and help") {
    std::vector<std::string> names;
    for (const ScenarioField& f : scenario_fields()) {
      CAPTURE(f.name);
      CHECK(std::find(names.begin(), names.end(), f.name) == names.end());
      names.push_back(f.name);
      CHECK_FALSE(f.help.empty());
      CHECK(static_cast<bool>(f.parse));
    }
    for (const char* expected : {"id", "model", "gpu", "gpus", "tp", "pp", "dp", "ep", "weights", "experts", "kv",
                                 "engine", "phase", "isl", "osl", "concurrency", "mtp", "mtp_acceptance", "overlap", "price",
                                 "usd_per_gpu_hour", "memory_utilization", "prefill_chunk_tokens", "prefill_workers", "prefill_tp",
                                 "prefill_pp", "prefill_dp", "prefill_ep", "prefill_batch", "decode_workers",
                                 "decode_tp", "decode_pp", "decode_dp", "decode_ep", "decode_batch"}) {
      CAPTURE(expected);
      CHECK(find_scenario_field(expected) != nullptr);
    }
    CHECK(names.size() == 35);
    CHECK(help_text(scenario_field("decode_batch")) ==
          "Requests per decode worker: sequences running at once (default: --concurrency / --decode-workers, else as "
          "many as fit)");
    CHECK(option_name(scenario_field("usd_per_gpu_hour")) == "--usd-per-gpu-hour");
    CHECK(help_text(scenario_field("kv")) ==
          "KV-cache precision: bf16, fp16, fp8, int8, fp4, int4 (default: bf16; fp8 when the engine's KV follows the "
          "checkpoint (trtllm), --weights or --experts requantize the model from its own precision to fp8/fp4 and "
          "the GPU has FP8; a model released in fp8, such as deepseek-r1, keeps bf16)");
    CHECK(help_text(scenario_field("mtp_acceptance")) == "Acceptance rate of drafted tokens (default: 0.85)");
  }

  TEST_CASE("scenario fields: the command line and a CSV row give the same ScenarioInput") {
    const std::vector<std::pair<std::string, std::string>> cells = {
        {"id", "a"},          {"model", "deepseek-r1"}, {"gpu", "h200-sxm"},    {"gpus", "16"},
        {"tp", "8"},          {"pp", "2"},              {"dp", "1"},            {"ep", "8"},
        {"weights", "fp8"},   {"experts", "fp4"},       {"kv", "fp8"},          {"engine", "sglang"},
        {"phase", "decode"},  {"isl", "1e3"},           {"osl", "0100"},        {"concurrency", "8.0"},
        {"mtp", "2"},         {"mtp_acceptance", "0"},  {"price", "on-demand"}, {"usd_per_gpu_hour", "2.5"},
        {"memory_utilization", "0.8"}, {"prefill_workers", "3"}, {"prefill_dp", "2"}, {"decode_ep", "16"},
        {"decode_batch", "6.4e1"}};
    const ScenarioInput cli = from_command_line(cells);
    const ScenarioInput csv = from_csv_cells(cells);
    CHECK(cli.id == csv.id);
    CHECK(cli.model == csv.model);
    CHECK(cli.gpu == csv.gpu);
    CHECK(cli.gpus == csv.gpus);
    CHECK(cli.tp == csv.tp);
    CHECK(cli.pp == csv.pp);
    CHECK(cli.dp == csv.dp);
    CHECK(cli.ep == csv.ep);
    CHECK(cli.weights == csv.weights);
    CHECK(cli.experts == csv.experts);
    CHECK(cli.kv == csv.kv);
    CHECK(cli.engine == csv.engine);
    CHECK(cli.phase == csv.phase);
    CHECK(cli.isl == csv.isl);
    CHECK(cli.osl == csv.osl);
    CHECK(cli.concurrency == csv.concurrency);
    CHECK(cli.mtp == csv.mtp);
    CHECK(cli.mtp_acceptance == csv.mtp_acceptance);
    CHECK(cli.price == csv.price);
    CHECK(cli.usd_per_gpu_hour == csv.usd_per_gpu_hour);
    CHECK(cli.memory_utilization == csv.memory_utilization);
    CHECK(cli.prefill_workers == csv.prefill_workers);
    CHECK(cli.prefill_dp == csv.prefill_dp);
    CHECK(cli.decode_ep == csv.decode_ep);
    CHECK(cli.decode_batch == csv.decode_batch);
    CHECK(cli.decode_batch == 64);
    CHECK(cli.disaggregated());
    // The numbers themselves: decimal, 1e3 and 8.0 are whole numbers, 0100 is one hundred.
    CHECK(cli.isl == 1000);
    CHECK(cli.osl == 100);
    CHECK(cli.concurrency == 8);
    CHECK(cli.mtp_acceptance == 0.0);  // was rejected in a CSV ("expected a positive number"), as 0 is in range
  }

  TEST_CASE("scenario fields: one parser, one message, named by the option or by the column") {
    const auto& isl = scenario_field("isl");
    CHECK(error_of(isl.parse, "abc", "--isl") == "--isl: expected a whole number, got 'abc'");
    CHECK(error_of(isl.parse, "abc", "isl") == "isl: expected a whole number, got 'abc'");
    CHECK(error_of(isl.parse, "0", "--isl") == "--isl: 0 is out of range (must be >= 1 and <= 2147483648)");
    CHECK(error_of(isl.parse, "0x10", "isl") == "isl: expected a whole number, got '0x10'");
    const auto& usd = scenario_field("usd_per_gpu_hour");
    CHECK(error_of(usd.parse, "nan", "usd_per_gpu_hour") ==
          "usd_per_gpu_hour: 'nan' is not a finite number");
    // The one number reading (io/number_text.hpp): denormals and hex are not numbers here either.
    CHECK(error_of(usd.parse, "1e-310", "usd_per_gpu_hour").find("too close to zero") != std::string::npos);
    CHECK(error_of(isl.parse, "1e-310", "isl").find("too close to zero") != std::string::npos);
    CHECK(error_of(usd.parse, "cheap", "--usd-per-gpu-hour") == "--usd-per-gpu-hour: expected a number, got 'cheap'");
    CHECK(error_of(scenario_field("tp").parse, "99999999999", "tp") ==
          "tp: 99999999999 is out of range (must be >= 1 and <= 1048576)");
    CHECK(error_of(scenario_field("mtp").parse, "4294967297", "--mtp") ==
          "--mtp: 4294967297 is out of range (must be >= 0 and <= 16)");
    // Choices are checked where they are read (so `check` and a CSV row name the column), not first
    // when the row is estimated.
    CHECK(error_of(scenario_field("overlap").parse, "two-batches", "overlap") ==
          "overlap: unknown overlap 'two-batches' (expected none or two-batch); did you mean 'two-batch'?");
    CHECK(error_of(scenario_field("phase").parse, "decod", "phase") ==
          "phase: unknown phase 'decod' (expected mixed, decode or prefill); did you mean 'decode'?");
    CHECK(error_of(scenario_field("phase").parse, "decode", "phase").empty());
  }

  TEST_CASE("estimate: --isl 0100 on the command line is 100, as in a CSV (was octal 64)") {
    const std::vector<std::string> base = {"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm"};
    std::vector<std::string> args = base;
    for (const char* a : {"--isl", "0100", "--osl", "010", "--json"}) args.emplace_back(a);
    const Run cli = run(args);
    REQUIRE(cli.code == 0);
    const nlohmann::json from_cli = nlohmann::json::parse(cli.out);
    CHECK(from_cli["isl"] == 100);
    CHECK(from_cli["osl"] == 10);

    test::TempDir dir;
    const std::string file = (dir.path() / "octal.csv").string();
    std::ofstream(file) << "model,gpu,isl,osl\nllama-3.1-8b,h100-sxm,0100,010\n";
    const Run csv = run({"estimate", "--scenarios", file, "--json"});
    REQUIRE(csv.code == 0);
    const nlohmann::json from_csv = nlohmann::json::parse(csv.out).at(0);
    CHECK(from_csv == from_cli);

    // A bad value: the same message, named --isl on the command line and isl in the CSV.
    args = base;
    for (const char* a : {"--isl", "12k", "--osl", "10"}) args.emplace_back(a);
    const Run bad_cli = run(args);
    CHECK(bad_cli.code == 2);
    CHECK(bad_cli.err == "error: --isl: expected a whole number, got '12k'\n");
    std::ofstream(file) << "model,gpu,isl,osl\nllama-3.1-8b,h100-sxm,12k,10\n";
    const Run bad_csv = run({"estimate", "--scenarios", file, "--json"});
    CHECK(bad_csv.code == 2);
    CHECK(bad_csv.err == file + ":2:23: error: isl: expected a whole number, got '12k'\n");
  }
}

}  // namespace llmsizer
