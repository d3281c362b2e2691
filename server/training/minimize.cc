#include "server/training/minimize.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/parser.h"
#include "server/calculus/tape.h"
#include "server/training/optimizer.h"

namespace slope::training {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::map<std::string, double> Position(const std::vector<std::string>& names,
                                       const Eigen::VectorXd& x) {
  std::map<std::string, double> position;
  for (size_t i = 0; i < names.size(); ++i) position[names[i]] = x[i];
  return position;
}

std::string DescribePoint(const std::vector<std::string>& names,
                          const Eigen::VectorXd& x) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size(); ++i) {
    parts.push_back(absl::StrFormat("%s=%g", names[i], x[i]));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

absl::StatusOr<Outcome> RunMinimize(const JobSpec& spec,
                                    const MinimizeSpec& minimize,
                                    ProgressSink& sink,
                                    const TrainingLimits& limits) {
  absl::StatusOr<calculus::NodePtr> root =
      calculus::Parse(minimize.expression);
  if (!root.ok()) {
    return absl::Status(root.status().code(),
                        absl::StrCat("minimize.expression: ",
                                     root.status().message()));
  }
  const std::vector<std::string> names = calculus::CollectVariables(*root);
  if (names.empty()) {
    return absl::InvalidArgumentError(
        "minimize.expression has no variables to minimise over");
  }
  absl::StatusOr<std::shared_ptr<const calculus::Tape>> tape =
      calculus::CompileTape(*root, names);
  if (!tape.ok()) return tape.status();

  const int64_t n = static_cast<int64_t>(names.size());
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  for (int64_t i = 0; i < n; ++i) {
    auto it = minimize.start.find(names[i]);
    if (it != minimize.start.end()) x[i] = it->second;
  }
  const OptimizerSpec optimizer_spec = EffectiveOptimizer(spec.optimizer);
  const ScheduleSpec schedule = EffectiveSchedule(spec.schedule);
  Optimizer optimizer(optimizer_spec, n);
  const int64_t total_steps = EffectiveMinimizeSteps(minimize);
  // No epochs here: 0 reports about a hundred times over the run.
  const int64_t report_every =
      spec.report_every_steps > 0 ? spec.report_every_steps
                                  : std::max<int64_t>(1, total_steps / 100);
  const auto report_interval =
      std::chrono::milliseconds(EffectiveReportEveryMs(spec));
  const auto max_wall =
      std::chrono::seconds(EffectiveMaxWallSeconds(spec, limits));

  calculus::TapeWorkspace workspace;
  Eigen::VectorXd grad(n);
  Eigen::VectorXd best = x;
  double best_value = std::numeric_limits<double>::infinity();
  double value = 0;
  double grad_norm = 0;
  double lr = 0;
  int64_t step = 0;
  bool stopped = false;
  const Clock::time_point start = Clock::now();
  Clock::time_point last_report = start;

  const auto report = [&] {
    Progress p;
    p.step = static_cast<uint32_t>(step);
    p.total_steps = static_cast<uint32_t>(total_steps);
    p.loss = value;
    p.learning_rate = lr;
    p.elapsed_seconds = Seconds(Clock::now() - start);
    if (p.elapsed_seconds > 0) p.samples_per_second = step / p.elapsed_seconds;
    if (step > 0) {
      p.eta_seconds = p.elapsed_seconds / step * (total_steps - step);
    }
    p.position = Position(names, x);
    p.gradient_norm = grad_norm;
    sink.Report(p);
    last_report = Clock::now();
  };

  // Evaluates at x; false (with the status set) if the value is not finite.
  const auto evaluate = [&](absl::Status* error) {
    absl::StatusOr<calculus::PointResult> r = calculus::EvaluatePoint(
        **tape, absl::Span<const double>(x.data(), n),
        calculus::Derivatives::kGradient, &workspace);
    if (!r.ok()) {
      *error = r.status();
      return false;
    }
    value = r->values[0];
    grad = Eigen::Map<const Eigen::VectorXd>(r->gradients.data(), n);
    grad_norm = grad.norm();
    if (!std::isfinite(value) || !grad.allFinite()) {
      *error = absl::AbortedError(absl::StrFormat(
          "the %s became %s at step %d (at %s): the learning rate (%g) is "
          "probably too large, or the point left the expression's domain",
          std::isfinite(value) ? "gradient" : "value",
          std::isnan(value) || !grad.allFinite() ? "NaN" : "Inf", step,
          DescribePoint(names, x), optimizer_spec.learning_rate));
      return false;
    }
    if (value < best_value) {
      best_value = value;
      best = x;
    }
    return true;
  };

  absl::Status error;
  while (true) {
    if (sink.ShouldStop()) {
      stopped = true;
      break;
    }
    if (!evaluate(&error)) return error;
    if (step >= total_steps ||
        (minimize.tolerance > 0 && grad_norm < minimize.tolerance)) {
      break;
    }
    if (Clock::now() - start > max_wall) {
      return absl::DeadlineExceededError(absl::StrFormat(
          "the job ran longer than its limit of %d s (max_wall_seconds) and "
          "was stopped at step %d",
          max_wall.count(), step));
    }
    lr = ScheduledLearningRate(schedule, optimizer_spec.learning_rate, step, 0,
                               total_steps);
    optimizer.Step(x, grad, lr);
    ++step;
    if (step % report_every == 0 ||
        Clock::now() - last_report >= report_interval) {
      // Report the value at the new point: evaluated on the next pass.
      if (!evaluate(&error)) return error;
      report();
    }
  }
  if (!stopped) report();

  Outcome outcome;
  outcome.stopped = stopped;
  Result& r = outcome.result;
  r.final_loss = std::isfinite(best_value) ? best_value : value;
  r.position = Position(names, std::isfinite(best_value) ? best : x);
  r.steps_completed = static_cast<uint32_t>(step);
  r.wall_seconds = Seconds(Clock::now() - start);
  if (r.wall_seconds > 0) r.samples_per_second = step / r.wall_seconds;
  return outcome;
}

}  // namespace slope::training
