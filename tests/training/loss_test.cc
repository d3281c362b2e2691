#include "server/training/loss.h"

#include <cmath>

#include "gtest/gtest.h"
#include "server/training/metrics.h"

namespace slope::training {
namespace {

double LossOf(Loss loss, const Eigen::MatrixXd& z, const Eigen::VectorXd& y,
              Eigen::MatrixXd* grad = nullptr) {
  Eigen::MatrixXd d(z.rows(), z.cols());
  const double sum = LossSumAndGradient(loss, 1.0, z, y, 1.0, d);
  if (grad) *grad = d;
  return sum;
}

// Every loss's gradient against central differences.
TEST(LossTest, GradientsMatchFiniteDifferences) {
  Eigen::VectorXd y(3);
  for (Loss loss : {Loss::kMse, Loss::kMae, Loss::kHuber,
                    Loss::kBinaryCrossEntropy, Loss::kSoftmaxCrossEntropy}) {
    Eigen::MatrixXd z;
    if (loss == Loss::kSoftmaxCrossEntropy) {
      z.resize(3, 3);
      z << 0.5, -1, 2, 0.1, 0.3, -0.7, -2, 1.5, 0.2;
      y << 0, 2, 1;
    } else {
      z.resize(1, 3);
      z << 0.3, -2.2, 1.7;
      y << 1, 0, -0.5;
      if (loss == Loss::kBinaryCrossEntropy) y << 1, 0, 1;
    }
    Eigen::MatrixXd grad;
    LossOf(loss, z, y, &grad);
    const double h = 1e-6;
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      Eigen::MatrixXd plus = z, minus = z;
      plus(i) += h;
      minus(i) -= h;
      const double numeric =
          (LossOf(loss, plus, y) - LossOf(loss, minus, y)) / (2 * h);
      EXPECT_NEAR(grad(i), numeric, 1e-6) << LossName(loss) << " at " << i;
    }
  }
}

TEST(LossTest, KnownValues) {
  Eigen::MatrixXd z(1, 2);
  z << 3, -1;
  Eigen::VectorXd y(2);
  y << 1, 1;
  EXPECT_DOUBLE_EQ(LossOf(Loss::kMse, z, y), 4 + 4);
  EXPECT_DOUBLE_EQ(LossOf(Loss::kMae, z, y), 2 + 2);
  // Huber(1): both residuals are 2 -> 1 * (2 - 0.5) each.
  EXPECT_DOUBLE_EQ(LossOf(Loss::kHuber, z, y), 3);
  z << 0.5, -0.5;
  EXPECT_DOUBLE_EQ(LossOf(Loss::kHuber, z, y), 0.125 + 1.0);
}

TEST(LossTest, CrossEntropiesAreStableForHugeLogits) {
  Eigen::MatrixXd z(1, 2);
  z << 800, -800;
  Eigen::VectorXd y(2);
  y << 0, 1;
  Eigen::MatrixXd grad;
  EXPECT_DOUBLE_EQ(LossOf(Loss::kBinaryCrossEntropy, z, y, &grad), 1600);
  EXPECT_DOUBLE_EQ(grad(0), 1);
  EXPECT_DOUBLE_EQ(grad(1), -1);
  y << 1, 0;
  EXPECT_DOUBLE_EQ(LossOf(Loss::kBinaryCrossEntropy, z, y), 0);

  Eigen::MatrixXd logits(2, 1);
  logits << 1000, -1000;
  Eigen::VectorXd label(1);
  label << 1;
  EXPECT_DOUBLE_EQ(LossOf(Loss::kSoftmaxCrossEntropy, logits, label, &grad),
                   2000);
  EXPECT_TRUE(grad.allFinite());
}

TEST(MetricsTest, AccuracyAndR2) {
  MetricAccumulator binary(OutputKind::kBinary, 0.5);
  Eigen::MatrixXd z(1, 4);
  z << 2, -1, 0.5, -3;
  Eigen::VectorXd y(4);
  y << 1, 0, 0, 1;
  binary.Add(z, y, 4.0);
  EXPECT_DOUBLE_EQ(binary.accuracy(), 0.5);
  EXPECT_DOUBLE_EQ(binary.mean_loss(), 1.0);

  MetricAccumulator multi(OutputKind::kMulticlass, 0);
  Eigen::MatrixXd logits(3, 2);
  logits << 1, 0, 2, 0, 0, 5;
  Eigen::VectorXd labels(2);
  labels << 1, 2;
  multi.Add(logits, labels, 0);
  EXPECT_DOUBLE_EQ(multi.accuracy(), 1.0);

  MetricAccumulator regression(OutputKind::kRegression, 2);
  Eigen::MatrixXd pred(1, 3);
  pred << 1, 2, 3;
  Eigen::VectorXd target(3);
  target << 1, 2, 3;
  regression.Add(pred, target, 0);
  EXPECT_DOUBLE_EQ(regression.r2(), 1.0);
  pred << 2, 2, 2;
  regression.Reset();
  regression.Add(pred, target, 0);
  EXPECT_DOUBLE_EQ(regression.r2(), 0.0);
}

}  // namespace
}  // namespace slope::training
