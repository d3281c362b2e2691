#include "server/training/dense_model.h"

#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/training/random.h"

namespace slope::training {
namespace {

// Applies the hidden activation in place; works on blocks without
// allocating.
template <typename Block>
void Activate(Activation activation, Block&& a) {
  switch (activation) {
    case Activation::kRelu:
      a = a.cwiseMax(0.0);
      break;
    case Activation::kSigmoid:
      a = ((-a.array()).exp() + 1.0).inverse().matrix();
      break;
    case Activation::kIdentity:
      break;
    case Activation::kTanh:
    case Activation::kUnspecified:
      // Through exp, which Eigen vectorises for doubles, where std::tanh is
      // a scalar libm call per element (half the run time of a small MLP).
      // exp overflowing to inf still gives exactly +-1; the absolute error
      // near 0 is a few ulps of 1, harmless for training.
      a = (1.0 - 2.0 / ((2.0 * a.array()).exp() + 1.0)).matrix();
      break;
  }
}

// Multiplies `delta` by the activation's derivative, expressed through the
// activation's output `a` so that pre-activations need not be kept.
template <typename Delta, typename Act>
void MultiplyByDerivative(Activation activation, Delta&& delta, const Act& a) {
  switch (activation) {
    case Activation::kRelu:
      delta.array() *= (a.array() > 0.0).template cast<double>();
      break;
    case Activation::kSigmoid:
      delta.array() *= a.array() * (1.0 - a.array());
      break;
    case Activation::kIdentity:
      break;
    case Activation::kTanh:
    case Activation::kUnspecified:
      delta.array() *= 1.0 - a.array().square();
      break;
  }
}

}  // namespace

uint64_t DenseModel::CountParameters(const std::vector<int64_t>& sizes) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t total = 0;
  for (size_t l = 1; l < sizes.size(); ++l) {
    const uint64_t in = static_cast<uint64_t>(sizes[l - 1]);
    const uint64_t out = static_cast<uint64_t>(sizes[l]);
    if (in != 0 && out > kMax / (in + 1)) return kMax;
    const uint64_t layer = out * (in + 1);
    if (total > kMax - layer) return kMax;
    total += layer;
  }
  return total;
}

absl::StatusOr<std::unique_ptr<DenseModel>> DenseModel::Create(
    const DenseModelConfig& config, uint64_t max_parameters) {
  if (config.layer_sizes.size() < 2) {
    return absl::InvalidArgumentError(
        "model: a dense model needs at least an input and an output size");
  }
  for (size_t l = 0; l < config.layer_sizes.size(); ++l) {
    if (config.layer_sizes[l] <= 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("model: layer size %d must be > 0", l));
    }
  }
  const uint64_t count = CountParameters(config.layer_sizes);
  if (count > max_parameters) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "model: %d parameters exceed the limit of %d (max_parameters)", count,
        max_parameters));
  }
  std::unique_ptr<DenseModel> model(new DenseModel(config));
  model->Initialize();
  return model;
}

DenseModel::DenseModel(DenseModelConfig config) : config_(std::move(config)) {
  int64_t offset = 0;
  for (size_t l = 1; l < config_.layer_sizes.size(); ++l) {
    Layer layer;
    layer.in = config_.layer_sizes[l - 1];
    layer.out = config_.layer_sizes[l];
    layer.weight_offset = offset;
    offset += layer.in * layer.out;
    layer.bias_offset = offset;
    offset += layer.out;
    layers_.push_back(layer);
  }
  params_ = Eigen::VectorXd::Zero(offset);
  mask_ = Eigen::VectorXd::Zero(offset);
  for (const Layer& layer : layers_) {
    mask_.segment(layer.weight_offset, layer.in * layer.out).setOnes();
  }
}

void DenseModel::Initialize() {
  if (config_.kind != DenseKind::kMlp) return;  // convex: zeros are fine
  Rng rng(config_.seed);
  for (const Layer& layer : layers_) {
    auto w = params_.segment(layer.weight_offset, layer.in * layer.out);
    if (config_.initialization == Initialization::kHe) {
      const double sd = std::sqrt(2.0 / layer.in);
      for (Eigen::Index i = 0; i < w.size(); ++i) w[i] = sd * rng.Normal();
    } else {
      const double bound = std::sqrt(6.0 / (layer.in + layer.out));
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        w[i] = rng.Uniform(-bound, bound);
      }
    }
  }
}

std::string DenseModel::kind() const {
  switch (config_.kind) {
    case DenseKind::kLinear:
      return "linear";
    case DenseKind::kLogistic:
      return "logistic";
    case DenseKind::kSoftmax:
      return "softmax";
    case DenseKind::kMlp:
      return "mlp";
  }
  return "mlp";
}

Eigen::Map<const Eigen::MatrixXd> DenseModel::Weight(int l) const {
  const Layer& layer = layers_[l];
  return Eigen::Map<const Eigen::MatrixXd>(
      params_.data() + layer.weight_offset, layer.out, layer.in);
}

Eigen::Map<const Eigen::VectorXd> DenseModel::Bias(int l) const {
  const Layer& layer = layers_[l];
  return Eigen::Map<const Eigen::VectorXd>(params_.data() + layer.bias_offset,
                                           layer.out);
}

void DenseModel::Reserve(int64_t max_columns) {
  if (max_columns <= reserved_) return;
  reserved_ = max_columns;
  activations_.resize(layers_.size());
  deltas_.resize(layers_.size());
  for (int l = 0; l < num_layers(); ++l) {
    activations_[l].resize(layers_[l].out, max_columns);
    deltas_[l].resize(layers_[l].out, max_columns);
  }
}

