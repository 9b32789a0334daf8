// Loading files and `llmsizer check`: missing files, the file-name rule, every error of a directory
// with exit 2; how messages show invalid UTF-8 and control bytes; a second YAML document; the
// calibration's plausible floor (io/profile_loader.hpp, io/calibration_loader.hpp, cli/check.cpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "cli/command.hpp"
#include "io/calibration_loader.hpp"
#include "io/measurements.hpp"
#include "io/utf8.hpp"
#include "tests/io/loader_fixture.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using namespace test;  // the documents and error_of of loader_fixture.hpp

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("a missing file is reported by name") {
    CHECK_THROWS_WITH_AS(load_gpu_file("/nonexistent/dir/h100.yaml"), "cannot open file for reading", ConfigError);
    try {
      (void)load_gpu_file("/nonexistent/dir/h100.yaml");
    } catch (const ConfigError& e) {
      CHECK(e.format() == "/nonexistent/dir/h100.yaml: error: cannot open file for reading");
    }
  }

  TEST_CASE("load_gpu_file reports the real file name and its stem rule") {
    const test::TempDir dir;
    const auto path = dir.path() / "h100.yaml";
    write_text(path, good_gpu);  // name: bad in h100.yaml
    try {
      (void)load_gpu_file(path.string());
      FAIL_CHECK("expected a ConfigError");
    } catch (const ConfigError& e) {
      CHECK(e.format() == path.string() +
                              ":2:7: error: name: 'bad' does not match the file name 'h100.yaml'\n"
                              "name: bad\n"
                              "      ^");
    }
  }

  TEST_CASE("llmsizer check DIR prints every error and exits 2") {
    const test::TempDir dir;
    write_text(dir.path() / "bad.yaml", with(good_gpu, "memory_gb: 96", "memory_gb: 80000"));
    std::filesystem::create_directories(dir.path() / "models");
    write_text(dir.path() / "models" / "bad.yaml", with(good_model, "num_kv_heads: 2", "num_kv_heads: 3"));
    std::ostringstream out, err;
    const int code = cli::run_cli({"check", dir.path().string()}, out, err);
    CHECK(code == 2);
    const std::string gpu_file = (dir.path() / "bad.yaml").string();
    const std::string model_file = (dir.path() / "models" / "bad.yaml").string();
    CHECK(err.str() ==
          gpu_file +
              ":6:12: error: memory_gb: 80000 GB is out of range (must be >= 1 and <= 2000 GB); did you mean MB?\n"
              "memory_gb: 80000\n"
              "           ^\n" +
              model_file +
              ":7:15: error: num_kv_heads: num_heads (8) must be a multiple of num_kv_heads (3)\n"
              "num_kv_heads: 3\n"
              "              ^\n");
    CHECK(out.str() == "checked 2 files: 0 ok, 2 with errors\n");
  }

  TEST_CASE("llmsizer check reports every field error of a file, and one error per measured row") {
    // Two errors in one GPU profile: a value out of range and a misspelt key, in line order; the key
    // the misspelling meant is not also reported missing.
    const test::TempDir dir;
    const std::string gpu = (dir.path() / "bad.yaml").string();  // the document's name
    write_text(
        gpu, with(with(good_gpu, "memory_gb: 96", "memory_gb: 80000"), "memory_bw_gbps: 4000", "memory_bw_gpbs: 4000"));
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", gpu}, out, err) == 2);
    CHECK(err.str() == gpu +
                           ":6:12: error: memory_gb: 80000 GB is out of range (must be >= 1 and <= 2000 GB); did you "
                           "mean MB?\n"
                           "memory_gb: 80000\n"
                           "           ^\n" +
                           gpu +
                           ":7:1: error: memory_bw_gpbs: unknown key; did you mean 'memory_bw_gbps'?\n"
                           "memory_bw_gpbs: 4000\n"
                           "^\n");
    CHECK(out.str() == "checked 1 file: 0 ok, 1 with errors\n");
    // A measurements file: each row's error, not only the first row's.
    const std::string runs = (dir.path() / "runs.yaml").string();
    write_text(runs,
               "measurements:\n- id: a\n  model_ref: x\n  hardware: {gpu: h20, count: -2}\n"
               "- id: b\n  model_ref: y\n  hardwre: {gpu: h20, count: 1}\n");
    std::ostringstream out2, err2;
    CHECK(cli::run_cli({"check", runs}, out2, err2) == 2);
    CHECK(err2.str().find(runs + ":4:31: error: measurements[0].hardware.count: -2 is out of range") == 0);
    CHECK(err2.str().find(runs + ":7:3: error: measurements[1].hardwre: unknown key; did you mean 'hardware'?") !=
          std::string::npos);
    // Without check, loading stops at the first.
    try {
      (void)load_measurements(runs);
      FAIL_CHECK("expected a ConfigError");
    } catch (const ConfigError& e) {
      CHECK(e.path() == "measurements[0].hardware.count");
    }
  }

  TEST_CASE("llmsizer check: a bad price basis or purchase 'per' does not end the file's reading") {
    // Loader rules on one field (the basis and per vocabularies, a duplicate label) are field errors:
    // check lists the ones after them too.
    const test::TempDir dir;
    const std::string gpu = (dir.path() / "bad.yaml").string();
    write_text(gpu, good_gpu +
                        "prices:\n"                                                                       // 16
                        "  - {label: a, basis: on-demnd, usd_per_gpu_hour: 2, source: s, date: 2025}\n"   // 17
                        "  - {label: a, basis: reserved, usd_per_gpu_hour: 2, source: s, date: 2025}\n"   // 18
                        "purchase: {usd: 10000, per: cards, source: s, date: 2025}\n");                   // 19
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", gpu}, out, err) == 2);
    CHECK(err.str().find(gpu + ":17:23: error: prices[0].basis: unknown price basis 'on-demnd' (expected one of "
                               "on-demand, reserved, 3yr-rental, published-tco); did you mean 'on-demand'?") !=
          std::string::npos);
    CHECK(err.str().find(gpu + ":18:13: error: prices[1].label: duplicate price label") != std::string::npos);
    CHECK(err.str().find(gpu + ":19:29: error: purchase.per: expected 'card' or 'server', not 'cards'; did you mean "
                               "'card'?") != std::string::npos);
    // Loading stops at the first, as before.
    try {
      (void)load_gpu_file(gpu);
      FAIL_CHECK("expected a ConfigError");
    } catch (const ConfigError& e) {
      CHECK(e.path() == "prices[0].basis");
    }
  }

  TEST_CASE("llmsizer check: a missing required key is reported although a known key looks like it") {
    // num_heads is close to num_kv_heads and mtp_layers to num_layers, but they are keys of their own,
    // not misspellings: the absent keys are errors (only an unknown key's did-you-mean stands in).
    const test::TempDir dir;
    for (const std::string key : {"num_kv_heads", "num_layers"}) {
      CAPTURE(key);
      std::string model = read_file(test::source_path("profiles/models/llama-3.1-8b.yaml").string());
      const size_t at = model.find("\n" + key + ":");
      REQUIRE(at != std::string::npos);
      model.erase(at + 1, model.find('\n', at + 1) - at);
      const std::string file = (dir.path() / "llama-3.1-8b.yaml").string();
      write_text(file, model);
      std::ostringstream out, err;
      CHECK(cli::run_cli({"check", file}, out, err) == 2);
      CHECK(err.str().find("error: " + key + ": missing required key") != std::string::npos);
      CHECK(out.str() == "checked 1 file: 0 ok, 1 with errors\n");
    }
  }

  TEST_CASE("llmsizer check reports an unknown schema") {
    const test::TempDir dir;
    write_text(dir.path() / "bad.yaml", with(good_gpu, "schema: gpu/1", "schema: tpu/1"));
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", (dir.path() / "bad.yaml").string()}, out, err) == 2);
    CHECK(err.str() ==
          (dir.path() / "bad.yaml").string() +
              ":1:9: error: schema: expected 'gpu/1', 'model/1', 'calibration/1', 'tco/1' or 'measurements/1'\n"
              "schema: tpu/1\n"
              "        ^\n");
    CHECK(out.str() == "checked 1 file: 0 ok, 1 with errors\n");
  }

  TEST_CASE("llmsizer check DIR with good files exits 0") {
    const test::TempDir dir;
    std::filesystem::copy_file(test::source_path("profiles/gpus/h20.yaml"), dir.path() / "h20.yaml");
    std::filesystem::copy_file(test::source_path("profiles/models/llama-3.1-70b.yaml"),
                               dir.path() / "llama-3.1-70b.yaml");
    write_text(dir.path() / "bad.yaml", good_model);  // valid despite its name
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", dir.path().string()}, out, err) == 0);
    CHECK(err.str().empty());
    CHECK(out.str() == "checked 3 files: 3 ok, 0 with errors\n");
  }

  TEST_CASE("llmsizer check validates calibration and measurement files too") {
    const test::TempDir dir;
    std::string calibration = read_file(test::source_path("profiles/calibration/default.yaml").string());
    const std::string from = "link_fraction: 0.75";
    calibration.replace(calibration.find(from), from.size(), "link_fraction: 7.5");
    write_text(dir.path() / "calibration.yaml", calibration);
    std::filesystem::copy_file(test::source_path("validation/measurements.yaml"), dir.path() / "measurements.yaml");
    write_text(dir.path() / "mine.yaml", "measurements:\n- id: a\n  model_ref: x\n  hardware: {gpu: h20, count: -2}\n");
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", dir.path().string()}, out, err) == 2);
    CHECK(err.str().find("calibration.yaml:13:") != std::string::npos);
    CHECK(err.str().find("link_fraction: 7.5 is out of range (must be >= 0.01 and <= 1)") != std::string::npos);
    CHECK(err.str().find("mine.yaml:4:31: error: measurements[0].hardware.count: -2 is out of range") !=
          std::string::npos);
    CHECK(out.str() == "checked 3 files: 1 ok, 2 with errors\n");  // the shipped measurements are fine
  }

  TEST_CASE("llmsizer check: missing prompt_group_share and prefill_expert_overhead_us beside the other errors") {
    // Three field errors in three engine entries: an out-of-range moe_imbalance, the absent share and the
    // absent prefill launch cost, which a loader rule checks itself; all are listed, in line order.
    const test::TempDir dir;
    std::string calibration = read_file(test::source_path("profiles/calibration/default.yaml").string());
    const auto replace = [&](const std::string& from, const std::string& to) {
      const size_t at = calibration.find(from);
      REQUIRE(at != std::string::npos);
      calibration.replace(at, from.size(), to);
    };
    replace("moe_imbalance: 1.2, startup_burst_share: 0.5,", "moe_imbalance: 99, startup_burst_share: 0.5,");
    const size_t trtllm = calibration.find("engine: trtllm");
    REQUIRE(trtllm != std::string::npos);
    const size_t share = calibration.find(" prompt_group_share: ", trtllm);
    calibration.erase(share, calibration.find(',', share + 1) + 1 - share);
    const size_t sglang = calibration.find("engine: sglang");
    REQUIRE(sglang != std::string::npos);
    const size_t slot = calibration.find(" prefill_expert_overhead_us: ", sglang);
    calibration.erase(slot, calibration.find(',', slot + 1) + 1 - slot);
    const std::string file = (dir.path() / "calibration.yaml").string();
    write_text(file, calibration);
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", file}, out, err) == 2);
    const size_t first = err.str().find("error: engines[0].moe_imbalance: 99 is out of range");
    const size_t second = err.str().find("error: engines[1].prompt_group_share: missing");
    CHECK(first != std::string::npos);
    CHECK(second != std::string::npos);
    const size_t third = err.str().find("error: engines[3].prefill_expert_overhead_us: missing");
    CHECK(first < second);
    CHECK(third != std::string::npos);
    CHECK(second < third);
    CHECK(out.str() == "checked 1 file: 0 ok, 1 with errors\n");
  }

  TEST_CASE("llmsizer check on a missing path") {
    std::ostringstream out, err;
    CHECK(cli::run_cli({"check", "/nonexistent/llmsizer-profiles"}, out, err) == 2);
    CHECK(err.str() == "/nonexistent/llmsizer-profiles: error: no such file or directory\n");
    CHECK(out.str() == "checked 0 files: 0 ok, 1 with errors\n");
  }

  TEST_CASE("llmsizer check of the shipped profiles exits 0") {
    std::ostringstream out, err;
    // Every YAML file under profiles/ (gpus, models, calibration, ...), counted independently.
    size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(test::source_path("profiles"))) {
      files += entry.is_regular_file() && entry.path().extension() == ".yaml";
    }
    CHECK(files >= 53);  // 31 GPUs + 22 models + calibration
    const int code = cli::run_cli({"check", test::source_path("profiles").string()}, out, err);
    CHECK_MESSAGE(code == 0, err.str());
    // The only shipped warning: qwen3-max is an estimated profile, and check says so as every command does.
    const ModelSpec estimated = test::shipped_model("qwen3-max");
    REQUIRE(estimated.warnings.size() == 1);
    CHECK(err.str() ==
          test::source_path("profiles/models/qwen3-max.yaml").string() + ": warning: " + estimated.warnings[0] + "\n");
    CHECK(out.str() ==
          "checked " + std::to_string(files) + " files: " + std::to_string(files) + " ok, 0 with errors\n");
  }

  TEST_CASE("first_invalid_utf8: the offset of the first byte outside a valid sequence") {
    CHECK_FALSE(first_invalid_utf8("").has_value());
    CHECK_FALSE(first_invalid_utf8("ok \xe4\xb8\xad \xf0\x9f\x98\x80").has_value());  // CJK and an emoji
    CHECK(first_invalid_utf8("caf\xe9") == 3u);                                       // Latin-1 e-acute
    CHECK(first_invalid_utf8("ab\xc0\xaf") == 2u);                                    // overlong '/'
    CHECK(first_invalid_utf8("\xed\xa0\x80") == 0u);                                  // UTF-16 surrogate
    CHECK(first_invalid_utf8("x\xe4\xb8") == 1u);                                     // a sequence cut short
    CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0u);                              // above U+10FFFF
    CHECK_FALSE(first_invalid_utf8("x\r\x1b").has_value());                           // controls are valid UTF-8
  }

  TEST_CASE("messages show invalid UTF-8 and control bytes as escapes, with the caret still in place") {
    CHECK(printable("ok \xe4\xb8\xad") == "ok \xe4\xb8\xad");  // valid UTF-8 is kept
    CHECK(printable("a\xff\xfe"
                    "b") == "a\\xFF\\xFEb");                   // invalid bytes
    CHECK(printable("\xc0\xaf") == "\\xC0\\xAF");              // overlong '/'
    CHECK(printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");     // UTF-16 surrogate
    CHECK(printable("x\r\x1b[2J\ty") == "x\\x0D\\x1B[2J\ty");  // terminal controls; tab kept
    CHECK(printable("a\xc2\x9b"
                    "b") == "a\\xC2\\x9Bb");  // C1 control (CSI)
    CHECK(printable("\xe2\x80\xae"
                    "evil") == "\\xE2\\x80\\xAEevil");  // right-to-left override
    // A long message is cut at a character boundary, never inside a character or an escape.
    std::string long_text;
    for (int i = 0; i < 700; ++i) long_text += "\xc3\xa9\xff";  // é then an invalid byte
    const std::string cut = ConfigError("f", long_text).format();
    CHECK(cut.size() < 1100);
    CHECK(cut.ends_with("..."));
    CHECK(printable(cut) == cut);                            // valid UTF-8, nothing half-escaped
    const std::string body = cut.substr(0, cut.size() - 3);  // the last escape before "..." is whole
    CHECK((body.ends_with("\\xFF") || body.ends_with("\xc3\xa9")));
    const ConfigError e("f.yaml", 1, 11, "name", "bad", "name: \xff\xe4\xb8\xad!");
    // The caret is under '!', after one escape (4 columns) and one wide CJK character (2 columns).
    CHECK(e.format() == "f.yaml:1:11: error: name: bad\nname: \\xFF\xe4\xb8\xad!\n            ^");
    // A combining accent takes no column, an accented letter one.
    const ConfigError combining("f.yaml", 1, 10, "name", "bad", "name: e\xcc\x81x!");
    CHECK(combining.format() == "f.yaml:1:10: error: name: bad\nname: e\xcc\x81x!\n       ^");  // under x
  }

  TEST_CASE("a second YAML document in a profile is an error, not silently ignored") {
    CHECK(gpu_error(good_gpu + "---\nschema: model/1\n") ==
          "bad.yaml:17:1: error: a second YAML document ('---'); a profile file holds one\n"
          "schema: model/1\n"
          "^");
    CHECK(gpu_error(good_gpu + "---\n") == "(no error)");  // a stray end marker is harmless
  }

  TEST_CASE("calibration efficiency fractions have a plausible floor") {
    const std::string text = read_file(test::source_path("profiles/calibration/default.yaml").string());
    // Replace the shipped (fitted) value, whatever it is, by 1e-9.
    const std::string from = "{generation: hopper, compute_fraction: ";
    std::string bad = text;
    const size_t value = bad.find(from) + from.size();
    bad.replace(value, bad.find(',', value) - value, "1e-9");
    const SourceText source = make_source("default.yaml", bad);
    try {
      (void)parse_calibration(parse_yaml(bad, source), source);
      FAIL("accepted a compute fraction of 1e-9");
    } catch (const ConfigError& e) {
      CAPTURE(e.format());
      CHECK(
          e.format().find("error: generations[3].compute_fraction: 1e-9 is out of range (must be >= 0.01 and <= 1)") !=
          std::string::npos);
    }
  }

}  // TEST_SUITE("loader")

}  // namespace llmsizer
