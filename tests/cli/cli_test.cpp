// The command line, run in-process through cli::run_cli: list, show, usage errors, and golden output
// under tests/golden/ (see tests/golden/README.md). Set LLMSIZER_UPDATE_GOLDEN=1 to rewrite the
// goldens instead of comparing; review the diff before committing.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::check_golden;
using test::Run;
using test::run;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A usage error: exit 2, exactly one "error:" line, then a "hint:" line.
void check_usage_error(const Run& r) {
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  const auto lines = lines_of(r.err);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("error: ", 0) == 0);
  CHECK(lines[1].rfind("hint: ", 0) == 0);
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("a command line builds only its own subcommand's options; the others are names") {
    CLI::App all_app;
    cli::Context context;
    const std::vector<cli::Command> all = cli::add_commands(all_app, context);
    for (const cli::Command& chosen : all) {
      const std::string name = chosen.app->get_name();
      CAPTURE(name);
      CLI::App app;
      const std::vector<cli::Command> some = cli::add_commands(app, context, name);
      REQUIRE(some.size() == all.size());
      for (size_t i = 0; i < all.size(); ++i) {
        CHECK(some[i].app->get_name() == all[i].app->get_name());  // the same names, in the same order
        const size_t options = some[i].app->get_options().size();
        if (all[i].app == chosen.app)
          CHECK(options == all[i].app->get_options().size());
        else
          CHECK(options == 1);  // --help only
      }
    }
    CLI::App typo_app;
    CHECK(cli::add_commands(typo_app, context, "lst").back().app->get_options().size() > 1);  // unknown: all built
  }

  TEST_CASE("golden: list gpus") {
    const Run r = run({"list", "gpus"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("list_gpus", r.out);
  }

  TEST_CASE("golden: show llama-3.1-70b") {
    const Run r = run({"show", "llama-3.1-70b"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    check_golden("show_llama-3.1-70b", r.out);
  }

  TEST_CASE("list models and list gpus name every profile") {
    const Catalog catalog = test::shipped_catalog();
    const Run models = run({"list", "models"});
    CHECK(models.code == 0);
    CHECK(models.err.empty());
    const auto model_lines = lines_of(models.out);
    REQUIRE(model_lines.size() == 2 + catalog.models.size());  // header, rule, one row each
    CHECK(model_lines[0].rfind("name ", 0) == 0);
    for (size_t i = 0; i < catalog.models.size(); ++i) {
      CAPTURE(catalog.models[i].name);
      CHECK(model_lines[2 + i].rfind(catalog.models[i].name + " ", 0) == 0);  // sorted, one per row
    }
    const Run gpus = run({"list", "gpus"});
    CHECK(gpus.code == 0);
    const auto gpu_lines = lines_of(gpus.out);
    REQUIRE(gpu_lines.size() == 2 + catalog.gpus.size());
    for (size_t i = 0; i < catalog.gpus.size(); ++i) {
      CAPTURE(catalog.gpus[i].name);
      CHECK(gpu_lines[2 + i].rfind(catalog.gpus[i].name + " ", 0) == 0);
    }
  }

  TEST_CASE("list models --json is an array of 22 objects with name and aliases") {
    const Run r = run({"list", "models", "--json"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const nlohmann::json array = nlohmann::json::parse(r.out);
    REQUIRE(array.is_array());
    CHECK(array.size() == 29);
    std::set<std::string> names;
    for (const auto& item : array) {
      REQUIRE(item.is_object());
      REQUIRE(item.contains("name"));
      REQUIRE(item.contains("aliases"));
      CHECK(item["name"].is_string());
      CHECK(item["aliases"].is_array());
      names.insert(item["name"].get<std::string>());
    }
    CHECK(names.size() == 29);
    CHECK(names.count("glm-4.5") == 1);
    CHECK(names.count("deepseek-r1") == 1);
  }

  TEST_CASE("list gpus --json is an array of 31 objects in profile units") {
    const Run r = run({"list", "gpus", "--json"});
    CHECK(r.code == 0);
    const nlohmann::json array = nlohmann::json::parse(r.out);
    REQUIRE(array.is_array());
    CHECK(array.size() == 32);
    for (const auto& gpu : array) {
      if (gpu["name"] != "h100-sxm") continue;
      CHECK(gpu["memory_gb"].get<double>() == 80.0);
      CHECK(gpu["memory_bw_gbps"].get<double>() == 3350.0);
      CHECK(gpu["dense_tflops"]["bf16"].get<double>() == doctest::Approx(989.4));
      CHECK(gpu["scale_up"]["bw_gbps_per_dir"].get<double>() == 450.0);
    }
  }

  TEST_CASE("show glm-4.5 --json has the derived facts") {
    const Run r = run({"show", "glm-4.5", "--json"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j["name"] == "glm-4.5");
    // param_oracle.md: 352,797,829,024 total, 33,632,266,144 active (MTP excluded).
    CHECK(j["params_total"].get<double>() == 352'797'829'024.0);
    CHECK(j["params_active"].get<double>() == 33'632'266'144.0);
    // All BF16: 2 * 352,797,829,024 = 705,595,658,048 bytes.
    CHECK(j["weights_bytes"].get<double>() == 705'595'658'048.0);
    // 2 * 92 layers * 8 KV heads * 128 * 2 bytes = 376,832.
    CHECK(j["kv_bytes_per_token"].get<double>() == 376'832.0);
    CHECK(j["moe"]["moe_layers"] == 89);
    CHECK(j["params_official"]["total"].get<double>() == 355e9);
  }

  TEST_CASE("show accepts aliases and HF repo ids, case-insensitively") {
    const Run by_repo = run({"show", "zai-org/GLM-4.5", "--json"});
    CHECK(by_repo.code == 0);
    CHECK(nlohmann::json::parse(by_repo.out)["name"] == "glm-4.5");
    const Run by_alias = run({"show", "H100", "--json"});
    CHECK(by_alias.code == 0);
    CHECK(nlohmann::json::parse(by_alias.out)["name"] == "h100-sxm");
  }

  TEST_CASE("show --json names each price's basis") {
    const Run r = run({"show", "h200-sxm", "--json"});
    REQUIRE(r.code == 0);
    const nlohmann::json prices = nlohmann::json::parse(r.out)["prices"];
    REQUIRE(!prices.empty());
    std::set<std::string> bases;
    for (const auto& p : prices) bases.insert(p.at("basis").get<std::string>());
    CHECK(bases.count("3yr-rental") == 1);  // the SemiAnalysis 3-year rental figure
    CHECK(bases.count("published-tco") == 1);
  }

  TEST_CASE("show h20 prints memory and TFLOPS") {
    const Run r = run({"show", "h20"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() >= 4);
    CHECK(lines[0] == "h20 — NVIDIA H20 96GB (nvidia, hopper, 2024)");
    CHECK(lines[1] == "  memory 96 GB at 4000 GB/s");
    CHECK(lines[2] == "  dense TFLOPS: fp8 296 int8 296 bf16 148 fp16 148 tf32 74 fp32 44");
    CHECK(lines[3] ==
          "  scale-up nvlink4 (8 GPUs, 450 GB/s per direction); scale-out 25 GB/s per direction; "
          "8 GPUs per node; TDP 400 W");
  }

  TEST_CASE("show of an unknown name exits 2 with did-you-mean") {
    const Run typo = run({"show", "lama-3.1-70b"});
    CHECK(typo.code == 2);
    CHECK(typo.out.empty());
    CHECK(typo.err ==
          "error: show: unknown model or GPU 'lama-3.1-70b'; did you mean 'llama-3.1-70b', 'llama-3.1-405b', "
          "'llama-3.1-8b'?; `llmsizer list models` and `llmsizer list gpus` show them all, and a path to a "
          "Hugging Face config.json works too\n");
    // Nothing is close to "nosuchmodel", so there is no suggestion, only the pointer to `list models`.
    const Run none = run({"show", "nosuchmodel"});
    CHECK(none.code == 2);
    CHECK(none.err ==
          "error: show: unknown model or GPU 'nosuchmodel'; `llmsizer list models` and `llmsizer list gpus` show "
          "them all, and a path to a Hugging Face config.json works too\n");
  }

  // `show` takes a model or a GPU, so suggestions come from both lists.
  TEST_CASE("show suggests GPU names too") {
    const Run r = run({"show", "h100-sx"});
    CHECK(r.code == 2);
    CHECK(r.err.find("'h100-sxm'") != std::string::npos);
    const Run short_name = run({"show", "h10"});
    CHECK(short_name.code == 2);
    CHECK(short_name.err.find("did you mean 'h100-nvl', 'h100-pcie', 'h100-sxm'?") != std::string::npos);
  }

  TEST_CASE("unknown subcommand exits 2 with one error line and a hint") {
    const Run r = run({"frobnicate"});
    check_usage_error(r);
    CHECK(r.err == "error: unknown command 'frobnicate'\nhint: run 'llmsizer --help' for usage\n");
  }

  // A mistyped subcommand is named, with a did-you-mean by edit distance (STYLE.md section 1, ninja).
  TEST_CASE("a mistyped subcommand gets did-you-mean") {
    const Run r = run({"lsit", "models"});
    check_usage_error(r);
    CHECK(r.err == "error: unknown command 'lsit'; did you mean 'list'?\nhint: run 'llmsizer --help' for usage\n");
    // The value of --profiles is not the command word.
    const Run after_profiles = run({"--profiles", "lsit", "shwo", "h20"});
    check_usage_error(after_profiles);
    CHECK(after_profiles.err ==
          "error: unknown command 'shwo'; did you mean 'show'?\nhint: run 'llmsizer --help' for usage\n");
  }

  TEST_CASE("unknown option exits 2 with one error line and a hint") {
    const Run r = run({"list", "models", "--frob"});
    check_usage_error(r);
    CHECK(r.err == "error: unknown option '--frob'\nhint: run 'llmsizer list --help' for usage\n");
    const Run show = run({"show", "--frob", "h20"});
    check_usage_error(show);
    CHECK(show.err == "error: unknown option '--frob'\nhint: run 'llmsizer show --help' for usage\n");
  }

  // A mistyped option is named, with the closest option of its subcommand (STYLE.md section 1, ninja);
  // its value is not taken for the culprit, and "--name=value" is named without the value.
  TEST_CASE("a mistyped option gets did-you-mean") {
    const Run r = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--concurency", "8"});
    check_usage_error(r);
    CHECK(r.err == "error: unknown option '--concurency'; did you mean '--concurrency'?\n"
                   "hint: run 'llmsizer estimate --help' for usage\n");
    const Run joined = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--max-gpu=8"});
    check_usage_error(joined);
    CHECK(joined.err == "error: unknown option '--max-gpu'; did you mean '--max-gpus'?\n"
                        "hint: run 'llmsizer sweep --help' for usage\n");
    const Run profiles = run({"list", "gpus", "--profile", "x"});
    check_usage_error(profiles);
    CHECK(profiles.err.rfind("error: unknown option '--profile'; did you mean '--profiles'?\n", 0) == 0);
    // The start of a longer option names it, though a shorter one is nearer by edit distance (--tp).
    const Run prefix = run({"sweep", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--tpot", "50"});
    check_usage_error(prefix);
    CHECK(prefix.err.rfind("error: unknown option '--tpot'; did you mean '--tpot-ms'?\n", 0) == 0);
    // A one-letter option gets no guess.
    const Run letter = run({"list", "gpus", "-q"});
    check_usage_error(letter);
    CHECK(letter.err.rfind("error: unknown option '-q'\n", 0) == 0);
  }

  TEST_CASE("a mistyped list kind gets did-you-mean") {
    const Run r = run({"list", "modles"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: list: unknown kind 'modles' (expected models or gpus); did you mean 'models'?\n");
  }

  TEST_CASE("bad positional values and missing arguments are usage errors") {
    const Run what = run({"list", "cpus"});
    CHECK(what.code == 2);
    CHECK(what.err == "error: list: unknown kind 'cpus' (expected models or gpus); did you mean 'gpus'?\n");
    const Run missing = run({"list"});
    check_usage_error(missing);
    CHECK(missing.err == "error: what is required\nhint: run 'llmsizer list --help' for usage\n");
    const Run nothing = run({});
    check_usage_error(nothing);
  }

  TEST_CASE("--profiles with a missing directory exits 2") {
    const Run r = run({"--profiles", "/nonexistent/llmsizer-profiles", "list", "gpus"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: --profiles: '/nonexistent/llmsizer-profiles' is not a directory\n");
  }

  TEST_CASE("--help exits 0 and prints usage to stdout") {
    const Run r = run({"--help"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("Usage: llmsizer") != std::string::npos);
    for (const char* sub : {"list", "show", "check"}) CHECK(r.out.find(sub) != std::string::npos);
    const Run list_help = run({"list", "--help"});
    CHECK(list_help.code == 0);
    CHECK(list_help.out.find("--json") != std::string::npos);
  }

}  // TEST_SUITE("cli")

}  // namespace llmsizer
