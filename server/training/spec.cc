#include "server/training/spec.h"

#include <cmath>
#include <string>
#include <type_traits>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "server/training/dense_model.h"
#include "server/training/job_data.h"

namespace slope::training {
namespace {

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// `value` must be finite and >= 0 (NaN fails too).
absl::Status NonNegative(double value, const char* field) {
  if (!(value >= 0) || !std::isfinite(value)) {
    return Invalid(absl::StrFormat("%s must be a finite number >= 0, got %g",
                                   field, value));
  }
  return absl::OkStatus();
}

// `value` must be in [0, 1); 0 means the default.
absl::Status UnitOpen(double value, const char* field) {
  if (!(value >= 0 && value < 1)) {
    return Invalid(
        absl::StrFormat("%s must be in [0, 1), got %g", field, value));
  }
  return absl::OkStatus();
}

template <typename Enum>
bool InRange(Enum value, Enum last) {
  const int v = static_cast<int>(value);
  return v >= 0 && v <= static_cast<int>(last);
}

// The model's output layer width, when the spec alone tells it.
int64_t OutputWidth(const ModelSpec& model) {
  if (const auto* mlp = std::get_if<MlpModelSpec>(&model)) {
    return mlp->layer_sizes.empty() ? 0 : mlp->layer_sizes.back();
  }
  return 1;
}

absl::Status ValidateModel(const ModelSpec& model,
                           const TrainingLimits& limits) {
  if (std::holds_alternative<std::monostate>(model)) {
    return Invalid(
        "model: no model kind given (linear, logistic, softmax, mlp or "
        "expression)");
  }
  if (const auto* softmax = std::get_if<SoftmaxModelSpec>(&model)) {
    if (softmax->classes == 1) {
      return Invalid("model.softmax.classes must be >= 2 (or 0 to infer)");
    }
    if (softmax->classes > limits.max_classes) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "model.softmax.classes: %d exceeds the limit of %d (max_classes)",
          softmax->classes, limits.max_classes));
    }
  }
  if (const auto* mlp = std::get_if<MlpModelSpec>(&model)) {
    if (mlp->layer_sizes.size() < 2) {
      return Invalid(absl::StrFormat(
          "model.mlp.layer_sizes needs at least 2 entries (inputs and "
          "outputs), got %d",
          mlp->layer_sizes.size()));
    }
    for (size_t i = 0; i < mlp->layer_sizes.size(); ++i) {
      if (mlp->layer_sizes[i] == 0) {
        return Invalid(
            absl::StrFormat("model.mlp.layer_sizes[%d] must be > 0", i));
      }
    }
    if (!InRange(mlp->activation, Activation::kIdentity)) {
      return Invalid("model.mlp.activation is not a known activation");
    }
    if (!InRange(mlp->initialization, Initialization::kHe)) {
      return Invalid("model.mlp.initialization is not a known scheme");
    }
    std::vector<int64_t> sizes(mlp->layer_sizes.begin(),
                               mlp->layer_sizes.end());
    const uint64_t count = DenseModel::CountParameters(sizes);
    if (count > limits.max_parameters) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "model.mlp: %d parameters exceed the limit of %d (max_parameters)",
          count, limits.max_parameters));
    }
  }
  if (const auto* expression = std::get_if<ExpressionModelSpec>(&model)) {
    if (expression->expression.empty()) {
      return Invalid("model.expression.expression must not be empty");
    }
    if (expression->inputs.empty()) {
      return Invalid(
          "model.expression.inputs must name at least one input variable");
    }
    absl::flat_hash_set<std::string> seen;
    for (size_t i = 0; i < expression->inputs.size(); ++i) {
      if (expression->inputs[i].empty()) {
        return Invalid(
            absl::StrFormat("model.expression.inputs[%d] is empty", i));
      }
      if (!seen.insert(expression->inputs[i]).second) {
        return Invalid(absl::StrFormat(
            "model.expression.inputs[%d]: '%s' appears twice", i,
            expression->inputs[i]));
      }
    }
    for (const auto& [name, value] : expression->initial_parameters) {
      if (!std::isfinite(value)) {
        return Invalid(absl::StrFormat(
            "model.expression.initial_parameters['%s'] must be finite", name));
      }
    }
    if (!std::isfinite(expression->default_initial_value)) {
      return Invalid("model.expression.default_initial_value must be finite");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateLoss(const JobSpec& spec, const ModelSpec& model) {
  if (!InRange(spec.loss, Loss::kSoftmaxCrossEntropy)) {
    return Invalid("loss is not a known loss");
  }
  const Loss loss = EffectiveLoss(spec);
  const bool is_mlp = std::holds_alternative<MlpModelSpec>(model);
  const int64_t width = OutputWidth(model);
  switch (loss) {
    case Loss::kBinaryCrossEntropy:
      if (!std::holds_alternative<LogisticModelSpec>(model) &&
          !(is_mlp && width == 1)) {
        return Invalid(
            "loss BCE needs a binary classifier model (logistic, or an MLP "
            "with one output)");
      }
      break;
    case Loss::kSoftmaxCrossEntropy:
      if (!std::holds_alternative<SoftmaxModelSpec>(model) &&
          !(is_mlp && width >= 2)) {
        return Invalid(
            "loss softmax CE needs a multi-class model (softmax, or an MLP "
            "with two or more outputs)");
      }
      break;
    default:
      if (!std::holds_alternative<LinearModelSpec>(model) &&
          !std::holds_alternative<ExpressionModelSpec>(model) &&
          !(is_mlp && width == 1)) {
        return Invalid(absl::StrFormat(
            "loss %s needs a regression model (linear, expression, or an MLP "
            "with one output)",
            LossName(loss)));
      }
      break;
  }
  return absl::OkStatus();
}

absl::Status ValidateOptimizer(const OptimizerSpec& o) {
  if (!InRange(o.kind, OptimizerKind::kAdamW)) {
    return Invalid("optimizer.kind is not a known optimizer");
  }
  if (!(o.learning_rate >= 0) || !std::isfinite(o.learning_rate)) {
    return Invalid(absl::StrFormat(
        "optimizer.learning_rate must be > 0, got %g", o.learning_rate));
  }
  if (absl::Status s = UnitOpen(o.momentum, "optimizer.momentum"); !s.ok()) {
    return s;
  }
  if (absl::Status s = UnitOpen(o.beta1, "optimizer.beta1"); !s.ok()) return s;
  if (absl::Status s = UnitOpen(o.beta2, "optimizer.beta2"); !s.ok()) return s;
  if (absl::Status s = NonNegative(o.epsilon, "optimizer.epsilon"); !s.ok()) {
    return s;
  }
  if (absl::Status s = NonNegative(o.weight_decay, "optimizer.weight_decay");
      !s.ok()) {
    return s;
  }
  if (o.weight_decay > 0 && o.kind != OptimizerKind::kAdamW) {
    return Invalid(
        "optimizer.weight_decay applies to ADAMW only; use l2 for a weight "
        "penalty with other optimizers");
  }
  return NonNegative(o.clip_norm, "optimizer.clip_norm");
}

absl::Status ValidateSchedule(const ScheduleSpec& s, double learning_rate) {
  if (!InRange(s.kind, ScheduleKind::kCosine)) {
    return Invalid("schedule.kind is not a known schedule");
  }
  if (!(s.gamma >= 0 && s.gamma <= 1)) {
    return Invalid(
        absl::StrFormat("schedule.gamma must be in (0, 1], got %g", s.gamma));
  }
  if (absl::Status st =
          NonNegative(s.min_learning_rate, "schedule.min_learning_rate");
      !st.ok()) {
    return st;
  }
  if (s.min_learning_rate > learning_rate) {
    return Invalid(absl::StrFormat(
        "schedule.min_learning_rate (%g) must not exceed the learning rate "
        "(%g)",
        s.min_learning_rate, learning_rate));
  }
  return absl::OkStatus();
}

absl::Status ValidateMinimize(const MinimizeSpec& m,
                              const TrainingLimits& limits) {
  if (m.expression.empty()) {
    return Invalid("minimize.expression must not be empty");
  }
  if (m.steps > limits.max_minimize_steps) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "minimize.steps: %d exceeds the limit of %d (max_minimize_steps)",
        m.steps, limits.max_minimize_steps));
  }
  if (absl::Status s = NonNegative(m.tolerance, "minimize.tolerance");
      !s.ok()) {
    return s;
  }
  for (const auto& [name, value] : m.start) {
    if (!std::isfinite(value)) {
      return Invalid(
          absl::StrFormat("minimize.start['%s'] must be finite", name));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateExpressionSyntax(const JobSpec& spec,
                                      const TrainingLimits& limits);

absl::Status ValidateSpec(const JobSpec& spec, const TrainingLimits& limits,
                          const DatasetStore* store) {
  if (std::holds_alternative<std::monostate>(spec.objective)) {
    return Invalid("objective: set either model or minimize");
  }
  if (absl::Status s = ValidateOptimizer(spec.optimizer); !s.ok()) return s;
  if (absl::Status s = ValidateSchedule(
          spec.schedule, EffectiveOptimizer(spec.optimizer).learning_rate);
      !s.ok()) {
    return s;
  }
  if (spec.max_wall_seconds > limits.max_job_wall_seconds) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "max_wall_seconds: %d exceeds the limit of %d (max_job_wall_seconds)",
        spec.max_wall_seconds, limits.max_job_wall_seconds));
  }
  if (const auto* minimize = std::get_if<MinimizeSpec>(&spec.objective)) {
    if (absl::Status s = ValidateMinimize(*minimize, limits); !s.ok()) {
      return s;
    }
    return ValidateExpressionSyntax(spec, limits);
  }
  const ModelSpec& model = std::get<ModelSpec>(spec.objective);
  if (absl::Status s = ValidateModel(model, limits); !s.ok()) return s;
  if (absl::Status s = ValidateLoss(spec, model); !s.ok()) return s;
  if (absl::Status s = NonNegative(spec.l2, "l2"); !s.ok()) return s;
  if (absl::Status s = NonNegative(spec.huber_delta, "huber_delta"); !s.ok()) {
    return s;
  }
  if (EffectiveEpochs(spec) > limits.max_epochs) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("epochs: %d exceeds the limit of %d (max_epochs)",
                        spec.epochs, limits.max_epochs));
  }
  const double fraction = spec.data.validation_fraction;
  if (!(fraction >= 0 && fraction <= 0.9)) {
    return Invalid(absl::StrFormat(
        "data.validation_fraction must be in [0, 0.9], got %g", fraction));
  }
  if (absl::Status s = ValidateExpressionSyntax(spec, limits); !s.ok()) {
    return s;
  }
  // The data: its columns always (when knowable), its values when they are
  // at hand anyway (inline data, or a stored set).
  absl::StatusOr<std::vector<std::string>> columns =
      DataColumnNames(spec, store, limits);
  if (!columns.ok()) return columns.status();
  if (columns->empty()) return absl::OkStatus();  // dataset_id, no store
  absl::StatusOr<ColumnPlan> plan = PlanColumns(spec, *columns, limits);
  if (!plan.ok()) return plan.status();
  if (std::holds_alternative<GeneratedData>(spec.data.source)) {
    return absl::OkStatus();  // labels are valid by construction
  }
  absl::StatusOr<std::shared_ptr<const Dataset>> data =
      LoadData(spec, store, limits);
  if (!data.ok()) return data.status();
  absl::StatusOr<int64_t> classes = CheckTargets(
      spec, *plan, (*data)->values().col(plan->target_index), limits);
  return classes.status();
}

