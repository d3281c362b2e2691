#include "server/training/job_data.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/training/dense_model.h"
#include "server/training/generators.h"
#include "server/training/random.h"

namespace slope::training {
namespace {

DatasetLimits ToDatasetLimits(const TrainingLimits& limits) {
  DatasetLimits d;
  d.max_rows = limits.max_dataset_rows;
  d.max_bytes = limits.max_dataset_bytes;
  return d;
}

absl::StatusOr<std::shared_ptr<const Dataset>> FromStore(
    const DatasetRef& ref, const DatasetStore* store) {
  if (ref.id.empty()) {
    return absl::InvalidArgumentError("data.dataset_id must not be empty");
  }
  if (store == nullptr) {
    return absl::FailedPreconditionError(
        "data.dataset_id: this server has no data set store");
  }
  absl::StatusOr<std::shared_ptr<const Dataset>> data = store->Get(ref.id);
  if (!data.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data.dataset_id: no data set '%s'; upload it first", ref.id));
  }
  return data;
}

constexpr uint64_t kSplitStream = 3;

}  // namespace

absl::StatusOr<std::vector<std::string>> DataColumnNames(
    const JobSpec& spec, const DatasetStore* store,
    const TrainingLimits& limits) {
  const DataSource& source = spec.data.source;
  if (std::holds_alternative<std::monostate>(source)) {
    return absl::InvalidArgumentError(
        "data: no source given (inline, dataset_id or generated)");
  }
  if (const auto* inline_data = std::get_if<InlineData>(&source)) {
    // Checks lengths and limits as well as naming the columns.
    absl::StatusOr<Dataset> data =
        Dataset::FromColumns(inline_data->columns, ToDatasetLimits(limits));
    if (!data.ok()) return data.status();
    return data->column_names();
  }
  if (const auto* ref = std::get_if<DatasetRef>(&source)) {
    if (ref->id.empty()) {
      return absl::InvalidArgumentError("data.dataset_id must not be empty");
    }
    if (store == nullptr) return std::vector<std::string>{};
    absl::StatusOr<std::shared_ptr<const Dataset>> data =
        FromStore(*ref, store);
    if (!data.ok()) return data.status();
    return (*data)->column_names();
  }
  const GeneratedData g =
      EffectiveGenerated(std::get<GeneratedData>(source), spec.seed);
  if (g.kind == GeneratorKind::kUnspecified ||
      static_cast<int>(g.kind) > static_cast<int>(GeneratorKind::kXor)) {
    return absl::InvalidArgumentError("data.generated.kind must be set");
  }
  if (!(g.noise >= 0) || !std::isfinite(g.noise)) {
    return absl::InvalidArgumentError(
        "data.generated.noise must be a finite number >= 0");
  }
  if (g.kind == GeneratorKind::kSpiral && g.classes < 2) {
    return absl::InvalidArgumentError(
        "data.generated.classes must be >= 2 for a spiral");
  }
  if (g.kind == GeneratorKind::kLinear &&
      g.features > limits.max_generated_features) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data.generated.features: %d exceeds the limit of %d "
        "(max_generated_features)",
        g.features, limits.max_generated_features));
  }
  if (g.n > limits.max_dataset_rows) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data.generated.n: %d rows exceed the limit of %d (max_dataset_rows)",
        g.n, limits.max_dataset_rows));
  }
  const uint64_t features = g.kind == GeneratorKind::kLinear ? g.features : 2;
  if (uint64_t{g.n} * (features + 1) * sizeof(double) >
      limits.max_dataset_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data.generated: %d x %d values exceed the limit of %d bytes "
        "(max_dataset_bytes)",
        g.n, features + 1, limits.max_dataset_bytes));
  }
  std::vector<std::string> names;
  for (uint64_t j = 0; j < features; ++j) {
    names.push_back(absl::StrCat("x", j + 1));
  }
  names.push_back("y");
  return names;
}

