#include "server/training/optimizer.h"

#include <cmath>

#include "gtest/gtest.h"

namespace slope::training {
namespace {

OptimizerSpec Spec(OptimizerKind kind) {
  OptimizerSpec s;
  s.kind = kind;
  return EffectiveOptimizer(s);
}

TEST(OptimizerTest, Sgd) {
  Optimizer opt(Spec(OptimizerKind::kSgd), 2);
  Eigen::VectorXd p(2), g(2);
  p << 1, 2;
  g << 0.5, -1;
  EXPECT_DOUBLE_EQ(opt.Step(p, g, 0.1), std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(p[0], 0.95);
  EXPECT_DOUBLE_EQ(p[1], 2.1);
}

TEST(OptimizerTest, MomentumAccumulatesVelocity) {
  Optimizer opt(Spec(OptimizerKind::kMomentum), 1);
  Eigen::VectorXd p(1), g(1);
  p << 1;
  g << 1;
  opt.Step(p, g, 0.1);  // v = 1, p = 0.9
  EXPECT_DOUBLE_EQ(p[0], 0.9);
  g << 1;
  opt.Step(p, g, 0.1);  // v = 0.9 + 1 = 1.9, p = 0.9 - 0.19
  EXPECT_DOUBLE_EQ(p[0], 0.71);
}

TEST(OptimizerTest, NesterovLooksAhead) {
  Optimizer opt(Spec(OptimizerKind::kNesterov), 1);
  Eigen::VectorXd p(1), g(1);
  p << 1;
  g << 1;
  opt.Step(p, g, 0.1);  // v = 1; p -= 0.1 (1 + 0.9)
  EXPECT_DOUBLE_EQ(p[0], 1 - 0.19);
  g << 2;
  opt.Step(p, g, 0.1);  // v = 0.9 + 2 = 2.9; p -= 0.1 (2 + 2.61)
  EXPECT_DOUBLE_EQ(p[0], 1 - 0.19 - 0.461);
}

TEST(OptimizerTest, AdamFirstTwoSteps) {
  Optimizer opt(Spec(OptimizerKind::kAdam), 2);
  Eigen::VectorXd p(2), g(2);
  p << 1, -1;
  g << 2, -0.5;
  opt.Step(p, g, 0.1);
  // Step 1: bias-corrected m = g, v = g^2, so the step is lr * sign(g)
  // (up to epsilon).
  EXPECT_NEAR(p[0], 1 - 0.1 * 2 / (2 + 1e-8), 1e-15);
  EXPECT_NEAR(p[1], -1 + 0.1 * 0.5 / (0.5 + 1e-8), 1e-15);
  g << 1, 1;
  opt.Step(p, g, 0.1);
  // Step 2 by hand for p[0]: m = 0.9*0.2 + 0.1*1 = 0.28 -> /0.19;
  // v = 0.999*0.004 + 0.001*1 = 0.004996 -> /0.001999.
  const double m_hat = 0.28 / 0.19;
  const double v_hat = (0.999 * 0.004 + 0.001) / (1 - 0.999 * 0.999);
  const double expected =
      1 - 0.1 * 2 / (2 + 1e-8) - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-8);
  EXPECT_NEAR(p[0], expected, 1e-14);
}

TEST(OptimizerTest, AdamWDecaysOnlyMaskedWeights) {
  OptimizerSpec spec = Spec(OptimizerKind::kAdamW);
  spec.weight_decay = 0.5;
  Eigen::VectorXd mask(2);
  mask << 1, 0;
  Optimizer opt(spec, 2, mask);
  Eigen::VectorXd p(2), g(2);
  p << 1, 1;
  g << 0, 0;  // no gradient: only the decay moves anything
  opt.Step(p, g, 0.1);
  EXPECT_DOUBLE_EQ(p[0], 1 - 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(p[1], 1);
}

TEST(OptimizerTest, ClipsByGlobalNorm) {
  OptimizerSpec spec = Spec(OptimizerKind::kSgd);
  spec.clip_norm = 1;
  Optimizer opt(spec, 2);
  Eigen::VectorXd p = Eigen::VectorXd::Zero(2), g(2);
  g << 3, 4;
  EXPECT_DOUBLE_EQ(opt.Step(p, g, 1.0), 5);
  EXPECT_DOUBLE_EQ(p[0], -0.6);
  EXPECT_DOUBLE_EQ(p[1], -0.8);
  g << 0.3, 0.4;  // under the threshold: untouched
  opt.Step(p, g, 1.0);
  EXPECT_DOUBLE_EQ(p[0], -0.9);
}

TEST(ScheduleTest, Values) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kConstant;
  EXPECT_EQ(ScheduledLearningRate(EffectiveSchedule(s), 0.1, 50, 3, 100), 0.1);

  s.kind = ScheduleKind::kStep;
  s.step_size = 2;
  s.gamma = 0.5;
  EXPECT_EQ(ScheduledLearningRate(s, 0.1, 0, 1, 100), 0.1);
  EXPECT_EQ(ScheduledLearningRate(s, 0.1, 0, 2, 100), 0.05);
  EXPECT_EQ(ScheduledLearningRate(s, 0.1, 0, 5, 100), 0.025);

  s.kind = ScheduleKind::kExponential;
  s.gamma = 0.9;
  EXPECT_NEAR(ScheduledLearningRate(s, 1, 0, 3, 100), 0.729, 1e-15);

  s.kind = ScheduleKind::kCosine;
  s.min_learning_rate = 0.01;
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(s, 0.1, 0, 0, 100), 0.1);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(s, 0.1, 50, 0, 100), 0.055);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(s, 0.1, 100, 0, 100), 0.01);

  ScheduleSpec warm = EffectiveSchedule({});
  warm.warmup_steps = 4;
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(warm, 0.1, 0, 0, 100), 0.025);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(warm, 0.1, 1, 0, 100), 0.05);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(warm, 0.1, 3, 0, 100), 0.1);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(warm, 0.1, 4, 0, 100), 0.1);
}

}  // namespace
}  // namespace slope::training
