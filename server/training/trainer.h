// Runs a job: fits a model to data by mini-batch gradient descent, or
// minimises an expression, reporting progress to a ProgressSink.
#ifndef SLOPE_SERVER_TRAINING_TRAINER_H_
#define SLOPE_SERVER_TRAINING_TRAINER_H_

#include "absl/status/statusor.h"
#include "server/training/dataset_store.h"
#include "server/training/progress.h"
#include "server/training/spec.h"

namespace slope::training {

// Runs `spec` to completion on the calling thread (single-threaded, so the
// same spec and seed give bit-identical losses). `store` resolves
// data.dataset_id and may be null otherwise.
//
// Returns:
//  - an Outcome with stopped == false when the run finished;
//  - an Outcome with stopped == true when sink.ShouldStop() turned true
//    (polled before every mini-batch chunk, so within milliseconds); the
//    caller decides the state (CANCELLED) and keeps the partial result;
//  - INVALID_ARGUMENT / RESOURCE_EXHAUSTED for a bad spec (see ValidateSpec)
//    or bad data (e.g. a label out of range);
//  - DEADLINE_EXCEEDED when the run outlives max_wall_seconds (or the
//    server's limit);
//  - ABORTED when training diverged: "loss became NaN at epoch 3 step 120:
//    the learning rate (10) is probably too large; try a smaller one".
// Every error status means the job FAILED.
absl::StatusOr<Outcome> RunJob(const JobSpec& spec, const DatasetStore* store,
                               ProgressSink& sink,
                               const TrainingLimits& limits = {});

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_TRAINER_H_
