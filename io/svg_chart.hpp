// io/svg_chart.hpp — a small, dependency-free SVG line/scatter chart: linear or log axes with
// labelled ticks, axis titles with units, series with markers and/or lines, reference lines and a
// legend under the plot. Text is XML-escaped; the output embeds directly in HTML.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer {

enum class Marker : unsigned char { none, circle, square, triangle, diamond };
enum class LineStyle : unsigned char { none, solid, dashed };

struct ChartPoint {
  double x = 0;
  double y = 0;
  std::string label;  // drawn beside the point when not empty
  std::string tooltip;  // the point's figures as a <title> (shown on hover) when not empty
};

struct ChartSeries {
  std::string name;           // legend entry; empty: not in the legend
  std::string color = "#1f77b4";
  Marker marker = Marker::circle;
  bool filled = true;
  LineStyle line = LineStyle::none;  // connects the points in order
  std::vector<ChartPoint> points;
};

struct ChartAxis {
  std::string title;  // with the unit, e.g. "output tokens/s per GPU"
  bool log = false;
  std::optional<double> min, max;  // default: from the data (log axes round out to decades)
};

/// A dashed line across the plot at a fixed x (vertical) or y, with a label at its end.
struct ReferenceLine {
  bool vertical = true;
  double value = 0;
  std::string label;
  std::string color = "#888888";
};

struct Chart {
  std::string title;
  ChartAxis x, y;
  std::vector<ChartSeries> series;
  std::vector<ReferenceLine> references;
  int width = 600;        // px, plot and axes; the legend adds rows below
  int plot_height = 340;  // px of the plotting area
};

/// The chart as one <svg> element (no XML prolog).
[[nodiscard]] std::string render_svg(const Chart& chart);

/// Escapes & < > " ' for XML/HTML text and attribute values, after printable() (control bytes,
/// invalid UTF-8 and bidi overrides as \xNN).
[[nodiscard]] std::string xml_escape(std::string_view text);

/// Tick label text: 0.5, 20, 1.5k, 2M.
[[nodiscard]] std::string tick_label(double value);

}  // namespace llmsizer
