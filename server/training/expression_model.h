// A user expression fitted to data, e.g. "a*exp(-b*x) + c": the inputs are
// fed from columns and every other variable is a trainable parameter. Values
// and parameter gradients come from the calculus engine's compiled tape
// (one reverse sweep per sample, a block of samples per call).
#ifndef SLOPE_SERVER_TRAINING_EXPRESSION_MODEL_H_
#define SLOPE_SERVER_TRAINING_EXPRESSION_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/calculus/ast.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/limits.h"
#include "server/calculus/tape.h"
#include "server/training/model.h"
#include "server/training/spec.h"

namespace slope::training {

// Parses and checks the expression of an expression model or minimize job,
// so that its errors surface at validation: INVALID_ARGUMENT such as
// "model.expression.expression: 1:5: unexpected '*'" or
// "minimize.start: 'q' is not a variable of the expression (variables: x)";
// RESOURCE_EXHAUSTED for the expression limits. OK for other jobs.
absl::Status ValidateExpressionSyntax(const JobSpec& spec,
                                      const TrainingLimits& limits);

// An expression with its variables replaced by values (variables missing
// from `values` stay), printed in the input language.
std::string SubstituteAndPrint(const calculus::NodePtr& root,
                               const std::vector<std::string>& names,
                               const Eigen::Ref<const Eigen::VectorXd>& values);

class ExpressionModel final : public TrainableModel {
 public:
  // INVALID_ARGUMENT for a bad expression, inputs it does not use, initial
  // values for names that are not parameters, or no parameters at all;
  // RESOURCE_EXHAUSTED past `max_parameters` or the expression limits.
  static absl::StatusOr<std::unique_ptr<ExpressionModel>> Create(
      const ExpressionModelSpec& spec, uint64_t max_parameters,
      const calculus::ExpressionLimits& limits = {});

  std::string kind() const override { return "expression"; }
  bool is_classifier() const override { return false; }
  int outputs_per_row() const override { return 1; }
  absl::StatusOr<Prediction> Predict(
      const Eigen::MatrixXd& inputs) const override;
  // One scalar per parameter, by name, in name order.
  std::vector<NamedTensor> Parameters() const override;
  std::string FittedExpression() const override;

  Eigen::VectorXd& parameter_vector() override { return params_; }
  const Eigen::VectorXd& decay_mask() const override { return mask_; }
  void Reserve(int64_t max_columns) override;
  // Computes values and, in the same sweep, the parameter gradient of every
  // sample, which Backward then only contracts with dLoss/dOutputs.
  const Eigen::MatrixXd& Forward(
      const Eigen::Ref<const Eigen::MatrixXd>& x) override;
  void Backward(const Eigen::Ref<const Eigen::MatrixXd>& x,
                const Eigen::Ref<const Eigen::MatrixXd>& d_outputs,
                Eigen::Ref<Eigen::VectorXd> grad) override;
  std::shared_ptr<const TrainedModel> Snapshot() const override;

  const std::vector<std::string>& parameter_names() const {
    return parameter_names_;
  }

 private:
  ExpressionModel() = default;
  int64_t num_inputs() const { return static_cast<int64_t>(inputs_.size()); }
  int64_t num_variables() const {
    return num_inputs() + static_cast<int64_t>(parameter_names_.size());
  }

  calculus::NodePtr root_;
  std::shared_ptr<const calculus::Tape> tape_;  // inputs, then parameters
  std::vector<std::string> inputs_;
  std::vector<std::string> parameter_names_;
  Eigen::VectorXd params_;
  Eigen::VectorXd mask_;
  // Training buffers, sized by Reserve.
  int64_t reserved_ = 0;
  std::vector<double> points_;     // m x variables, row-major
  std::vector<double> gradients_;  // m x variables, row-major
  Eigen::MatrixXd outputs_;        // 1 x reserved
  calculus::TapeWorkspace workspace_;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_EXPRESSION_MODEL_H_
