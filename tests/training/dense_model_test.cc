#include "server/training/dense_model.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/training/loss.h"

// Counts heap allocations, to check that the training passes make none.
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace slope::training {
namespace {

using ::testing::ElementsAre;

struct Case {
  const char* name;
  DenseModelConfig config;
  Loss loss;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back({"linear", {DenseKind::kLinear, {3, 1}, Activation::kTanh,
                   Initialization::kXavier, OutputKind::kRegression, 1},
                   Loss::kMse});
  cases.push_back({"logistic", {DenseKind::kLogistic, {3, 1}, Activation::kTanh,
                   Initialization::kXavier, OutputKind::kBinary, 1},
                   Loss::kBinaryCrossEntropy});
  cases.push_back({"softmax", {DenseKind::kSoftmax, {3, 4}, Activation::kTanh,
                   Initialization::kXavier, OutputKind::kMulticlass, 1},
                   Loss::kSoftmaxCrossEntropy});
  for (Activation a : {Activation::kTanh, Activation::kRelu,
                       Activation::kSigmoid, Activation::kIdentity}) {
    cases.push_back({"mlp", {DenseKind::kMlp, {3, 5, 4, 3}, a,
                     a == Activation::kRelu ? Initialization::kHe
                                            : Initialization::kXavier,
                     OutputKind::kMulticlass, 7},
                     Loss::kSoftmaxCrossEntropy});
  }
  cases.push_back({"mlp-huber", {DenseKind::kMlp, {3, 6, 1}, Activation::kTanh,
                   Initialization::kXavier, OutputKind::kRegression, 3},
                   Loss::kHuber});
  return cases;
}

// Mean loss of the model on (x, y) with its current parameters.
double MeanLoss(DenseModel& model, Loss loss, const Eigen::MatrixXd& x,
                const Eigen::VectorXd& y, Eigen::MatrixXd& d_out,
                Eigen::VectorXd* grad) {
  const Eigen::MatrixXd& out = model.Forward(x);
  const double sum = LossSumAndGradient(loss, 1.0, out.leftCols(x.cols()), y,
                                        1.0 / x.cols(), d_out);
  if (grad) {
    grad->setZero();
    model.Backward(x, d_out, *grad);
  }
  return sum / x.cols();
}

TEST(DenseModelTest, GradientsMatchCentralDifferences) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto model = *DenseModel::Create(c.config, 1'000'000);
    // Non-zero parameters everywhere, so every path is exercised.
    Eigen::VectorXd& p = model->parameter_vector();
    for (Eigen::Index i = 0; i < p.size(); ++i) p[i] = 0.3 * std::sin(1.7 * i + 1);
    const int m = 6;
    Eigen::MatrixXd x(3, m);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = std::cos(0.9 * i);
    Eigen::VectorXd y(m);
    const int outputs = model->outputs_per_row();
    for (int j = 0; j < m; ++j) {
      y[j] = c.loss == Loss::kSoftmaxCrossEntropy ? j % outputs
             : c.loss == Loss::kBinaryCrossEntropy ? j % 2
                                                    : std::sin(j);
    }
    model->Reserve(m);
    Eigen::MatrixXd d_out(outputs, m);
    Eigen::VectorXd grad(p.size());
    MeanLoss(*model, c.loss, x, y, d_out, &grad);
    const double h = 1e-6;
    for (Eigen::Index i = 0; i < p.size(); ++i) {
      const double saved = p[i];
      p[i] = saved + h;
      const double plus = MeanLoss(*model, c.loss, x, y, d_out, nullptr);
      p[i] = saved - h;
      const double minus = MeanLoss(*model, c.loss, x, y, d_out, nullptr);
      p[i] = saved;
      EXPECT_NEAR(grad[i], (plus - minus) / (2 * h), 1e-6) << "param " << i;
    }
  }
}

