// Builds the trainable model a JobSpec asks for, once the data's columns
// and class count are known.
#ifndef SLOPE_SERVER_TRAINING_MODEL_FACTORY_H_
#define SLOPE_SERVER_TRAINING_MODEL_FACTORY_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "server/training/job_data.h"
#include "server/training/model.h"
#include "server/training/spec.h"

namespace slope::training {

// `classes` is what CheckTargets returned. The model's feature and target
// names are set from `plan`; its initial weights come from spec.seed.
absl::StatusOr<std::unique_ptr<TrainableModel>> MakeModel(
    const JobSpec& spec, const ColumnPlan& plan, int64_t classes,
    const TrainingLimits& limits);

// How the model's raw outputs are read, from the (resolved) loss.
OutputKind OutputKindFor(Loss loss);

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_MODEL_FACTORY_H_
