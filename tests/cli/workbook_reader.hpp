// tests/cli/workbook_reader.hpp — an .xlsx read back for tests: every sheet's cells with their formulas
// and cached values (unzip and a little XML), and a small evaluator of the formula shapes the plan
// workbook writer uses, so a test can edit an input cell and see what the sheet recomputes.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "io/yaml_reader.hpp"
#include "tests/test_support.hpp"

namespace llmsizer::test {

using Value = std::variant<std::monostate, double, std::string>;

struct CellData {
  std::string formula;  // without '=', XML-unescaped; empty: a constant
  Value value;          // the constant, or the cached result
};
using Sheet = std::map<std::string, CellData>;  // "B4" -> cell

inline std::string unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
                                                          {"&apos;", "'"}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1))
      s.replace(at, std::strlen(from), to);
  }
  return s;
}

inline std::string between(const std::string& text, const std::string& open, const std::string& close,
                           std::size_t from = 0) {
  const std::size_t a = text.find(open, from);
  if (a == std::string::npos) return {};
  const std::size_t b = text.find(close, a + open.size());
  return text.substr(a + open.size(), b - a - open.size());
}

inline std::string unzip_member(const std::filesystem::path& zip, const std::string& member) {
  const test::TempDir dir;
  const auto out = dir.path() / "member";
  const std::string command = "unzip -p '" + zip.string() + "' '" + member + "' > '" + out.string() + "' 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  return read_file(out.string());
}

/// Every sheet of the workbook by name, cells with their formulas and values (shared strings resolved).
inline std::map<std::string, Sheet> read_workbook(const std::filesystem::path& path) {
  std::vector<std::string> strings;
  const std::string shared = unzip_member(path, "xl/sharedStrings.xml");
  for (std::size_t at = shared.find("<si>"); at != std::string::npos; at = shared.find("<si>", at + 1)) {
    strings.push_back(
        unescape(between(shared.substr(at, shared.find("</si>", at) - at), ">", "</t>", shared.find("<t", at) - at)));
  }
  std::map<std::string, Sheet> book;
  const std::string workbook = unzip_member(path, "xl/workbook.xml");
  int index = 0;
  for (std::size_t at = workbook.find("<sheet name=\""); at != std::string::npos;
       at = workbook.find("<sheet name=\"", at + 1)) {
    const std::string name = unescape(between(workbook, "<sheet name=\"", "\"", at));
    const std::string xml = unzip_member(path, "xl/worksheets/sheet" + std::to_string(++index) + ".xml");
    Sheet& sheet = book[name];
    for (std::size_t c = xml.find("<c r=\""); c != std::string::npos; c = xml.find("<c r=\"", c + 1)) {
      const std::size_t end = xml.find('>', c);
      const std::string head = xml.substr(c, end - c);
      const std::string ref = between(head, "r=\"", "\"");
      if (xml[end - 1] == '/') continue;  // an empty, formatted cell
      const std::string body = xml.substr(end + 1, xml.find("</c>", end) - end - 1);
      CellData cell;
      cell.formula = unescape(between(body, "<f>", "</f>"));
      const std::string v = unescape(between(body, "<v>", "</v>"));
      if (head.find("t=\"s\"") != std::string::npos)
        cell.value = strings.at(std::stoul(v));
      else if (head.find("t=\"str\"") != std::string::npos)
        cell.value = v;
      else if (!v.empty())
        cell.value = std::stod(v);
      sheet[ref] = cell;
    }
  }
  return book;
}

/// Evaluates the formula shapes the writer uses: numbers, "text", references (Sheet!$B$4, 'a b'!B4),
/// + - * / ^ &, = < <= > >=, unary minus, IF, OR, AND, ISNUMBER, ROUNDUP(x,0), TEXT(x,"#,##0" | "0.00"). Inputs in
/// `overrides` ("Inputs!B4") replace the written value (std::monostate: a blanked cell).
class Evaluator {
 public:
  Evaluator(const std::map<std::string, Sheet>& book, std::map<std::string, Value> overrides = {})
      : book_(book), overrides_(std::move(overrides)) {}

  Value cell(const std::string& sheet, const std::string& ref) {
    const std::string key = sheet + "!" + ref;
    if (const auto o = overrides_.find(key); o != overrides_.end()) return o->second;
    const auto s = book_.find(sheet);
    REQUIRE_MESSAGE(s != book_.end(), "no sheet " << sheet);
    const auto c = s->second.find(ref);
    if (c == s->second.end()) return std::monostate{};
    if (c->second.formula.empty()) return c->second.value;
    Evaluator inner(*this, sheet, c->second.formula);
    return inner.expression();
  }
  double number(const std::string& sheet, const std::string& ref) {
    const Value v = cell(sheet, ref);
    REQUIRE_MESSAGE(std::holds_alternative<double>(v), sheet << "!" << ref << " is not a number");
    return std::get<double>(v);
  }
  std::string text(const std::string& sheet, const std::string& ref) {
    const Value v = cell(sheet, ref);
    REQUIRE(std::holds_alternative<std::string>(v));
    return std::get<std::string>(v);
  }
  std::vector<std::string> references;  // cells of other sheets a formula read, as Sheet!REF

 private:
  Evaluator(Evaluator& outer, std::string sheet, std::string formula)
      : book_(outer.book_),
        overrides_(outer.overrides_),
        sheet_(std::move(sheet)),
        s_(std::move(formula)),
        root_(outer.root_ ? outer.root_ : &outer) {}