const Eigen::MatrixXd& DenseModel::Forward(
    const Eigen::Ref<const Eigen::MatrixXd>& x) {
  const Eigen::Index m = x.cols();
  for (int l = 0; l < num_layers(); ++l) {
    auto a = activations_[l].leftCols(m);
    if (l == 0) {
      a.noalias() = Weight(l) * x;
    } else {
      a.noalias() = Weight(l) * activations_[l - 1].leftCols(m);
    }
    a.colwise() += Bias(l);
    // The output layer stays linear: its logits feed the loss.
    if (l + 1 < num_layers()) Activate(config_.activation, a);
  }
  return activations_.back();
}

void DenseModel::Backward(const Eigen::Ref<const Eigen::MatrixXd>& x,
                          const Eigen::Ref<const Eigen::MatrixXd>& d_outputs,
                          Eigen::Ref<Eigen::VectorXd> grad) {
  const Eigen::Index m = x.cols();
  for (int l = num_layers() - 1; l >= 0; --l) {
    if (l + 1 == num_layers()) {
      BackwardLayer(l, x, d_outputs, grad);
    } else {
      BackwardLayer(l, x, deltas_[l].leftCols(m), grad);
    }
  }
}

void DenseModel::BackwardLayer(int l,
                               const Eigen::Ref<const Eigen::MatrixXd>& x,
                               const Eigen::Ref<const Eigen::MatrixXd>& delta,
                               Eigen::Ref<Eigen::VectorXd> grad) {
  const Eigen::Index m = x.cols();
  const Layer& layer = layers_[l];
  Eigen::Map<Eigen::MatrixXd> grad_w(grad.data() + layer.weight_offset,
                                     layer.out, layer.in);
  if (l == 0) {
    grad_w.noalias() += delta * x.transpose();
  } else {
    grad_w.noalias() += delta * activations_[l - 1].leftCols(m).transpose();
  }
  grad.segment(layer.bias_offset, layer.out) += delta.rowwise().sum();
  if (l > 0) {
    auto previous = deltas_[l - 1].leftCols(m);
    previous.noalias() = Weight(l).transpose() * delta;
    MultiplyByDerivative(config_.activation, previous,
                         activations_[l - 1].leftCols(m));
  }
}

absl::StatusOr<Prediction> DenseModel::Predict(
    const Eigen::MatrixXd& inputs) const {
  if (inputs.cols() != config_.layer_sizes.front()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "inputs: the model reads %d columns, got %d",
        config_.layer_sizes.front(), inputs.cols()));
  }
  Eigen::MatrixXd a = inputs.transpose();
  for (int l = 0; l < num_layers(); ++l) {
    Eigen::MatrixXd next = Weight(l) * a;
    next.colwise() += Bias(l);
    if (l + 1 < num_layers()) Activate(config_.activation, next);
    a = std::move(next);
  }
  Prediction p;
  const Eigen::Index rows = inputs.rows();
  switch (config_.output) {
    case OutputKind::kRegression:
      p.outputs = a.transpose();
      break;
    case OutputKind::kBinary:
      p.outputs = ((-a.array()).exp() + 1.0).inverse().matrix().transpose();
      p.classes.resize(rows);
      for (Eigen::Index i = 0; i < rows; ++i) {
        p.classes[i] = p.outputs(i, 0) >= 0.5 ? 1 : 0;
      }
      break;
    case OutputKind::kMulticlass: {
      Eigen::RowVectorXd max = a.colwise().maxCoeff();
      Eigen::ArrayXXd e = (a.rowwise() - max).array().exp();
      Eigen::RowVectorXd sum = e.colwise().sum().matrix();
      p.outputs = (e.rowwise() / sum.array()).matrix().transpose();
      p.classes.resize(rows);
      for (Eigen::Index i = 0; i < rows; ++i) {
        Eigen::Index best = 0;
        a.col(i).maxCoeff(&best);
        p.classes[i] = static_cast<uint32_t>(best);
      }
      break;
    }
  }
  return p;
}

std::vector<NamedTensor> DenseModel::Parameters() const {
  std::vector<NamedTensor> out;
  const bool single = config_.kind != DenseKind::kMlp;
  for (int l = 0; l < num_layers(); ++l) {
    const Layer& layer = layers_[l];
    const std::string prefix = single ? "" : absl::StrCat("layer", l + 1, ".");
    // Linear and logistic regression have one output: a weight vector and a
    // scalar bias read more naturally than a 1 x n matrix.
    const bool vector_weight = single && layer.out == 1;
    NamedTensor w{prefix + "weight", {}, {}};
    if (vector_weight) {
      w.shape = {static_cast<uint32_t>(layer.in)};
    } else {
      w.shape = {static_cast<uint32_t>(layer.out),
                 static_cast<uint32_t>(layer.in)};
    }
    w.values.resize(layer.in * layer.out);
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
                             Eigen::RowMajor>>(w.values.data(), layer.out,
                                               layer.in) = Weight(l);
    NamedTensor b{prefix + "bias", {}, {}};
    if (!vector_weight) b.shape = {static_cast<uint32_t>(layer.out)};
    b.values.assign(Bias(l).data(), Bias(l).data() + layer.out);
    out.push_back(std::move(w));
    out.push_back(std::move(b));
  }
  return out;
}

std::shared_ptr<const TrainedModel> DenseModel::Snapshot() const {
  std::shared_ptr<DenseModel> copy(new DenseModel(config_));
  copy->params_ = params_;
  copy->set_columns(features(), target());
  return copy;
}

}  // namespace slope::training
