#include "server/training/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "server/training/job_data.h"
#include "server/training/loss.h"
#include "server/training/metrics.h"
#include "server/training/minimize.h"
#include "server/training/model_factory.h"
#include "server/training/optimizer.h"
#include "server/training/random.h"

namespace slope::training {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kShuffleStream = 2;
// Roughly how many multiply-adds one chunk of a mini-batch may cost before
// the loop polls ShouldStop again: a few milliseconds of work, so that even
// huge batches on big models cancel promptly.
constexpr int64_t kChunkWork = int64_t{1} << 21;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Progress counters are uint32 on the wire; a huge run saturates rather
// than wrapping around.
uint32_t Saturate(int64_t v) {
  return static_cast<uint32_t>(
      std::clamp<int64_t>(v, 0, std::numeric_limits<uint32_t>::max()));
}

// Everything one run of the loop needs, preallocated.
class Trainer {
 public:
  Trainer(const JobSpec& spec, const TrainingLimits& limits,
          std::unique_ptr<TrainableModel> model, SplitData data,
          ProgressSink& sink)
      : spec_(spec),
        sink_(sink),
        model_(std::move(model)),
        data_(std::move(data)),
        loss_(EffectiveLoss(spec)),
        huber_delta_(EffectiveHuberDelta(spec)),
        output_(OutputKindFor(loss_)),
        optimizer_spec_(EffectiveOptimizer(spec.optimizer)),
        schedule_(EffectiveSchedule(spec.schedule)),
        optimizer_(optimizer_spec_, model_->parameter_vector().size(),
                   model_->decay_mask()),
        epochs_(EffectiveEpochs(spec)),
        max_wall_(std::chrono::seconds(EffectiveMaxWallSeconds(spec, limits))),
        report_every_(std::chrono::milliseconds(EffectiveReportEveryMs(spec))),
        train_metrics_(output_, data_.train_y.mean()),
        validation_metrics_(output_, data_.validation_y.size() > 0
                                         ? data_.validation_y.mean()
                                         : 0.0) {
    const int64_t n = data_.train_x.cols();
    batch_ = std::min<int64_t>(EffectiveBatchSize(spec), n);
    steps_per_epoch_ = (n + batch_ - 1) / batch_;
    total_steps_ = steps_per_epoch_ * epochs_;
    const int64_t params = model_->parameter_vector().size();
    chunk_ = std::clamp<int64_t>(kChunkWork / std::max<int64_t>(params, 1), 16,
                                 batch_);
    model_->Reserve(chunk_);
    x_.resize(data_.train_x.rows(), chunk_);
    y_.resize(chunk_);
    d_out_.resize(model_->outputs_per_row(), chunk_);
    grad_.resize(params);
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0);
  }

  absl::StatusOr<Outcome> Run();

 private:
  // Adds one mini-batch's gradient into grad_ and its loss into the epoch's
  // metrics, chunk by chunk. False if asked to stop.
  bool AccumulateBatch(int64_t start, int64_t size, double* loss_sum);
  // Forward passes over a whole matrix, chunk by chunk. False if asked to
  // stop.
  bool Evaluate(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                MetricAccumulator& metrics);
  double Penalty() const;
  absl::Status CheckWallTime() const;
  void Report();
  Outcome Finish(bool stopped);

  const JobSpec& spec_;
  ProgressSink& sink_;
  std::unique_ptr<TrainableModel> model_;
  SplitData data_;
  const Loss loss_;
  const double huber_delta_;
  const OutputKind output_;
  const OptimizerSpec optimizer_spec_;
  const ScheduleSpec schedule_;
  Optimizer optimizer_;
  const int64_t epochs_;
  const Clock::duration max_wall_;
  const Clock::duration report_every_;
  int64_t batch_ = 0;
  int64_t chunk_ = 0;
  int64_t steps_per_epoch_ = 0;
  int64_t total_steps_ = 0;

  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  Eigen::MatrixXd d_out_;
  Eigen::VectorXd grad_;
  std::vector<int64_t> order_;

  // Progress.
  Clock::time_point start_;
  Clock::time_point last_report_;
  int64_t epoch_ = 0;  // 0-based epoch in progress
  int64_t epochs_completed_ = 0;
  int64_t step_ = 0;
  int64_t samples_ = 0;
  double lr_ = 0;
  double epoch_objective_sum_ = 0;  // sum over samples of loss + penalty
  int64_t epoch_samples_ = 0;
  MetricAccumulator train_metrics_;
  MetricAccumulator validation_metrics_;
  bool have_validation_ = false;
  double last_gradient_norm_ = 0;
};

