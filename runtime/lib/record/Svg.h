//===- Svg.h - inline SVG charts and HTML escaping for report.html (internal) ---===//
//
// The report must open anywhere, offline, forever: no JavaScript, no fonts, no chart library, so
// the charts are plain SVG drawn here: axes with "nice" ticks (1, 2, 5 x 10^k), labels, a legend.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ftp::record::svg {

/// Text for HTML content and attribute values: & < > " ' escaped.
std::string escape(std::string_view text);

/// A number the way a person writes it: 0.9731, 4e-05, 1200.
std::string number(double value, int precision = 4);

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points; // (x, y), in x order
  bool dashed = false;
};

struct Chart {
  std::string title, xLabel, yLabel;
  int width = 560, height = 300;
  std::optional<double> yMin, yMax; // fixed range (metrics in [0, 1]); else from the data
  bool markers = false;             // a dot on every point (few points: attack strengths)
};

/// About `count` round tick values covering [lo, hi].
std::vector<double> niceTicks(double lo, double hi, int count);

std::string linePlot(const Chart &chart, const std::vector<Series> &series);

struct Bar {
  std::string label;
  double value;
};
/// Horizontal bars (labels such as `typos(rate: 0.05)` are long), with an optional dashed
/// reference line (the clean accuracy).
std::string barChart(const Chart &chart, const std::vector<Bar> &bars,
                     std::optional<std::pair<std::string, double>> reference);

/// The i-th color of the palette (colorblind-safe, Okabe-Ito).
const char *color(size_t index);

} // namespace ftp::record::svg
