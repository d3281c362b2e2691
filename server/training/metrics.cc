#include "server/training/metrics.h"

namespace slope::training {

void MetricAccumulator::Add(const Eigen::Ref<const Eigen::MatrixXd>& outputs,
                            const Eigen::Ref<const Eigen::VectorXd>& targets,
                            double loss_sum) {
  const Eigen::Index m = outputs.cols();
  count_ += m;
  loss_sum_ += loss_sum;
  switch (output_) {
    case OutputKind::kRegression:
      sse_ += (outputs.row(0).transpose() - targets).squaredNorm();
      sst_ += (targets.array() - target_mean_).square().sum();
      break;
    case OutputKind::kBinary:
      correct_ += ((outputs.row(0).transpose().array() >= 0.0) ==
                   (targets.array() >= 0.5))
                      .count();
      break;
    case OutputKind::kMulticlass:
      for (Eigen::Index j = 0; j < m; ++j) {
        Eigen::Index best = 0;
        outputs.col(j).maxCoeff(&best);
        if (best == static_cast<Eigen::Index>(targets[j])) ++correct_;
      }
      break;
  }
}

void MetricAccumulator::Reset() {
  count_ = 0;
  loss_sum_ = 0;
  correct_ = 0;
  sse_ = 0;
  sst_ = 0;
}

void MetricAccumulator::Export(const std::string& prefix,
                               std::map<std::string, double>& metrics) const {
  if (output_ == OutputKind::kRegression) {
    metrics[prefix + "r2"] = r2();
  } else {
    metrics[prefix + "accuracy"] = accuracy();
  }
}

}  // namespace slope::training
