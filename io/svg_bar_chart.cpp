#include "io/svg_bar_chart.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "io/svg_chart.hpp"

namespace llmsizer {
namespace {

constexpr int label_width = 130;  // px for the category labels left of the bars
constexpr int value_room = 190;   // px right of the longest bar for its value and note
constexpr int bar_height = 20;
constexpr int row_height = 30;
constexpr int top = 40;
constexpr int bottom = 36;  // axis title under the bars

}  // namespace

std::string render_bar_svg(const BarChart& c) {
  double most = 0;
  for (const Bar& b : c.bars) most = std::max(most, b.value.value_or(0));
  const int plot = std::max(60, c.width - label_width - value_room);
  const int height = top + row_height * static_cast<int>(c.bars.size()) + bottom;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\" role=\"img\">",
      c.width, height);
  out += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>", 8, xml_escape(c.title));
  for (std::size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    const int y = top + row_height * static_cast<int>(i);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", label_width - 8, y + bar_height - 6,
                       xml_escape(b.label));
    double end = label_width;
    if (b.value && most > 0) {
      const double length = std::max(1.0, *b.value / most * plot);
      out += fmt::format(
          "<g><title>{}: {}</title><rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/></g>",
          xml_escape(b.label), xml_escape(b.value_text), label_width, y, length, bar_height, xml_escape(b.color));
      end += length;
    }
    const std::string text = b.value_text.empty() ? b.note
                             : b.note.empty()     ? b.value_text
                                                  : b.value_text + "  " + b.note;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>", end + 6, y + bar_height - 6, xml_escape(text));
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333333\"/>", label_width, top - 4,
                     height - bottom + 2);
  out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", label_width, height - 10, xml_escape(c.axis_title));
  return out + "</svg>";
}

}  // namespace llmsizer
