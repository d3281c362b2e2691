// The training jobs of a server: admission, a FIFO queue, running, state,
// cancellation, retention and the event logs that WatchJob follows.
//
// Where jobs run. Each registry owns max_running_jobs runner threads of its
// own; a runner takes the oldest queued job, runs its work function to the
// end on that thread, and takes the next. Jobs deliberately do not run on
// the ComputePool: a job holds its thread for up to max_job_wall_seconds,
// so on the pool every running job would take a worker away from batch
// requests for that long (on a two-core server, two jobs would leave batch
// work no helpers at all). On dedicated threads the OS time-slices jobs
// against the pool, batch requests keep every worker, and each job runs
// single-threaded, which keeps its losses reproducible bit for bit.
//
// Locking. mu_ guards the registry's containers; each job's mutable fields
// have their own mutex so that a progress report from a training loop never
// waits for a listing of other jobs. Order: mu_, then a job's mutex, then
// its event log's. Event-log appends (which call watcher callbacks) happen
// with none of the registry's locks held, so a callback may call back into
// the registry.
#ifndef SLOPE_SERVER_JOBS_JOB_REGISTRY_H_
#define SLOPE_SERVER_JOBS_JOB_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jobs/compute_pool.h"
#include "server/jobs/event_log.h"
#include "server/jobs/job_snapshot.h"
#include "server/training/progress.h"

namespace slope::jobs {

struct JobLimits {
  uint32_t max_running_jobs = 2;     // at least 1 is used
  uint32_t max_queued_jobs = 64;     // waiting beyond the running ones
  uint32_t max_retained_jobs = 256;  // finished jobs kept
  uint32_t max_events_per_job = 1000;
  uint32_t max_job_wall_seconds = 3600;  // 0: no limit
};

// What a job does. It runs on a runner thread, reports through the sink and
// polls sink.ShouldStop() (at least once per mini-batch); when that turns
// true it should return promptly, with a partial outcome or an error.
using WorkFn = std::function<absl::StatusOr<training::Outcome>(
    training::ProgressSink&)>;

struct SubmitOptions {
  // Wall-time limit of this job from its start (the spec's
  // max_wall_seconds). Zero or anything above the server's limit means the
  // server's limit.
  absl::Duration max_wall_time = absl::ZeroDuration();
};

struct JobPage {
  std::vector<JobSnapshot> jobs;  // newest first
  std::string next_page_token;    // empty on the last page
};

class JobRegistry {
 public:
  // `pool` may be null. Jobs never run on it (see above); it is kept only
  // so that work functions can be handed the server's pool through
  // compute_pool().
  explicit JobRegistry(JobLimits limits, ComputePool* pool = nullptr);
  // Shutdown().
  ~JobRegistry();

  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // Queues a job; it starts when a runner is free, in submission order.
  // RESOURCE_EXHAUSTED naming max_queued_jobs when max_running_jobs +
  // max_queued_jobs jobs are already queued or running; UNAVAILABLE after
  // Shutdown. `spec` is only stored and handed back; it may be null.
  absl::StatusOr<JobSnapshot> Submit(
      std::string display_name, std::shared_ptr<const training::JobSpec> spec,
      WorkFn work, SubmitOptions options = {});

  // NOT_FOUND "job 'job-x' not found" for unknown (or evicted) ids.
  absl::StatusOr<JobSnapshot> Get(absl::string_view id) const;

  // Jobs newest first. page_size 0 means 50; larger than 500 means 500.
  // page_token is "" or a previous next_page_token for the same `state`
  // filter (INVALID_ARGUMENT otherwise). Tokens stay valid when jobs are
  // added or removed meanwhile: a page continues after the last job of the
  // previous one, so new jobs never shift or repeat entries.
  absl::StatusOr<JobPage> List(uint32_t page_size,
                               absl::string_view page_token,
                               std::optional<JobState> state) const;

  // A queued job becomes CANCELLED at once; a running job's ShouldStop()
  // turns true and it becomes CANCELLED when its work returns (keeping any
  // partial result and model it hands back); a finished job is unchanged.
  // Returns the job as it is after the request.
  absl::StatusOr<JobSnapshot> Cancel(absl::string_view id);

  // Forgets a finished job and its model (watchers already following its
  // log can finish reading). FAILED_PRECONDITION for a queued or running
  // job.
  absl::Status Delete(absl::string_view id);

  // The trained model of a SUCCEEDED job, or of a CANCELLED one whose work
  // handed one back; FAILED_PRECONDITION otherwise.
  absl::StatusOr<std::shared_ptr<const training::TrainedModel>> Model(
      absl::string_view id) const;

  // The job's event log, to Subscribe and Read. The pointer stays valid
  // after the job is deleted or evicted.
  absl::StatusOr<std::shared_ptr<const EventLog>> Events(
      absl::string_view id) const;

  // Refuses new jobs, cancels queued and running ones and joins the
  // runners. Idempotent.
  void Shutdown();

  const JobLimits& limits() const { return limits_; }
  ComputePool* compute_pool() const { return pool_; }

 private:
  struct Job;
  class Sink;

  void RunnerMain();
  void RunJob(const std::shared_ptr<Job>& job);
  // Moves a queued job straight to CANCELLED (the caller has already taken
  // it out of the queue).
  void CancelQueued(const std::shared_ptr<Job>& job, std::string message);
  // Records a finished job and evicts the oldest finished beyond
  // max_retained_jobs.
  void Retire(const std::shared_ptr<Job>& job);
  std::shared_ptr<Job> Find(absl::string_view id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NewId() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const JobLimits limits_;
  ComputePool* const pool_;

  mutable absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_ordinal_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, std::shared_ptr<Job>> by_id_
      ABSL_GUARDED_BY(mu_);
  // By creation ordinal: the listing order and what page tokens point at.
  std::map<uint64_t, std::shared_ptr<Job>> by_ordinal_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Job>> running_ ABSL_GUARDED_BY(mu_);
  // Ids of the retained finished jobs, the earliest finished first.
  std::deque<std::string> finished_ ABSL_GUARDED_BY(mu_);
  absl::BitGen bitgen_ ABSL_GUARDED_BY(mu_);

  // Serialises Shutdown so that two callers never join the same thread.
  absl::Mutex shutdown_mu_;
  std::vector<std::thread> runners_ ABSL_GUARDED_BY(shutdown_mu_);
};

}  // namespace slope::jobs

#endif  // SLOPE_SERVER_JOBS_JOB_REGISTRY_H_
