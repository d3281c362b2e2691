// Loss functions on raw model outputs, with their gradients, computed in
// numerically stable forms and without allocating (the training loop calls
// them for every mini-batch).
#ifndef SLOPE_SERVER_TRAINING_LOSS_H_
#define SLOPE_SERVER_TRAINING_LOSS_H_

#include "Eigen/Core"
#include "server/training/spec.h"

namespace slope::training {

// `outputs` is k x m raw outputs (logits for the cross-entropies), `targets`
// the m target values (class labels 0..k-1 for softmax CE; 0/1 or
// probabilities for BCE). Returns the SUM over the m samples of the
// per-sample loss, and writes scale * dLoss_i/dOutputs into `d_outputs`
// (k x m); pass scale = 1 / batch size to get the gradient of the mean.
//   MSE:        (z - y)^2             gradient 2 (z - y)
//   MAE:        |z - y|               gradient sign(z - y)
//   Huber(d):   r^2/2 if |r| <= d, else d (|r| - d/2); gradient clamp(r)
//   BCE:        max(z,0) - z y + log1p(exp(-|z|)); gradient sigmoid(z) - y
//   Softmax CE: logsumexp(z) - z_y;  gradient softmax(z) - onehot(y)
// The regression losses and BCE need k == 1. `loss` must be resolved (not
// kUnspecified).
double LossSumAndGradient(Loss loss, double huber_delta,
                          const Eigen::Ref<const Eigen::MatrixXd>& outputs,
                          const Eigen::Ref<const Eigen::VectorXd>& targets,
                          double scale, Eigen::Ref<Eigen::MatrixXd> d_outputs);

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_LOSS_H_
