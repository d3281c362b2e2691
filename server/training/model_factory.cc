#include "server/training/model_factory.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "server/training/dense_model.h"
#include "server/training/expression_model.h"
#include "server/training/random.h"

namespace slope::training {
namespace {

constexpr uint64_t kInitStream = 1;

}  // namespace

OutputKind OutputKindFor(Loss loss) {
  switch (loss) {
    case Loss::kBinaryCrossEntropy:
      return OutputKind::kBinary;
    case Loss::kSoftmaxCrossEntropy:
      return OutputKind::kMulticlass;
    default:
      return OutputKind::kRegression;
  }
}

absl::StatusOr<std::unique_ptr<TrainableModel>> MakeModel(
    const JobSpec& spec, const ColumnPlan& plan, int64_t classes,
    const TrainingLimits& limits) {
  const ModelSpec& model = std::get<ModelSpec>(spec.objective);
  const int64_t n_features = static_cast<int64_t>(plan.features.size());
  std::unique_ptr<TrainableModel> result;
  if (const auto* expression = std::get_if<ExpressionModelSpec>(&model)) {
    absl::StatusOr<std::unique_ptr<ExpressionModel>> made =
        ExpressionModel::Create(*expression, limits.max_parameters);
    if (!made.ok()) return made.status();
    result = *std::move(made);
  } else {
    DenseModelConfig config;
    config.output = OutputKindFor(EffectiveLoss(spec));
    config.seed = MixSeed(spec.seed, kInitStream);
    if (std::holds_alternative<LinearModelSpec>(model)) {
      config.kind = DenseKind::kLinear;
      config.layer_sizes = {n_features, 1};
    } else if (std::holds_alternative<LogisticModelSpec>(model)) {
      config.kind = DenseKind::kLogistic;
      config.layer_sizes = {n_features, 1};
    } else if (std::holds_alternative<SoftmaxModelSpec>(model)) {
      config.kind = DenseKind::kSoftmax;
      config.layer_sizes = {n_features, classes};
    } else if (const auto* mlp = std::get_if<MlpModelSpec>(&model)) {
      config.kind = DenseKind::kMlp;
      config.layer_sizes.assign(mlp->layer_sizes.begin(),
                                mlp->layer_sizes.end());
      config.activation = EffectiveActivation(*mlp);
      config.initialization = EffectiveInitialization(*mlp);
    } else {
      return absl::InvalidArgumentError("model: no model kind given");
    }
    absl::StatusOr<std::unique_ptr<DenseModel>> made =
        DenseModel::Create(config, limits.max_parameters);
    if (!made.ok()) return made.status();
    result = *std::move(made);
  }
  result->set_columns(plan.features, plan.target);
  return result;
}

}  // namespace slope::training
