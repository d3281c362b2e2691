// A user expression fitted to data, e.g. "a*exp(-b*x) + c": the inputs are
// fed from columns and every other variable is a trainable parameter.
#ifndef SLOPE_SERVER_TRAINING_EXPRESSION_MODEL_H_
#define SLOPE_SERVER_TRAINING_EXPRESSION_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/training/model.h"
#include "server/training/spec.h"

namespace slope::training {

// Compiles the expression of an expression model or minimize job, so that
// syntax errors surface at validation as INVALID_ARGUMENT.
absl::Status ValidateExpressionSyntax(const JobSpec& spec,
                                      const TrainingLimits& limits);

class ExpressionModel final : public TrainableModel {
 public:
  static absl::StatusOr<std::unique_ptr<ExpressionModel>> Create(
      const ExpressionModelSpec& spec, uint64_t max_parameters);

  std::string kind() const override { return "expression"; }
  bool is_classifier() const override { return false; }
  int outputs_per_row() const override { return 1; }
  absl::StatusOr<Prediction> Predict(
      const Eigen::MatrixXd& inputs) const override;
  std::vector<NamedTensor> Parameters() const override;
  std::string FittedExpression() const override;

  Eigen::VectorXd& parameter_vector() override { return params_; }
  const Eigen::VectorXd& decay_mask() const override { return mask_; }
  void Reserve(int64_t max_columns) override;
  const Eigen::MatrixXd& Forward(
      const Eigen::Ref<const Eigen::MatrixXd>& x) override;
  void Backward(const Eigen::Ref<const Eigen::MatrixXd>& x,
                const Eigen::Ref<const Eigen::MatrixXd>& d_outputs,
                Eigen::Ref<Eigen::VectorXd> grad) override;
  std::shared_ptr<const TrainedModel> Snapshot() const override;

 private:
  ExpressionModel() = default;
  Eigen::VectorXd params_;
  Eigen::VectorXd mask_;
  Eigen::MatrixXd outputs_;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_EXPRESSION_MODEL_H_
