// The C++ mirror of slope.v1.JobSpec: what a training or minimize job asks
// for. The RPC layer translates the proto into this; the training core never
// sees protobuf. Field meanings and defaults are those documented in
// proto/slope/v1/training.proto: a zero value means "the default", which the
// Effective*() helpers below resolve in one place.
#ifndef SLOPE_SERVER_TRAINING_SPEC_H_
#define SLOPE_SERVER_TRAINING_SPEC_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace slope::training {

class DatasetStore;

// Enum values equal the proto's, so the RPC layer may static_cast.
enum class Activation : int {
  kUnspecified = 0,  // tanh
  kTanh = 1,
  kRelu = 2,
  kSigmoid = 3,
  kIdentity = 4,
};

enum class Initialization : int {
  kUnspecified = 0,  // Xavier for tanh/sigmoid/identity, He for relu
  kXavier = 1,
  kHe = 2,
};

enum class Loss : int {
  kUnspecified = 0,  // the model's natural loss
  kMse = 1,
  kMae = 2,
  kHuber = 3,
  kBinaryCrossEntropy = 4,
  kSoftmaxCrossEntropy = 5,
};

enum class OptimizerKind : int {
  kUnspecified = 0,  // Adam
  kSgd = 1,
  kMomentum = 2,
  kNesterov = 3,
  kAdam = 4,
  kAdamW = 5,
};

enum class ScheduleKind : int {
  kUnspecified = 0,  // constant
  kConstant = 1,
  kStep = 2,
  kExponential = 3,
  kCosine = 4,
};

enum class GeneratorKind : int {
  kUnspecified = 0,
  kLinear = 1,
  kMoons = 2,
  kCircles = 3,
  kSpiral = 4,
  kXor = 5,
};

struct LinearModelSpec {};
struct LogisticModelSpec {};
struct SoftmaxModelSpec {
  uint32_t classes = 0;  // 0: max label + 1
};
struct MlpModelSpec {
  std::vector<uint32_t> layer_sizes;  // inputs ... outputs
  Activation activation = Activation::kUnspecified;
  Initialization initialization = Initialization::kUnspecified;
};
struct ExpressionModelSpec {
  std::string expression;
  std::vector<std::string> inputs;  // variables fed from data columns
  std::map<std::string, double> initial_parameters;
  double default_initial_value = 0;
};

// monostate: no model kind was given (a validation error).
using ModelSpec = std::variant<std::monostate, LinearModelSpec,
                               LogisticModelSpec, SoftmaxModelSpec,
                               MlpModelSpec, ExpressionModelSpec>;

struct MinimizeSpec {
  std::string expression;
  std::map<std::string, double> start;  // missing variables start at 0
  uint32_t steps = 0;                   // 0: 1000
  double tolerance = 0;                 // 0: never stop early
};

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kUnspecified;
  double learning_rate = 0;  // 0: 0.01
  double momentum = 0;       // 0: 0.9
  double beta1 = 0;          // 0: 0.9
  double beta2 = 0;          // 0: 0.999
  double epsilon = 0;        // 0: 1e-8
  double weight_decay = 0;   // ADAMW only
  double clip_norm = 0;      // 0: off
};

struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::kUnspecified;
  uint32_t warmup_steps = 0;
  uint32_t step_size = 0;  // 0: 10 epochs
  double gamma = 0;        // 0: 0.5 (STEP) or 0.95 (EXPONENTIAL)
  double min_learning_rate = 0;
};

struct InlineData {
  // Sorted by name: a deterministic column order for "every column but the
  // target".
  std::map<std::string, std::vector<double>> columns;
};
struct DatasetRef {
  std::string id;  // from DatasetStore::Put
};
struct GeneratedData {
  GeneratorKind kind = GeneratorKind::kUnspecified;
  uint32_t n = 0;  // 0: 1000
  double noise = 0;
  uint32_t classes = 0;   // spiral; 0: 3
  uint32_t features = 0;  // linear; 0: 1
  uint32_t seed = 0;      // 0: the job's seed
};

