// A ProgressSink for tests: records reports and stops on demand.
#ifndef SLOPE_TESTS_TRAINING_TEST_SINK_H_
#define SLOPE_TESTS_TRAINING_TEST_SINK_H_

#include <atomic>
#include <functional>
#include <vector>

#include "server/training/progress.h"

namespace slope::training {

class RecordingSink : public ProgressSink {
 public:
  void Report(const Progress& progress) override {
    reports.push_back(progress);
  }
  bool ShouldStop() const override {
    ++polls;
    if (stop_after_polls > 0 && polls >= stop_after_polls) return true;
    return stop.load();
  }

  std::vector<Progress> reports;
  std::atomic<bool> stop{false};
  mutable long polls = 0;
  long stop_after_polls = 0;  // 0: never by count
};

}  // namespace slope::training

#endif  // SLOPE_TESTS_TRAINING_TEST_SINK_H_