absl::StatusOr<std::shared_ptr<const Dataset>> LoadData(
    const JobSpec& spec, const DatasetStore* store,
    const TrainingLimits& limits) {
  const DataSource& source = spec.data.source;
  if (const auto* inline_data = std::get_if<InlineData>(&source)) {
    absl::StatusOr<Dataset> data =
        Dataset::FromColumns(inline_data->columns, ToDatasetLimits(limits));
    if (!data.ok()) return data.status();
    return std::make_shared<const Dataset>(*std::move(data));
  }
  if (const auto* ref = std::get_if<DatasetRef>(&source)) {
    absl::StatusOr<std::shared_ptr<const Dataset>> data =
        FromStore(*ref, store);
    if (!data.ok()) return data.status();
    if (static_cast<uint64_t>((*data)->rows()) > limits.max_dataset_rows) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "data: %d rows exceed the limit of %d (max_dataset_rows)",
          (*data)->rows(), limits.max_dataset_rows));
    }
    return data;
  }
  if (const auto* generated = std::get_if<GeneratedData>(&source)) {
    // Validate first: it has the friendlier messages.
    absl::StatusOr<std::vector<std::string>> names =
        DataColumnNames(spec, store, limits);
    if (!names.ok()) return names.status();
    absl::StatusOr<Dataset> data = GenerateDataset(
        EffectiveGenerated(*generated, spec.seed), ToDatasetLimits(limits));
    if (!data.ok()) return data.status();
    return std::make_shared<const Dataset>(*std::move(data));
  }
  return absl::InvalidArgumentError(
      "data: no source given (inline, dataset_id or generated)");
}

absl::StatusOr<ColumnPlan> PlanColumns(const JobSpec& spec,
                                       const std::vector<std::string>& columns,
                                       const TrainingLimits& limits) {
  const auto index_of = [&](const std::string& name) -> int64_t {
    auto it = std::find(columns.begin(), columns.end(), name);
    return it == columns.end() ? -1 : it - columns.begin();
  };
  const std::string listing = absl::StrJoin(columns, ", ");
  ColumnPlan plan;
  plan.target = EffectiveTarget(spec.data);
  plan.target_index = index_of(plan.target);
  if (plan.target_index < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data.target: no column '%s' (the columns are %s)",
                        plan.target, listing));
  }
  const ModelSpec& model = std::get<ModelSpec>(spec.objective);
  const auto* expression = std::get_if<ExpressionModelSpec>(&model);
  const char* field = "data.features";
  if (expression != nullptr) {
    // The expression's inputs are the feature columns.
    plan.features = expression->inputs;
    field = "model.expression.inputs";
  } else if (!spec.data.features.empty()) {
    plan.features = spec.data.features;
  } else {
    for (const std::string& name : columns) {
      if (name != plan.target) plan.features.push_back(name);
    }
  }
  if (plan.features.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data: there are no feature columns besides the target '%s'",
        plan.target));
  }
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < plan.features.size(); ++i) {
    const std::string& name = plan.features[i];
    const int64_t index = index_of(name);
    if (index < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s[%d]: no column '%s' (the columns are %s)", field,
                          i, name, listing));
    }
    if (name == plan.target) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s[%d]: '%s' is the target; it cannot be a feature too", field, i,
          name));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s[%d]: '%s' appears twice", field, i, name));
    }
    plan.feature_index.push_back(index);
  }
  const int64_t n_features = static_cast<int64_t>(plan.features.size());
  if (const auto* mlp = std::get_if<MlpModelSpec>(&model)) {
    if (!mlp->layer_sizes.empty() && mlp->layer_sizes[0] != n_features) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "model.mlp.layer_sizes[0] is %d but there are %d feature columns "
          "(%s)",
          mlp->layer_sizes[0], n_features,
          absl::StrJoin(plan.features, ", ")));
    }
  }
  uint64_t count = 0;
  if (std::holds_alternative<LinearModelSpec>(model) ||
      std::holds_alternative<LogisticModelSpec>(model)) {
    count = DenseModel::CountParameters({n_features, 1});
  } else if (const auto* softmax = std::get_if<SoftmaxModelSpec>(&model)) {
    count = DenseModel::CountParameters(
        {n_features, std::max<int64_t>(2, softmax->classes)});
  }
  if (count > limits.max_parameters) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "model: %d parameters exceed the limit of %d (max_parameters)", count,
        limits.max_parameters));
  }
  return plan;
}

