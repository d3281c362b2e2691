// Loss curves drawn with characters, so that `slope train` can show the
// descent in any terminal (and in a log file) without a graphics library.
#ifndef SLOPE_CLIENT_LOSS_PLOT_H_
#define SLOPE_CLIENT_LOSS_PLOT_H_

#include <string>
#include <utility>
#include <vector>

namespace slope::cli {

struct PlotSeries {
  std::string label;  // for the legend, e.g. "lr=0.01"; may be empty
  // (x, y) points in increasing x. Non-finite y values are skipped (a
  // diverged run simply stops where its loss stopped being a number).
  std::vector<std::pair<double, double>> points;
};

struct PlotOptions {
  int width = 60;   // columns of the plotting area
  int height = 15;  // rows of the plotting area
  std::string x_label = "epoch";
  std::string y_label = "loss";
  // Use a log-scale y axis when the positive values span more than this
  // factor (100: two decades); 0 never does.
  double log_scale_above_ratio = 100;
};

// The plot as text lines ending in '\n': a y axis with labels, one marker
// character per series ('*', '+', 'o', 'x', '#', ...) where several series
// share a cell the later one wins, an x axis, and a legend when there is
// more than one series or a label. Empty when no series has a finite point.
std::string RenderPlot(const std::vector<PlotSeries>& series,
                       const PlotOptions& options = {});

// The marker character of series `index`, as used by RenderPlot.
char PlotMarker(size_t index);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_LOSS_PLOT_H_
