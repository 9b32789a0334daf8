// `estimate --scenarios` streams: each row is read, estimated and written before the next is read.
// These pin that the streamed CSV and JSON equal the answers of the same rows run one file each,
// that the JSON is the whole array's dump(2), and that a syntax error leaves stdout empty.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/result_table.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::Run;
using test::run;

const std::string header = "id,model,gpu,gpus,tp,weights,engine,isl,osl,concurrency";

/// Dense and MoE models, several GPUs, engines and workloads, a row that does not fit, and a bad row.
const std::vector<std::string> rows = {
    "a,llama-3.1-8b,h100-sxm,1,1,bf16,,128,128,1",
    "b,llama-3.1-70b,h100-sxm,4,4,bf16,vllm,1000,500,64",
    "c,llama-3.1-70b,h200-sxm,2,2,fp8,sglang,4000,1000,8",
    "d,qwen3-32b,l40s,2,2,fp8,trtllm,8000,2000,2",
    "e,deepseek-v3,h200-sxm,8,8,fp8,,1000,1000,128",
    "f,qwen3-235b-a22b,b200,4,4,fp8,vllm,128,500,16",
    "g,gpt-oss-120b,h100-sxm,1,1,mxfp4,,4000,128,4",
    "h,mixtral-8x7b,a100-80gb-sxm,2,2,bf16,,1000,1000,32",
    "i,deepseek-v3,l4,1,1,bf16,,1000,1000,1",
    "j,llama-3.1-8b,h100-sxm,x,1,bf16,,128,128,1",
};

std::string write_file(const test::TempDir& dir, const std::string& name, const std::vector<std::string>& lines) {
  const std::string path = (dir.path() / name).string();
  std::ofstream out(path);
  out << header << "\n";
  for (const std::string& line : lines) out << line << "\n";
  return path;
}

