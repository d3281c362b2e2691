// Minimises an expression over its variables by gradient descent: the
// MinimizeSpec objective of a job.
#ifndef SLOPE_SERVER_TRAINING_MINIMIZE_H_
#define SLOPE_SERVER_TRAINING_MINIMIZE_H_

#include "absl/status/statusor.h"
#include "server/training/progress.h"
#include "server/training/spec.h"

namespace slope::training {

// Takes up to EffectiveMinimizeSteps steps of spec.optimizer (with
// spec.schedule; "epoch" is always 0 for the step and exponential
// schedules) from minimize.start, stopping early once the gradient norm
// falls below minimize.tolerance. Reports position, value (as loss) and
// gradient norm. Result.position is the best point seen, final_loss its
// value. Reports every report_every_steps steps (0: about 100 times per
// run) and at least every report_every_ms; samples_per_second counts steps.
// Errors and stopping as for RunJob; a NaN or infinite value or gradient is
// ABORTED, naming the step and point.
absl::StatusOr<Outcome> RunMinimize(const JobSpec& spec,
                                    const MinimizeSpec& minimize,
                                    ProgressSink& sink,
                                    const TrainingLimits& limits);

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_MINIMIZE_H_
