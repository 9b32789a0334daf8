// `estimate --scenarios`: how a file's cells become requests. Columns are bound to fields once per
// header, in any order; quoted cells, blank and missing cells (the command-line defaults apply) and
// rows that repeat a deployment under other workloads answer as the same scenario stated alone; a bad
// row far down a long file is named by its line while the others are answered; an unterminated quote
// there leaves stdout empty.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

std::string write_lines(const test::TempDir& dir, const std::string& name, const std::vector<std::string>& lines) {
  const std::string path = (dir.path() / name).string();
  std::ofstream out(path, std::ios::binary);
  for (const std::string& line : lines) out << line << "\n";
  return path;
}

/// The lines of `text` after the first (the header).
std::vector<std::string> body_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = text.find('\n') + 1;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("estimate --scenarios: rows repeating a deployment answer as each row alone") {
    // Deployments recur, not next to each other, under other prompts and concurrencies; their layout
    // is given by degrees, by a GPU count alone, or not at all (the smallest that fits the workload).
    const std::string header = "id,model,gpu,gpus,tp,engine,isl,osl,concurrency";
    std::vector<std::string> rows;
    for (const char* isl : {"128", "6000"}) {
      for (const char* concurrency : {"1", "48", "0"}) {
        rows.push_back(fmt::format("a,llama-3.1-70b,h100-sxm,4,4,vllm,{},500,{}", isl, concurrency));
        rows.push_back(fmt::format("b,qwen3-32b,l40s,4,,,{},500,{}", isl, concurrency));
        rows.push_back(fmt::format("c,deepseek-v3,h200-sxm,,,sglang,{},500,{}", isl, concurrency));
        rows.push_back(fmt::format("d,llama-3.1-8b,h100-sxm,,,,{},300000,{}", isl, concurrency));  // too long
      }
    }
    const test::TempDir dir;
    std::vector<std::string> file = {header};
    file.insert(file.end(), rows.begin(), rows.end());
    const Run all = run({"estimate", "--scenarios", write_lines(dir, "all.csv", file), "--csv"});
    CHECK(all.code == 2);
    const std::vector<std::string> answers = body_lines(all.out);
    REQUIRE(answers.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(rows[i]);
      const Run one = run({"estimate", "--scenarios", write_lines(dir, "one.csv", {header, rows[i]}), "--csv"});
      CHECK(body_lines(one.out) == std::vector<std::string>{answers[i]});
    }
    // Line 5 is "d,llama-3.1-8b,h100-sxm,,,,128,300000,1": the osl field starts at byte 32.
    CHECK(all.err.find(":5:32: error: osl: 128 prompt + 300000 output = 300128 tokens exceed") != std::string::npos);
  }

  TEST_CASE("estimate --scenarios: columns bound once per header, in any order, quoted, blank or missing") {
    const test::TempDir dir;
    const std::vector<std::string> defaults = {"--isl", "700", "--osl", "300", "--engine", "sglang"};
    auto scenarios = [&](const std::vector<std::string>& lines) {
      std::vector<std::string> args = {"estimate", "--scenarios", write_lines(dir, "s.csv", lines), "--csv"};
      args.insert(args.end(), defaults.begin(), defaults.end());
      return run(args);
    };
    const Run plain = scenarios(
        {"id,model,gpu,tp,isl,concurrency", "x,llama-3.1-70b,h100-sxm,4,1000,16", "y,llama-3.1-8b,h100-sxm,1,,8"});
    REQUIRE(plain.code == 0);
    // Another column order, a note column the tool ignores, quoted cells (a doubled quote and a comma
    // in the note), and trailing spaces in the header names.
    const Run shuffled = scenarios({"concurrency , note,isl,tp,gpu,model,id",
                                    R"(16,"say ""hi"", twice",1000,"4",h100-sxm,"llama-3.1-70b",x)",
                                    R"(8,,,1,h100-sxm,llama-3.1-8b,"y")"});
    CHECK(shuffled.code == 0);
    CHECK(shuffled.out == plain.out);
    CHECK(shuffled.err == (dir.path() / "s.csv").string() + ":1: warning: ignoring unknown column 'note'\n");
    // A row shorter than the header: its missing cells are blank, and blank cells take the defaults.
    const Run shorter = scenarios({"id,model,gpu,tp,concurrency,isl", "y,llama-3.1-8b,h100-sxm,1,8"});
    CHECK(shorter.code == 0);
    CHECK(body_lines(shorter.out) == std::vector<std::string>{body_lines(plain.out)[1]});
    // The same scenario given on the command line alone.
    const Run single = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--tp", "1", "--concurrency",
                            "8", "--isl", "700", "--osl", "300", "--engine", "sglang", "--csv"});
    CHECK(body_lines(single.out).at(0) == body_lines(plain.out)[1].substr(1));  // without the id "y"
    // A quoted id that holds a comma and a newline is written back quoted.
    const Run quoted = scenarios({"id,model,gpu,tp", "\"two,\nlines\",llama-3.1-8b,h100-sxm,1"});
    CHECK(quoted.code == 0);
    CHECK(quoted.out.find("\n\"two,\nlines\",llama-3.1-8b,h100-sxm,") != std::string::npos);
  }

  TEST_CASE("estimate --scenarios: a bad value on row 70,000 is named by its line; the rest are answered") {
    const test::TempDir dir;
    std::vector<std::string> lines = {"id,model,gpu,tp,isl,osl,concurrency"};
    const int rows = 70'001;
    lines.reserve(rows + 1);
    for (int i = 1; i <= rows; ++i) {
      lines.push_back(fmt::format("r{},llama-3.1-8b,h100-sxm,1,{},{},{}", i, 100 + i % 7, 50 + i % 5,
                                  i == 70'000 ? std::string("12x") : std::to_string(1 + i % 3)));
    }
    const std::string file = write_lines(dir, "long.csv", lines);
    const Run bad = run({"estimate", "--scenarios", file, "--csv"});
    CHECK(bad.code == 2);
    const std::string& culprit = lines[70'000];  // the concurrency field is the last
    CHECK(bad.err == fmt::format("{}:70001:{}: error: concurrency: expected a whole number, got '12x'\n", file,
                                 culprit.rfind(',') + 2));
    const std::vector<std::string> answers = body_lines(bad.out);
    REQUIRE(answers.size() == static_cast<std::size_t>(rows));
    CHECK(answers[69'999].rfind("r70000,llama-3.1-8b,h100-sxm,,", 0) == 0);
    CHECK(answers[69'999].find(",\"concurrency: expected a whole number, got '12x'\"") != std::string::npos);
    CHECK(answers[70'000].rfind("r70001,llama-3.1-8b,h100-sxm,1,1,1,1,1,", 0) == 0);
    // An unterminated quote there instead: nothing on stdout, the line where the quote opens named.
    lines[70'000] = "\"r70000,llama-3.1-8b,h100-sxm,1,100,50,1";
    (void)write_lines(dir, "long.csv", lines);
    for (const char* format : {"--csv", "--json"}) {
      const Run unterminated = run({"estimate", "--scenarios", file, format});
      CHECK(unterminated.code == 2);
      CHECK(unterminated.out.empty());
      CHECK(unterminated.err == file + ":70001: error: unterminated quoted field\n");
    }
  }
}

}  // namespace llmsizer