/// Everything after the first line.
std::string after_header(const std::string& text) {
  return text.substr(text.find('\n') + 1);
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("estimate --scenarios --csv streams the same rows as one file per row") {
    const test::TempDir dir;
    const Run all = run({"estimate", "--scenarios", write_file(dir, "all.csv", rows), "--csv"});
    CHECK(all.code == 2);  // row j is bad; the others are answered
    std::string expected;
    for (size_t i = 0; i < rows.size(); ++i) {
      const Run one = run({"estimate", "--scenarios", write_file(dir, "one.csv", {rows[i]}), "--csv"});
      CHECK(one.code == (i + 1 == rows.size() ? 2 : 0));
      if (i == 0) expected = one.out.substr(0, one.out.find('\n') + 1);
      expected += after_header(one.out);
    }
    CHECK(all.out == expected);
    const CsvTable table = parse_csv(all.out, "stdout");
    CHECK(table.records.size() == rows.size());
    // file:line:col of the field: row j's gpus starts at byte 25 of its line.
    CHECK(all.err.find(":11:25: error: gpus: expected a whole number, got 'x'") != std::string::npos);
  }

  TEST_CASE("estimate --scenarios: the CSV (columns typed on CsvCellSink) holds the JSON's values (any CellSink)") {
    // The CSV rows are written by each column's body made for CsvCellSink, the JSON by the same body
    // made for any CellSink: every field must be the csv_text of the JSON's value of its column (JSON
    // keeps every digit, so csv_number of it is the CSV's number). A column whose two bodies
    // disagree, or a CSV column out of the header's order, fails here.
    const test::TempDir dir;
    const std::string file = write_file(dir, "all.csv", rows);
    const Run csv = run({"estimate", "--scenarios", file, "--csv"});
    const Run json = run({"estimate", "--scenarios", file, "--json"});
    const CsvTable table = parse_csv(csv.out, "stdout");
    const nlohmann::json array = nlohmann::json::parse(json.out);
    REQUIRE(table.records.size() == array.size());
    int compared = 0;
    for (size_t r = 0; r < array.size(); ++r) {
      for (size_t c = 0; c < table.header.size(); ++c) {
        const nlohmann::json& value = array[r].at(table.header[c]);
        Cell cell;
        if (value.is_boolean()) cell = value.get<bool>();
        if (value.is_number_integer()) cell = value.get<std::int64_t>();
        if (value.is_number_float()) cell = value.get<double>();
        if (value.is_string()) cell = value.get<std::string>();
        if (value.is_array()) cell = value.get<std::vector<std::string>>();
        CHECK_MESSAGE(table.records[r].fields[c] == csv_text(cell), table.header[c]);
        ++compared;
      }
    }
    CHECK(compared > 600);  // ten rows of some seventy columns
  }

  TEST_CASE("estimate --scenarios: a GPU's price-basis note, formatted once per batch, is the one estimate's note") {
    // l40s and a100 have no 3-year rental price: their rows are priced on-demand and say so in their
    // notes. A batch formats that note once per GPU and basis (BasisNoteCache) and shares it between
    // rows; each row's notes must still be what `estimate` gives the row alone (which formats it).
    const test::TempDir dir;
    const std::vector<std::string> alternating = {rows[3], rows[7], rows[0], rows[3], rows[7], rows[3]};
    const Run batch = run({"estimate", "--scenarios", write_file(dir, "notes.csv", alternating), "--csv"});
    REQUIRE(batch.code == 0);
    const CsvTable table = parse_csv(batch.out, "stdout");
    REQUIRE(table.records.size() == alternating.size());
    const auto notes =
        static_cast<size_t>(std::find(table.header.begin(), table.header.end(), "notes") - table.header.begin());
    REQUIRE(notes < table.header.size());
    const std::vector<std::vector<std::string>> alone_args = {
        {"--model", "qwen3-32b", "--gpu", "l40s", "--gpus", "2", "--tp", "2", "--weights", "fp8", "--engine", "trtllm",
         "--isl", "8000", "--osl", "2000", "--concurrency", "2"},
        {"--model", "mixtral-8x7b", "--gpu", "a100-80gb-sxm", "--gpus", "2", "--tp", "2", "--weights", "bf16", "--isl",
         "1000", "--osl", "1000", "--concurrency", "32"},
        {"--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--gpus", "1", "--tp", "1", "--weights", "bf16", "--isl",
         "128", "--osl", "128", "--concurrency", "1"}};
    std::vector<std::string> alone_notes;
    for (const std::vector<std::string>& args : alone_args) {
      std::vector<std::string> command = {"estimate", "--csv"};
      command.insert(command.end(), args.begin(), args.end());
      const Run one = run(command);
      REQUIRE(one.code == 0);
      const CsvTable answer = parse_csv(one.out, "stdout");
      const auto at = std::find(answer.header.begin(), answer.header.end(), "notes") - answer.header.begin();
      alone_notes.push_back(answer.records.at(0).fields.at(static_cast<size_t>(at)));
    }
    CHECK(alone_notes[0].find("priced on the on-demand basis: l40s has no") != std::string::npos);
    CHECK(alone_notes[1].find("priced on the on-demand basis: a100-80gb-sxm has no") != std::string::npos);
    CHECK(alone_notes[2].find("priced on the") == std::string::npos);
    const std::vector<size_t> which = {0, 1, 2, 0, 1, 0};  // alone_args of each batch row
    for (size_t r = 0; r < which.size(); ++r) CHECK(table.records[r].fields[notes] == alone_notes[which[r]]);
  }

  TEST_CASE("estimate --scenarios: many blocks of rows keep their order, each bad row's message after the rows before it") {
    // The rows are answered and written a block (256 rows) at a time, on two threads: 1,000 rows are
    // several blocks, their bad rows in different places of a block. Written to one stream, a bad
    // row's message must follow the CSV lines of every row before it and precede its own.
    const test::TempDir dir;
    std::vector<std::string> many;
    for (size_t i = 0; i < 100; ++i) many.insert(many.end(), rows.begin(), rows.end());
    const std::string file = write_file(dir, "many.csv", many);
    const Run ten = run({"estimate", "--scenarios", write_file(dir, "ten.csv", rows), "--csv"});
    std::string expected = ten.out;
    for (size_t i = 1; i < 100; ++i) expected += after_header(ten.out);
    const Run all = run({"estimate", "--scenarios", file, "--csv"});
    CHECK(all.code == 2);
    CHECK(all.out == expected);
    std::ostringstream both;
    CHECK(cli::run_cli({"estimate", "--scenarios", file, "--csv"}, both, both) == 2);
    std::istringstream lines(both.str());
    std::string line;
    size_t written = 0;  // CSV lines so far, the header included
    size_t messages = 0;
    while (std::getline(lines, line)) {
      if (line.rfind(file + ":", 0) != 0) {
        ++written;
        continue;
      }
      if (line.rfind(file + ": warning: rows are priced on different bases", 0) == 0) continue;  // at the end
      // Row j (every tenth) is bad: line 11, 21, ...; rows before it: line - 2, plus the header.
      const int at = std::stoi(line.substr(file.size() + 1));
      CHECK(at == static_cast<int>(11 + 10 * messages));
      CHECK(written == static_cast<size_t>(at - 1));
      ++messages;
    }
    CHECK(messages == 100);
    CHECK(written == many.size() + 1);
    const Run json = run({"estimate", "--scenarios", file, "--json"});
    CHECK(json.out == nlohmann::json::parse(json.out).dump(2) + "\n");
    CHECK(json.err == all.err);
  }

  TEST_CASE("estimate --scenarios --json streams the whole array's dump(2), element by element") {
    const test::TempDir dir;
    const Run all = run({"estimate", "--scenarios", write_file(dir, "all.csv", rows), "--json"});
    const nlohmann::json array = nlohmann::json::parse(all.out);
    REQUIRE(array.size() == rows.size());
    CHECK(all.out == array.dump(2) + "\n");
    for (size_t i = 0; i < rows.size(); i += 3) {
      const Run one = run({"estimate", "--scenarios", write_file(dir, "one.csv", {rows[i]}), "--json"});
      CHECK(nlohmann::json::parse(one.out).at(0) == array.at(i));
    }
    const Run none = run({"estimate", "--scenarios", write_file(dir, "none.csv", {}), "--json"});
    CHECK(none.code == 0);
    CHECK(none.out == "[]\n");
  }

  TEST_CASE("estimate --scenarios: an unterminated quote on the last row leaves stdout empty") {
    const test::TempDir dir;
    std::vector<std::string> lines = rows;
    lines.emplace_back("\"k,llama-3.1-8b,h100-sxm,1,1,bf16,,128,128,1");
    const std::string file = write_file(dir, "bad.csv", lines);
    for (const char* format : {"--csv", "--json"}) {
      const Run r = run({"estimate", "--scenarios", file, format});
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == file + ":12: error: unterminated quoted field\n");
    }
  }

  TEST_CASE("estimate --scenarios: a text cell that is not UTF-8 is that row's error, in CSV and JSON alike") {
    // JSON cannot carry the bytes; the row is named as an input error (exit 2), the others answered.
    const test::TempDir dir;
    const std::string file = write_file(dir, "latin1.csv", {rows[0], "caf\xE9,llama-3.1-8b,h100-sxm,1,1,bf16,,128,128,1"});
    const std::string message = "id: not valid UTF-8 text (byte 0xE9 at byte 4 of the value)";
    for (const char* format : {"--csv", "--json"}) {
      const Run r = run({"estimate", "--scenarios", file, format});
      CHECK(r.code == 2);
      CHECK(r.err == file + ":3:1: error: " + message + "\n");
      CHECK(r.out.find(message) != std::string::npos);
    }
    const nlohmann::json array = nlohmann::json::parse(run({"estimate", "--scenarios", file, "--json"}).out);
    REQUIRE(array.size() == 2);
    CHECK(array.at(0).at("error").is_null());
    CHECK(array.at(1).at("error") == message);
    const Run id = run({"estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--id", "x\xFF", "--json"});
    CHECK(id.code == 2);
    CHECK(id.out.empty());
    CHECK(id.err == "error: --id: not valid UTF-8 text (byte 0xFF at byte 2 of the value)\n");
  }
}

