// The states of a training job and the plain-value picture of one job that
// the registry hands out. Kept apart from job_registry.h so that the event
// log (whose final event carries a snapshot) does not depend on the registry.
#ifndef SLOPE_SERVER_JOBS_JOB_SNAPSHOT_H_
#define SLOPE_SERVER_JOBS_JOB_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/training/progress.h"

namespace slope::training {
// Defined in server/training/spec.h. The job system only stores and hands
// back the spec, so a declaration keeps it independent of the trainer.
struct JobSpec;
}  // namespace slope::training

namespace slope::jobs {

// QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED (a queued job may also
// go straight to CANCELLED). Mirrors slope.v1.JobState without UNSPECIFIED.
enum class JobState {
  kQueued,
  kRunning,
  kSucceeded,
  kFailed,
  kCancelled,
};

// "QUEUED", "RUNNING", ... as in the API, for messages and logs.
absl::string_view JobStateName(JobState state);

// True for the three states a job never leaves.
bool IsFinished(JobState state);

// A copy of a job's public state at one moment. Holding one holds no lock
// and keeps nothing of the registry alive except the (immutable) spec.
struct JobSnapshot {
  std::string id;  // "job-3f9a1c2b"
  std::string display_name;
  JobState state = JobState::kQueued;
  std::shared_ptr<const training::JobSpec> spec;
  absl::Time create_time = absl::InfinitePast();
  // InfinitePast() until the job starts / finishes.
  absl::Time start_time = absl::InfinitePast();
  absl::Time end_time = absl::InfinitePast();
  // The latest progress report; empty until the job reports.
  std::optional<training::Progress> progress;
  // Set once the job has finished, when the work returned an outcome (also
  // for CANCELLED jobs whose work handed back a partial result).
  std::optional<training::Result> result;
  // Whether Model(id) can hand out a trained model.
  bool has_model = false;
  // Why the job FAILED, or who CANCELLED it.
  std::string message;
  // The sequence number of the newest event when the snapshot was taken;
  // watching from here follows only what happens next.
  uint32_t last_sequence = 0;
};

}  // namespace slope::jobs

#endif  // SLOPE_SERVER_JOBS_JOB_SNAPSHOT_H_
