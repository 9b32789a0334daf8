// The writing side of `estimate --scenarios` (cli/scenario_writer.hpp): the same bytes whether the rows
// are written on a second thread or on the answering one, and whichever thread formats a block; a
// failure on either side writes the blocks handed over before it and surfaces to the caller.
#include "cli/scenario_writer.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.hpp"
#include "io/table.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using cli::AnsweredRow;
using cli::RowBlock;
using cli::RowPipeline;
using cli::ScenarioBatchFormat;
using cli::WriterThread;

/// Writes (through sputn, as the pipeline writes) from any thread but the one that made it wait until
/// open(); counts what it holds, so a test can wait for the writer to have written a block.
class GatedBuffer : public std::stringbuf {
 public:
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  /// Waits until at least `bytes` were written.
  void wait_for(size_t bytes) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return held_ >= bytes; });
  }
  /// What was written; call once the writer has stopped.
  std::string text() const { return str(); }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return open_ || std::this_thread::get_id() == owner_; });
    }
    const std::streamsize written = std::stringbuf::xsputn(s, n);  // not under the lock: it may call overflow
    const std::lock_guard lock(mutex_);
    held_ += static_cast<size_t>(written);
    changed_.notify_all();
    return written;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  size_t held_ = 0;
  std::thread::id owner_ = std::this_thread::get_id();
};

/// A bad row of a scenarios file: what the writer prints of it is its input and its message.
AnsweredRow bad_row(const std::string& id, int line) {
  AnsweredRow row;
  row.line = line;
  row.column = 1;
  row.input.id = id;
  row.input.model = "some-model";
  row.error = "model: unknown model '" + id + "'";
  return row;
}

/// Fills a block from the pipeline with `rows` and hands it over.
void hand_over(RowPipeline& pipeline, const std::vector<AnsweredRow>& rows) {
  RowBlock& block = pipeline.free_block();
  block.size = rows.size();
  for (size_t i = 0; i < rows.size(); ++i) block.rows[i] = rows[i];
  pipeline.write(block);
}

/// What the batch writes of `rows` as its first rows, formatted as one block: the JSON elements with
/// each bad row's message before its own, and the array's end when `ended`.
std::string expected_json(const std::vector<AnsweredRow>& rows, bool ended) {
  RowBlock block;
  block.size = rows.size();
  for (size_t i = 0; i < rows.size(); ++i) block.rows[i] = rows[i];
  const cli::BlockFormatter formatter(ScenarioBatchFormat::json, "f.csv");
  formatter.format(block);
  std::string text;
  size_t at = 0;
  for (const auto& [offset, message] : block.messages) {
    text += block.text.substr(at, offset - at) + message;
    at = offset;
  }
  return text + block.text.substr(at) + (ended ? "\n]\n" : "");
}

const std::string not_utf8 = "caf\xE9";  // JSON cannot carry it: formatting the row throws

