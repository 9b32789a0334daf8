// io/json_scan.cpp — see io/json_scan.hpp.
#include "io/json_scan.hpp"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "io/number_text.hpp"

namespace llmsizer {
namespace {

/// One open object or array on the way to the current position.
struct Level {
  bool object = false;
  std::string path;                      // of the object or array itself
  std::unordered_set<std::string> keys;  // objects: the keys seen so far
  std::string last_key;                  // objects: the key whose value comes next
  size_t index = 0;                      // arrays: the element that comes next
};

std::string child_path(const Level& level) {
  if (!level.object) return level.path + "[" + std::to_string(level.index) + "]";
  return level.path.empty() ? level.last_key : level.path + "." + level.last_key;
}

bool number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  JsonTextProblem run() {
    for (size_t i = 0; i < text_.size() && !problem_.found(); ++i) {
      const char c = text_[i];
      if (c == '"') {
        i = string_end(i);
      } else if (c == '{' || c == '[') {
        levels_.push_back(Level{c == '{', levels_.empty() ? std::string() : child_path(levels_.back()), {}, {}, 0});
        expect_key_ = c == '{';
      } else if (c == '}' || c == ']') {
        if (!levels_.empty()) levels_.pop_back();
      } else if (c == ',') {
        expect_key_ = !levels_.empty() && levels_.back().object;
        if (!levels_.empty() && !levels_.back().object) ++levels_.back().index;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        i = number_end(i);
      }
    }
    return problem_;
  }

 private:
  /// The closing quote of the string opening at `start`; records a key.
  size_t string_end(size_t start) {
    size_t i = start + 1;
    for (; i < text_.size() && text_[i] != '"'; ++i) {
      if (text_[i] == '\\') ++i;
    }
    if (expect_key_ && !levels_.empty() && levels_.back().object) {
      Level& level = levels_.back();
      level.last_key = std::string(text_.substr(start + 1, std::min(i, text_.size()) - start - 1));
      if (!level.keys.insert(level.last_key).second) {
        problem_ = {start, child_path(level), "duplicate key; a config.json names each key once"};
      }
      expect_key_ = false;
    }
    return i;
  }

  /// The last character of the number literal starting at `start`; records a number problem.
  size_t number_end(size_t start) {
    size_t end = start;
    while (end < text_.size() && number_char(text_[end])) ++end;
    const std::string_view literal = text_.substr(start, end - start);
    const NumberText parsed = parse_number_text(literal);
    if (!parsed.ok() && parsed.problem != NumberTextProblem::not_a_number) {  // syntax is nlohmann's to report
      problem_ = {start, levels_.empty() ? std::string() : child_path(levels_.back()),
                  describe_number_problem(parsed.problem, literal)};
    }
    return end - 1;
  }

  std::string_view text_;
  std::vector<Level> levels_;
  bool expect_key_ = false;
  JsonTextProblem problem_;
};

}  // namespace

JsonTextProblem first_json_text_problem(std::string_view text) { return Scanner(text).run(); }

}  // namespace llmsizer