bool Trainer::AccumulateBatch(int64_t start, int64_t size, double* loss_sum) {
  const double scale = 1.0 / static_cast<double>(size);
  for (int64_t offset = 0; offset < size; offset += chunk_) {
    if (sink_.ShouldStop()) return false;
    const int64_t m = std::min(chunk_, size - offset);
    for (int64_t j = 0; j < m; ++j) {
      const int64_t row = order_[start + offset + j];
      x_.col(j) = data_.train_x.col(row);
      y_[j] = data_.train_y[row];
    }
    const auto x = x_.leftCols(m);
    const Eigen::MatrixXd& out = model_->Forward(x);
    const double sum =
        LossSumAndGradient(loss_, huber_delta_, out.leftCols(m), y_.head(m),
                           scale, d_out_.leftCols(m));
    train_metrics_.Add(out.leftCols(m), y_.head(m), sum);
    model_->Backward(x, d_out_.leftCols(m), grad_);
    *loss_sum += sum;
  }
  return true;
}

bool Trainer::Evaluate(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                       MetricAccumulator& metrics) {
  metrics.Reset();
  const int64_t n = x.cols();
  for (int64_t offset = 0; offset < n; offset += chunk_) {
    if (sink_.ShouldStop()) return false;
    const int64_t m = std::min(chunk_, n - offset);
    const auto xs = x.middleCols(offset, m);
    const Eigen::MatrixXd& out = model_->Forward(xs);
    const double sum =
        LossSumAndGradient(loss_, huber_delta_, out.leftCols(m),
                           y.segment(offset, m), 1.0, d_out_.leftCols(m));
    metrics.Add(out.leftCols(m), y.segment(offset, m), sum);
  }
  return true;
}

double Trainer::Penalty() const {
  if (spec_.l2 <= 0) return 0;
  const Eigen::VectorXd& p = model_->parameter_vector();
  return 0.5 * spec_.l2 *
         (p.array() * model_->decay_mask().array()).square().sum();
}

absl::Status Trainer::CheckWallTime() const {
  if (Clock::now() - start_ <= max_wall_) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrFormat(
      "the job ran longer than its limit of %d s (max_wall_seconds) and was "
      "stopped at epoch %d step %d",
      std::chrono::duration_cast<std::chrono::seconds>(max_wall_).count(),
      epoch_ + 1, step_));
}

void Trainer::Report() {
  const Clock::time_point now = Clock::now();
  last_report_ = now;
  Progress p;
  p.epoch = Saturate(std::min(epoch_ + 1, epochs_));
  p.total_epochs = Saturate(epochs_);
  p.step = Saturate(step_);
  p.total_steps = Saturate(total_steps_);
  p.loss = epoch_samples_ ? epoch_objective_sum_ / epoch_samples_ : 0.0;
  train_metrics_.Export("", p.metrics);
  if (have_validation_) {
    p.validation_loss = validation_metrics_.mean_loss();
    validation_metrics_.Export("validation_", p.metrics);
  }
  p.learning_rate = lr_;
  p.elapsed_seconds = Seconds(now - start_);
  if (p.elapsed_seconds > 0) {
    p.samples_per_second = samples_ / p.elapsed_seconds;
  }
  if (step_ > 0) {
    p.eta_seconds = p.elapsed_seconds / step_ * (total_steps_ - step_);
  }
  p.gradient_norm = last_gradient_norm_;
  sink_.Report(p);
}

Outcome Trainer::Finish(bool stopped) {
  Outcome outcome;
  outcome.stopped = stopped;
  Result& r = outcome.result;
  r.epochs_completed = Saturate(epochs_completed_);
  r.steps_completed = Saturate(step_);
  r.wall_seconds = Seconds(Clock::now() - start_);
  if (r.wall_seconds > 0) r.samples_per_second = samples_ / r.wall_seconds;
  // A clean pass with the final parameters, unless the caller is waiting
  // for us to stop; then the running figures of the last epoch must do.
  MetricAccumulator final_train(output_, data_.train_y.mean());
  bool clean = !stopped && Evaluate(data_.train_x, data_.train_y, final_train);
  if (clean && data_.validation_x.cols() > 0) {
    clean = Evaluate(data_.validation_x, data_.validation_y,
                     validation_metrics_);
    have_validation_ = clean;
  }
  if (!clean) outcome.stopped = stopped = true;
  const MetricAccumulator& train = clean ? final_train : train_metrics_;
  r.final_loss = clean ? train.mean_loss() + Penalty()
                 : epoch_samples_ ? epoch_objective_sum_ / epoch_samples_
                                  : 0.0;
  train.Export("", r.metrics);
  if (have_validation_) {
    r.validation_loss = validation_metrics_.mean_loss();
    validation_metrics_.Export("validation_", r.metrics);
  }
  if (step_ > 0) outcome.model = model_->Snapshot();
  return outcome;
}

