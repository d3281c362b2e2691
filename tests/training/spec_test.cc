#include "server/training/spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/training/dataset_store.h"

namespace slope::training {
namespace {

using ::testing::HasSubstr;

JobSpec MoonsLogistic() {
  JobSpec spec;
  spec.objective = ModelSpec{LogisticModelSpec{}};
  GeneratedData g;
  g.kind = GeneratorKind::kMoons;
  g.n = 100;
  spec.data.source = g;
  return spec;
}

void ExpectInvalid(const JobSpec& spec, const std::string& message,
                   const DatasetStore* store = nullptr) {
  absl::Status s = ValidateSpec(spec, TrainingLimits{}, store);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(message));
}

void ExpectExhausted(const JobSpec& spec, const std::string& message,
                     const TrainingLimits& limits = {}) {
  absl::Status s = ValidateSpec(spec, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(message));
}

TEST(ValidateSpecTest, AcceptsAGoodSpec) {
  EXPECT_TRUE(ValidateSpec(MoonsLogistic(), TrainingLimits{}).ok());
}

TEST(ValidateSpecTest, NeedsAnObjectiveAndAModelKind) {
  JobSpec spec = MoonsLogistic();
  spec.objective = std::monostate{};
  ExpectInvalid(spec, "objective: set either model or minimize");
  spec.objective = ModelSpec{};
  ExpectInvalid(spec, "model: no model kind given");
}

TEST(ValidateSpecTest, OptimizerFields) {
  JobSpec spec = MoonsLogistic();
  spec.optimizer.learning_rate = -1;
  ExpectInvalid(spec, "optimizer.learning_rate must be > 0");
  spec.optimizer.learning_rate = std::nan("");
  ExpectInvalid(spec, "optimizer.learning_rate must be > 0");
  spec = MoonsLogistic();
  spec.optimizer.momentum = 1;
  ExpectInvalid(spec, "optimizer.momentum must be in [0, 1)");
  spec = MoonsLogistic();
  spec.optimizer.beta2 = 1.5;
  ExpectInvalid(spec, "optimizer.beta2 must be in [0, 1)");
  spec = MoonsLogistic();
  spec.optimizer.weight_decay = 0.1;
  ExpectInvalid(spec, "optimizer.weight_decay applies to ADAMW only");
  spec.optimizer.kind = OptimizerKind::kAdamW;
  EXPECT_TRUE(ValidateSpec(spec, TrainingLimits{}).ok());
  spec.optimizer.clip_norm = -1;
  ExpectInvalid(spec, "optimizer.clip_norm must be a finite number >= 0");
}

TEST(ValidateSpecTest, ScheduleFields) {
  JobSpec spec = MoonsLogistic();
  spec.schedule.gamma = 2;
  ExpectInvalid(spec, "schedule.gamma must be in (0, 1]");
  spec = MoonsLogistic();
  spec.schedule.min_learning_rate = 0.5;  // above the default 0.01
  ExpectInvalid(spec, "schedule.min_learning_rate (0.5) must not exceed");
}

TEST(ValidateSpecTest, MlpLayerSizes) {
  JobSpec spec = MoonsLogistic();
  spec.loss = Loss::kBinaryCrossEntropy;
  spec.objective = ModelSpec{MlpModelSpec{{2, 0, 1}, {}, {}}};
  ExpectInvalid(spec, "model.mlp.layer_sizes[1] must be > 0");
  spec.objective = ModelSpec{MlpModelSpec{{2}, {}, {}}};
  ExpectInvalid(spec, "model.mlp.layer_sizes needs at least 2 entries");
  spec.objective = ModelSpec{MlpModelSpec{{3, 4, 1}, {}, {}}};
  ExpectInvalid(spec,
                "model.mlp.layer_sizes[0] is 3 but there are 2 feature "
                "columns (x1, x2)");
}

TEST(ValidateSpecTest, LossMustFitTheModel) {
  JobSpec spec = MoonsLogistic();
  spec.objective = ModelSpec{LinearModelSpec{}};
  spec.loss = Loss::kBinaryCrossEntropy;
  ExpectInvalid(spec, "loss BCE needs a binary classifier model");
  spec.objective = ModelSpec{LogisticModelSpec{}};
  spec.loss = Loss::kMse;
  ExpectInvalid(spec, "loss MSE needs a regression model");
  spec.objective = ModelSpec{MlpModelSpec{{2, 4, 1}, {}, {}}};
  spec.loss = Loss::kSoftmaxCrossEntropy;
  ExpectInvalid(spec, "loss softmax CE needs a multi-class model");
}

TEST(ValidateSpecTest, InlineColumnsMustAgree) {
  JobSpec spec = MoonsLogistic();
  spec.objective = ModelSpec{LinearModelSpec{}};
  InlineData data;
  data.columns["x"] = std::vector<double>(9, 1.0);
  data.columns["y"] = std::vector<double>(10, 1.0);
  spec.data.source = data;
  ExpectInvalid(spec, "data: column 'y' has 10 rows, 'x' has 9");
}

TEST(ValidateSpecTest, ColumnsMustExist) {
  JobSpec spec = MoonsLogistic();
  spec.data.target = "label";
  ExpectInvalid(spec,
                "data.target: no column 'label' (the columns are x1, x2, y)");
  spec = MoonsLogistic();
  spec.data.features = {"x1", "x3"};
  ExpectInvalid(spec, "data.features[1]: no column 'x3'");
  spec.data.features = {"x1", "y"};
  ExpectInvalid(spec, "data.features[1]: 'y' is the target");
}

TEST(ValidateSpecTest, LabelsMustFitTheLoss) {
  JobSpec spec;
  spec.objective = ModelSpec{LogisticModelSpec{}};
  InlineData data;
  data.columns["x"] = {1, 2, 3};
  data.columns["y"] = {0, 1, 2};
  spec.data.source = data;
  ExpectInvalid(spec, "data: target 'y' row 3 is 2; BCE needs labels 0 or 1");
  spec.objective = ModelSpec{SoftmaxModelSpec{2}};
  ExpectInvalid(spec,
                "data: target 'y' row 3 is 2; class labels must be integers "
                "in [0, 2)");
}

TEST(ValidateSpecTest, DataFields) {
  JobSpec spec = MoonsLogistic();
  spec.data.validation_fraction = 0.95;
  ExpectInvalid(spec, "data.validation_fraction must be in [0, 0.9]");
  spec = MoonsLogistic();
  spec.data.source = std::monostate{};
  ExpectInvalid(spec, "data: no source given");
  spec.data.source = GeneratedData{};
  ExpectInvalid(spec, "data.generated.kind must be set");
}

TEST(ValidateSpecTest, UnknownDatasetWithAStore) {
  DatasetStore store;
  JobSpec spec = MoonsLogistic();
  spec.data.source = DatasetRef{"ds-00000000"};
  ExpectInvalid(spec, "data.dataset_id: no data set 'ds-00000000'", &store);
  // Without a store the check waits for the run.
  EXPECT_TRUE(ValidateSpec(spec, TrainingLimits{}).ok());
}

TEST(ValidateSpecTest, Limits) {
  JobSpec spec = MoonsLogistic();
  spec.epochs = 20000;
  ExpectExhausted(spec, "epochs: 20000 exceeds the limit of 10000 (max_epochs)");
  spec = MoonsLogistic();
  std::get<GeneratedData>(spec.data.source).n = 2'000'000;
  ExpectExhausted(spec, "(max_dataset_rows)");
  spec = MoonsLogistic();
  spec.loss = Loss::kBinaryCrossEntropy;
  spec.objective = ModelSpec{MlpModelSpec{{2, 2000, 2000, 1}, {}, {}}};
  ExpectExhausted(spec, "parameters exceed the limit of 1000000 (max_parameters)");
  spec = MoonsLogistic();
  spec.max_wall_seconds = 7200;
  ExpectExhausted(spec, "(max_job_wall_seconds)");
  TrainingLimits small;
  small.max_dataset_bytes = 1000;
  spec = MoonsLogistic();
  ExpectExhausted(spec, "(max_dataset_bytes)", small);
}

TEST(EffectiveSpecTest, ZeroMeansTheDocumentedDefault) {
  JobSpec spec = MoonsLogistic();
  EXPECT_EQ(EffectiveEpochs(spec), 10u);
  EXPECT_EQ(EffectiveBatchSize(spec), 32u);
  EXPECT_EQ(EffectiveReportEveryMs(spec), 250u);
  EXPECT_EQ(EffectiveHuberDelta(spec), 1.0);
  EXPECT_EQ(EffectiveTarget(spec.data), "y");
  EXPECT_EQ(EffectiveMaxWallSeconds(spec, TrainingLimits{}), 3600u);
  const OptimizerSpec o = EffectiveOptimizer({});
  EXPECT_EQ(o.kind, OptimizerKind::kAdam);
  EXPECT_EQ(o.learning_rate, 0.01);
  EXPECT_EQ(o.momentum, 0.9);
  EXPECT_EQ(o.beta1, 0.9);
  EXPECT_EQ(o.beta2, 0.999);
  EXPECT_EQ(o.epsilon, 1e-8);
  ScheduleSpec s;
  s.kind = ScheduleKind::kStep;
  EXPECT_EQ(EffectiveSchedule(s).gamma, 0.5);
  EXPECT_EQ(EffectiveSchedule(s).step_size, 10u);
  s.kind = ScheduleKind::kExponential;
  EXPECT_EQ(EffectiveSchedule(s).gamma, 0.95);
  EXPECT_EQ(EffectiveSchedule({}).kind, ScheduleKind::kConstant);
  const GeneratedData g = EffectiveGenerated({}, 7);
  EXPECT_EQ(g.n, 1000u);
  EXPECT_EQ(g.classes, 3u);
  EXPECT_EQ(g.features, 1u);
  EXPECT_EQ(g.seed, 7u);
  EXPECT_EQ(EffectiveMinimizeSteps({}), 1000u);
  MlpModelSpec mlp;
  EXPECT_EQ(EffectiveActivation(mlp), Activation::kTanh);
  EXPECT_EQ(EffectiveInitialization(mlp), Initialization::kXavier);
  mlp.activation = Activation::kRelu;
  EXPECT_EQ(EffectiveInitialization(mlp), Initialization::kHe);
}

TEST(EffectiveSpecTest, NaturalLosses) {
  JobSpec spec;
  spec.objective = ModelSpec{LinearModelSpec{}};
  EXPECT_EQ(EffectiveLoss(spec), Loss::kMse);
  spec.objective = ModelSpec{LogisticModelSpec{}};
  EXPECT_EQ(EffectiveLoss(spec), Loss::kBinaryCrossEntropy);
  spec.objective = ModelSpec{SoftmaxModelSpec{}};
  EXPECT_EQ(EffectiveLoss(spec), Loss::kSoftmaxCrossEntropy);
  spec.objective = ModelSpec{MlpModelSpec{{2, 8, 3}, {}, {}}};
  EXPECT_EQ(EffectiveLoss(spec), Loss::kSoftmaxCrossEntropy);
  spec.objective = ModelSpec{MlpModelSpec{{2, 8, 1}, {}, {}}};
  EXPECT_EQ(EffectiveLoss(spec), Loss::kMse);
}

}  // namespace
}  // namespace slope::training
