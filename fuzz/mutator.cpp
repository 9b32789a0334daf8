#include "fuzz/mutator.hpp"

#include <array>
#include <string_view>

namespace llmsizer::fuzz {
namespace {

// Values users and broken tools write where a number, string or map belongs.
constexpr std::array<std::string_view, 62> garbage_values = {
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", ".nan", ".NaN", ".inf", "-.inf", "+.INF",
    "-1", "0", "-0", "0.0", "1e400", "-1e400", "1e-400", "1e30", "1e308", "2147483647", "2147483648", "-2147483649",
    "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616",
    "99999999999999999999999999999999", "0.5", "1.5", "1e3", "0x10", "0o17", "1_000", "1,000", "~", "null", "",
    "[]", "{}", "[1, 2]", "{a: 1}", "&a 1", "*a", "*undefined_alias", "true", "yes", "\"\"", "'", "\"", "!!binary AAAA",
    "!!str 5", "? x", "|", ">", "- x", "#", ":", "---", "%YAML 1.2", "\t"};

// Options of the subcommands, inserted with or without a value.
constexpr std::array<std::string_view, 34> option_names = {
    "--model", "--gpu", "--gpus", "--tp", "--pp", "--dp", "--ep", "--weights", "--kv", "--engine", "--phase",
    "--isl", "--osl", "--concurrency", "--mtp", "--mtp-acceptance", "--price", "--usd-per-gpu-hour",
    "--memory-utilization", "--scenarios", "--calibration", "--json", "--csv", "--context", "--max-gpus",
    "--profiles", "--help", "-h", "--", "-o", "--name", "--ttft-ms", "--tpot-ms", "--all-gpus"};

// Byte sequences that are not valid UTF-8: a lone continuation byte, an overlong '/', a UTF-16
// surrogate, a truncated 3-byte sequence, bytes that never occur, and a BOM in the middle.
constexpr std::array<std::string_view, 7> invalid_utf8 = {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82",
                                                          "\xFF\xFE", "\xC3\x28", "\xEF\xBB\xBF"};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const size_t stop = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, stop - start));
    start = stop;
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line;
  return out;
}

}  // namespace

std::string Mutator::garbage() { return std::string(garbage_values[below(garbage_values.size())]); }

std::string Mutator::mutate(const std::string& text, const std::vector<std::string>& corpus) {
  std::string out = text;
  const size_t count = 1 + below(4);
  for (size_t i = 0; i < count; ++i) out = mutate_once(out, corpus);
  return out;
}

// The value after the first ": " or "," of a random line (YAML, JSON or CSV) becomes garbage.
std::string Mutator::replace_value(const std::string& text) {
  std::vector<std::string> lines = split_lines(text);
  if (lines.empty()) return garbage();
  std::string& line = lines[below(lines.size())];
  size_t at = line.find(": ");
  size_t skip = 2;
  if (at == std::string::npos) {
    at = line.find(',');
    skip = 1;
  }
  if (at == std::string::npos) return text;
  const size_t start = at + skip;
  size_t end = line.find_first_of(",}]\n", start);
  if (end == std::string::npos) end = line.size();
  line.replace(start, end - start, garbage());
  return join(lines);
}

std::string Mutator::deep_nesting() {
  const size_t depth = below(2) ? 10000 : 100 + below(1000);
  switch (below(5)) {
    case 0: return "x: " + std::string(depth, '[') + "1" + std::string(depth, ']') + "\n";
    case 1: {
      std::string s = "x: ";
      for (size_t i = 0; i < depth; ++i) s += "{a: ";
      return s + "1" + std::string(depth, '}') + "\n";
    }
    case 2: {
      std::string s = "x:\n";
      for (size_t i = 0; i < depth; ++i) s += "- ";
      return s + "1\n";
    }
    case 3: return std::string(depth, '[') + std::string(depth, ']');  // JSON arrays
    default: {
      std::string s;
      for (size_t i = 0; i < depth; ++i) s += "{\"a\": ";
      return s + "1" + std::string(depth, '}');
    }
  }
}

std::string Mutator::long_line() {
  const size_t length = 100000;
  switch (below(4)) {
    case 0: return "notes: " + std::string(length, 'a') + "\n";
    case 1: return std::string(length, '9');
    case 2: return std::string(length, 'k') + ": 1\n";
    default: return std::string(length, ',') + "\n";
  }
}

std::string Mutator::anchors(const std::string& text) {
  std::vector<std::string> lines = split_lines(text);
  if (lines.empty()) return "a: &a [*a]\n";
  std::string& line = lines[below(lines.size())];
  const size_t colon = line.find(": ");
  switch (below(5)) {
    case 0:  // anchor a value, alias it from another line
      if (colon != std::string::npos) line.insert(colon + 2, "&a ");
      lines[below(lines.size())] = line.substr(0, line.find(':') + 1) + " *a\n";
      break;
    case 1: lines.insert(lines.begin() + static_cast<long>(below(lines.size())), "<<: *a\n"); break;
    case 2: lines.insert(lines.begin() + static_cast<long>(below(lines.size())), "base: &a {x: 1}\n"); break;
    case 3:
      if (colon != std::string::npos) line = line.substr(0, colon + 2) + "*undefined\n";
      break;
    default: lines.insert(lines.begin(), "loop: &a [*a, *a]\n"); break;
  }
  return join(lines);
}

std::string Mutator::bytes(const std::string& text, bool invalid) {
  std::string out = text;
  const size_t at = out.empty() ? 0 : below(out.size() + 1);
  if (invalid) {
    out.insert(at, std::string(invalid_utf8[below(invalid_utf8.size())]));
  } else {
    std::string noise;
    const size_t n = 1 + below(16);
    for (size_t i = 0; i < n; ++i) noise += static_cast<char>(below(256));
    out.insert(at, noise);
  }
  return out;
}

