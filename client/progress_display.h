// The live progress of one or more jobs on the terminal: a bar with epoch,
// loss, metric, samples/s and ETA per job. On a TTY the lines are redrawn
// in place; otherwise (a pipe, a log file, a test) each update is a plain
// line, so the output stays readable as text.
#ifndef SLOPE_CLIENT_PROGRESS_DISPLAY_H_
#define SLOPE_CLIENT_PROGRESS_DISPLAY_H_

#include <cstdio>
#include <string>
#include <vector>

#include "slope/v1/training.pb.h"

namespace slope::cli {

// "1.2k", "3.4M": samples per second at a glance.
std::string FormatRate(double per_second);
// "42s", "3m07s", "1h02m".
std::string FormatDuration(double seconds);
// The one-line summary of a progress report (no label, no bar width
// dependence on the terminal): "epoch 3/50 [===>   ] loss 0.123 ...".
std::string FormatProgress(const slope::v1::Progress& progress);

class ProgressDisplay {
 public:
  // One line per label (labels may be empty for a single job).
  ProgressDisplay(std::vector<std::string> labels, FILE* out, bool tty);

  // Records the latest progress or state of line `index` and shows it.
  void Update(size_t index, const slope::v1::Progress& progress);
  void SetState(size_t index, const std::string& state);

  // Leaves the cursor below the block, so that whatever follows starts on a
  // fresh line. Called before printing anything else (a prompt, the plot).
  void Release();

 private:
  void Show(size_t index);

  std::vector<std::string> labels_;
  std::vector<std::string> lines_;
  FILE* const out_;
  const bool tty_;
  // On a TTY: whether the block has been drawn and the cursor sits on its
  // last line.
  bool drawn_ = false;
};

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_PROGRESS_DISPLAY_H_
