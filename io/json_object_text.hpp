// io/json_object_text.hpp — append_json_object's text (io/result_table.hpp) with the keys' lines built
// once, for writers of many objects of the same columns (a long `estimate --scenarios --json`).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "io/result_table.hpp"

namespace llmsizer {

/// The text of append_json_object for objects of one set of columns: what goes before each value
/// (the separator, the line's indent and the key) is built once. Defined in io/result_table.cpp.
class JsonObjectText {
 public:
  JsonObjectText(const std::vector<Column>& columns, const std::vector<std::size_t>& key_order, int indent);
  /// append_json_object(out, columns, key_order, write, indent)'s text appended to `out`.
  void append(std::string& out, const std::function<void(std::size_t, CellSink&)>& write) const;

 private:
  std::vector<std::size_t> order_;
  std::vector<std::string> before_;  // before each value: the separator, the line's indent and the key
  std::string end_;
  int indent_;
};

}  // namespace llmsizer
