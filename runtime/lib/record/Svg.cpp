//===- Svg.cpp - inline SVG charts for report.html --------------------------------===//

#include "Svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ftp::record::svg {
namespace {

constexpr int kLeft = 64, kRight = 16, kTop = 48, kBottom = 48;

struct Scale {
  double lo, hi, from, to; // data range -> pixel range
  double operator()(double v) const {
    return hi == lo ? (from + to) / 2 : from + (v - lo) / (hi - lo) * (to - from);
  }
};

std::string text(double x, double y, std::string_view content, const char *anchor = "middle",
                 const char *extra = "") {
  return fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="{}"{}>{}</text>)", x, y, anchor,
                     extra, escape(content));
}

/// Extends [lo, hi] to the outer ticks so that lines never leave the frame.
std::pair<double, double> padded(double lo, double hi) {
  if (!(hi > lo)) {
    double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    return {lo - pad, hi + pad};
  }
  return {lo, hi};
}

std::string frame(const Chart &chart, const Scale &x, const Scale &y,
                  const std::vector<double> &xTicks, const std::vector<double> &yTicks) {
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)",
      chart.width, chart.height, escape(chart.title));
  out += text(chart.width / 2.0, 18, chart.title, "middle", R"( class="title")");
  for (double t : yTicks) {
    out += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>)", kLeft,
                       chart.width - kRight, y(t), y(t));
    out += text(kLeft - 6, y(t) + 4, number(t, 3), "end");
  }
  for (double t : xTicks) {
    out += fmt::format(R"(<line class="tick" x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}"/>)",
                       x(t), chart.height - kBottom, chart.height - kBottom + 5);
    out += text(x(t), chart.height - kBottom + 18, number(t, 3));
  }
  out += fmt::format(R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)", kLeft, kTop,
                     chart.width - kLeft - kRight, chart.height - kTop - kBottom);
  out += text((kLeft + chart.width - kRight) / 2.0, chart.height - 10, chart.xLabel);
  out += fmt::format(R"svg(<g transform="translate(14 {:.1f}) rotate(-90)">)svg",
                     (kTop + chart.height - kBottom) / 2.0);
  out += text(0, 0, chart.yLabel) + "</g>";
  return out;
}

} // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  return out;
}

std::string number(double value, int precision) {
  if (!std::isfinite(value))
    return std::isnan(value) ? "n/a" : (value > 0 ? "∞" : "-∞");
  if (value == std::floor(value) && std::abs(value) < 1e15)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{:.{}g}", value, precision);
}

const char *color(size_t index) {
  static const char *palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                  "#E69F00", "#56B4E9", "#F0E442", "#000000"};
  return palette[index % (sizeof palette / sizeof *palette)];
}

std::vector<double> niceTicks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi))
    return {lo};
  double raw = (hi - lo) / std::max(1, count);
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  // By index, not by repeated addition: a step below the precision of `lo` (a range of 1e-15 at
  // 1.0) would never advance; at most 50 ticks whatever the data.
  std::vector<double> ticks;
  double first = std::ceil(lo / step - 1e-9);
  for (int k = 0; k < 50; ++k) {
    double t = (first + k) * step;
    if (!(t <= hi + step * 1e-9))
      break;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  if (ticks.empty())
    ticks.push_back(lo);
  return ticks;
}