using DataSource =
    std::variant<std::monostate, InlineData, DatasetRef, GeneratedData>;

struct DataSpec {
  DataSource source;
  std::vector<std::string> features;  // empty: every column but the target
  std::string target;                 // empty: "y"
  double validation_fraction = 0;     // [0, 0.9]
};

// monostate: neither a model nor a minimize objective (a validation error).
using Objective = std::variant<std::monostate, ModelSpec, MinimizeSpec>;

struct JobSpec {
  std::string display_name;
  Objective objective;
  Loss loss = Loss::kUnspecified;
  double l2 = 0;           // 0.5 * l2 * sum(w^2) over weights, not biases
  double huber_delta = 0;  // 0: 1
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
  DataSpec data;
  uint32_t epochs = 0;      // 0: 10
  uint32_t batch_size = 0;  // 0: 32 (or all rows if fewer)
  uint32_t seed = 0;
  bool no_shuffle = false;
  uint32_t report_every_steps = 0;  // 0: once per epoch
  uint32_t report_every_ms = 0;     // 0: 250
  uint32_t max_wall_seconds = 0;    // 0: TrainingLimits::max_job_wall_seconds
};

// What the server allows one job to cost. Exceeding one is
// RESOURCE_EXHAUSTED with a message naming the limit.
struct TrainingLimits {
  uint32_t max_epochs = 10000;
  uint64_t max_dataset_rows = 1'000'000;
  uint64_t max_dataset_bytes = 64ull << 20;  // 8 bytes per value
  uint64_t max_parameters = 1'000'000;
  uint32_t max_job_wall_seconds = 3600;
  uint32_t max_minimize_steps = 10'000'000;
  uint32_t max_generated_features = 1000;
  uint32_t max_classes = 10000;
};

// Checks everything about `spec` that can be checked before running it:
// INVALID_ARGUMENT naming the field ("optimizer.learning_rate must be > 0"),
// RESOURCE_EXHAUSTED naming the limit. With a store, a dataset_id is looked
// up and its columns checked too; without one, that waits for RunJob. The
// expression of an expression model or minimize job is compiled here too.
absl::Status ValidateSpec(const JobSpec& spec, const TrainingLimits& limits,
                          const DatasetStore* store = nullptr);

// ---- Defaults resolved (0 means default) --------------------------------

uint32_t EffectiveEpochs(const JobSpec& spec);
// The batch size before clamping to the number of training rows.
uint32_t EffectiveBatchSize(const JobSpec& spec);
uint32_t EffectiveReportEveryMs(const JobSpec& spec);
uint32_t EffectiveMaxWallSeconds(const JobSpec& spec,
                                 const TrainingLimits& limits);
double EffectiveHuberDelta(const JobSpec& spec);
std::string EffectiveTarget(const DataSpec& data);
uint32_t EffectiveMinimizeSteps(const MinimizeSpec& minimize);
// Optimizer and schedule with every zero-means-default field filled in.
OptimizerSpec EffectiveOptimizer(const OptimizerSpec& optimizer);
ScheduleSpec EffectiveSchedule(const ScheduleSpec& schedule);
GeneratedData EffectiveGenerated(const GeneratedData& generated,
                                 uint32_t job_seed);
Activation EffectiveActivation(const MlpModelSpec& mlp);
Initialization EffectiveInitialization(const MlpModelSpec& mlp);
// The model's natural loss when `spec.loss` is unspecified: MSE for linear,
// expression and single-output MLPs, BCE for logistic, softmax CE for
// softmax and multi-output MLPs. Unspecified for minimize jobs.
Loss EffectiveLoss(const JobSpec& spec);

// True for BCE and softmax CE: the model is then a classifier, reports
// "accuracy" and predicts probabilities and classes.
bool IsClassificationLoss(Loss loss);

// Short names used in messages: "MSE", "BCE", "softmax CE", ...
const char* LossName(Loss loss);
const char* OptimizerName(OptimizerKind kind);

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_SPEC_H_
