#include "io/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "io/config_error.hpp"

namespace llmsizer {

std::string xml_escape(std::string_view raw) {
  // Control characters, invalid UTF-8 and bidi overrides are shown as \xNN first, as in every
  // message and table cell (printable): raw, they are invalid in XML or reorder what the page shows.
  const std::string text = printable(std::string(raw));
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

namespace {

constexpr int margin_left = 74;
constexpr int margin_right = 24;
constexpr int margin_top = 34;
constexpr int legend_gap = 58;  // plot bottom to the first legend row: tick labels and axis title
constexpr int legend_row = 18;

/// Maps data values to pixels on one axis.
struct Scale {
  bool log = false;
  double lo = 0, hi = 1;       // data range
  double from = 0, to = 1;     // pixels
  [[nodiscard]] double map(double v) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    return from + t * (to - from);
  }
  [[nodiscard]] bool contains(double v) const {
    if (!std::isfinite(v) || (log && v <= 0)) return false;
    const double slack = (hi - lo) * 1e-9;
    return v >= lo - slack && v <= hi + slack;
  }
};

double nice_step(double span) {
  const double raw = span / 6.0;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * decade >= raw) return m * decade;
  }
  return 10.0 * decade;
}

Scale make_scale(const ChartAxis& axis, const std::vector<double>& values, double from, double to) {
  Scale s{axis.log, 0, 1, from, to};
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v) || (axis.log && v <= 0)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) lo = axis.log ? 1 : 0, hi = axis.log ? 10 : 1;
  if (axis.log) {
    lo = std::pow(10.0, std::floor(std::log10(lo)));
    hi = std::pow(10.0, std::ceil(std::log10(hi)));
    if (hi <= lo) hi = lo * 10;
  } else {
    lo = std::min(0.0, lo);
    if (hi <= lo) hi = lo + 1;
    const double step = nice_step(hi - lo);
    hi = std::ceil(hi * 1.04 / step) * step;
  }
  s.lo = axis.min.value_or(lo);
  s.hi = axis.max.value_or(hi);
  return s;
}

std::vector<double> ticks(const Scale& s) {
  std::vector<double> out;
  if (s.log) {
    const int first = static_cast<int>(std::round(std::log10(s.lo)));
    const int last = static_cast<int>(std::round(std::log10(s.hi)));
    const bool fine = last - first <= 2;
    for (int k = first; k <= last; ++k) {
      for (double m : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        const double v = m * std::pow(10.0, k);
        if (s.contains(v)) out.push_back(v);
      }
    }
    return out;
  }
  const double step = nice_step(s.hi - s.lo);
  for (double v = std::ceil(s.lo / step) * step; v <= s.hi + step * 1e-9; v += step) out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return out;
}

std::string marker_svg(Marker m, double x, double y, const std::string& color, bool filled) {
  const std::string paint = fmt::format("fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"", filled ? color : "#ffffff", color);
  switch (m) {
    case Marker::none: return {};
    case Marker::circle: return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\" {}/>", x, y, paint);
    case Marker::square: return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"8\" {}/>", x - 4, y - 4, paint);
    case Marker::triangle:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}/>", x, y - 5.5, x - 5, y + 4, x + 5, y + 4, paint);
    case Marker::diamond:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}/>", x, y - 6, x + 5, y, x,
                         y + 6, x - 5, y, paint);
  }
  return {};
}

std::string axes_svg(const Chart& c, const Scale& xs, const Scale& ys) {
  std::string out;
  const double left = xs.from, right = xs.to, top = ys.to, bottom = ys.from;
  for (double v : ticks(xs)) {
    const double x = xs.map(v);
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" class=\"grid\"/>", x, top, bottom);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", x, bottom + 16, xml_escape(tick_label(v)));
  }
  for (double v : ticks(ys)) {
    const double y = ys.map(v);
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" class=\"grid\"/>", left, y, right);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", left - 6, y + 4, xml_escape(tick_label(v)));
  }
  out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#444\"/>", left, top,
                     right - left, bottom - top);
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" class=\"axis\">{}{}</text>", (left + right) / 2,
                     bottom + 36, xml_escape(c.x.title), c.x.log ? " (log scale)" : "");
  out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">{}{}</text>",
                     18.0, (top + bottom) / 2, xml_escape(c.y.title), c.y.log ? " (log scale)" : "");
  return out;
}