/// Runs a scenarios file through run_scenarios with `thread`; stdout and stderr apart and together.
struct Outputs {
  int code = 0;
  std::string out, err, both;
};
Outputs run_batch(const std::string& file, ScenarioBatchFormat format, WriterThread thread) {
  Outputs o;
  std::ostringstream out, err, both;
  cli::Context apart;
  apart.out = &out;
  apart.err = &err;
  o.code = cli::run_scenarios(file, ScenarioInput{}, "default", format, apart, thread);
  cli::Context together;
  together.out = &both;
  together.err = &both;
  CHECK(cli::run_scenarios(file, ScenarioInput{}, "default", format, together, thread) == o.code);
  o.out = out.str();
  o.err = err.str();
  o.both = both.str();
  return o;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("estimate --scenarios: the same bytes with the writer thread and without, in every format") {
    // 2,000 rows (eight blocks) of dense and MoE models, a row that does not fit, a disaggregated
    // row and bad rows at different places of a block; stderr's messages between the rows they follow.
    const test::TempDir dir;
    const std::vector<std::string> kinds = {
        "a,llama-3.1-8b,h100-sxm,1,1,bf16,,,,128,128,1",         "b,llama-3.1-70b,h100-sxm,4,4,bf16,vllm,,,1000,500,64",
        "c,deepseek-v3,h200-sxm,8,8,fp8,sglang,,,1000,1000,128", "d,deepseek-v3,l4,1,1,bf16,,,,1000,1000,1",
        "e,llama-3.1-8b,h100-sxm,x,1,bf16,,,,128,128,1",         "f,deepseek-v3,h200-sxm,,,fp8,,1,8,1000,1000,64",
        "g,no-such-model,h100-sxm,1,1,bf16,,,,128,128,1",
    };
    std::ofstream file(dir.path() / "rows.csv");
    file << "id,model,gpu,gpus,tp,weights,engine,prefill_workers,prefill_tp,isl,osl,concurrency\n";
    for (size_t i = 0; i < 2000; ++i) file << kinds[(i * 3 + i / 7) % kinds.size()] << "\n";
    file.close();
    const std::string path = (dir.path() / "rows.csv").string();
    for (const ScenarioBatchFormat format :
         {ScenarioBatchFormat::csv, ScenarioBatchFormat::json, ScenarioBatchFormat::table}) {
      CAPTURE(static_cast<int>(format));
      const Outputs one = run_batch(path, format, WriterThread::none);
      const Outputs two = run_batch(path, format, WriterThread::separate);
      CHECK(one.code == 2);
      CHECK(two.code == one.code);
      CHECK(two.out == one.out);
      CHECK(two.err == one.err);
      CHECK(two.both == one.both);
      CHECK(one.out.size() > 2000 * 40);  // every row was written
      CHECK(one.both.size() == one.out.size() + one.err.size());
    }
  }

  TEST_CASE("estimate --scenarios: the text table formats and aligns each column by the schema, as other tables") {
    // Numbers in the column's text format (thousands separators, no exponent), counts grouped; numbers
    // right, labels left, whatever the cell starts with.
    const test::TempDir dir;
    std::ofstream file(dir.path() / "rows.csv");
    file << "id,model,gpu,gpus,tp,isl,osl,concurrency\n"
         << "huge,llama-3.1-8b,h100-sxm,1,1,1000,500,2000000\n"
         << "8b,llama-3.1-8b,h100-sxm,1,1,1000,500,8\n"
         << "bad,llama-3.1-8b,h100-sxm,x,1,1000,500,8\n";
    file.close();
    const std::string path = (dir.path() / "rows.csv").string();
    const Outputs table = run_batch(path, ScenarioBatchFormat::table, WriterThread::separate);
    const nlohmann::json json =
        nlohmann::json::parse(run_batch(path, ScenarioBatchFormat::json, WriterThread::none).out);
    std::vector<std::string> lines;
    std::istringstream text(table.out);
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    REQUIRE(lines.size() == 5);  // header, rule, three rows
    const std::string& header = lines[0];
    CHECK(table.out.find("e+") == std::string::npos);
    for (size_t r = 0; r < 2; ++r) {
      CAPTURE(r);
      const std::string& line = lines[2 + r];
      const std::string ttft = with_commas(json[r]["ttft_ms"].get<double>(), 1);
      const std::string tpot = with_commas(json[r]["tpot_ms"].get<double>(), 2);
      CHECK(line.find(" " + ttft + " ") != std::string::npos);
      CHECK(line.find(" " + tpot + " ") != std::string::npos);
      CHECK(line.substr(header.find("weights"), 4) == "bf16");  // a label: left
    }
    CHECK(lines[2].substr(header.find("concurrency"), 11) == "  2,000,000");  // a count: right, grouped
    CHECK(lines[3].substr(header.find("concurrency"), 11) == "          8");
    CHECK(lines[4].substr(header.find("concurrency"), 11) == "          -");  // the column's kind, not the cell's
    CHECK(lines[4].find("gpus: expected a whole number") != std::string::npos);
  }
  TEST_CASE("RowPipeline: blocks formatted by the answering thread while the writer is behind keep their order") {
    // The writer is held at its first block, so the blocks handed over after it wait and the answering
    // thread formats some of them itself; the writer writes them all, in order, once it may.
    std::vector<std::vector<AnsweredRow>> blocks;
    std::vector<AnsweredRow> all;
    for (int b = 0; b < 6; ++b) {
      blocks.emplace_back();
      for (int r = 0; r < 3; ++r) blocks.back().push_back(bad_row(fmt::format("r{}-{}", b, r), 2 + 3 * b + r));
      all.insert(all.end(), blocks.back().begin(), blocks.back().end());
    }
    GatedBuffer buffer;
    std::ostream both(&buffer);
    {
      RowPipeline pipeline(ScenarioBatchFormat::json, "f.csv", both, both, WriterThread::separate);
      for (size_t b = 0; b < 4; ++b) hand_over(pipeline, blocks[b]);  // the four blocks: no wait yet
      buffer.open();
      for (size_t b = 4; b < blocks.size(); ++b) hand_over(pipeline, blocks[b]);
      pipeline.finish();
    }
    CHECK(buffer.text() == expected_json(all, true));
  }

  TEST_CASE("RowPipeline: a failure on either side writes the blocks handed over before it, and surfaces") {
    const std::vector<AnsweredRow> first = {bad_row("a", 2), bad_row("b", 3)};
    const std::vector<AnsweredRow> second = {bad_row("c", 4)};
    const std::vector<AnsweredRow> third = {bad_row("d", 5)};
    const std::vector<AnsweredRow> failing = {bad_row("e", 6), bad_row(not_utf8, 7)};
    std::vector<AnsweredRow> both_blocks = first;
    both_blocks.insert(both_blocks.end(), second.begin(), second.end());
    std::vector<AnsweredRow> three_blocks = both_blocks;
    three_blocks.insert(three_blocks.end(), third.begin(), third.end());
    for (const WriterThread thread : {WriterThread::none, WriterThread::separate}) {
      CAPTURE(static_cast<int>(thread));
      {  // the answering side throws: what was handed over is written, without the array's end
        std::ostringstream out;
        {
          RowPipeline pipeline(ScenarioBatchFormat::json, "f.csv", out, out, thread);
          hand_over(pipeline, first);
          hand_over(pipeline, second);
        }  // as when an exception leaves run_scenarios: no finish()
        CHECK(out.str() == expected_json(both_blocks, false));
      }
      {  // the writer fails on a block: the blocks before it are written, the error reaches the caller
        GatedBuffer buffer;
        buffer.open();
        std::ostream out(&buffer);
        RowPipeline pipeline(ScenarioBatchFormat::json, "f.csv", out, out, thread);
        hand_over(pipeline, first);
        buffer.wait_for(expected_json(first, false).size());  // the writer is idle again: it formats the next
        if (thread == WriterThread::none) {
          CHECK_THROWS_AS(hand_over(pipeline, failing), nlohmann::json::type_error);
        } else {
          hand_over(pipeline, failing);
          CHECK_THROWS_AS(pipeline.finish(), nlohmann::json::type_error);
        }
        CHECK(buffer.text() == expected_json(first, false));
      }
    }
    {  // formatting fails on the answering thread, the writer being behind
      GatedBuffer buffer;
      std::ostream out(&buffer);
      {
        RowPipeline pipeline(ScenarioBatchFormat::json, "f.csv", out, out, WriterThread::separate);
        hand_over(pipeline, first);   // the writer takes it and waits at the gate
        hand_over(pipeline, second);  // these two wait for the writer
        hand_over(pipeline, third);
        CHECK_THROWS_AS(hand_over(pipeline, failing), nlohmann::json::type_error);  // formatted here: throws here
        buffer.open();
      }
      CHECK(buffer.text() == expected_json(three_blocks, false));
    }
  }
}

}  // namespace llmsizer
