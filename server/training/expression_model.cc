#include "server/training/expression_model.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/calculus/parser.h"
#include "server/calculus/printer.h"

namespace slope::training {
namespace {

// Prefixes an engine error with the spec field it came from, keeping the
// code (INVALID_ARGUMENT or RESOURCE_EXHAUSTED).
absl::Status WithField(const absl::Status& status, const char* field) {
  return absl::Status(status.code(),
                      absl::StrCat(field, ": ", status.message()));
}

calculus::NodePtr Substitute(
    const calculus::NodePtr& node, const std::vector<std::string>& names,
    const Eigen::Ref<const Eigen::VectorXd>& values) {
  using calculus::NodeKind;
  if (node->kind == NodeKind::kVariable) {
    auto it = std::find(names.begin(), names.end(), node->name);
    if (it == names.end()) return node;
    const double v = values[it - names.begin()];
    // A negative value as negation, so the printer parenthesises it as it
    // would "-b": "a*exp(-(-0.5)*x)" rather than ambiguous text.
    if (std::signbit(v)) {
      return calculus::MakeUnary(NodeKind::kNegate, calculus::MakeNumber(-v));
    }
    return calculus::MakeNumber(v);
  }
  if (node->args.empty()) return node;
  std::vector<calculus::NodePtr> args;
  args.reserve(node->args.size());
  for (const calculus::NodePtr& arg : node->args) {
    args.push_back(Substitute(arg, names, values));
  }
  switch (node->kind) {
    case NodeKind::kNegate:
      return calculus::MakeUnary(node->kind, args[0], node->pos);
    case NodeKind::kCall:
      return calculus::MakeCall(node->function, std::move(args), node->pos);
    default:
      return calculus::MakeBinary(node->kind, args[0], args[1], node->pos);
  }
}

}  // namespace

std::string SubstituteAndPrint(const calculus::NodePtr& root,
                               const std::vector<std::string>& names,
                               const Eigen::Ref<const Eigen::VectorXd>& values) {
  // Parse bounds the tree's depth, so the recursion is bounded too.
  return calculus::ToText(Substitute(root, names, values));
}

absl::Status ValidateExpressionSyntax(const JobSpec& spec,
                                      const TrainingLimits& limits) {
  if (const auto* minimize = std::get_if<MinimizeSpec>(&spec.objective)) {
    absl::StatusOr<calculus::NodePtr> root =
        calculus::Parse(minimize->expression);
    if (!root.ok()) return WithField(root.status(), "minimize.expression");
    const std::vector<std::string> variables =
        calculus::CollectVariables(*root);
    if (variables.empty()) {
      return absl::InvalidArgumentError(
          "minimize.expression has no variables to minimise over");
    }
    for (const auto& [name, value] : minimize->start) {
      if (!std::binary_search(variables.begin(), variables.end(), name)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "minimize.start: '%s' is not a variable of the expression "
            "(variables: %s)",
            name, absl::StrJoin(variables, ", ")));
      }
    }
    return absl::OkStatus();
  }
  const auto* model = std::get_if<ModelSpec>(&spec.objective);
  if (model == nullptr) return absl::OkStatus();
  const auto* expression = std::get_if<ExpressionModelSpec>(model);
  if (expression == nullptr) return absl::OkStatus();
  return ExpressionModel::Create(*expression, limits.max_parameters).status();
}

absl::StatusOr<std::unique_ptr<ExpressionModel>> ExpressionModel::Create(
    const ExpressionModelSpec& spec, uint64_t max_parameters,
    const calculus::ExpressionLimits& limits) {
  absl::StatusOr<calculus::NodePtr> root =
      calculus::Parse(spec.expression, limits);
  if (!root.ok()) return WithField(root.status(), "model.expression.expression");
  const std::vector<std::string> variables = calculus::CollectVariables(*root);
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (!std::binary_search(variables.begin(), variables.end(),
                            spec.inputs[i])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model.expression.inputs[%d]: '%s' does not appear in the "
          "expression",
          i, spec.inputs[i]));
    }
  }
  std::unique_ptr<ExpressionModel> model(new ExpressionModel());
  model->root_ = *root;
  model->inputs_ = spec.inputs;
  for (const std::string& v : variables) {
    if (std::find(spec.inputs.begin(), spec.inputs.end(), v) ==
        spec.inputs.end()) {
      model->parameter_names_.push_back(v);
    }
  }
  const std::vector<std::string>& names = model->parameter_names_;
  if (names.empty()) {
    return absl::InvalidArgumentError(
        "model.expression: the expression has no parameters to fit (every "
        "variable is an input)");
  }
  if (names.size() > max_parameters) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "model: %d parameters exceed the limit of %d (max_parameters)",
        names.size(), max_parameters));
  }
  for (const auto& [name, value] : spec.initial_parameters) {
    if (!std::binary_search(names.begin(), names.end(), name)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model.expression.initial_parameters: '%s' is not a parameter of "
          "the expression (parameters: %s)",
          name, absl::StrJoin(names, ", ")));
    }
  }
  model->params_.resize(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = spec.initial_parameters.find(names[i]);
    model->params_[i] = it != spec.initial_parameters.end()
                            ? it->second
                            : spec.default_initial_value;
  }
  // Every parameter is a "weight" for L2: there are no biases here.
  model->mask_ = Eigen::VectorXd::Ones(names.size());
  std::vector<std::string> order = model->inputs_;
  order.insert(order.end(), names.begin(), names.end());
  absl::StatusOr<std::shared_ptr<const calculus::Tape>> tape =
      calculus::CompileTape(*root, std::move(order));
  if (!tape.ok()) return WithField(tape.status(), "model.expression.expression");
  model->tape_ = *std::move(tape);
  return model;
}

