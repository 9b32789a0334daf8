// io/html_report.hpp — a self-contained HTML page (inline CSS, inline SVG, no scripts, nothing
// fetched) built from headings, paragraphs, tables and figures. All text is escaped here; only SVG
// from render_svg() is inserted as markup.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/result_table.hpp"

namespace llmsizer {

class HtmlReport {
 public:
  explicit HtmlReport(std::string title) : title_(std::move(title)) {}

  void heading(int level, std::string_view text);
  void paragraph(std::string_view text, std::string_view css_class = {});
  /// Key/value pairs, e.g. the inputs of the report.
  void facts(const std::vector<std::pair<std::string, std::string>>& pairs);
  /// Columns aligned as `align` says (right: numbers and counts; a column it does not name: left).
  /// `caption` may be empty.
  void table(std::string_view caption, const std::vector<std::string>& headers,
             const std::vector<std::vector<std::string>>& rows, const std::vector<Align>& align = {});
  /// A result table: each column's header(), cells in its text format (io/result_table.hpp), aligned
  /// by what each column holds (text_alignment).
  void table(std::string_view caption, const ResultTable& table);
  /// SVG charts side by side (wrapping on narrow windows), each with a caption below.
  void figures(const std::vector<std::pair<std::string, std::string>>& svg_and_caption);

  /// The whole document.
  [[nodiscard]] std::string render() const;

 private:
  std::string title_;
  std::string body_;
};

}  // namespace llmsizer
