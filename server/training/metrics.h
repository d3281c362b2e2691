// Running metrics over mini-batches: the loss, accuracy for classifiers and
// R^2 for regression, accumulated so that an epoch's figures need no second
// pass over the data.
#ifndef SLOPE_SERVER_TRAINING_METRICS_H_
#define SLOPE_SERVER_TRAINING_METRICS_H_

#include <cstdint>
#include <map>
#include <string>

#include "Eigen/Core"
#include "server/training/model.h"

namespace slope::training {

class MetricAccumulator {
 public:
  // `target_mean` is the mean target of the set the metrics describe; R^2
  // compares the model with always predicting it.
  MetricAccumulator(OutputKind output, double target_mean)
      : output_(output), target_mean_(target_mean) {}

  // Adds a batch: raw outputs (k x m), targets (m), and the sum of the
  // batch's per-sample losses.
  void Add(const Eigen::Ref<const Eigen::MatrixXd>& outputs,
           const Eigen::Ref<const Eigen::VectorXd>& targets, double loss_sum);
  void Reset();

  int64_t count() const { return count_; }
  double mean_loss() const { return count_ ? loss_sum_ / count_ : 0.0; }
  // Fraction of rows classified correctly (classifiers).
  double accuracy() const {
    return count_ ? static_cast<double>(correct_) / count_ : 0.0;
  }
  // 1 - SSE/SST (regression); 0 when the targets are constant.
  double r2() const { return sst_ > 0 ? 1.0 - sse_ / sst_ : 0.0; }
  // {"accuracy": ...} or {"r2": ...}, names prefixed by `prefix`.
  void Export(const std::string& prefix,
              std::map<std::string, double>& metrics) const;

 private:
  OutputKind output_;
  double target_mean_;
  int64_t count_ = 0;
  double loss_sum_ = 0;
  int64_t correct_ = 0;
  double sse_ = 0;
  double sst_ = 0;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_METRICS_H_
