#include "io/html_report.hpp"

#include <fmt/format.h>

#include "io/svg_chart.hpp"

namespace llmsizer {
namespace {

constexpr std::string_view stylesheet = R"css(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;margin:24px auto;max-width:1240px;padding:0 16px;line-height:1.4}
h1{font-size:24px;margin:0 0 8px}
h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
p{margin:6px 0}
p.note{color:#555;font-size:13px}
p.warning{color:#8a4b00;font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:8px 0;font-size:14px}
dl.facts dt{font-weight:600;color:#444}
dl.facts dd{margin:0}
table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #d0d0d0;padding:3px 8px;vertical-align:top}
th{background:#f1f3f5;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:nth-child(even) td{background:#fafbfc}
.figures{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
figure{margin:0}
figcaption{font-size:12px;color:#555;max-width:600px}
svg.chart{border:1px solid #e0e0e0;max-width:100%;height:auto}
)css";

}  // namespace

void HtmlReport::heading(int level, std::string_view text) {
  body_ += fmt::format("<h{0}>{1}</h{0}>\n", level, xml_escape(text));
}

void HtmlReport::paragraph(std::string_view text, std::string_view css_class) {
  if (css_class.empty())
    body_ += fmt::format("<p>{}</p>\n", xml_escape(text));
  else
    body_ += fmt::format("<p class=\"{}\">{}</p>\n", xml_escape(css_class), xml_escape(text));
}

void HtmlReport::facts(const std::vector<std::pair<std::string, std::string>>& pairs) {
  body_ += "<dl class=\"facts\">\n";
  for (const auto& [key, value] : pairs)
    body_ += fmt::format("<dt>{}</dt><dd>{}</dd>\n", xml_escape(key), xml_escape(value));
  body_ += "</dl>\n";
}

void HtmlReport::table(std::string_view caption, const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows, const std::vector<Align>& align) {
  body_ += "<table>\n";
  if (!caption.empty()) body_ += fmt::format("<caption>{}</caption>\n", xml_escape(caption));
  body_ += "<tr>";
  for (const std::string& h : headers) body_ += fmt::format("<th>{}</th>", xml_escape(h));
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool right = c < align.size() && align[c] == Align::right;
      body_ += fmt::format("<td{}>{}</td>", right ? " class=\"num\"" : "", xml_escape(row[c]));
    }
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

void HtmlReport::table(std::string_view caption, const ResultTable& result) {
  std::vector<std::string> headers;
  for (const Column& c : result.columns) headers.push_back(c.header());
  const std::vector<std::size_t> all = all_columns(result);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t r = 0; r < result.rows.size(); ++r) rows.push_back(text_cells(result, r, all));
  table(caption, headers, rows, text_alignment(result, all));
}

void HtmlReport::figures(const std::vector<std::pair<std::string, std::string>>& svg_and_caption) {
  body_ += "<div class=\"figures\">\n";
  for (const auto& [svg, caption] : svg_and_caption) {
    body_ += "<figure>" + svg;
    if (!caption.empty()) body_ += fmt::format("<figcaption>{}</figcaption>", xml_escape(caption));
    body_ += "</figure>\n";
  }
  body_ += "</div>\n";
}

std::string HtmlReport::render() const {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
      "<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n{}</body>\n</html>\n",
      xml_escape(title_), stylesheet, xml_escape(title_), body_);
}

}  // namespace llmsizer