// Line-level edits of hand-edited files: 0 truncation, 1 a deleted line, 2 a duplicated line, 3 two
// lines swapped, 4 indentation added, removed or turned into a tab.
std::string Mutator::edit_lines(const std::string& text, size_t kind) {
  std::vector<std::string> lines = split_lines(text);
  const size_t n = lines.size();
  if (kind == 0) return text.substr(0, text.empty() ? 0 : below(text.size()));
  if (n == 0) return text;
  if (kind == 1) {
    lines.erase(lines.begin() + static_cast<long>(below(n)));
  } else if (kind == 2) {
    const std::string copy = lines[below(n)];
    lines.insert(lines.begin() + static_cast<long>(below(n + 1)), copy);
  } else if (kind == 3) {
    const size_t a = below(n);
    std::swap(lines[a], lines[below(n)]);
  } else {
    std::string& line = lines[below(n)];
    const size_t how = below(3);
    if (how == 0) line.insert(0, std::string(1 + below(4), ' '));
    else if (how == 1) line.erase(0, std::min(line.find_first_not_of(' '), 1 + below(4)));
    else line.insert(0, "\t");
  }
  return join(lines);
}

// A run of up to 8 lines from another input of the corpus, inserted between two lines.
std::string Mutator::splice(const std::string& text, const std::vector<std::string>& corpus) {
  if (corpus.empty()) return text;
  std::vector<std::string> lines = split_lines(text);
  const std::vector<std::string> other = split_lines(corpus[below(corpus.size())]);
  if (other.empty()) return text;
  const size_t from = below(other.size());
  const size_t count = 1 + below(std::min<size_t>(8, other.size() - from));
  const size_t at = below(lines.size() + 1);
  lines.insert(lines.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
               other.begin() + static_cast<long>(from + count));
  return join(lines);
}

// A 400-digit number, or 30 nines negated, in place of a run of digits.
std::string Mutator::huge_number(const std::string& text) {
  std::string out = text;
  const size_t digit = out.find_first_of("0123456789", out.empty() ? 0 : below(out.size()));
  if (digit == std::string::npos) return out;
  const size_t end = std::min(out.find_first_not_of("0123456789.", digit), out.size());
  const std::string huge = below(2) ? "1" + std::string(400, '0') : "-" + std::string(30, '9');
  out.replace(digit, end - digit, huge);
  return out;
}

// One character deleted, inserted or replaced; inserted characters are YAML/CSV/JSON punctuation.
std::string Mutator::edit_character(const std::string& text) {
  std::string out = text;
  const char special = std::string_view("\n\r\":,[]{}-#&*!|>'%@`")[below(21)];
  if (out.empty()) return std::string(1, special);
  const size_t at = below(out.size());
  const size_t kind = below(3);
  if (kind == 0) out.erase(at, 1);
  else if (kind == 1) out.insert(at, 1, special);
  else out[at] = special;
  return out;
}

std::string Mutator::mutate_once(const std::string& text, const std::vector<std::string>& corpus) {
  const size_t kind = below(16);
  if (kind < 5) return edit_lines(text, kind);
  std::string out = text;
  switch (kind) {
    case 5:
    case 6: return replace_value(text);
    case 7: {
      const size_t at = below(out.size() + 1);
      out.insert(at, garbage());
      return out;
    }
    case 8: return bytes(text, false);
    case 9: return bytes(text, true);
    case 10: {  // at the start of the last line, or at the end
      const size_t at = below(2) && !text.empty() ? text.size() - split_lines(text).back().size() : text.size();
      out.insert(at, long_line());
      return out;
    }
    case 11: {  // deep nesting as the first line, or appended as a value
      const size_t at = below(2) ? 0 : out.size();
      out.insert(at, deep_nesting());
      return out;
    }
    case 12: return anchors(text);
    case 13: return splice(text, corpus);
    case 14: return huge_number(text);
    default: return edit_character(text);
  }
}

// One edit of an argument list: 0 drop, 1 duplicate, 2 swap, 3-4 a garbage value, 5 a typo, 6 an
// inserted option, 7 an inserted option with a garbage value.
void Mutator::edit_args(std::vector<std::string>& args) {
  const size_t n = args.size();
  const size_t kind = below(8);
  if (kind >= 6) {
    std::vector<std::string> inserted = {std::string(option_names[below(option_names.size())])};
    if (kind == 7) inserted.push_back(garbage());
    args.insert(args.begin() + static_cast<long>(below(n + 1)), inserted.begin(), inserted.end());
    return;
  }
  if (n == 0) return;
  const size_t at = below(n);
  if (kind == 0) {
    args.erase(args.begin() + static_cast<long>(at));
  } else if (kind == 1) {
    const std::string copy = args[at];
    args.insert(args.begin() + static_cast<long>(below(n + 1)), copy);
  } else if (kind == 2) {
    std::swap(args[at], args[below(n)]);
  } else if (kind <= 4) {
    if (args[at].rfind("--", 0) != 0) args[at] = garbage();  // values only; option names stay
  } else if (!args[at].empty()) {
    args[at].erase(below(args[at].size()), 1);
  }
}

std::vector<std::string> Mutator::mutate_args(const std::vector<std::string>& args) {
  std::vector<std::string> out = args;
  const size_t count = 1 + below(3);
  for (size_t i = 0; i < count; ++i) edit_args(out);
  return out;
}

}  // namespace llmsizer::fuzz
