#include "server/training/expression_model.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/training/loss.h"
#include "server/training/trainer.h"
#include "tests/training/test_sink.h"

namespace slope::training {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ExpressionModelSpec Decay() {
  ExpressionModelSpec spec;
  spec.expression = "a*exp(-b*x) + c";
  spec.inputs = {"x"};
  spec.initial_parameters = {{"a", 1.0}, {"b", 0.5}};
  spec.default_initial_value = 0.25;
  return spec;
}

TEST(ExpressionModelTest, ParametersAreTheNonInputVariables) {
  auto model = *ExpressionModel::Create(Decay(), 100);
  EXPECT_THAT(model->parameter_names(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(model->parameter_vector(), Eigen::Vector3d(1.0, 0.5, 0.25));
  std::vector<NamedTensor> p = model->Parameters();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[2].name, "c");
  EXPECT_TRUE(p[2].shape.empty());
  EXPECT_THAT(p[2].values, ElementsAre(0.25));
}

TEST(ExpressionModelTest, GradientMatchesCentralDifferences) {
  ExpressionModelSpec spec;
  spec.expression = "a*sin(w*x + p)*exp(-k*t) + c*x*t";
  spec.inputs = {"x", "t"};
  auto model = *ExpressionModel::Create(spec, 100);
  Eigen::VectorXd& p = model->parameter_vector();
  for (Eigen::Index i = 0; i < p.size(); ++i) p[i] = 0.4 + 0.3 * i;
  const int m = 7;
  Eigen::MatrixXd x(2, m);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = std::cos(1.3 * i);
  Eigen::VectorXd y(m);
  for (int j = 0; j < m; ++j) y[j] = std::sin(j);
  model->Reserve(m);
  Eigen::MatrixXd d_out(1, m);
  const auto loss = [&](Eigen::VectorXd* grad) {
    const Eigen::MatrixXd& out = model->Forward(x);
    const double sum = LossSumAndGradient(Loss::kMse, 1, out.leftCols(m), y,
                                          1.0 / m, d_out);
    if (grad) {
      grad->setZero();
      model->Backward(x, d_out, *grad);
    }
    return sum / m;
  };
  Eigen::VectorXd grad(p.size());
  loss(&grad);
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    const double saved = p[i], h = 1e-6;
    p[i] = saved + h;
    const double plus = loss(nullptr);
    p[i] = saved - h;
    const double minus = loss(nullptr);
    p[i] = saved;
    EXPECT_NEAR(grad[i], (plus - minus) / (2 * h), 1e-7) << i;
  }
}

TEST(ExpressionModelTest, Errors) {
  ExpressionModelSpec spec = Decay();
  spec.expression = "a*exp(-b*x) +* c";
  absl::Status s = ExpressionModel::Create(spec, 100).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("model.expression.expression: 1:"));
  spec = Decay();
  spec.inputs = {"z"};
  EXPECT_EQ(std::string(ExpressionModel::Create(spec, 100).status().message()),
            "model.expression.inputs[0]: 'z' does not appear in the "
            "expression");
  spec = Decay();
  spec.initial_parameters["q"] = 1;
  EXPECT_EQ(std::string(ExpressionModel::Create(spec, 100).status().message()),
            "model.expression.initial_parameters: 'q' is not a parameter of "
            "the expression (parameters: a, b, c)");
  spec = Decay();
  spec.expression = "2*x";
  EXPECT_THAT(
      std::string(ExpressionModel::Create(spec, 100).status().message()),
      HasSubstr("no parameters to fit"));
  EXPECT_EQ(ExpressionModel::Create(Decay(), 2).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ExpressionModelTest, FitsDecayCurveAndPrintsIt) {
  JobSpec spec;
  ExpressionModelSpec model = Decay();
  model.initial_parameters = {{"a", 1}, {"b", 1}, {"c", 0}};
  spec.objective = ModelSpec{model};
  InlineData data;
  for (int i = 0; i < 200; ++i) {
    const double x = 4.0 * i / 200;
    data.columns["x"].push_back(x);
    // A little deterministic "noise".
    data.columns["y"].push_back(2.0 * std::exp(-1.3 * x) + 0.5 +
                                0.01 * std::sin(17.0 * i));
  }
  spec.data.source = data;
  spec.optimizer.learning_rate = 0.05;
  spec.epochs = 150;
  spec.seed = 3;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok()) << o.status();
  std::vector<NamedTensor> p = o->model->Parameters();
  EXPECT_NEAR(p[0].values[0], 2.0, 0.03);  // a
  EXPECT_NEAR(p[1].values[0], 1.3, 0.03);  // b
  EXPECT_NEAR(p[2].values[0], 0.5, 0.02);  // c
  EXPECT_LT(o->result.final_loss, 2e-4);
  std::printf("  fitted: %s  loss %g\n", o->model->FittedExpression().c_str(),
              o->result.final_loss);
  EXPECT_THAT(o->model->FittedExpression(), HasSubstr("*exp(-"));
  absl::StatusOr<Prediction> pred = PredictColumns(*o->model, {{"x", {0.0}}});
  ASSERT_TRUE(pred.ok());
  EXPECT_NEAR(pred->outputs(0, 0), 2.5, 0.03);
}

TEST(ExpressionModelTest, FittedExpressionParenthesisesNegatives) {
  ExpressionModelSpec spec = Decay();
  auto model = *ExpressionModel::Create(spec, 100);
  model->parameter_vector() << 2, -0.5, 1.25;
  const std::string text = model->FittedExpression();
  EXPECT_THAT(text, testing::Not(HasSubstr("--")));
  EXPECT_THAT(text, testing::Not(HasSubstr("b")));
  // It reads back and means the same: evaluate both at x = 1.
  ExpressionModelSpec back;
  back.expression = text + " + zz";
  back.inputs = {"x"};
  auto reparsed = *ExpressionModel::Create(back, 100);
  reparsed->parameter_vector() << 0;
  Eigen::MatrixXd x(1, 1);
  x << 1;
  EXPECT_DOUBLE_EQ(reparsed->Predict(x)->outputs(0, 0),
                   model->Predict(x)->outputs(0, 0));
}

}  // namespace
}  // namespace slope::training
