// estimator/weight_candidates: the one rule for which weight precisions fit, report and the sweep try.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "estimator/weight_candidates.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using W = std::vector<WeightChoice>;
constexpr WeightChoice bf16{Precision::bf16, Precision::bf16};
constexpr WeightChoice fp8{Precision::fp8, Precision::fp8};
constexpr WeightChoice int8{Precision::int8, Precision::int8};
constexpr WeightChoice nvfp4{Precision::nvfp4, Precision::nvfp4};
constexpr WeightChoice int4{Precision::int4, Precision::int4};

}  // namespace

TEST_SUITE("memory") {
  TEST_CASE("weight candidates: the first choice, then bf16 fp8 int8 nvfp4 int4 for memory, once each") {
    const GpuSpec a100 = test::shipped_gpu("a100-80gb-sxm");
    CHECK(weight_candidates(fp8, a100, CandidateUse::memory) == W{fp8, bf16, int8, nvfp4, int4});
    CHECK(weight_candidates(bf16, a100, CandidateUse::memory) == W{bf16, fp8, int8, nvfp4, int4});
    const WeightChoice mixed{Precision::bf16, Precision::mxfp4};
    CHECK(weight_candidates(mixed, a100, CandidateUse::memory) == W{mixed, bf16, fp8, int8, nvfp4, int4});
  }

  TEST_CASE("weight candidates: for speed only fp8 and nvfp4, where the GPU has those tensor cores") {
    CHECK(weight_candidates(bf16, test::shipped_gpu("a100-80gb-sxm"), CandidateUse::speed) == W{bf16});
    CHECK(weight_candidates(bf16, test::shipped_gpu("h100-sxm"), CandidateUse::speed) == W{bf16, fp8});
    CHECK(weight_candidates(bf16, test::shipped_gpu("b200"), CandidateUse::speed) == W{bf16, fp8, nvfp4});
    CHECK(weight_candidates(fp8, test::shipped_gpu("h100-sxm"), CandidateUse::speed) == W{fp8});
  }

  TEST_CASE("fit and report try the memory candidates; fit's rows follow the rule's order") {
    const test::Run r = test::run({"fit", "--model", "deepseek-r1", "--gpu", "a100-80gb-sxm", "--json"});
    REQUIRE(r.code == 0);
    std::vector<std::string> labels;
    for (const auto& row : nlohmann::json::parse(r.out)) labels.push_back(row["weights"].get<std::string>());
    CHECK(labels == std::vector<std::string>{"fp8", "bf16", "int8", "nvfp4", "int4"});
    // report's fit table: the chosen precision, then the same ladder (int8 included, as fit shows it).
    test::TempDir dir;
    const std::string html = (dir.path() / "r.html").string();
    const test::Run report = test::run({"report", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--isl", "1000",
                                        "--osl", "200", "--html", html});
    REQUIRE(report.code == 0);
    std::ifstream in(html);
    const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* label : {">BF16<", ">FP8<", ">INT8<", ">NVFP4<", ">INT4<"}) {
      CAPTURE(label);
      CHECK(page.find(label) != std::string::npos);
    }
  }
}

}  // namespace llmsizer
