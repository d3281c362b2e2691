#include "server/training/minimize.h"

#include "absl/status/status.h"

namespace slope::training {

absl::StatusOr<Outcome> RunMinimize(const JobSpec&, const MinimizeSpec&,
                                    ProgressSink&, const TrainingLimits&) {
  return absl::UnimplementedError(
      "minimize jobs are not available yet: the expression engine is still "
      "being written");
}

}  // namespace slope::training