void ExpressionModel::Reserve(int64_t max_columns) {
  if (max_columns <= reserved_) return;
  reserved_ = max_columns;
  points_.resize(max_columns * num_variables());
  gradients_.resize(max_columns * num_variables());
  outputs_.resize(1, max_columns);
}

const Eigen::MatrixXd& ExpressionModel::Forward(
    const Eigen::Ref<const Eigen::MatrixXd>& x) {
  const int64_t m = x.cols();
  const int64_t nv = num_variables();
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
                           Eigen::RowMajor>>
      points(points_.data(), m, nv);
  points.leftCols(num_inputs()) = x.transpose();
  points.rightCols(params_.size()).rowwise() = params_.transpose();
  calculus::BatchOptions options;
  options.gradient = true;
  calculus::BatchOutput output;
  output.values = absl::Span<double>(outputs_.data(), m);
  output.gradients = absl::Span<double>(gradients_.data(), m * nv);
  // Sizes are consistent by construction, and no stop callback is given,
  // so the call cannot fail; a domain error shows up as NaN in the loss.
  absl::Status status = calculus::EvaluateBatch(
      *tape_, absl::Span<const double>(points_.data(), m * nv), m, options,
      output, nullptr, &workspace_);
  if (!status.ok()) {
    outputs_.leftCols(m).setConstant(std::numeric_limits<double>::quiet_NaN());
  }
  return outputs_;
}

void ExpressionModel::Backward(
    const Eigen::Ref<const Eigen::MatrixXd>& x,
    const Eigen::Ref<const Eigen::MatrixXd>& d_outputs,
    Eigen::Ref<Eigen::VectorXd> grad) {
  const int64_t m = x.cols();
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
                                 Eigen::RowMajor>>
      jacobian(gradients_.data(), m, num_variables());
  grad.noalias() +=
      jacobian.rightCols(params_.size()).transpose() * d_outputs.row(0).transpose();
}

absl::StatusOr<Prediction> ExpressionModel::Predict(
    const Eigen::MatrixXd& inputs) const {
  if (inputs.cols() != num_inputs()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("inputs: the model reads %d columns, got %d",
                        num_inputs(), inputs.cols()));
  }
  const int64_t m = inputs.rows();
  const int64_t nv = num_variables();
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> points(
      m, nv);
  points.leftCols(num_inputs()) = inputs;
  points.rightCols(params_.size()).rowwise() = params_.transpose();
  Prediction p;
  p.outputs.resize(m, 1);
  calculus::BatchOutput output;
  output.values = absl::Span<double>(p.outputs.data(), m);
  absl::Status status = calculus::EvaluateBatch(
      *tape_, absl::Span<const double>(points.data(), m * nv), m,
      calculus::BatchOptions{}, output, nullptr);
  if (!status.ok()) return status;
  return p;
}

std::vector<NamedTensor> ExpressionModel::Parameters() const {
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < parameter_names_.size(); ++i) {
    out.push_back(NamedTensor{parameter_names_[i], {}, {params_[i]}});
  }
  return out;
}

std::string ExpressionModel::FittedExpression() const {
  return SubstituteAndPrint(root_, parameter_names_, params_);
}

std::shared_ptr<const TrainedModel> ExpressionModel::Snapshot() const {
  std::shared_ptr<ExpressionModel> copy(new ExpressionModel());
  copy->root_ = root_;
  copy->tape_ = tape_;
  copy->inputs_ = inputs_;
  copy->parameter_names_ = parameter_names_;
  copy->params_ = params_;
  copy->mask_ = mask_;
  copy->set_columns(features(), target());
  return copy;
}

}  // namespace slope::training
