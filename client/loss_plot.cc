#include "client/loss_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace slope::cli {
namespace {

constexpr char kMarkers[] = "*+ox#@%&";
constexpr int kLabelWidth = 10;

std::string AxisNumber(double value) {
  return absl::StrFormat("%.3g", value);
}

// The series' y at x, interpolating linearly between its finite points;
// NaN outside the series' x range.
double ValueAt(const std::vector<std::pair<double, double>>& points,
               double x) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::pair<double, double>* before = nullptr;
  for (const auto& point : points) {
    if (!std::isfinite(point.second)) continue;
    if (point.first == x) return point.second;
    if (point.first < x) {
      before = &point;
      continue;
    }
    if (before == nullptr) return nan;
    const double t = (x - before->first) / (point.first - before->first);
    return before->second + t * (point.second - before->second);
  }
  return nan;
}

}  // namespace

char PlotMarker(size_t index) {
  return kMarkers[index % (sizeof(kMarkers) - 1)];
}

std::string RenderPlot(const std::vector<PlotSeries>& series,
                       const PlotOptions& options) {
  const int width = std::max(options.width, 8);
  const int height = std::max(options.height, 4);
  double x_min = std::numeric_limits<double>::infinity();
  double x_max = -x_min, y_min = x_min, y_max = -x_min;
  bool all_positive = true;
  for (const PlotSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
      all_positive = all_positive && y > 0;
    }
  }
  if (!(x_min <= x_max)) return "";

  const bool log_scale = options.log_scale_above_ratio > 0 && all_positive &&
                         y_max / y_min > options.log_scale_above_ratio;
  auto scale = [log_scale](double y) { return log_scale ? std::log10(y) : y; };
  double lo = scale(y_min), hi = scale(y_max);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    // A flat curve: give it some room so it sits in the middle.
    const double pad = log_scale ? 0.5 : std::max(std::abs(hi) * 0.1, 1e-9);
    lo -= pad;
    hi += pad;
  }
  if (x_max == x_min) x_max = x_min + 1;

  std::vector<std::string> grid(height, std::string(width, ' '));
  auto row_of = [&](double y) {
    const double t = (hi - scale(y)) / (hi - lo);
    return std::clamp(static_cast<int>(std::lround(t * (height - 1))), 0,
                      height - 1);
  };
  for (size_t i = 0; i < series.size(); ++i) {
    const char marker = PlotMarker(i);
    int previous_row = -1;
    for (int column = 0; column < width; ++column) {
      const double x = x_min + (x_max - x_min) * column / (width - 1);
      const double y = ValueAt(series[i].points, x);
      if (!std::isfinite(y) || (log_scale && y <= 0)) {
        previous_row = -1;
        continue;
      }
      const int row = row_of(y);
      // Fill a steep step halfway from each side, so the curve stays
      // connected where the loss falls fast.
      if (previous_row >= 0 && std::abs(row - previous_row) > 1) {
        const int step = row > previous_row ? 1 : -1;
        const int middle = (previous_row + row) / 2;
        for (int r = previous_row + step; r != row; r += step) {
          const int c = (step > 0 ? r <= middle : r >= middle) ? column - 1
                                                                : column;
          grid[r][c] = marker;
        }
      }
      grid[row][column] = marker;
      previous_row = row;
    }
    // A single point has no column interval to interpolate over.
    if (series[i].points.size() == 1 &&
        std::isfinite(series[i].points[0].second)) {
      const auto& [x, y] = series[i].points[0];
      const int column = static_cast<int>(
          std::lround((x - x_min) / (x_max - x_min) * (width - 1)));
      grid[row_of(y)][std::clamp(column, 0, width - 1)] = marker;
    }
  }

  auto label_at = [&](int row) {
    const double v = hi - (hi - lo) * row / (height - 1);
    return AxisNumber(log_scale ? std::pow(10.0, v) : v);
  };
  std::string out = absl::StrFormat("%*s%s%s\n", kLabelWidth + 1, "",
                                    options.y_label,
                                    log_scale ? " (log scale)" : "");
  for (int row = 0; row < height; ++row) {
    const bool labelled =
        row == 0 || row == height - 1 || row == (height - 1) / 2;
    absl::StrAppendFormat(&out, "%*s %c%s\n", kLabelWidth,
                          labelled ? label_at(row) : "",
                          labelled ? '+' : '|', grid[row]);
  }
  absl::StrAppendFormat(&out, "%*s +%s\n", kLabelWidth, "",
                        std::string(width, '-'));
  const std::string left = AxisNumber(x_min);
  const std::string right = AxisNumber(x_max);
  const int gap = std::max<int>(
      1, width - static_cast<int>(left.size() + right.size() +
                                  options.x_label.size()));
  absl::StrAppendFormat(&out, "%*s  %s%*s%s%*s%s\n", kLabelWidth, "", left,
                        gap / 2, "", options.x_label, gap - gap / 2, "", right);
  if (series.size() > 1 || (!series.empty() && !series[0].label.empty())) {
    std::string legend;
    for (size_t i = 0; i < series.size(); ++i) {
      absl::StrAppendFormat(&legend, "%s%c %s", i == 0 ? "" : "   ",
                            PlotMarker(i), series[i].label);
    }
    absl::StrAppendFormat(&out, "%*s  %s\n", kLabelWidth, "", legend);
  }
  return out;
}

}  // namespace slope::cli
