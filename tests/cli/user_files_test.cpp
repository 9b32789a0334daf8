// What a new user trips over: a misspelt key in a measurements file is an error (not a row skipped
// as "not stated"), calibrate refuses a fit that constrained nothing, -o of calibrate and import-hf
// is a .yaml profile path checked before the work; estimate says whose KV room it prints and on
// which price basis it priced.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/measurements.hpp"
#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;
using test::Run;
using test::run;

// One measured run the estimator can take; `workload` and `metrics` lines are replaced by the tests.
std::string measured_row(const std::string& id, const std::string& workload = "    concurrency: 8\n",
                         const std::string& metrics = "    tpot_ms: 9.5\n") {
  return "- id: " + id +
         "\n"
         "  model_ref: llama-3.1-8b\n"
         "  hardware: {gpu: h100-sxm, count: 1}\n"
         "  workload:\n"
         "    isl: 1000\n"
         "    osl: 1000\n" +
         workload + "  metrics:\n" + metrics;
}

}  // namespace

TEST_SUITE("user_files") {
  TEST_CASE("a misspelt key in a measurements file is an error with a did-you-mean, not a skipped row") {
    const test::TempDir dir;
    const fs::path file = dir.path() / "runs.yaml";
    test::write_text(file, "measurements:\n" + measured_row("a", "    concurency: 8\n"));
    const std::string expected = file.string() +
                                 ":8:5: error: measurements[0].workload.concurency: unknown key; did you mean "
                                 "'concurrency'?\n"
                                 "    concurency: 8\n"
                                 "    ^\n";
    const Run validate = run({"validate", "--measurements", file.string()});
    CHECK(validate.code == 2);
    CHECK(validate.err == expected);
    const fs::path out = dir.path() / "mine.yaml";
    const Run calibrate = run({"calibrate", "--measurements", file.string(), "-o", out.string()});
    CHECK(calibrate.code == 2);
    CHECK(calibrate.err == expected);
    CHECK_FALSE(fs::exists(out));
    // Every section's keys are checked: a metric and a nested mtp map too; check lists each row's.
    test::write_text(file, "measurements:\n" + measured_row("a", "    concurrency: 8\n    mtp: {stepz: 2}\n") +
                               measured_row("b", "    concurrency: 8\n", "    tpot_msec: 9.5\n"));
    const Run check = run({"check", file.string()});
    CHECK(check.code == 2);
    CHECK(check.err.find(file.string() + ":9:11: error: measurements[0].workload.mtp.stepz: unknown key; did you "
                                         "mean 'steps'?") != std::string::npos);
    CHECK(check.err.find(file.string() + ":20:5: error: measurements[1].metrics.tpot_msec: unknown key; did you "
                                         "mean 'tpot_ms'?") != std::string::npos);
    // The shipped files use only known keys.
    CHECK(load_measurements(test::source_path("validation/measurements.yaml").string()).size() == 118);
  }

  TEST_CASE("a measured row naming an unknown GPU or model is an error at the row, not a skipped row") {
    const test::TempDir dir;
    const fs::path file = dir.path() / "runs.yaml";
    std::string row = measured_row("b");
    row.replace(row.find("h100-sxm"), 8, "h100-smx");
    test::write_text(file, "measurements:\n" + measured_row("a") + row);
    const Run gpu = run({"validate", "--measurements", file.string()});
    CHECK(gpu.code == 2);
    CHECK(gpu.out.empty());
    CHECK(gpu.err.find(file.string() + ":11: error: measurements[1].hardware.gpu: unknown GPU 'h100-smx'; did you "
                                       "mean 'h100-sxm'") == 0);
    std::string model = measured_row("a");
    model.replace(model.find("llama-3.1-8b"), 12, "llama-3.1-8c");
    test::write_text(file, "measurements:\n" + model);
    const Run named = run({"calibrate", "--measurements", file.string(), "-o", (dir.path() / "x.yaml").string()});
    CHECK(named.code == 2);
    CHECK(named.err.find(file.string() + ":2: error: measurements[0].model_ref: ") == 0);
    CHECK_FALSE(fs::exists(dir.path() / "x.yaml"));
  }

  TEST_CASE("calibrate refuses to write a calibration that fitted no parameter, and says why") {
    const test::TempDir dir;
    const fs::path file = dir.path() / "runs.yaml";
    test::write_text(file, "measurements:\n" + measured_row("a", "    note: concurrency not recorded\n"));
    const fs::path out = dir.path() / "mine.yaml";
    const Run r = run({"calibrate", "--measurements", file.string(), "-o", out.string()});
    CHECK(r.code == 2);
    CHECK(r.err ==
          "error: --measurements: no parameter could be fitted: 0 training rows gave 0 residuals (too few "
          "rows sensitive to any parameter); 1 of 1 rows were not estimated, the first a (" +
              file.string() + "): skipped: concurrency or batch size not stated; nothing written\n");
    CHECK_FALSE(fs::exists(out));
  }

  TEST_CASE("-o of calibrate and import-hf: a .yaml file named like the profile, checked before the work") {
    const test::TempDir dir;
    const std::string config = test::source_path("tests/data/hf/llama-3.1-8b.json").string();
    // The catalog reads *.yaml only: a profile written under another extension would never be found.
    const std::string txt = (dir.path() / "mine.txt").string();
    const Run calibrate_txt = run({"calibrate", "-o", txt});
    CHECK(calibrate_txt.code == 2);
    CHECK(calibrate_txt.err == "error: -o: '" + txt +
                                   "': a profile is read from a --profiles directory only as a .yaml file; name it "
                                   "mine.yaml\n");
    CHECK(run({"import-hf", config, "-o", txt}).code == 2);
    CHECK_FALSE(fs::exists(txt));
    // --name must be the file's name, or --calibration NAME would not find what was written.
    const std::string bar = (dir.path() / "bar.yaml").string();
    const Run renamed = run({"calibrate", "--name", "foo", "-o", bar});
    CHECK(renamed.code == 2);
    CHECK(renamed.err ==
          "error: --name: 'foo' differs from the name of the file -o writes ('bar'), and a --profiles "
          "directory finds a calibration by its file name: drop --name, or write -o " +
              (dir.path() / "foo.yaml").string() + "\n");
    // An unwritable path names -o and fails before anything is read: the missing measurements file
    // would otherwise be the error.
    const Run missing = run({"calibrate", "--measurements", "/nonexistent/runs.yaml", "-o", "/nonexistent/dir/x.yaml"});
    CHECK(missing.code == 2);
    CHECK(missing.err == "/nonexistent/dir/x.yaml: error: -o: cannot write: directory does not exist\n");
    // -o naming a measurements file would replace the data the fit reads: refused, the file unchanged.
    const std::string runs = (dir.path() / "runs.yaml").string();
    { std::ofstream(runs) << "measurements: []\n"; }
    const Run over = run({"calibrate", "--measurements", runs, "-o", runs});
    CHECK(over.code == 2);
    CHECK(over.err == "error: -o: " + runs +
                          " is also a --measurements file: writing the calibration there would replace the "
                          "measurements; name another file\n");
    CHECK(read_file(runs) == "measurements: []\n");
    const Run import_missing = run({"import-hf", "/nonexistent/config.json", "-o", "/nonexistent/dir/x.yaml"});
    CHECK(import_missing.err == "/nonexistent/dir/x.yaml: error: -o: cannot write: directory does not exist\n");
  }

  TEST_CASE("import-hf -o DIR/NAME.yaml shows the model as NAME, not as the config's directory") {
    const test::TempDir dir;
    fs::create_directories(dir.path() / "hf");
    std::string text = read_file(test::source_path("tests/data/hf/llama-3.1-8b.json").string());
    const size_t at = text.find("\"_name_or_path\"");
    if (at != std::string::npos) text.erase(at, text.find('\n', at) - at + 1);  // no repo to name it
    test::write_text(dir.path() / "hf" / "config.json", text);
    const fs::path out = dir.path() / "hf" / "model.yaml";
    const Run r = run({"import-hf", (dir.path() / "hf" / "config.json").string(), "-o", out.string()});
    REQUIRE(r.code == 0);
    const std::string written = read_file(out.string());
    CHECK(written.find("\nname: model\n") != std::string::npos);
    CHECK(written.find("\ndisplay_name: model\n") != std::string::npos);
    CHECK(written.find("display_name: hf") == std::string::npos);
  }

  TEST_CASE("estimate: free KV capacity says whether it is the instance's or each attention-DP rank's") {
    const std::vector<std::string> args = {"estimate", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--gpus",
                                           "8",        "--isl",   "1000",        "--osl", "1000",     "--concurrency",
                                           "64"};
    std::vector<std::string> dp = args;
    dp.insert(dp.end(), {"--tp", "1", "--dp", "8", "--ep", "8"});
    const Run ranks = run(dp);
    REQUIRE(ranks.code == 0);
    CHECK(ranks.out.find(" more tokens per attention-DP rank (8 ranks, each holding its own requests)\n") !=
          std::string::npos);
    std::vector<std::string> tp = args;
    tp.insert(tp.end(), {"--tp", "8"});
    const Run instance = run(tp);
    REQUIRE(instance.code == 0);
    CHECK(instance.out.find(" more tokens in the instance\n") != std::string::npos);
  }

  TEST_CASE("estimate names its default price basis when GPUs with a 3-year rental price default to another") {
    const std::vector<std::string> args = {"estimate", "--model", "llama-3.1-8b", "--isl", "1000", "--osl", "1000"};
    std::vector<std::string> h20 = args;
    h20.insert(h20.end(), {"--gpu", "h20"});
    const Run owned = run(h20);
    REQUIRE(owned.code == 0);
    CHECK(owned.err.find("note: priced on the owned (TCO model) basis: h20 has no 3-year rental price, the "
                         "default of the GPUs that have one, so its $ figures do not compare directly with theirs "
                         "(--price owned puts every GPU with such a price on this basis); --price h20=USD sets "
                         "another price\n") != std::string::npos);
    std::vector<std::string> h200 = args;
    h200.insert(h200.end(), {"--gpu", "h200-sxm"});
    const Run rental = run(h200);  // the usual basis: its price row names it, no more is needed
    REQUIRE(rental.code == 0);
    CHECK(rental.err.find("note: priced") == std::string::npos);
    CHECK(rental.out.find("/GPU-h (3yr-rental)\n") != std::string::npos);
    // A basis or price the user chose needs no note; neither does JSON, which has price_basis.
    std::vector<std::string> chosen = h20;
    chosen.insert(chosen.end(), {"--price", "owned"});
    CHECK(run(chosen).err.find("note: priced") == std::string::npos);
    h20.push_back("--json");
    CHECK(run(h20).err.find("note: priced") == std::string::npos);
  }
}

}  // namespace llmsizer
