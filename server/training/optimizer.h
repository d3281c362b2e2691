// Gradient-descent update rules on flat parameter vectors, so that every
// model (dense network, expression, or a minimize run's point) shares them.
#ifndef SLOPE_SERVER_TRAINING_OPTIMIZER_H_
#define SLOPE_SERVER_TRAINING_OPTIMIZER_H_

#include <cstdint>

#include "Eigen/Core"
#include "server/training/spec.h"

namespace slope::training {

class Optimizer {
 public:
  // `spec` with defaults resolved (EffectiveOptimizer). `decay_mask` (1 for
  // weights, 0 for biases) selects what AdamW's decoupled decay shrinks;
  // empty means everything. State vectors are allocated here, once.
  Optimizer(const OptimizerSpec& spec, int64_t num_parameters,
            Eigen::VectorXd decay_mask = {});

  // One update of `params` with `grad` at learning rate `lr`. Clips `grad`
  // in place to spec.clip_norm first, if set. Returns the gradient's norm
  // before clipping. Never allocates.
  //   SGD:      p -= lr g
  //   Momentum: v = mu v + g;  p -= lr v
  //   Nesterov: v = mu v + g;  p -= lr (g + mu v)
  //   Adam:     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
  //             p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
  //   AdamW:    Adam, and then p -= lr wd p (masked)
  double Step(Eigen::Ref<Eigen::VectorXd> params,
              Eigen::Ref<Eigen::VectorXd> grad, double lr);

  int64_t steps() const { return t_; }

 private:
  OptimizerSpec spec_;
  Eigen::VectorXd decay_mask_;
  Eigen::VectorXd m_;  // momentum / Adam first moment
  Eigen::VectorXd v_;  // Adam second moment
  int64_t t_ = 0;
  double beta1_power_ = 1;
  double beta2_power_ = 1;
};

// The learning rate for optimizer step `step` (0-based) taken during epoch
// `epoch` (0-based) of a run of `total_steps` steps. `schedule` with
// defaults resolved (EffectiveSchedule).
//   constant:    base
//   step:        base * gamma^floor(epoch / step_size)
//   exponential: base * gamma^epoch
//   cosine:      min + (base - min) (1 + cos(pi step / total_steps)) / 2
// and during warm-up (step < warmup_steps) the result is multiplied by
// (step + 1) / warmup_steps, rising linearly to the full rate.
double ScheduledLearningRate(const ScheduleSpec& schedule, double base,
                             int64_t step, int64_t epoch, int64_t total_steps);

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_OPTIMIZER_H_
