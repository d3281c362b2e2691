#include "server/training/expression_model.h"

namespace slope::training {

absl::Status ValidateExpressionSyntax(const JobSpec&, const TrainingLimits&) {
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ExpressionModel>> ExpressionModel::Create(
    const ExpressionModelSpec&, uint64_t) {
  return absl::UnimplementedError(
      "expression models are not available yet: the expression engine is "
      "still being written");
}

absl::StatusOr<Prediction> ExpressionModel::Predict(
    const Eigen::MatrixXd&) const {
  return absl::UnimplementedError("expression models are not available yet");
}
std::vector<NamedTensor> ExpressionModel::Parameters() const { return {}; }
std::string ExpressionModel::FittedExpression() const { return ""; }
void ExpressionModel::Reserve(int64_t max_columns) {
  outputs_.resize(1, max_columns);
}
const Eigen::MatrixXd& ExpressionModel::Forward(
    const Eigen::Ref<const Eigen::MatrixXd>&) {
  return outputs_;
}
void ExpressionModel::Backward(const Eigen::Ref<const Eigen::MatrixXd>&,
                               const Eigen::Ref<const Eigen::MatrixXd>&,
                               Eigen::Ref<Eigen::VectorXd>) {}
std::shared_ptr<const TrainedModel> ExpressionModel::Snapshot() const {
  return nullptr;
}

}  // namespace slope::training
