// io/svg_bar_chart.hpp — a dependency-free horizontal bar chart in SVG: one labelled bar per
// category, its value printed at the bar's end, and a note instead of a bar where there is no value.
// Each bar carries its figures as a <title> (shown on hover). Embeds directly in HTML.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace llmsizer {

struct Bar {
  std::string label;            // category, e.g. a GPU type
  std::optional<double> value;  // nullopt: no bar, `note` instead
  std::string value_text;       // printed at the end of the bar, e.g. "$0.412"
  std::string note;             // beside the bar, or instead of it
  std::string color = "#1f77b4";
};

struct BarChart {
  std::string title;
  std::string axis_title;  // with the unit, e.g. "$ per million output tokens"
  std::vector<Bar> bars;   // top to bottom
  int width = 600;         // px
};

/// The chart as one <svg> element; bar lengths are proportional to value from 0.
[[nodiscard]] std::string render_bar_svg(const BarChart& chart);

}  // namespace llmsizer
