#include "server/training/minimize.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/training/trainer.h"
#include "tests/training/test_sink.h"

namespace slope::training {
namespace {

using ::testing::HasSubstr;

JobSpec Minimize(const std::string& expression,
                 std::map<std::string, double> start) {
  JobSpec spec;
  MinimizeSpec m;
  m.expression = expression;
  m.start = std::move(start);
  spec.objective = m;
  return spec;
}

TEST(MinimizeTest, FindsTheMinimumOfABowl) {
  JobSpec spec = Minimize("(x-3)^2 + 2*(y+1)^2", {{"x", 0}, {"y", 0}});
  spec.optimizer.learning_rate = 0.1;
  spec.optimizer.kind = OptimizerKind::kSgd;
  std::get<MinimizeSpec>(spec.objective).steps = 200;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->stopped);
  EXPECT_EQ(o->model, nullptr);
  EXPECT_NEAR(o->result.position["x"], 3, 1e-6);
  EXPECT_NEAR(o->result.position["y"], -1, 1e-6);
  EXPECT_LT(o->result.final_loss, 1e-10);
  EXPECT_EQ(o->result.steps_completed, 200u);
  ASSERT_FALSE(sink.reports.empty());
  const Progress& last = sink.reports.back();
  EXPECT_EQ(last.step, 200u);
  EXPECT_EQ(last.epoch, 0u);
  EXPECT_TRUE(last.position.count("x"));
  EXPECT_LT(last.gradient_norm, 1e-5);
}

TEST(MinimizeTest, FirstSgdStepByHand) {
  // f = x^2 at x = 1: gradient 2, one SGD step of 0.1 gives x = 0.8.
  JobSpec spec = Minimize("x^2", {{"x", 1}});
  spec.optimizer.kind = OptimizerKind::kSgd;
  spec.optimizer.learning_rate = 0.1;
  spec.report_every_steps = 1;
  std::get<MinimizeSpec>(spec.objective).steps = 1;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok());
  ASSERT_GE(sink.reports.size(), 1u);
  EXPECT_DOUBLE_EQ(sink.reports[0].position.at("x"), 0.8);
  EXPECT_DOUBLE_EQ(sink.reports[0].loss, 0.64);
  EXPECT_DOUBLE_EQ(sink.reports[0].gradient_norm, 1.6);
}

TEST(MinimizeTest, StopsEarlyAtTolerance) {
  JobSpec spec = Minimize("(x-1)^2", {});
  spec.optimizer.kind = OptimizerKind::kSgd;
  spec.optimizer.learning_rate = 0.25;
  auto& m = std::get<MinimizeSpec>(spec.objective);
  m.steps = 100000;
  m.tolerance = 1e-6;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok());
  EXPECT_LT(o->result.steps_completed, 100u);
  EXPECT_NEAR(o->result.position["x"], 1, 1e-6);
}

TEST(MinimizeTest, RosenbrockWithAdam) {
  JobSpec spec = Minimize("(1-x)^2 + 100*(y-x^2)^2", {{"x", -1}, {"y", 1}});
  spec.optimizer.learning_rate = 0.02;
  std::get<MinimizeSpec>(spec.objective).steps = 20000;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok());
  EXPECT_NEAR(o->result.position["x"], 1, 0.02);
  EXPECT_NEAR(o->result.position["y"], 1, 0.04);
}

TEST(MinimizeTest, DivergenceAndErrors) {
  JobSpec spec = Minimize("x^2", {{"x", 1}});
  spec.optimizer.kind = OptimizerKind::kSgd;
  spec.optimizer.learning_rate = 10;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  EXPECT_EQ(o.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(o.status().message()),
              HasSubstr("the learning rate (10) is probably too large"));

  spec = Minimize("x^2 +", {});
  EXPECT_THAT(std::string(ValidateSpec(spec, {}).message()),
              HasSubstr("minimize.expression: 1:"));
  spec = Minimize("x^2", {{"q", 1}});
  EXPECT_EQ(std::string(ValidateSpec(spec, {}).message()),
            "minimize.start: 'q' is not a variable of the expression "
            "(variables: x)");
  spec = Minimize("2+3", {});
  EXPECT_EQ(std::string(ValidateSpec(spec, {}).message()),
            "minimize.expression has no variables to minimise over");
}

TEST(MinimizeTest, HonoursStop) {
  JobSpec spec = Minimize("x^2", {{"x", 1}});
  std::get<MinimizeSpec>(spec.objective).steps = 1'000'000;
  RecordingSink sink;
  sink.stop_after_polls = 100;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->stopped);
  EXPECT_EQ(o->result.steps_completed, 99u);
}

}  // namespace
}  // namespace slope::training
