#include "server/training/loss.h"

#include <algorithm>
#include <cmath>

namespace slope::training {

double LossSumAndGradient(Loss loss, double huber_delta,
                          const Eigen::Ref<const Eigen::MatrixXd>& outputs,
                          const Eigen::Ref<const Eigen::VectorXd>& targets,
                          double scale, Eigen::Ref<Eigen::MatrixXd> d_outputs) {
  const Eigen::Index m = outputs.cols();
  if (loss == Loss::kSoftmaxCrossEntropy) {
    // Column by column: each sample's log-sum-exp needs its own maximum,
    // and a per-column loop needs no temporary row of maxima.
    double sum = 0;
    for (Eigen::Index j = 0; j < m; ++j) {
      const auto z = outputs.col(j);
      auto d = d_outputs.col(j);
      const double max = z.maxCoeff();
      d = (z.array() - max).exp().matrix();
      const double total = d.sum();
      const Eigen::Index label = static_cast<Eigen::Index>(targets[j]);
      sum += std::log(total) - (z[label] - max);
      d *= scale / total;
      d[label] -= scale;
    }
    return sum;
  }
  const auto z = outputs.row(0).array();
  const auto y = targets.transpose().array();
  auto d = d_outputs.row(0).array();
  switch (loss) {
    case Loss::kMae:
      d = scale * (z - y).sign();
      return (z - y).abs().sum();
    case Loss::kHuber: {
      const double delta = huber_delta;
      d = scale * (z - y).max(-delta).min(delta);
      // 0.5 r^2 inside, delta (|r| - delta/2) outside: written as
      // c (|r| - c/2) with c = min(|r|, delta), which is both.
      const auto c = (z - y).abs().min(delta);
      return (c * ((z - y).abs() - 0.5 * c)).sum();
    }
    case Loss::kBinaryCrossEntropy:
      d = scale * (((-z).exp() + 1.0).inverse() - y);
      return (z.max(0.0) - z * y + (-z.abs()).exp().log1p()).sum();
    case Loss::kMse:
    case Loss::kUnspecified:
    case Loss::kSoftmaxCrossEntropy:
      break;
  }
  d = (2.0 * scale) * (z - y);
  return (z - y).square().sum();
}

}  // namespace slope::training