std::string linePlot(const Chart &chart, const std::vector<Series> &series) {
  double xLo = INFINITY, xHi = -INFINITY, yLo = INFINITY, yHi = -INFINITY;
  for (const Series &s : series)
    for (auto [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y))
        continue;
      xLo = std::min(xLo, x), xHi = std::max(xHi, x);
      yLo = std::min(yLo, y), yHi = std::max(yHi, y);
    }
  if (!std::isfinite(xLo))
    return "";
  if (chart.yMin)
    yLo = std::min(yLo, *chart.yMin);
  if (chart.yMax)
    yHi = std::max(yHi, *chart.yMax);
  std::tie(xLo, xHi) = padded(xLo, xHi);
  std::tie(yLo, yHi) = padded(yLo, yHi);
  std::vector<double> xTicks = niceTicks(xLo, xHi, 6), yTicks = niceTicks(yLo, yHi, 5);
  // Widen the y range to the enclosing ticks so that the top and bottom gridlines frame the data.
  double yStep = yTicks.size() > 1 ? yTicks[1] - yTicks[0] : 0;
  if (yStep > 0) {
    if (yTicks.front() > yLo + 1e-12)
      yTicks.insert(yTicks.begin(), yTicks.front() - yStep);
    if (yTicks.back() < yHi - 1e-12)
      yTicks.push_back(yTicks.back() + yStep);
    yLo = yTicks.front(), yHi = yTicks.back();
  }
  Scale x{xLo, xHi, double(kLeft), double(chart.width - kRight)};
  Scale y{yLo, yHi, double(chart.height - kBottom), double(kTop)};
  std::string out = frame(chart, x, y, xTicks, yTicks);
  double legendX = kLeft;
  for (size_t i = 0; i < series.size(); ++i) {
    const Series &s = series[i];
    std::string points;
    for (auto [px, py] : s.points)
      if (std::isfinite(px) && std::isfinite(py))
        points += fmt::format("{:.1f},{:.1f} ", x(px), y(py));
    out += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>)",
                       color(i), s.dashed ? R"( stroke-dasharray="6 4")" : "", points);
    if (chart.markers || s.points.size() == 1)
      for (auto [px, py] : s.points)
        out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"/>)", x(px), y(py),
                           color(i));
    // Legend: one row above the plot area, swatches in the series' colors.
    out += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="36" y2="36" stroke="{2}" stroke-width="3"{3}/>)",
                       legendX, legendX + 18, color(i),
                       s.dashed ? R"( stroke-dasharray="6 4")" : "");
    out += text(legendX + 22, 40, s.name, "start", R"( class="legend")");
    legendX += 40 + 7.0 * static_cast<double>(s.name.size());
  }
  return out + "</svg>";
}

std::string barChart(const Chart &chart, const std::vector<Bar> &bars,
                     std::optional<std::pair<std::string, double>> reference) {
  if (bars.empty())
    return "";
  // Room on the left for the perturbations' names.
  size_t longest = 0;
  for (const Bar &bar : bars)
    longest = std::max(longest, bar.label.size());
  double left = std::min(300.0, 16 + 6.5 * static_cast<double>(longest));
  double lo = chart.yMin.value_or(0), hi = chart.yMax.value_or(1);
  for (const Bar &bar : bars)
    hi = std::max(hi, bar.value);
  double rowHeight = 26;
  int height = static_cast<int>(kTop + rowHeight * static_cast<double>(bars.size()) + kBottom);
  // Room on the right for the value printed after each bar.
  double right = chart.width - kRight - 48.0;
  Scale x{lo, hi, left, right};
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)",
      chart.width, height, escape(chart.title));
  out += text(chart.width / 2.0, 18, chart.title, "middle", R"( class="title")");
  double bottom = height - kBottom;
  for (double t : niceTicks(lo, hi, 5)) {
    out += fmt::format(R"(<line class="grid" x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2:.1f}"/>)",
                       x(t), kTop, bottom);
    out += text(x(t), bottom + 16, number(t, 3));
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    double top = kTop + rowHeight * static_cast<double>(i) + 4;
    out += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)",
                       left, top, std::max(0.0, x(bars[i].value) - left), rowHeight - 8,
                       color(0));
    out += text(left - 6, top + rowHeight / 2, bars[i].label, "end");
    // The value inside the bar's end when it fits, so that it never meets the reference line.
    bool inside = x(bars[i].value) - left > 56;
    out += text(x(bars[i].value) + (inside ? -4 : 4), top + rowHeight / 2,
                number(bars[i].value, 4), inside ? "end" : "start",
                inside ? R"( class="value" style="fill:#fff")" : R"( class="value")");
  }
  if (reference) {
    // The line across the bars, and its legend entry above them (beside the line its label
    // would collide with the bars' values).
    out += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2:.1f}" stroke="{3}" stroke-width="2" stroke-dasharray="6 4"/>)",
                       x(reference->second), kTop, bottom, color(1));
    out += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="36" y2="36" stroke="{2}" stroke-width="2" stroke-dasharray="6 4"/>)",
                       left, left + 18, color(1));
    out += text(left + 22, 40, reference->first + " " + number(reference->second, 4), "start",
                R"( class="legend")");
  }
  out += text((left + right) / 2.0, height - 10, chart.xLabel);
  return out + "</svg>";
}

} // namespace ftp::record::svg
