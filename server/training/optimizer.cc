#include "server/training/optimizer.h"

#include <algorithm>
#include <cmath>

namespace slope::training {

Optimizer::Optimizer(const OptimizerSpec& spec, int64_t num_parameters,
                     Eigen::VectorXd decay_mask)
    : spec_(spec), decay_mask_(std::move(decay_mask)) {
  if (decay_mask_.size() != num_parameters) {
    decay_mask_ = Eigen::VectorXd::Ones(num_parameters);
  }
  m_ = Eigen::VectorXd::Zero(num_parameters);
  if (spec_.kind == OptimizerKind::kAdam ||
      spec_.kind == OptimizerKind::kAdamW ||
      spec_.kind == OptimizerKind::kUnspecified) {
    v_ = Eigen::VectorXd::Zero(num_parameters);
  }
}

double Optimizer::Step(Eigen::Ref<Eigen::VectorXd> params,
                       Eigen::Ref<Eigen::VectorXd> grad, double lr) {
  const double norm = grad.norm();
  if (spec_.clip_norm > 0 && norm > spec_.clip_norm) {
    grad *= spec_.clip_norm / norm;
  }
  ++t_;
  switch (spec_.kind) {
    case OptimizerKind::kSgd:
      params -= lr * grad;
      break;
    case OptimizerKind::kMomentum:
      m_ = spec_.momentum * m_ + grad;
      params -= lr * m_;
      break;
    case OptimizerKind::kNesterov:
      m_ = spec_.momentum * m_ + grad;
      params -= lr * (grad + spec_.momentum * m_);
      break;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW:
    case OptimizerKind::kUnspecified: {
      const double b1 = spec_.beta1;
      const double b2 = spec_.beta2;
      beta1_power_ *= b1;
      beta2_power_ *= b2;
      m_ = b1 * m_ + (1 - b1) * grad;
      v_ = b2 * v_ + (1 - b2) * grad.cwiseAbs2();
      const double c1 = 1 - beta1_power_;
      const double c2 = 1 - beta2_power_;
      params.array() -= lr * (m_.array() / c1) /
                        ((v_.array() / c2).sqrt() + spec_.epsilon);
      if (spec_.kind == OptimizerKind::kAdamW && spec_.weight_decay > 0) {
        params.array() -=
            (lr * spec_.weight_decay) * params.array() * decay_mask_.array();
      }
      break;
    }
  }
  return norm;
}

double ScheduledLearningRate(const ScheduleSpec& schedule, double base,
                             int64_t step, int64_t epoch,
                             int64_t total_steps) {
  double lr = base;
  switch (schedule.kind) {
    case ScheduleKind::kStep:
      lr = base * std::pow(schedule.gamma,
                           static_cast<double>(epoch / std::max<int64_t>(
                                                           1, schedule.step_size)));
      break;
    case ScheduleKind::kExponential:
      lr = base * std::pow(schedule.gamma, static_cast<double>(epoch));
      break;
    case ScheduleKind::kCosine: {
      const double progress =
          total_steps > 0
              ? std::min(1.0, static_cast<double>(step) / total_steps)
              : 1.0;
      lr = schedule.min_learning_rate +
           (base - schedule.min_learning_rate) * 0.5 *
               (1 + std::cos(M_PI * progress));
      break;
    }
    case ScheduleKind::kConstant:
    case ScheduleKind::kUnspecified:
      break;
  }
  if (step < static_cast<int64_t>(schedule.warmup_steps)) {
    lr *= static_cast<double>(step + 1) / schedule.warmup_steps;
  }
  return lr;
}

}  // namespace slope::training
