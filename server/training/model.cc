#include "server/training/model.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace slope::training {

absl::StatusOr<Prediction> PredictColumns(
    const TrainedModel& model,
    const std::map<std::string, std::vector<double>>& inputs) {
  const std::vector<std::string>& features = model.features();
  if (features.empty()) {
    return absl::FailedPreconditionError("the model has no input columns");
  }
  int64_t rows = -1;
  std::string first;
  for (const std::string& name : features) {
    auto it = inputs.find(name);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("inputs: missing column '%s'", name));
    }
    const int64_t n = static_cast<int64_t>(it->second.size());
    if (rows < 0) {
      rows = n;
      first = name;
    } else if (n != rows) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "inputs: column '%s' has %d rows, '%s' has %d", name, n, first, rows));
    }
  }
  Eigen::MatrixXd x(rows, static_cast<int64_t>(features.size()));
  for (size_t j = 0; j < features.size(); ++j) {
    x.col(j) = Eigen::Map<const Eigen::VectorXd>(
        inputs.find(features[j])->second.data(), rows);
  }
  return model.Predict(x);
}

}  // namespace slope::training
