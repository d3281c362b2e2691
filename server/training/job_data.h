// Turns a job's DataSpec into matrices the trainer can use: loads or
// generates the data set, picks the feature and target columns, checks the
// labels against the loss, and splits off the validation rows.
#ifndef SLOPE_SERVER_TRAINING_JOB_DATA_H_
#define SLOPE_SERVER_TRAINING_JOB_DATA_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/training/dataset.h"
#include "server/training/dataset_store.h"
#include "server/training/spec.h"

namespace slope::training {

// Which columns a job reads.
struct ColumnPlan {
  std::vector<std::string> features;
  std::vector<int64_t> feature_index;
  std::string target;
  int64_t target_index = 0;
};

// The column names of the job's data without materialising it (generated
// data is described, not generated). dataset_id needs `store`; without one
// the result is nullopt-like: an empty vector and OK.
absl::StatusOr<std::vector<std::string>> DataColumnNames(
    const JobSpec& spec, const DatasetStore* store,
    const TrainingLimits& limits);

// Loads, parses or generates the job's data set.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadData(
    const JobSpec& spec, const DatasetStore* store,
    const TrainingLimits& limits);

// Resolves data.features / data.target (or an expression model's inputs)
// against `columns`, and checks that the model's shape fits: an MLP's first
// layer size, the parameter count of linear/softmax models.
absl::StatusOr<ColumnPlan> PlanColumns(const JobSpec& spec,
                                       const std::vector<std::string>& columns,
                                       const TrainingLimits& limits);

// Checks the target values against the loss (0/1 for BCE, integer labels in
// [0, classes) for softmax CE) and returns the number of classes a softmax
// model or multi-output MLP has (1 for other models).
absl::StatusOr<int64_t> CheckTargets(const JobSpec& spec,
                                     const ColumnPlan& plan,
                                     const Eigen::Ref<const Eigen::VectorXd>&
                                         targets,
                                     const TrainingLimits& limits);

// The job's rows, one sample per column, split into training and
// validation parts by a seeded shuffle.
struct SplitData {
  Eigen::MatrixXd train_x;  // features x n_train
  Eigen::VectorXd train_y;
  Eigen::MatrixXd validation_x;  // features x n_validation (maybe 0)
  Eigen::VectorXd validation_y;
};

// Holds out floor(rows * validation_fraction) rows, chosen by `seed`; at
// least one row stays for training.
absl::StatusOr<SplitData> SplitRows(const Dataset& data, const ColumnPlan& plan,
                                    double validation_fraction, uint64_t seed);

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_JOB_DATA_H_