absl::StatusOr<Outcome> Trainer::Run() {
  start_ = last_report_ = Clock::now();
  Rng shuffle_rng(MixSeed(spec_.seed, kShuffleStream));
  const int64_t n = data_.train_x.cols();
  const bool has_validation = data_.validation_x.cols() > 0;
  Eigen::VectorXd& params = model_->parameter_vector();
  const Eigen::VectorXd& mask = model_->decay_mask();
  for (epoch_ = 0; epoch_ < epochs_; ++epoch_) {
    if (!spec_.no_shuffle) shuffle_rng.Shuffle(order_);
    train_metrics_.Reset();
    epoch_objective_sum_ = 0;
    epoch_samples_ = 0;
    for (int64_t start = 0; start < n; start += batch_) {
      const int64_t size = std::min(batch_, n - start);
      lr_ = ScheduledLearningRate(schedule_, optimizer_spec_.learning_rate,
                                  step_, epoch_, total_steps_);
      grad_.setZero();
      double loss_sum = 0;
      if (!AccumulateBatch(start, size, &loss_sum)) return Finish(true);
      const double loss = loss_sum / size + Penalty();
      if (!std::isfinite(loss)) {
        return absl::AbortedError(absl::StrFormat(
            "loss became %s at epoch %d step %d: the learning rate (%g) is "
            "probably too large; try a smaller one",
            std::isnan(loss) ? "NaN" : "Inf", epoch_ + 1, step_ + 1,
            optimizer_spec_.learning_rate));
      }
      if (spec_.l2 > 0) grad_.array() += spec_.l2 * params.array() * mask.array();
      last_gradient_norm_ = optimizer_.Step(params, grad_, lr_);
      ++step_;
      samples_ += size;
      epoch_objective_sum_ += loss * size;
      epoch_samples_ += size;
      if (absl::Status s = CheckWallTime(); !s.ok()) return s;
      const bool by_steps = spec_.report_every_steps > 0 &&
                            step_ % spec_.report_every_steps == 0;
      if (by_steps || Clock::now() - last_report_ >= report_every_) Report();
    }
    if (has_validation) {
      if (!Evaluate(data_.validation_x, data_.validation_y,
                    validation_metrics_)) {
        return Finish(true);
      }
      have_validation_ = true;
    }
    epochs_completed_ = epoch_ + 1;
    if (spec_.report_every_steps == 0) Report();
  }
  epoch_ = epochs_ - 1;
  Outcome outcome = Finish(false);
  if (!outcome.stopped && !std::isfinite(outcome.result.final_loss)) {
    return absl::AbortedError(absl::StrFormat(
        "loss became %s at the end of training: the learning rate (%g) is "
        "probably too large; try a smaller one",
        std::isnan(outcome.result.final_loss) ? "NaN" : "Inf",
        optimizer_spec_.learning_rate));
  }
  return outcome;
}

}  // namespace

absl::StatusOr<Outcome> RunJob(const JobSpec& spec, const DatasetStore* store,
                               ProgressSink& sink,
                               const TrainingLimits& limits) {
  if (absl::Status s = ValidateSpec(spec, limits, store); !s.ok()) return s;
  if (const auto* minimize = std::get_if<MinimizeSpec>(&spec.objective)) {
    return RunMinimize(spec, *minimize, sink, limits);
  }
  absl::StatusOr<std::shared_ptr<const Dataset>> data =
      LoadData(spec, store, limits);
  if (!data.ok()) return data.status();
  absl::StatusOr<ColumnPlan> plan =
      PlanColumns(spec, (*data)->column_names(), limits);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<int64_t> classes = CheckTargets(
      spec, *plan, (*data)->values().col(plan->target_index), limits);
  if (!classes.ok()) return classes.status();
  absl::StatusOr<std::unique_ptr<TrainableModel>> model =
      MakeModel(spec, *plan, *classes, limits);
  if (!model.ok()) return model.status();
  absl::StatusOr<SplitData> split = SplitRows(
      **data, *plan, spec.data.validation_fraction, spec.seed);
  if (!split.ok()) return split.status();
  data->reset();  // the split holds what training needs
  Trainer trainer(spec, limits, *std::move(model), *std::move(split), sink);
  return trainer.Run();
}

}  // namespace slope::training