uint32_t EffectiveEpochs(const JobSpec& spec) {
  return spec.epochs == 0 ? 10 : spec.epochs;
}

uint32_t EffectiveBatchSize(const JobSpec& spec) {
  return spec.batch_size == 0 ? 32 : spec.batch_size;
}

uint32_t EffectiveReportEveryMs(const JobSpec& spec) {
  return spec.report_every_ms == 0 ? 250 : spec.report_every_ms;
}

uint32_t EffectiveMaxWallSeconds(const JobSpec& spec,
                                 const TrainingLimits& limits) {
  return spec.max_wall_seconds == 0 ? limits.max_job_wall_seconds
                                    : spec.max_wall_seconds;
}

double EffectiveHuberDelta(const JobSpec& spec) {
  return spec.huber_delta == 0 ? 1.0 : spec.huber_delta;
}

std::string EffectiveTarget(const DataSpec& data) {
  return data.target.empty() ? "y" : data.target;
}

uint32_t EffectiveMinimizeSteps(const MinimizeSpec& minimize) {
  return minimize.steps == 0 ? 1000 : minimize.steps;
}

OptimizerSpec EffectiveOptimizer(const OptimizerSpec& o) {
  OptimizerSpec e = o;
  if (e.kind == OptimizerKind::kUnspecified) e.kind = OptimizerKind::kAdam;
  if (e.learning_rate == 0) e.learning_rate = 0.01;
  if (e.momentum == 0) e.momentum = 0.9;
  if (e.beta1 == 0) e.beta1 = 0.9;
  if (e.beta2 == 0) e.beta2 = 0.999;
  if (e.epsilon == 0) e.epsilon = 1e-8;
  return e;
}

