// Every shipped profile loads and validates; catalog lookup by id, alias and HF repo id
// (io/profile_loader.hpp, io/catalog.hpp). The walk covers new files without new tests.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/catalog.hpp"
#include "io/config_error.hpp"
#include "io/profile_loader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;
using test::shipped_catalog;
using test::source_path;

std::vector<fs::path> yaml_files_in(const std::string& relative) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(source_path(relative))) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string lookup_error(const Catalog& catalog, const std::string& name, bool gpu) {
  try {
    if (gpu) (void)catalog.gpu(name);
    else (void)catalog.model(name);
  } catch (const ConfigError& e) {
    return e.format();
  }
  return "(no error)";
}

}  // namespace

TEST_SUITE("profiles") {

TEST_CASE("every file in profiles/gpus is a valid gpu/1 profile named after its file") {
  const auto files = yaml_files_in("profiles/gpus");
  CHECK(files.size() == 32);
  for (const fs::path& file : files) {
    CAPTURE(file.string());
    CHECK(file.extension() == ".yaml");
    try {
      const GpuSpec gpu = load_gpu_file(file.string());
      CHECK(gpu.name == file.stem().string());
      CHECK(gpu.memory.value > 0);
      CHECK(gpu.memory_bandwidth.value > 0);
      CHECK(gpu.supports(ComputeType::bf16));  // every shipped accelerator runs BF16 natively
      CHECK_FALSE(gpu.sources.empty());
      CHECK(gpu.file == file.string());
    } catch (const ConfigError& e) {
      FAIL_CHECK(e.format());
    }
  }
}

TEST_CASE("every file in profiles/models is a valid model/1 profile named after its file") {
  const auto files = yaml_files_in("profiles/models");
  CHECK(files.size() == 29);
  for (const fs::path& file : files) {
    CAPTURE(file.string());
    CHECK(file.extension() == ".yaml");
    try {
      const ModelSpec model = load_model_file(file.string());
      CHECK(model.name == file.stem().string());
      CHECK(model.layer_attention.size() == static_cast<size_t>(model.num_layers));
      CHECK(model.layer_is_moe.size() == static_cast<size_t>(model.num_layers));
      CHECK(model.official_total_params.has_value());  // every shipped model states its official size
      CHECK_FALSE(model.sources.empty());
    } catch (const ConfigError& e) {
      FAIL_CHECK(e.format());
    }
  }
}

TEST_CASE("the catalog holds 32 GPUs and 29 models, sorted, with unique names and aliases") {
  const Catalog catalog = shipped_catalog();
  CHECK(catalog.gpus.size() == 32);
  CHECK(catalog.models.size() == 29);
  CHECK(std::is_sorted(catalog.gpus.begin(), catalog.gpus.end(),
                       [](const GpuSpec& a, const GpuSpec& b) { return a.name < b.name; }));
  CHECK(std::is_sorted(catalog.models.begin(), catalog.models.end(),
                       [](const ModelSpec& a, const ModelSpec& b) { return a.name < b.name; }));
  // load_catalog rejects a name or alias shared by two profiles; check the lookup side agrees.
  for (const GpuSpec& gpu : catalog.gpus) {
    for (const std::string& alias : gpu.aliases) {
      CAPTURE(alias);
      REQUIRE(catalog.find_gpu(alias) != nullptr);
      CHECK(catalog.find_gpu(alias)->name == gpu.name);
    }
  }
  for (const ModelSpec& model : catalog.models) {
    for (const std::string& alias : model.aliases) {
      CAPTURE(alias);
      REQUIRE(catalog.find_model(alias) != nullptr);
      CHECK(catalog.find_model(alias)->name == model.name);
    }
    if (!model.hf_repo.empty()) {
      REQUIRE(catalog.find_model(model.hf_repo) != nullptr);
      CHECK(catalog.find_model(model.hf_repo)->name == model.name);
    }
  }
}

TEST_CASE("boards with the same memory part offer the same usable memory") {
  // docs/profiles.md#usable-memory: what the runtime sees belongs to the memory part, so boards of one
  // vendor and generation with the same installed memory must carry the same figure, or none. Without
  // the rule an H100 PCIe (80 GB as installed) fits less than an H100 SXM5 (79.65 GiB = 85.5 GB seen).
  const Catalog catalog = shipped_catalog();
  int pairs = 0;
  for (const GpuSpec& a : catalog.gpus) {
    for (const GpuSpec& b : catalog.gpus) {
      if (a.name >= b.name || a.vendor != b.vendor || a.generation != b.generation) continue;
      if (a.memory.value != b.memory.value) continue;
      CAPTURE(a.name);
      CAPTURE(b.name);
      CHECK(a.usable_capacity().value == b.usable_capacity().value);
      ++pairs;
    }
  }
  CHECK(pairs >= 7);  // h100 sxm/pcie/h800, h200 sxm/nvl/h20-141gb, a100 80 GB x3, a100 40 GB, l40s/l20
}

TEST_CASE("GPU lookup by id and alias is case-insensitive") {
  const Catalog catalog = shipped_catalog();
  CHECK(catalog.gpu("h100-sxm").name == "h100-sxm");
  CHECK(catalog.gpu("H100").name == "h100-sxm");
  CHECK(catalog.gpu("h100").name == "h100-sxm");
  CHECK(catalog.gpu("H100-SXM").name == "h100-sxm");
  CHECK(catalog.gpu("H20-96GB").name == "h20");
  CHECK(catalog.gpu("a100").name == "a100-80gb-sxm");
  CHECK(catalog.gpu("Trillium").name == "tpu-v6e");
  CHECK(catalog.find_gpu("h100-sx") == nullptr);
  CHECK(catalog.find_gpu("") == nullptr);
  // A model name is not a GPU.
  CHECK(catalog.find_gpu("glm-4.5") == nullptr);
}

TEST_CASE("model lookup by id, alias and Hugging Face repo id is case-insensitive") {
  const Catalog catalog = shipped_catalog();
  CHECK(catalog.model("GLM-4.5").name == "glm-4.5");
  CHECK(catalog.model("glm4.5").name == "glm-4.5");
  CHECK(catalog.model("deepseek-ai/DeepSeek-R1").name == "deepseek-r1");
  CHECK(catalog.model("DEEPSEEK-AI/deepseek-r1").name == "deepseek-r1");
  CHECK(catalog.model("deepseek-ai/DeepSeek-V3").name == "deepseek-v3");
  CHECK(catalog.model("R1").name == "deepseek-r1");
  CHECK(catalog.model("llama-3.3-70b-instruct").name == "llama-3.1-70b");
  CHECK(catalog.model("meta-llama/Meta-Llama-3.1-70B").name == "llama-3.1-70b");
  CHECK(catalog.model("openai/gpt-oss-120b").name == "gpt-oss-120b");
  CHECK(catalog.find_model("deepseek-ai/DeepSeek-R2") == nullptr);
  CHECK(catalog.find_model("h100") == nullptr);
}

TEST_CASE("an unknown GPU name gives did-you-mean") {
  const Catalog catalog = shipped_catalog();
  // Up to three names, closest first (by edit distance to the name or any alias, ties by name):
  // 'h100-sxm' contains the word (1); alias 'a100-sxm' and 'h200-sxm' are 2 edits away.
  CHECK(lookup_error(catalog, "h100-sx", true) ==
        "error: --gpu: unknown GPU 'h100-sx'; did you mean 'h100-sxm', 'a100-80gb-sxm', 'h200-sxm'?; "
        "`llmsizer list gpus` shows them all");
  // 'mi300x' contains the word; 'b300' and alias 'gb300' are 2 edits away.
  CHECK(lookup_error(catalog, "mi300", true) ==
        "error: --gpu: unknown GPU 'mi300'; did you mean 'mi300x', 'b300', 'gb300-nvl72'?; "
        "`llmsizer list gpus` shows them all");
  // The option name is part of the message.
  try {
    (void)catalog.gpu("h2O", "--draft-gpu");
    FAIL_CHECK("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "--draft-gpu");
    CHECK(e.format().rfind("error: --draft-gpu: unknown GPU 'h2O'; did you mean 'h20'", 0) == 0);
  }
  // Nothing close: no suggestion, still the pointer to `list gpus`.
  CHECK(lookup_error(catalog, "quantum-computer-9000", true) ==
        "error: --gpu: unknown GPU 'quantum-computer-9000'; `llmsizer list gpus` shows them all");
}

TEST_CASE("an unknown model name gives did-you-mean") {
  const Catalog catalog = shipped_catalog();
  CHECK(lookup_error(catalog, "lama-3.1-70b", false) ==
        "error: --model: unknown model 'lama-3.1-70b'; did you mean 'llama-3.1-70b', 'llama-3.1-405b', "
        "'llama-3.1-8b'?; `llmsizer list models` shows them all, and a path to a Hugging Face config.json "
        "works too");
  CHECK(lookup_error(catalog, "nosuchmodel", false) ==
        "error: --model: unknown model 'nosuchmodel'; `llmsizer list models` shows them all, and a path to a "
        "Hugging Face config.json works too");
}

TEST_CASE("a model can be given as a path to a model/1 file") {
  const Catalog catalog = shipped_catalog();
  const ModelSpec model = catalog.model(source_path("profiles/models/qwen3-32b.yaml").string());
  CHECK(model.name == "qwen3-32b");
  CHECK(model.num_layers == 64);
}

TEST_CASE("no GPU profile lists sparse TFLOPS") {
  const Catalog catalog = shipped_catalog();
  // Dense figures from the cited datasheets; the 2:4-sparse headline is exactly twice these.
  struct Dense {
    const char* gpu;
    double bf16_tflops;
    double sparse_headline;
  };
  const Dense pinned[] = {
      {"h100-sxm", 989.4, 1979},   // H100 SXM datasheet: BF16 1,979 TFLOPS with sparsity
      {"h200-sxm", 989.4, 1979},   // same compute as H100 SXM
      {"h20", 148, 296},
      {"a100-80gb-sxm", 312, 624},  // A100 datasheet: BF16 624 with sparsity
      {"b200", 2250, 4500},         // HGX B200: BF16 4.5 PFLOPS with sparsity
      {"gb200-nvl72", 2500, 5000},
      {"mi300x", 1307.4, 2614.9},  // AMD quotes 2,614.9 TFLOPS BF16 with sparsity
      {"l40s", 362.05, 733},
  };
  for (const Dense& d : pinned) {
    CAPTURE(d.gpu);
    const GpuSpec& gpu = catalog.gpu(d.gpu);
    REQUIRE(gpu.throughput(ComputeType::bf16).has_value());
    const double bf16 = gpu.throughput(ComputeType::bf16)->value / 1e12;
    CHECK(bf16 == doctest::Approx(d.bf16_tflops).epsilon(1e-9));
    CHECK(bf16 < 0.6 * d.sparse_headline);
  }
  // Every GPU: FP8 is about twice BF16 at most (a sparse FP8 figure would be four times dense BF16;
  // L40S is 733 / 362.05 = 2.02 because its BF16 figure is quoted with FP32 accumulate), and
  // FP16 equals BF16 where both exist.
  for (const GpuSpec& gpu : catalog.gpus) {
    CAPTURE(gpu.name);
    const auto& bf16 = gpu.throughput(ComputeType::bf16);
    REQUIRE(bf16.has_value());
    if (const auto& fp8 = gpu.throughput(ComputeType::fp8)) CHECK(fp8->value <= 2.1 * bf16->value);
    if (const auto& fp16 = gpu.throughput(ComputeType::fp16)) CHECK(fp16->value == bf16->value);
  }
}

TEST_CASE("shipped GPU profiles: spot values in SI units") {
  const Catalog catalog = shipped_catalog();
  const GpuSpec& h100 = catalog.gpu("h100-sxm");
  CHECK(h100.memory.value == 80e9);                      // 80 GB = 80e9 B, not 80 GiB
  CHECK(h100.memory_bandwidth.value == 3350e9);          // 3350 GB/s
  CHECK(h100.scale_up.bandwidth_per_direction.value == 450e9);  // NVLink4 900 GB/s bidirectional / 2
  CHECK(h100.scale_up.domain_gpus == 8);
  CHECK_FALSE(h100.supports(ComputeType::fp4));
  CHECK(h100.supports(ComputeType::fp8));
  CHECK(h100.tdp.value == 700);
  REQUIRE_FALSE(h100.prices.empty());
  CHECK(h100.prices.front().label == "3yr-rental");
  CHECK(h100.prices.front().per_gpu_hour.value == 1.30);
  const GpuSpec& a100 = catalog.gpu("a100-80gb-sxm");
  CHECK_FALSE(a100.supports(ComputeType::fp8));
  CHECK(catalog.gpu("b200").supports(ComputeType::fp4));
  CHECK(catalog.gpu("gb200-nvl72").scale_up.domain_gpus == 72);
  // FP8 weights on the shipped A100 run as BF16; on H100 natively; NVFP4 on H100 weight-only, as BF16.
  CHECK(effective_compute_type(a100, Precision::fp8) == ComputeType::bf16);
  CHECK(effective_compute_type(h100, Precision::fp8) == ComputeType::fp8);
  CHECK(effective_compute_type(h100, Precision::nvfp4) == ComputeType::bf16);
  CHECK(effective_compute_type(catalog.gpu("b200"), Precision::nvfp4) == ComputeType::fp4);
}

TEST_CASE("a later profile directory overrides an earlier one by name") {
  const test::TempDir dir;
  // A copy of h20 with 141 GB (the HBM3e variant) in a second directory.
  std::string text = read_file(source_path("profiles/gpus/h20.yaml").string());
  const std::string from = "memory_gb: 96";
  REQUIRE(text.find(from) != std::string::npos);
  text.replace(text.find(from), from.size(), "memory_gb: 141");
  fs::create_directories(dir.path() / "gpus");
  {
    std::ofstream out(dir.path() / "gpus" / "h20.yaml");
    out << text;
  }
  const Catalog catalog = load_catalog({source_path("profiles"), dir.path()});
  CHECK(catalog.gpus.size() == 32);
  CHECK(catalog.gpu("h20").memory.value == 141e9);
}

}  // TEST_SUITE("profiles")

}  // namespace llmsizer
