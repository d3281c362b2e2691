#include "client/progress_display.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace slope::cli {
namespace {

constexpr int kBarWidth = 20;

std::string Bar(double fraction) {
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const int full = static_cast<int>(fraction * kBarWidth);
  std::string bar(kBarWidth, ' ');
  for (int i = 0; i < full; ++i) bar[i] = '=';
  if (full < kBarWidth) bar[full] = '>';
  return absl::StrCat("[", bar, "]");
}

}  // namespace

std::string FormatRate(double per_second) {
  if (!std::isfinite(per_second) || per_second <= 0) return "-";
  if (per_second >= 1e9) return absl::StrFormat("%.1fG", per_second / 1e9);
  if (per_second >= 1e6) return absl::StrFormat("%.1fM", per_second / 1e6);
  if (per_second >= 1e3) return absl::StrFormat("%.1fk", per_second / 1e3);
  return absl::StrFormat("%.0f", per_second);
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const long s = std::lround(seconds);
  if (s < 60) return absl::StrFormat("%ds", s);
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
}

std::string FormatProgress(const slope::v1::Progress& p) {
  std::string line;
  if (p.total_epochs() > 0) {
    absl::StrAppendFormat(&line, "epoch %d/%d ", p.epoch(), p.total_epochs());
  } else {
    absl::StrAppendFormat(&line, "step %d/%d ", p.step(), p.total_steps());
  }
  const double fraction =
      p.total_steps() > 0 ? static_cast<double>(p.step()) / p.total_steps()
                          : 0.0;
  absl::StrAppendFormat(&line, "%s loss %.4g", Bar(fraction), p.loss());
  if (p.has_validation_loss()) {
    absl::StrAppendFormat(&line, " (val %.4g)", p.validation_loss());
  }
  for (const auto& [name, value] : p.metrics()) {
    absl::StrAppendFormat(&line, " %s %.4f", name, value);
  }
  if (p.total_epochs() == 0 && p.gradient_norm() > 0) {
    absl::StrAppendFormat(&line, " |grad| %.3g", p.gradient_norm());
  }
  absl::StrAppendFormat(&line, " | %s %s/s | ETA %s",
                        FormatRate(p.samples_per_second()),
                        p.total_epochs() > 0 ? "samples" : "steps",
                        FormatDuration(p.eta_seconds()));
  return line;
}

ProgressDisplay::ProgressDisplay(std::vector<std::string> labels, FILE* out,
                                 bool tty)
    : labels_(std::move(labels)), lines_(labels_.size()), out_(out),
      tty_(tty) {
  size_t width = 0;
  for (const std::string& label : labels_) width = std::max(width, label.size());
  for (std::string& label : labels_) {
    if (!label.empty()) label = absl::StrFormat("%-*s  ", width, label);
  }
}

void ProgressDisplay::Update(size_t index,
                             const slope::v1::Progress& progress) {
  if (index >= lines_.size()) return;
  lines_[index] = FormatProgress(progress);
  Show(index);
}

void ProgressDisplay::SetState(size_t index, const std::string& state) {
  if (index >= lines_.size()) return;
  lines_[index] = lines_[index].empty()
                      ? state
                      : absl::StrCat(lines_[index], " | ", state);
  Show(index);
}

void ProgressDisplay::Show(size_t index) {
  if (!tty_) {
    absl::FPrintF(out_, "%s%s\n", labels_[index], lines_[index]);
    std::fflush(out_);
    return;
  }
  // Redraw the whole block: move to its first line, rewrite every line
  // (clearing what a longer previous text left), end on its last line.
  if (drawn_ && lines_.size() > 1) {
    absl::FPrintF(out_, "\x1b[%dA", static_cast<int>(lines_.size()) - 1);
  }
  for (size_t i = 0; i < lines_.size(); ++i) {
    absl::FPrintF(out_, "\r%s%s\x1b[K%s", labels_[i], lines_[i],
                  i + 1 < lines_.size() ? "\n" : "");
  }
  drawn_ = true;
  std::fflush(out_);
}

void ProgressDisplay::Release() {
  if (tty_ && drawn_) {
    absl::FPrintF(out_, "\n");
    std::fflush(out_);
  }
  drawn_ = false;
}

}  // namespace slope::cli