TEST_SUITE("loader") {
  TEST_CASE("CsvReader: records one at a time, as parse_csv reads them") {
    // BOM, CRLF, a lone CR, blank lines, quoted commas, doubled quotes and a newline inside quotes.
    const std::string text =
        "\xEF\xBB\xBF id , b \r\n1,\"x,y\"\r\n\r\n2,\"say \"\"hi\"\"\"\r3,\"two\nlines\"\n,\n4,last";
    std::istringstream in(text);
    CsvReader reader(in, "t.csv");
    CHECK(reader.header() == std::vector<std::string>{"id", "b"});
    std::vector<CsvRecord> seen;
    CsvRecord record;
    while (reader.next(record)) seen.push_back(record);
    REQUIRE(seen.size() == 4);
    CHECK(seen[0].line == 2);
    CHECK(seen[0].fields == std::vector<std::string>{"1", "x,y"});
    CHECK(seen[1].line == 4);
    CHECK(seen[1].fields == std::vector<std::string>{"2", "say \"hi\""});
    CHECK(seen[2].line == 5);
    CHECK(seen[2].fields == std::vector<std::string>{"3", "two\nlines"});
    CHECK(seen[3].line == 8);  // the "," record on line 7 is blank
    CHECK(seen[3].fields == std::vector<std::string>{"4", "last"});
    // Where each field starts (file:line:col of a row's error): after a quoted comma, and on the
    // line a quoted line break ends.
    using P = std::vector<std::pair<int, int>>;
    const auto starts = [](const CsvRecord& rec) {
      P out;
      for (const CsvPosition& p : rec.starts) out.emplace_back(p.line, p.column);
      return out;
    };
    CHECK(starts(seen[0]) == P{{2, 1}, {2, 3}});
    CHECK(starts(seen[2]) == P{{5, 1}, {5, 3}});
    CHECK(starts(seen[3]) == P{{8, 1}, {8, 3}});
    std::istringstream after_break("a,b,c\n\"x\ny\",zz,w\n");
    CsvReader broken(after_break, "t.csv");
    CsvRecord two_lines;
    REQUIRE(broken.next(two_lines));
    CHECK(starts(two_lines) == P{{2, 1}, {3, 4}, {3, 7}});
    const CsvTable table = parse_csv(text, "t.csv");
    CHECK(table.header == reader.header());
    REQUIRE(table.records.size() == seen.size());
    for (size_t i = 0; i < seen.size(); ++i) CHECK(table.records[i].fields == seen[i].fields);
    std::istringstream open_quote("a\n1\n\"2\n3\n");
    CsvReader bad(open_quote, "q.csv");
    CsvRecord r;
    CHECK(bad.next(r));
    try {
      (void)bad.next(r);
      FAIL("an unterminated quote is an error");
    } catch (const ConfigError& e) {
      CHECK(e.format() == "q.csv:3: error: unterminated quoted field");
    }
  }

  TEST_CASE("CsvReader::skip_rest: false exactly when reading the records would end in an open quote") {
    // Every text of up to 6 characters from the characters that matter to quoting (5^6 = 15,625,
    // after a header), then some of them again just before and across the 64 KiB block boundary.
    const std::string alphabet = "a,\"\n\r";
    auto reads_whole = [](const std::string& text) {
      std::istringstream in(text);
      CsvReader reader(in, "t.csv");
      CsvRecord record;
      try {
        while (reader.next(record)) {
        }
      } catch (const ConfigError&) {
        return false;
      }
      return true;
    };
    auto skips = [](const std::string& text) {
      std::istringstream in(text);
      CsvReader reader(in, "t.csv");
      return reader.skip_rest();
    };
    int open_quotes = 0;
    int checked = 0;
    auto check = [&](const std::string& text) {
      CAPTURE(text);
      const bool whole = reads_whole(text);
      CHECK(skips(text) == whole);
      open_quotes += whole ? 0 : 1;
      ++checked;
    };
    std::string body;
    for (int length = 0; length <= 6; ++length) {
      std::vector<std::size_t> digits(static_cast<std::size_t>(length), 0);
      for (;;) {
        body.clear();
        for (std::size_t d : digits) body += alphabet[d];
        check("h\n" + body);
        std::size_t i = 0;
        while (i < digits.size() && ++digits[i] == alphabet.size()) digits[i++] = 0;
        if (i == digits.size()) break;
      }
    }
    CHECK(open_quotes > 2'000);  // both answers are common
    const std::string head = "h\n";
    for (const std::string tail : {"\"a\"\"\n\"", "x,\"\"\",\"", "\r\"a\"\r\"", "a\"\n\"b", ",\"\"\"\"\n"}) {
      for (std::size_t shift = 0; shift < tail.size() + 2; ++shift) {
        const std::size_t filler = 65536 - shift - head.size() - 1;
        check(head + std::string(filler, 'f') + "\n" + tail);
        check(head + std::string(filler, 'f') + "," + tail);
      }
    }
    CHECK(checked > 15'625);
  }

  TEST_CASE("CsvReader: a doubled quote, a newline in quotes and a CRLF read alike across its 64 KiB blocks") {
    const std::string record = "1,\"p\"\"q\nr\"\r\n2,z\n";
    for (std::size_t shift = 0; shift < record.size() + 2; ++shift) {
      CAPTURE(shift);
      // The filler record ends so that the interesting record starts `shift` bytes before 64 KiB.
      const std::string head = "a,b\n";
      const std::size_t filler = 65536 - shift - head.size() - 3;  // "x," + filler + "\n"
      const std::string text = head + "x," + std::string(filler, 'f') + "\n" + record;
      std::istringstream in(text);
      CsvReader reader(in, "t.csv");
      CsvRecord r;
      REQUIRE(reader.next(r));
      CHECK(r.fields[1].size() == filler);
      REQUIRE(reader.next(r));
      CHECK(r.line == 3);
      CHECK(r.fields == std::vector<std::string>{"1", "p\"q\nr"});
      REQUIRE(reader.next(r));
      CHECK(r.line == 5);
      CHECK(r.fields == std::vector<std::string>{"2", "z"});
      CHECK(r.starts.back().line == 5);
      CHECK(r.starts.back().column == 3);  // counted across the block boundary
      CHECK_FALSE(reader.next(r));
    }
    std::istringstream half_bom(
        "\xEF\xBB"
        "a\n1\n");  // not a byte-order mark: part of the name
    CHECK(CsvReader(half_bom, "t.csv").header() == std::vector<std::string>{"\xEF\xBB"
                                                                            "a"});
  }
}

}  // namespace llmsizer