  static double num(const Value& v) {
    if (const double* d = std::get_if<double>(&v)) return *d;
    return 0;  // a blank cell
  }
  static std::string str(const Value& v) {
    if (const std::string* s = std::get_if<std::string>(&v)) return *s;
    if (const double* d = std::get_if<double>(&v)) return fmt_number(*d);
    return {};
  }
  static std::string fmt_number(double d) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.15g", d);
    return buffer;
  }
  static std::string commas(double d) {
    std::string digits = std::to_string(static_cast<long long>(std::llround(d)));
    for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3)
      digits.insert(static_cast<std::size_t>(at), ",");
    return digits;
  }

  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  Value expression() {
    Value left = concat();
    if (eat('<')) {
      if (eat('=')) return num(left) <= num(concat()) ? 1.0 : 0.0;
      return num(left) < num(concat()) ? 1.0 : 0.0;
    }
    if (eat('>')) {
      if (eat('=')) return num(left) >= num(concat()) ? 1.0 : 0.0;
      return num(left) > num(concat()) ? 1.0 : 0.0;
    }
    if (eat('=')) {
      const Value right = concat();
      return Value(std::holds_alternative<std::string>(left) ? (str(left) == str(right) ? 1.0 : 0.0)
                                                             : (num(left) == num(right) ? 1.0 : 0.0));
    }
    return left;
  }
  Value concat() {
    Value v = additive();
    while (eat('&')) v = str(v) + str(additive());
    return v;
  }
  Value additive() {
    Value v = term();
    for (;;) {
      if (eat('+'))
        v = num(v) + num(term());
      else if (eat('-'))
        v = num(v) - num(term());
      else
        return v;
    }
  }
  Value term() {
    Value v = power();
    for (;;) {
      if (eat('*'))
        v = num(v) * num(power());
      else if (eat('/'))
        v = num(v) / num(power());
      else
        return v;
    }
  }
  Value power() {
    Value v = unary();
    while (eat('^')) v = std::pow(num(v), num(unary()));
    return v;
  }
  Value unary() {
    if (eat('-')) return -num(unary());
    return primary();
  }
  std::vector<Value> arguments() {
    std::vector<Value> args;
    REQUIRE(eat('('));
    if (eat(')')) return args;
    do args.push_back(expression());
    while (eat(','));
    REQUIRE(eat(')'));
    return args;
  }
  Value call(const std::string& name) {
    const std::vector<Value> a = arguments();
    if (name == "IF") return num(a.at(0)) != 0 ? a.at(1) : a.at(2);
    if (name == "OR" || name == "AND") {
      bool any = false, all = true;
      for (const Value& v : a) {
        any = any || num(v) != 0;
        all = all && num(v) != 0;
      }
      return (name == "OR" ? any : all) ? 1.0 : 0.0;
    }
    if (name == "ISNUMBER") return std::holds_alternative<double>(a.at(0)) ? 1.0 : 0.0;
    if (name == "ROUNDUP") {
      REQUIRE(num(a.at(1)) == 0);
      return std::ceil(num(a.at(0)));
    }
    if (name == "TEXT") {
      if (str(a.at(1)) == "#,##0") return commas(num(a.at(0)));
      REQUIRE(str(a.at(1)) == "0.00");
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%.2f", num(a.at(0)));
      return std::string(buffer);
    }
    FAIL("function not in the evaluator: " << name);
    return {};
  }
  Value primary() {
    if (eat('(')) {
      const Value v = expression();
      REQUIRE(eat(')'));
      return v;
    }
    if (eat('"')) {
      std::string text;
      for (;;) {
        REQUIRE(i_ < s_.size());
        if (s_[i_] == '"' && i_ + 1 < s_.size() && s_[i_ + 1] == '"')
          text += '"', i_ += 2;
        else if (s_[i_] == '"')
          return ++i_, text;
        else
          text += s_[i_++];
      }
    }
    if (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.') {
      std::size_t used = 0;
      const double d = std::stod(s_.substr(i_), &used);
      i_ += used;
      return d;
    }
    std::string sheet = sheet_;
    std::string word;
    if (eat('\'')) {
      sheet.clear();
      for (;;) {
        if (s_[i_] == '\'' && s_[i_ + 1] == '\'')
          sheet += '\'', i_ += 2;
        else if (eat('\''))
          break;
        else
          sheet += s_[i_++];
      }
      REQUIRE(eat('!'));
    }
    while (i_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '$' || s_[i_] == '_' || s_[i_] == '-')) {
      word += s_[i_++];
    }
    if (i_ < s_.size() && s_[i_] == '(') return call(word);
    if (eat('!')) {
      sheet = word;
      word.clear();
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '$')) word += s_[i_++];
    }
    std::string ref;
    for (char c : word) {
      if (c != '$') ref += c;
    }
    REQUIRE_MESSAGE(!ref.empty(), "cannot parse " << s_ << " at " << i_);
    if (sheet != sheet_) root_->references.push_back(sheet + "!" + ref);
    return root_->cell(sheet, ref);
  }

  const std::map<std::string, Sheet>& book_;
  std::map<std::string, Value> overrides_;
  std::string sheet_;
  std::string s_;
  std::size_t i_ = 0;
  Evaluator* root_ = nullptr;  // the evaluator the test holds
};

inline bool have_unzip() {
  return std::system("command -v unzip >/dev/null 2>&1") == 0;
}

inline bool close_to(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

}  // namespace llmsizer::test
