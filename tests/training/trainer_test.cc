#include "server/training/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/training/model.h"
#include "tests/training/test_sink.h"
#include "tests/timing.h"

namespace slope::training {
namespace {

using ::slope::test_support::kTimingSlack;

using ::testing::HasSubstr;

JobSpec Generated(GeneratorKind kind, uint32_t n, double noise) {
  JobSpec spec;
  GeneratedData g;
  g.kind = kind;
  g.n = n;
  g.noise = noise;
  spec.data.source = g;
  spec.seed = 42;
  return spec;
}

Outcome Train(const JobSpec& spec, RecordingSink* sink = nullptr) {
  RecordingSink local;
  absl::StatusOr<Outcome> outcome =
      RunJob(spec, nullptr, sink ? *sink : local);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return {};
  const Result& r = outcome->result;
  std::printf("  final_loss %.5g  metrics:", r.final_loss);
  for (const auto& [k, v] : r.metrics) std::printf(" %s=%.4f", k.c_str(), v);
  std::printf("  %.0f samples/s  %.3f s\n", r.samples_per_second,
              r.wall_seconds);
  return *std::move(outcome);
}

TEST(TrainerTest, LinearRegressionReachesTheNoiseFloor) {
  JobSpec spec = Generated(GeneratorKind::kLinear, 500, 0.1);
  std::get<GeneratedData>(spec.data.source).features = 3;
  spec.objective = ModelSpec{LinearModelSpec{}};
  spec.optimizer.learning_rate = 0.05;
  spec.epochs = 40;
  spec.data.validation_fraction = 0.2;
  Outcome o = Train(spec);
  // The noise variance is 0.01.
  EXPECT_LT(o.result.final_loss, 0.0125);
  EXPECT_GT(o.result.metrics["r2"], 0.99);
  EXPECT_GT(o.result.metrics["validation_r2"], 0.99);
  ASSERT_TRUE(o.result.validation_loss.has_value());
  EXPECT_LT(*o.result.validation_loss, 0.015);
  ASSERT_NE(o.model, nullptr);
  EXPECT_EQ(o.model->kind(), "linear");
  EXPECT_THAT(o.model->features(), testing::ElementsAre("x1", "x2", "x3"));
  EXPECT_EQ(o.model->target(), "y");
  EXPECT_EQ(o.result.epochs_completed, 40u);
  EXPECT_EQ(o.result.steps_completed, 40u * 13);  // ceil(400 / 32) = 13
}

TEST(TrainerTest, LogisticRegressionOnMoons) {
  JobSpec spec = Generated(GeneratorKind::kMoons, 400, 0.1);
  spec.objective = ModelSpec{LogisticModelSpec{}};
  spec.optimizer.learning_rate = 0.1;
  spec.epochs = 30;
  Outcome o = Train(spec);
  EXPECT_GE(o.result.metrics["accuracy"], 0.85);
  Prediction p = *o.model->Predict(Eigen::MatrixXd::Zero(1, 2));
  EXPECT_EQ(p.outputs.cols(), 1);
  EXPECT_EQ(p.classes.size(), 1u);
}

TEST(TrainerTest, MlpOnMoons) {
  JobSpec spec = Generated(GeneratorKind::kMoons, 400, 0.1);
  spec.objective = ModelSpec{MlpModelSpec{{2, 16, 16, 1}, Activation::kTanh, {}}};
  spec.loss = Loss::kBinaryCrossEntropy;
  spec.optimizer.kind = OptimizerKind::kAdam;
  spec.optimizer.learning_rate = 0.01;
  spec.epochs = 60;
  spec.data.validation_fraction = 0.2;
  Outcome o = Train(spec);
  EXPECT_GE(o.result.metrics["accuracy"], 0.97);
  EXPECT_GE(o.result.metrics["validation_accuracy"], 0.95);
}

TEST(TrainerTest, SoftmaxAndMlpOnSpiral) {
  JobSpec spec = Generated(GeneratorKind::kSpiral, 600, 0.02);
  spec.objective = ModelSpec{SoftmaxModelSpec{}};  // classes inferred: 3
  spec.optimizer.learning_rate = 0.05;
  spec.epochs = 20;
  Outcome linear = Train(spec);
  EXPECT_EQ(linear.model->outputs_per_row(), 3);
  // A linear classifier cannot separate spiral arms well.
  EXPECT_LT(linear.result.metrics["accuracy"], 0.8);

  spec.objective = ModelSpec{MlpModelSpec{{2, 64, 64, 3}, Activation::kTanh, {}}};
  spec.optimizer.learning_rate = 0.01;
  spec.batch_size = 64;
  spec.epochs = 100;
  Outcome mlp = Train(spec);
  EXPECT_GE(mlp.result.metrics["accuracy"], 0.9);
  Prediction p = *mlp.model->Predict(Eigen::MatrixXd::Zero(2, 2));
  EXPECT_EQ(p.outputs.cols(), 3);
  EXPECT_NEAR(p.outputs.row(0).sum(), 1, 1e-12);
}

TEST(TrainerTest, EveryOptimizerAndScheduleLearns) {
  for (OptimizerKind kind :
       {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kNesterov,
        OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    for (ScheduleKind schedule :
         {ScheduleKind::kConstant, ScheduleKind::kStep,
          ScheduleKind::kExponential, ScheduleKind::kCosine}) {
      SCOPED_TRACE(testing::Message() << OptimizerName(kind) << " schedule "
                                      << static_cast<int>(schedule));
      JobSpec spec = Generated(GeneratorKind::kLinear, 200, 0.1);
      spec.objective = ModelSpec{LinearModelSpec{}};
      spec.optimizer.kind = kind;
      spec.optimizer.learning_rate = 0.05;
      if (kind == OptimizerKind::kAdamW) spec.optimizer.weight_decay = 1e-4;
      spec.schedule.kind = schedule;
      spec.schedule.warmup_steps = 5;
      spec.epochs = 40;
      Outcome o = Train(spec);
      EXPECT_LT(o.result.final_loss, 0.02);
    }
  }
}

TEST(TrainerTest, OtherLossesAndL2) {
  for (Loss loss : {Loss::kMae, Loss::kHuber}) {
    JobSpec spec = Generated(GeneratorKind::kLinear, 300, 0.1);
    spec.objective = ModelSpec{LinearModelSpec{}};
    spec.loss = loss;
    spec.optimizer.learning_rate = 0.05;
    spec.epochs = 40;
    Outcome o = Train(spec);
    EXPECT_GT(o.result.metrics["r2"], 0.98) << LossName(loss);
  }
  // A strong L2 penalty shrinks the weights.
  JobSpec spec = Generated(GeneratorKind::kLinear, 300, 0.1);
  spec.objective = ModelSpec{LinearModelSpec{}};
  spec.epochs = 30;
  spec.optimizer.learning_rate = 0.05;
  const double free_weight = std::abs(Train(spec).model->Parameters()[0].values[0]);
  spec.l2 = 10;
  const double shrunk = std::abs(Train(spec).model->Parameters()[0].values[0]);
  EXPECT_LT(shrunk, 0.2 * free_weight);
}

TEST(TrainerTest, DeterministicBitForBit) {
  JobSpec spec = Generated(GeneratorKind::kMoons, 300, 0.2);
  spec.objective = ModelSpec{MlpModelSpec{{2, 8, 1}, {}, {}}};
  spec.loss = Loss::kBinaryCrossEntropy;
  spec.epochs = 5;
  spec.report_every_steps = 3;
  spec.data.validation_fraction = 0.1;
  RecordingSink a, b;
  Outcome oa = Train(spec, &a);
  Outcome ob = Train(spec, &b);
  ASSERT_EQ(a.reports.size(), b.reports.size());
  ASSERT_GT(a.reports.size(), 10u);
  for (size_t i = 0; i < a.reports.size(); ++i) {
    EXPECT_EQ(a.reports[i].loss, b.reports[i].loss) << i;
  }
  EXPECT_EQ(oa.result.final_loss, ob.result.final_loss);
  EXPECT_EQ(oa.model->Parameters()[0].values, ob.model->Parameters()[0].values);
  // A different seed gives a different run.
  spec.seed = 43;
  EXPECT_NE(Train(spec).result.final_loss, oa.result.final_loss);
}

TEST(TrainerTest, ReportsProgress) {
  JobSpec spec = Generated(GeneratorKind::kMoons, 200, 0.1);
  spec.objective = ModelSpec{LogisticModelSpec{}};
  spec.epochs = 4;
  spec.batch_size = 50;
  spec.data.validation_fraction = 0.5;  // 100 training rows: 2 steps/epoch
  RecordingSink sink;
  Train(spec, &sink);
  ASSERT_EQ(sink.reports.size(), 4u);  // once per epoch
  const Progress& last = sink.reports.back();
  EXPECT_EQ(last.epoch, 4u);
  EXPECT_EQ(last.total_epochs, 4u);
  EXPECT_EQ(last.step, 8u);
  EXPECT_EQ(last.total_steps, 8u);
  EXPECT_EQ(last.learning_rate, 0.01);
  EXPECT_TRUE(last.validation_loss.has_value());
  EXPECT_TRUE(last.metrics.count("accuracy"));
  EXPECT_TRUE(last.metrics.count("validation_accuracy"));
  EXPECT_GT(last.samples_per_second, 0);
  EXPECT_EQ(last.eta_seconds, 0);
  EXPECT_GT(sink.reports[0].loss, last.loss);

  spec.report_every_steps = 1;
  RecordingSink every;
  Train(spec, &every);
  EXPECT_EQ(every.reports.size(), 8u);
}

TEST(TrainerTest, DivergenceFailsWithAHelpfulMessage) {
  JobSpec spec = Generated(GeneratorKind::kLinear, 200, 0.1);
  spec.objective = ModelSpec{LinearModelSpec{}};
  spec.optimizer.kind = OptimizerKind::kSgd;
  spec.optimizer.learning_rate = 10;
  spec.epochs = 100;  // |1 - 2 lr| = 19 per step: overflows within ~250
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(o.status().message()),
              testing::MatchesRegex(
                  "loss became (NaN|Inf) at epoch [0-9]+ step [0-9]+: the "
                  "learning rate \\(10\\) is probably too large; try a "
                  "smaller one"));
}

TEST(TrainerTest, StopsPromptlyWhenAsked) {
  // Big batches on a wide network: one mini-batch takes far longer than the
  // cancel budget, so the loop must poll inside it.
  JobSpec spec = Generated(GeneratorKind::kMoons, 20000, 0.1);
  spec.objective = ModelSpec{MlpModelSpec{{2, 256, 256, 1}, {}, {}}};
  spec.loss = Loss::kBinaryCrossEntropy;
  spec.batch_size = 20000;
  spec.epochs = 1000;
  RecordingSink sink;
  std::chrono::steady_clock::time_point asked;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    asked = std::chrono::steady_clock::now();
    sink.stop = true;
  });
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  const auto latency = std::chrono::steady_clock::now() - asked;
  stopper.join();
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->stopped);
  EXPECT_LT(latency, std::chrono::milliseconds(50) * kTimingSlack);
  EXPECT_LT(o->result.epochs_completed, 1000u);
}

