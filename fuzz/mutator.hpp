// fuzz/mutator.hpp — deterministic, structure-aware mutations of text inputs and argument lists.
//
// A fixed-seed std::mt19937 drives every choice, so a run is reproducible from (seed, iteration).
// Mutations are what hand-edited files get wrong (truncation, deleted or duplicated lines, bad
// indentation, garbage values) plus what a hostile or broken file holds (binary bytes, invalid UTF-8,
// 100k-character lines, 10k-deep nesting, numbers beyond double range, YAML anchors and aliases).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace llmsizer::fuzz {

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : rng_(seed) {}

  /// `text` with 1 to 4 stacked mutations; `corpus` supplies material for splicing.
  [[nodiscard]] std::string mutate(const std::string& text, const std::vector<std::string>& corpus);
  /// An argument list with 1 to 3 mutations (drop, duplicate, swap, garbage value, typo, ...).
  [[nodiscard]] std::vector<std::string> mutate_args(const std::vector<std::string>& args);

  /// An index below `n` (n > 0). Plain modulo of the engine's output, which the standard fixes
  /// (distributions are implementation-defined), so runs repeat across standard libraries.
  [[nodiscard]] size_t below(size_t n) { return static_cast<size_t>(rng_()) % n; }
  /// A value from the garbage dictionary (nan, inf, -1, 1e400, ~, [], anchors, ...).
  [[nodiscard]] std::string garbage();

 private:
  std::string mutate_once(const std::string& text, const std::vector<std::string>& corpus);
  std::string edit_lines(const std::string& text, size_t kind);
  std::string splice(const std::string& text, const std::vector<std::string>& corpus);
  std::string huge_number(const std::string& text);
  std::string edit_character(const std::string& text);
  void edit_args(std::vector<std::string>& args);
  std::string replace_value(const std::string& text);
  std::string deep_nesting();
  std::string long_line();
  std::string anchors(const std::string& text);
  std::string bytes(const std::string& text, bool invalid_utf8);

  std::mt19937 rng_;
};

}  // namespace llmsizer::fuzz
