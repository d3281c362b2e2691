// Models: what a finished job hands out (TrainedModel: predict, inspect) and
// what the training loop drives (TrainableModel: flat parameters, batched
// forward and backward passes).
#ifndef SLOPE_SERVER_TRAINING_MODEL_H_
#define SLOPE_SERVER_TRAINING_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"

namespace slope::training {

// How raw outputs turn into predictions.
enum class OutputKind {
  kRegression,  // the outputs themselves
  kBinary,      // one logit -> sigmoid probability, class p >= 0.5
  kMulticlass,  // logits -> softmax probabilities, class argmax
};

// A named parameter array; mirrors slope.v1.Tensor. Row-major values:
// "layer1.weight" has shape {out, in} and element (i, j) at i * in + j.
struct NamedTensor {
  std::string name;
  std::vector<uint32_t> shape;  // empty for a scalar
  std::vector<double> values;
};

// What Predict returns; mirrors slope.v1.PredictResponse.
struct Prediction {
  // rows x outputs_per_row: the prediction for regression, the class
  // probabilities for classifiers (one column, P(y=1), for binary ones).
  Eigen::MatrixXd outputs;
  // Classifiers only: the most likely class per row.
  std::vector<uint32_t> classes;
};

// A trained model, immutable and safe to use from many threads.
class TrainedModel {
 public:
  virtual ~TrainedModel() = default;

  // "linear", "logistic", "softmax", "mlp" or "expression".
  virtual std::string kind() const = 0;
  virtual bool is_classifier() const = 0;
  // 1 for regression and binary classifiers, else the number of classes.
  virtual int outputs_per_row() const = 0;
  // `inputs` is rows x features, columns in features() order.
  // INVALID_ARGUMENT if the column count is wrong.
  virtual absl::StatusOr<Prediction> Predict(
      const Eigen::MatrixXd& inputs) const = 0;
  // All parameters by name, in a stable order.
  virtual std::vector<NamedTensor> Parameters() const = 0;
  // Expression models: the expression with the fitted values substituted;
  // empty for other models.
  virtual std::string FittedExpression() const { return ""; }

  const std::vector<std::string>& features() const { return features_; }
  const std::string& target() const { return target_; }
  void set_columns(std::vector<std::string> features, std::string target) {
    features_ = std::move(features);
    target_ = std::move(target);
  }

 private:
  std::vector<std::string> features_;
  std::string target_;
};

// Predicts from named input columns, as the Predict RPC receives them: every
// feature must be present and all columns of equal length. Extra columns are
// ignored.
absl::StatusOr<Prediction> PredictColumns(
    const TrainedModel& model,
    const std::map<std::string, std::vector<double>>& inputs);

// The training side of a model. Samples travel one per column: a batch x is
// features x m, outputs are outputs_per_row x m (logits for classifiers).
// Not thread-safe; the trainer copies the finished model out for serving.
class TrainableModel : public TrainedModel {
 public:
  // The flat parameter vector the optimizer updates in place.
  virtual Eigen::VectorXd& parameter_vector() = 0;
  const Eigen::VectorXd& parameter_vector() const {
    return const_cast<TrainableModel*>(this)->parameter_vector();
  }
  // 1 for weights (L2 and decoupled decay apply), 0 for biases.
  virtual const Eigen::VectorXd& decay_mask() const = 0;
  // Sizes the internal buffers for batches of up to `max_columns`, so that
  // Forward and Backward never allocate afterwards.
  virtual void Reserve(int64_t max_columns) = 0;
  // Forward pass over `x` (m <= reserved columns). Returns the output
  // buffer, outputs x reserved columns, of which the first m are this
  // batch's raw outputs; it stays valid until the next Forward or Reserve.
  virtual const Eigen::MatrixXd& Forward(
      const Eigen::Ref<const Eigen::MatrixXd>& x) = 0;
  // After Forward(x): adds dLoss/dParameters to `grad`, given
  // dLoss/dOutputs (outputs x m).
  virtual void Backward(const Eigen::Ref<const Eigen::MatrixXd>& x,
                        const Eigen::Ref<const Eigen::MatrixXd>& d_outputs,
                        Eigen::Ref<Eigen::VectorXd> grad) = 0;
  // An independent copy with the current parameters, for serving.
  virtual std::shared_ptr<const TrainedModel> Snapshot() const = 0;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_MODEL_H_