TEST(TrainerTest, StopBeforeAnyStepGivesNoModel) {
  JobSpec spec = Generated(GeneratorKind::kMoons, 100, 0.1);
  spec.objective = ModelSpec{LogisticModelSpec{}};
  RecordingSink sink;
  sink.stop = true;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->stopped);
  EXPECT_EQ(o->model, nullptr);
  EXPECT_EQ(o->result.steps_completed, 0u);
}

TEST(TrainerTest, WallTimeLimit) {
  JobSpec spec = Generated(GeneratorKind::kMoons, 2000, 0.1);
  spec.objective = ModelSpec{MlpModelSpec{{2, 64, 64, 1}, {}, {}}};
  spec.loss = Loss::kBinaryCrossEntropy;
  spec.epochs = 10000;
  spec.max_wall_seconds = 1;
  RecordingSink sink;
  absl::StatusOr<Outcome> o = RunJob(spec, nullptr, sink);
  EXPECT_EQ(o.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(o.status().message()),
              HasSubstr("the job ran longer than its limit of 1 s "
                        "(max_wall_seconds)"));
}

TEST(TrainerTest, InlineAndStoredData) {
  JobSpec spec;
  spec.objective = ModelSpec{LinearModelSpec{}};
  InlineData data;
  for (int i = 0; i < 50; ++i) {
    data.columns["x"].push_back(i / 50.0);
    data.columns["y"].push_back(3.0 * i / 50.0 - 1);
  }
  spec.data.source = data;
  spec.optimizer.learning_rate = 0.1;
  spec.epochs = 200;
  Outcome o = Train(spec);
  std::vector<NamedTensor> p = o.model->Parameters();
  EXPECT_NEAR(p[0].values[0], 3, 0.05);
  EXPECT_NEAR(p[1].values[0], -1, 0.03);
  absl::StatusOr<Prediction> pred =
      PredictColumns(*o.model, {{"x", {0.5, 1.0}}});
  ASSERT_TRUE(pred.ok());
  EXPECT_NEAR(pred->outputs(1, 0), 2, 0.05);
  EXPECT_EQ(PredictColumns(*o.model, {{"z", {1}}}).status().message(),
            "inputs: missing column 'x'");

  DatasetStore store;
  DatasetInfo info = *store.Put("line", "a,b\n0,1\n1,3\n2,5\n3,7\n");
  spec.data.source = DatasetRef{info.id};
  spec.data.target = "b";
  RecordingSink sink;
  absl::StatusOr<Outcome> stored = RunJob(spec, &store, sink);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_THAT(stored->model->features(), testing::ElementsAre("a"));
  spec.data.source = DatasetRef{"ds-missing"};
  EXPECT_EQ(RunJob(spec, &store, sink).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace slope::training