ScheduleSpec EffectiveSchedule(const ScheduleSpec& s) {
  ScheduleSpec e = s;
  if (e.kind == ScheduleKind::kUnspecified) e.kind = ScheduleKind::kConstant;
  if (e.step_size == 0) e.step_size = 10;
  if (e.gamma == 0) {
    e.gamma = e.kind == ScheduleKind::kExponential ? 0.95 : 0.5;
  }
  return e;
}

GeneratedData EffectiveGenerated(const GeneratedData& g, uint32_t job_seed) {
  GeneratedData e = g;
  if (e.n == 0) e.n = 1000;
  if (e.classes == 0) e.classes = 3;
  if (e.features == 0) e.features = 1;
  if (e.seed == 0) e.seed = job_seed;
  return e;
}

Activation EffectiveActivation(const MlpModelSpec& mlp) {
  return mlp.activation == Activation::kUnspecified ? Activation::kTanh
                                                    : mlp.activation;
}

Initialization EffectiveInitialization(const MlpModelSpec& mlp) {
  if (mlp.initialization != Initialization::kUnspecified) {
    return mlp.initialization;
  }
  return EffectiveActivation(mlp) == Activation::kRelu ? Initialization::kHe
                                                       : Initialization::kXavier;
}

Loss EffectiveLoss(const JobSpec& spec) {
  if (spec.loss != Loss::kUnspecified) return spec.loss;
  const auto* model = std::get_if<ModelSpec>(&spec.objective);
  if (model == nullptr) return Loss::kUnspecified;
  if (std::holds_alternative<LogisticModelSpec>(*model)) {
    return Loss::kBinaryCrossEntropy;
  }
  if (std::holds_alternative<SoftmaxModelSpec>(*model)) {
    return Loss::kSoftmaxCrossEntropy;
  }
  if (const auto* mlp = std::get_if<MlpModelSpec>(model)) {
    if (!mlp->layer_sizes.empty() && mlp->layer_sizes.back() >= 2) {
      return Loss::kSoftmaxCrossEntropy;
    }
  }
  return Loss::kMse;
}

bool IsClassificationLoss(Loss loss) {
  return loss == Loss::kBinaryCrossEntropy ||
         loss == Loss::kSoftmaxCrossEntropy;
}

const char* LossName(Loss loss) {
  switch (loss) {
    case Loss::kMse:
      return "MSE";
    case Loss::kMae:
      return "MAE";
    case Loss::kHuber:
      return "Huber";
    case Loss::kBinaryCrossEntropy:
      return "BCE";
    case Loss::kSoftmaxCrossEntropy:
      return "softmax CE";
    case Loss::kUnspecified:
      break;
  }
  return "unspecified";
}

const char* OptimizerName(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd:
      return "SGD";
    case OptimizerKind::kMomentum:
      return "momentum";
    case OptimizerKind::kNesterov:
      return "Nesterov";
    case OptimizerKind::kAdam:
    case OptimizerKind::kUnspecified:
      return "Adam";
    case OptimizerKind::kAdamW:
      return "AdamW";
  }
  return "Adam";
}

}  // namespace slope::training