TEST(DenseModelTest, TrainingPassesDoNotAllocate) {
  DenseModelConfig config{DenseKind::kMlp, {2, 16, 16, 3}, Activation::kTanh,
                          Initialization::kXavier, OutputKind::kMulticlass, 1};
  auto model = *DenseModel::Create(config, 1'000'000);
  model->Reserve(64);
  Eigen::MatrixXd x = Eigen::MatrixXd::Random(2, 64);
  Eigen::VectorXd y = Eigen::VectorXd::Zero(64);
  Eigen::MatrixXd d_out(3, 64);
  Eigen::VectorXd grad = Eigen::VectorXd::Zero(model->parameter_vector().size());
  const long before = g_allocations.load();
  for (int m : {64, 17}) {  // full and partial batches
    const Eigen::MatrixXd& out = model->Forward(x.leftCols(m));
    LossSumAndGradient(Loss::kSoftmaxCrossEntropy, 1.0, out.leftCols(m),
                       y.head(m), 1.0 / m, d_out.leftCols(m));
    model->Backward(x.leftCols(m), d_out.leftCols(m), grad);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
}

TEST(DenseModelTest, ParameterNamesAndShapes) {
  auto mlp = *DenseModel::Create({DenseKind::kMlp, {2, 3, 1}, Activation::kTanh,
                                  Initialization::kXavier,
                                  OutputKind::kRegression, 1},
                                 1000);
  std::vector<NamedTensor> p = mlp->Parameters();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "layer1.weight");
  EXPECT_THAT(p[0].shape, ElementsAre(3, 2));
  EXPECT_EQ(p[1].name, "layer1.bias");
  EXPECT_THAT(p[1].shape, ElementsAre(3));
  EXPECT_EQ(p[2].name, "layer2.weight");
  EXPECT_THAT(p[2].shape, ElementsAre(1, 3));
  // Row-major: element (i, j) at i * in + j.
  Eigen::Map<const Eigen::MatrixXd> w(mlp->parameter_vector().data(), 3, 2);
  EXPECT_EQ(p[0].values[1], w(0, 1));
  EXPECT_EQ(p[0].values[2], w(1, 0));

  auto linear = *DenseModel::Create({DenseKind::kLinear, {2, 1},
                                     Activation::kTanh, Initialization::kXavier,
                                     OutputKind::kRegression, 1},
                                    1000);
  p = linear->Parameters();
  EXPECT_EQ(p[0].name, "weight");
  EXPECT_THAT(p[0].shape, ElementsAre(2));
  EXPECT_EQ(p[1].name, "bias");
  EXPECT_TRUE(p[1].shape.empty());
  EXPECT_EQ(linear->decay_mask().sum(), 2);
}

TEST(DenseModelTest, ParameterLimit) {
  auto made = DenseModel::Create({DenseKind::kMlp, {10, 100, 1},
                                  Activation::kTanh, Initialization::kXavier,
                                  OutputKind::kRegression, 1},
                                 1000);
  EXPECT_EQ(made.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(std::string(made.status().message()),
            "model: 1201 parameters exceed the limit of 1000 (max_parameters)");
}

TEST(DenseModelTest, PredictsProbabilitiesAndClasses) {
  auto softmax = *DenseModel::Create({DenseKind::kSoftmax, {1, 3},
                                      Activation::kTanh,
                                      Initialization::kXavier,
                                      OutputKind::kMulticlass, 1},
                                     1000);
  // weight (3 x 1) = [1, 0, -1], bias 0: x > 0 favours class 0.
  softmax->parameter_vector() << 1, 0, -1, 0, 0, 0;
  Eigen::MatrixXd x(2, 1);
  x << 2, -2;
  Prediction p = *softmax->Predict(x);
  EXPECT_EQ(p.outputs.rows(), 2);
  EXPECT_EQ(p.outputs.cols(), 3);
  EXPECT_NEAR(p.outputs.row(0).sum(), 1, 1e-15);
  EXPECT_THAT(p.classes, ElementsAre(0, 2));
  EXPECT_FALSE(softmax->Predict(Eigen::MatrixXd(2, 2)).ok());

  auto logistic = *DenseModel::Create({DenseKind::kLogistic, {1, 1},
                                       Activation::kTanh,
                                       Initialization::kXavier,
                                       OutputKind::kBinary, 1},
                                      1000);
  logistic->parameter_vector() << 1, 0;
  p = *logistic->Predict(x);
  EXPECT_NEAR(p.outputs(0, 0), 1 / (1 + std::exp(-2.0)), 1e-15);
  EXPECT_THAT(p.classes, ElementsAre(1, 0));
}

}  // namespace
}  // namespace slope::training
