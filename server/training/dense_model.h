// Feed-forward models: linear, logistic and softmax regression are the
// one-layer cases of the MLP, so one implementation serves all four and
// they differ only in their output (identity, sigmoid, softmax) and in how
// their parameters are named ("weight"/"bias" versus "layer1.weight").
#ifndef SLOPE_SERVER_TRAINING_DENSE_MODEL_H_
#define SLOPE_SERVER_TRAINING_DENSE_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "server/training/model.h"
#include "server/training/spec.h"

namespace slope::training {

enum class DenseKind { kLinear, kLogistic, kSoftmax, kMlp };

struct DenseModelConfig {
  DenseKind kind = DenseKind::kLinear;
  // Widths from inputs to outputs; two entries for the one-layer kinds.
  std::vector<int64_t> layer_sizes;
  Activation activation = Activation::kTanh;  // hidden layers of an MLP
  Initialization initialization = Initialization::kXavier;
  OutputKind output = OutputKind::kRegression;
  // Initial weights. The one-layer kinds are convex and start at zero.
  uint64_t seed = 0;
};

class DenseModel final : public TrainableModel {
 public:
  // INVALID_ARGUMENT for bad sizes, RESOURCE_EXHAUSTED if the parameter
  // count exceeds `max_parameters`.
  static absl::StatusOr<std::unique_ptr<DenseModel>> Create(
      const DenseModelConfig& config, uint64_t max_parameters);

  // The parameter count of the layer sizes, saturating instead of
  // overflowing.
  static uint64_t CountParameters(const std::vector<int64_t>& layer_sizes);

  std::string kind() const override;
  bool is_classifier() const override {
    return config_.output != OutputKind::kRegression;
  }
  int outputs_per_row() const override {
    return static_cast<int>(config_.layer_sizes.back());
  }
  absl::StatusOr<Prediction> Predict(
      const Eigen::MatrixXd& inputs) const override;
  std::vector<NamedTensor> Parameters() const override;

  Eigen::VectorXd& parameter_vector() override { return params_; }
  const Eigen::VectorXd& decay_mask() const override { return mask_; }
  void Reserve(int64_t max_columns) override;
  const Eigen::MatrixXd& Forward(
      const Eigen::Ref<const Eigen::MatrixXd>& x) override;
  void Backward(const Eigen::Ref<const Eigen::MatrixXd>& x,
                const Eigen::Ref<const Eigen::MatrixXd>& d_outputs,
                Eigen::Ref<Eigen::VectorXd> grad) override;
  std::shared_ptr<const TrainedModel> Snapshot() const override;

  const DenseModelConfig& config() const { return config_; }

 private:
  struct Layer {
    int64_t in = 0;
    int64_t out = 0;
    int64_t weight_offset = 0;  // out x in, column-major, in params_
    int64_t bias_offset = 0;
  };

  explicit DenseModel(DenseModelConfig config);
  void Initialize();
  // Backward through layer l given dLoss/d(its outputs) in `delta`; leaves
  // dLoss/d(layer l-1 outputs) in deltas_[l-1].
  void BackwardLayer(int l, const Eigen::Ref<const Eigen::MatrixXd>& x,
                     const Eigen::Ref<const Eigen::MatrixXd>& delta,
                     Eigen::Ref<Eigen::VectorXd> grad);
  int num_layers() const { return static_cast<int>(layers_.size()); }
  Eigen::Map<const Eigen::MatrixXd> Weight(int l) const;
  Eigen::Map<const Eigen::VectorXd> Bias(int l) const;

  DenseModelConfig config_;
  std::vector<Layer> layers_;
  Eigen::VectorXd params_;
  Eigen::VectorXd mask_;
  // Training buffers, sized by Reserve: activations_[l] is the output of
  // layer l (the last one holds the raw outputs), deltas_[l] its gradient.
  int64_t reserved_ = 0;
  std::vector<Eigen::MatrixXd> activations_;
  std::vector<Eigen::MatrixXd> deltas_;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_DENSE_MODEL_H_
