// What a running optimisation reports, and how it learns that it should stop:
// the contract between the training loop (server/training) and the job
// system (server/jobs) that runs it.
#ifndef SLOPE_SERVER_TRAINING_PROGRESS_H_
#define SLOPE_SERVER_TRAINING_PROGRESS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace slope::training {

// A snapshot of a run; mirrors slope.v1.Progress.
struct Progress {
  uint32_t epoch = 0;  // 1-based; 0 for minimize runs
  uint32_t total_epochs = 0;
  uint32_t step = 0;
  uint32_t total_steps = 0;
  double loss = 0;
  std::optional<double> validation_loss;
  std::map<std::string, double> metrics;  // "accuracy", "r2"
  double learning_rate = 0;
  double samples_per_second = 0;
  double elapsed_seconds = 0;
  double eta_seconds = 0;
  std::map<std::string, double> position;  // minimize runs
  double gradient_norm = 0;
};

// The outcome of a finished run; mirrors slope.v1.JobResult.
struct Result {
  double final_loss = 0;
  std::optional<double> validation_loss;
  std::map<std::string, double> metrics;
  uint32_t epochs_completed = 0;
  uint32_t steps_completed = 0;
  double samples_per_second = 0;
  double wall_seconds = 0;
  std::map<std::string, double> position;  // minimize runs
};

class TrainedModel;  // defined in server/training/model.h

// What a run hands back: its result and the model it trained (null for
// minimize runs).
struct Outcome {
  Result result;
  std::shared_ptr<const TrainedModel> model;
  // True when the run ended early because ProgressSink::ShouldStop() asked
  // it to: `result` and `model` then describe the work done so far (model is
  // null if no step was taken). The caller decides the job state
  // (CANCELLED); a run that finished normally leaves this false.
  bool stopped = false;
};

// Where a run reports. Implementations must be cheap: Report is called from
// the training loop and must never block on slow readers.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void Report(const Progress& progress) = 0;
  // Polled by the loop at least once per mini-batch; true asks it to stop.
  virtual bool ShouldStop() const = 0;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_PROGRESS_H_