absl::StatusOr<int64_t> CheckTargets(
    const JobSpec& spec, const ColumnPlan& plan,
    const Eigen::Ref<const Eigen::VectorXd>& targets,
    const TrainingLimits& limits) {
  const Loss loss = EffectiveLoss(spec);
  if (loss == Loss::kBinaryCrossEntropy) {
    for (Eigen::Index i = 0; i < targets.size(); ++i) {
      if (!(targets[i] >= 0 && targets[i] <= 1)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "data: target '%s' row %d is %g; BCE needs labels 0 or 1 (or "
            "probabilities in between)",
            plan.target, i + 1, targets[i]));
      }
    }
    return 1;
  }
  if (loss != Loss::kSoftmaxCrossEntropy) return 1;
  const ModelSpec& model = std::get<ModelSpec>(spec.objective);
  int64_t classes = 0;
  if (const auto* softmax = std::get_if<SoftmaxModelSpec>(&model)) {
    classes = softmax->classes;
  } else if (const auto* mlp = std::get_if<MlpModelSpec>(&model)) {
    classes = mlp->layer_sizes.back();
  }
  const int64_t bound = classes > 0 ? classes : limits.max_classes;
  int64_t max_label = 0;
  for (Eigen::Index i = 0; i < targets.size(); ++i) {
    const double y = targets[i];
    if (!(y >= 0 && y < bound) || y != std::floor(y)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "data: target '%s' row %d is %g; class labels must be integers in "
          "[0, %d)",
          plan.target, i + 1, y, bound));
    }
    max_label = std::max(max_label, static_cast<int64_t>(y));
  }
  if (classes == 0) {
    classes = std::max<int64_t>(2, max_label + 1);
    const uint64_t count = DenseModel::CountParameters(
        {static_cast<int64_t>(plan.features.size()), classes});
    if (count > limits.max_parameters) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "model: %d parameters exceed the limit of %d (max_parameters)",
          count, limits.max_parameters));
    }
  }
  return classes;
}

absl::StatusOr<SplitData> SplitRows(const Dataset& data, const ColumnPlan& plan,
                                    double validation_fraction, uint64_t seed) {
  const int64_t rows = data.rows();
  int64_t held_out =
      static_cast<int64_t>(std::floor(rows * validation_fraction));
  held_out = std::min(held_out, rows - 1);
  std::vector<int64_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  if (held_out > 0) {
    Rng rng(MixSeed(seed, kSplitStream));
    rng.Shuffle(order);
    // Training rows keep their original order, so no_shuffle means what it
    // says even with a validation split.
    std::sort(order.begin() + held_out, order.end());
  }
  const int64_t features = static_cast<int64_t>(plan.feature_index.size());
  SplitData split;
  split.validation_x.resize(features, held_out);
  split.validation_y.resize(held_out);
  split.train_x.resize(features, rows - held_out);
  split.train_y.resize(rows - held_out);
  const Eigen::MatrixXd& v = data.values();
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t r = order[i];
    const bool validation = i < held_out;
    Eigen::MatrixXd& x = validation ? split.validation_x : split.train_x;
    Eigen::VectorXd& y = validation ? split.validation_y : split.train_y;
    const int64_t c = validation ? i : i - held_out;
    for (int64_t f = 0; f < features; ++f) x(f, c) = v(r, plan.feature_index[f]);
    y[c] = v(r, plan.target_index);
  }
  return split;
}

}  // namespace slope::training