std::string references_svg(const Chart& c, const Scale& xs, const Scale& ys) {
  std::string out;
  for (const ReferenceLine& r : c.references) {
    const Scale& s = r.vertical ? xs : ys;
    if (!s.contains(r.value)) continue;
    const double p = s.map(r.value);
    if (r.vertical) {
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\" stroke-dasharray=\"5 4\"/>"
                         "<text x=\"{4:.1f}\" y=\"{5:.1f}\" fill=\"{3}\">{6}</text>",
                         p, ys.to, ys.from, xml_escape(r.color), p + 4, ys.to + 14, xml_escape(r.label));
    } else {
      out += fmt::format("<line x1=\"{1:.1f}\" y1=\"{0:.1f}\" x2=\"{2:.1f}\" y2=\"{0:.1f}\" stroke=\"{3}\" stroke-dasharray=\"5 4\"/>"
                         "<text x=\"{4:.1f}\" y=\"{5:.1f}\" fill=\"{3}\" text-anchor=\"end\">{6}</text>",
                         p, xs.from, xs.to, xml_escape(r.color), xs.to - 4, p - 5, xml_escape(r.label));
    }
  }
  return out;
}

std::string series_svg(const ChartSeries& s, const Scale& xs, const Scale& ys) {
  std::string out;
  std::string path;
  for (const ChartPoint& p : s.points) {
    if (!xs.contains(p.x) || !ys.contains(p.y)) continue;
    path += fmt::format("{:.1f},{:.1f} ", xs.map(p.x), ys.map(p.y));
  }
  if (s.line != LineStyle::none && !path.empty()) {
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>", path, xml_escape(s.color),
                       s.line == LineStyle::dashed ? " stroke-dasharray=\"6 4\"" : "");
  }
  for (const ChartPoint& p : s.points) {
    if (!xs.contains(p.x) || !ys.contains(p.y)) continue;
    const double x = xs.map(p.x), y = ys.map(p.y);
    if (p.tooltip.empty()) out += marker_svg(s.marker, x, y, xml_escape(s.color), s.filled);
    else out += fmt::format("<g><title>{}</title>{}</g>", xml_escape(p.tooltip), marker_svg(s.marker, x, y, xml_escape(s.color), s.filled));
    if (!p.label.empty()) out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x + 7, y - 7, xml_escape(p.label));
  }
  return out;
}

/// Legend entries in two columns; a line entry or one too long for a column (about 6.6 px a
/// character at 12 px sans-serif) takes a whole row, so names never overlap.
std::string legend_svg(const Chart& c, double top, int* rows_out) {
  std::string out;
  const double column_width = (c.width - margin_left - margin_right) / 2.0;
  int row = 0, column = 0;
  bool any = false;
  for (const ChartSeries& s : c.series) {
    if (s.name.empty()) continue;
    // Lines (roofs, curves) head the legend on rows of their own; markers pair up in columns.
    const bool wide = s.line != LineStyle::none || 32 + 6.6 * static_cast<double>(s.name.size()) > column_width - 8;
    if (any && (column == 2 || (wide && column > 0))) {
      column = 0;
      ++row;
    }
    any = true;
    const double x = margin_left + column * column_width;
    const double y = top + row * legend_row;
    column += wide ? 2 : 1;
    if (s.line != LineStyle::none) {
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"{}/>", x, y, x + 24, y,
                         xml_escape(s.color), s.line == LineStyle::dashed ? " stroke-dasharray=\"6 4\"" : "");
    }
    out += marker_svg(s.marker, x + 12, y, xml_escape(s.color), s.filled);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x + 32, y + 4, xml_escape(s.name));
  }
  *rows_out = any ? row + 1 : 0;
  return out;
}

}  // namespace

std::string render_svg(const Chart& c) {
  std::vector<double> xv, yv;
  for (const ChartSeries& s : c.series) {
    for (const ChartPoint& p : s.points) {
      xv.push_back(p.x);
      yv.push_back(p.y);
    }
  }
  for (const ReferenceLine& r : c.references) (r.vertical ? xv : yv).push_back(r.value);
  const double bottom = margin_top + c.plot_height;
  const Scale xs = make_scale(c.x, xv, margin_left, c.width - margin_right);
  const Scale ys = make_scale(c.y, yv, bottom, margin_top);
  int legend_rows = 0;
  const std::string legend = legend_svg(c, bottom + legend_gap, &legend_rows);
  const int height = static_cast<int>(bottom) + legend_gap + legend_rows * legend_row + 4;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "role=\"img\" aria-label=\"{2}\" font-family=\"sans-serif\" font-size=\"12\">",
      c.width, height, xml_escape(c.title));
  out += "<style>.grid{stroke:#e3e3e3}.axis{font-size:13px}.title{font-size:14px;font-weight:bold}</style>";
  out += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", c.width, height);
  out += fmt::format("<text x=\"{:.1f}\" y=\"20\" text-anchor=\"middle\" class=\"title\">{}</text>", c.width / 2.0, xml_escape(c.title));
  out += axes_svg(c, xs, ys);
  out += references_svg(c, xs, ys);
  for (const ChartSeries& s : c.series) out += series_svg(s, xs, ys);
  out += legend;
  out += "</svg>";
  return out;
}

}  // namespace llmsizer
