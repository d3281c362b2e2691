#include "server/jobs/job_registry.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace slope::jobs {
namespace {

constexpr uint32_t kDefaultPageSize = 50;
constexpr uint32_t kMaxPageSize = 500;

constexpr char kCancelledByRequest[] = "cancelled by a CancelJob request";
constexpr char kCancelledByShutdown[] =
    "cancelled because the server is shutting down";

absl::Status NotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrFormat("job '%s' not found", id));
}

// Why a running job was asked to stop; the first reason wins.
enum class StopReason { kNone, kCancel, kShutdown, kWallTime };

// Page tokens name the creation ordinal of the last job returned and the
// filter they were issued for. Base64 keeps clients from building them.
std::string StateKey(std::optional<JobState> state) {
  return state ? absl::StrCat(static_cast<int>(*state)) : "all";
}

std::string EncodeToken(uint64_t ordinal, std::optional<JobState> state) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1:", ordinal, ":", StateKey(state)));
}

absl::StatusOr<uint64_t> DecodeToken(absl::string_view token,
                                     std::optional<JobState> state) {
  const absl::Status invalid = absl::InvalidArgumentError(
      "page_token is not a next_page_token from ListJobs");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return invalid;
  std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
  uint64_t ordinal = 0;
  if (parts.size() != 3 || parts[0] != "v1" ||
      !absl::SimpleAtoi(parts[1], &ordinal)) {
    return invalid;
  }
  if (parts[2] != StateKey(state)) {
    return absl::InvalidArgumentError(
        "page_token was issued for a different state filter; list again "
        "from the first page");
  }
  return ordinal;
}

}  // namespace

struct JobRegistry::Job {
  // Set at Submit, then immutable.
  std::string id;
  std::string display_name;
  std::shared_ptr<const training::JobSpec> spec;
  absl::Time create_time;
  uint64_t ordinal = 0;
  absl::Duration wall_limit = absl::InfiniteDuration();
  std::shared_ptr<EventLog> log;
  // Only touched by the runner once the job is queued.
  WorkFn work;

  // Polled by ShouldStop on every mini-batch, hence lock-free.
  std::atomic<bool> stop_requested{false};

  mutable absl::Mutex mu;
  JobState state ABSL_GUARDED_BY(mu) = JobState::kQueued;
  StopReason stop_reason ABSL_GUARDED_BY(mu) = StopReason::kNone;
  absl::Time start_time ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  absl::Time end_time ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  std::optional<training::Progress> progress ABSL_GUARDED_BY(mu);
  std::optional<training::Result> result ABSL_GUARDED_BY(mu);
  std::shared_ptr<const training::TrainedModel> model ABSL_GUARDED_BY(mu);
  std::string message ABSL_GUARDED_BY(mu);

  // Asks a running job to stop unless it was already asked.
  void RequestStop(StopReason reason) {
    absl::MutexLock lock(&mu);
    if (stop_reason == StopReason::kNone) stop_reason = reason;
    stop_requested.store(true, std::memory_order_relaxed);
  }

  JobState CurrentState() const {
    absl::MutexLock lock(&mu);
    return state;
  }

  JobSnapshot Snapshot() const {
    absl::MutexLock lock(&mu);
    return SnapshotLocked();
  }

  // Appends the final state change and the FinishedEvent, which closes
  // the log. Under mu, so that no snapshot shows the job finished while its
  // log is still open: a finished job's snapshot is final, last_sequence
  // included. (The log's subscribers only post work elsewhere; none takes
  // this lock.)
  void CloseLogLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    log->Append(StateChangeEvent{state, message});
    JobSnapshot final_snapshot = SnapshotLocked();
    ++final_snapshot.last_sequence;  // the FinishedEvent itself
    log->Append(FinishedEvent{std::move(final_snapshot)});
  }

  JobSnapshot SnapshotLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    JobSnapshot snapshot;
    snapshot.id = id;
    snapshot.display_name = display_name;
    snapshot.spec = spec;
    snapshot.create_time = create_time;
    snapshot.state = state;
    snapshot.start_time = start_time;
    snapshot.end_time = end_time;
    snapshot.progress = progress;
    snapshot.result = result;
    snapshot.has_model = model != nullptr;
    snapshot.message = message;
    // Events appended after this read are newer than the snapshot, so a
    // watcher starting from here misses nothing.
    snapshot.last_sequence = log->last_sequence();
    return snapshot;
  }
};

// What a running job's work function reports to and polls.
class JobRegistry::Sink : public training::ProgressSink {
 public:
  Sink(Job* job, absl::Time deadline) : job_(job), deadline_(deadline) {}

  void Report(const training::Progress& progress) override {
    {
      absl::MutexLock lock(&job_->mu);
      job_->progress = progress;
    }
    job_->log->Append(progress);
  }

  bool ShouldStop() const override {
    if (job_->stop_requested.load(std::memory_order_relaxed)) return true;
    if (absl::Now() < deadline_) return false;
    job_->RequestStop(StopReason::kWallTime);
    return true;
  }

 private:
  Job* const job_;
  const absl::Time deadline_;
};

JobRegistry::JobRegistry(JobLimits limits, ComputePool* pool)
    : limits_(limits), pool_(pool) {
  const uint32_t runners = std::max<uint32_t>(limits_.max_running_jobs, 1);
  absl::MutexLock lock(&shutdown_mu_);
  runners_.reserve(runners);
  for (uint32_t i = 0; i < runners; ++i) {
    runners_.emplace_back([this] { RunnerMain(); });
  }
}

JobRegistry::~JobRegistry() { Shutdown(); }

absl::StatusOr<JobSnapshot> JobRegistry::Submit(
    std::string display_name, std::shared_ptr<const training::JobSpec> spec,
    WorkFn work, SubmitOptions options) {
  if (!work) return absl::InvalidArgumentError("the job has no work to run");
  auto job = std::make_shared<Job>();
  job->display_name = std::move(display_name);
  job->spec = std::move(spec);
  job->work = std::move(work);
  job->create_time = absl::Now();
  job->log = std::make_shared<EventLog>(limits_.max_events_per_job);
  const absl::Duration server_limit =
      limits_.max_job_wall_seconds == 0
          ? absl::InfiniteDuration()
          : absl::Seconds(limits_.max_job_wall_seconds);
  job->wall_limit = options.max_wall_time > absl::ZeroDuration()
                        ? std::min(options.max_wall_time, server_limit)
                        : server_limit;
  // Nobody can see the job yet, so this is sequence 1.
  job->log->Append(StateChangeEvent{JobState::kQueued, ""});

  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return absl::UnavailableError("the server is shutting down");
    }
    const size_t capacity =
        static_cast<size_t>(std::max<uint32_t>(limits_.max_running_jobs, 1)) +
        limits_.max_queued_jobs;
    if (queue_.size() + running_.size() >= capacity) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "too many training jobs: %d are queued (max_queued_jobs is %d) and "
          "%d are running (max_running_jobs is %d); retry later",
          queue_.size(), limits_.max_queued_jobs, running_.size(),
          limits_.max_running_jobs));
    }
    job->id = NewId();
    job->ordinal = next_ordinal_++;
    by_id_[job->id] = job;
    by_ordinal_[job->ordinal] = job;
    queue_.push_back(job);
  }
  return job->Snapshot();
}

std::string JobRegistry::NewId() {
  while (true) {
    std::string id =
        absl::StrFormat("job-%08x", absl::Uniform<uint32_t>(bitgen_));
    if (!by_id_.contains(id)) return id;
  }
}

std::shared_ptr<JobRegistry::Job> JobRegistry::Find(
    absl::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

absl::StatusOr<JobSnapshot> JobRegistry::Get(absl::string_view id) const {
  std::shared_ptr<Job> job;
  {
    absl::MutexLock lock(&mu_);
    job = Find(id);
  }
  if (job == nullptr) return NotFound(id);
  return job->Snapshot();
}

absl::StatusOr<JobPage> JobRegistry::List(uint32_t page_size,
                                          absl::string_view page_token,
                                          std::optional<JobState> state) const {
  if (page_size == 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  std::optional<uint64_t> after;
  if (!page_token.empty()) {
    absl::StatusOr<uint64_t> ordinal = DecodeToken(page_token, state);
    if (!ordinal.ok()) return ordinal.status();
    after = *ordinal;
  }

  JobPage page;
  absl::MutexLock lock(&mu_);
  // Newest first: walk down from just below the previous page's last job.
  auto it = after ? by_ordinal_.lower_bound(*after) : by_ordinal_.end();
  uint64_t last_ordinal = 0;
  while (it != by_ordinal_.begin()) {
    --it;
    // Filter on the snapshot itself so that a job whose state changes
    // meanwhile is never listed under a state it is not shown in.
    JobSnapshot snapshot = it->second->Snapshot();
    if (state && snapshot.state != *state) continue;
    if (page.jobs.size() == page_size) {
      // Another match exists, so this page is not the last.
      page.next_page_token = EncodeToken(last_ordinal, state);
      break;
    }
    page.jobs.push_back(std::move(snapshot));
    last_ordinal = it->first;
  }
  return page;
}

absl::StatusOr<JobSnapshot> JobRegistry::Cancel(absl::string_view id) {
  std::shared_ptr<Job> job;
  bool was_queued = false;
  {
    absl::MutexLock lock(&mu_);
    job = Find(id);
    if (job == nullptr) return NotFound(id);
    // Queue membership and the QUEUED state change together under mu_.
    auto queued = std::find(queue_.begin(), queue_.end(), job);
    if (queued != queue_.end()) {
      queue_.erase(queued);
      was_queued = true;
    } else if (!IsFinished(job->CurrentState())) {
      job->RequestStop(StopReason::kCancel);
    }
  }
  if (was_queued) CancelQueued(job, kCancelledByRequest);
  return job->Snapshot();
}

void JobRegistry::CancelQueued(const std::shared_ptr<Job>& job,
                               std::string message) {
  {
    absl::MutexLock lock(&job->mu);
    job->state = JobState::kCancelled;
    job->end_time = absl::Now();
    job->message = std::move(message);
    job->CloseLogLocked();
  }
  job->work = nullptr;
  Retire(job);
}

absl::Status JobRegistry::Delete(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Job> job = Find(id);
  if (job == nullptr) return NotFound(id);
  const JobState state = job->CurrentState();
  if (!IsFinished(state)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "job '%s' is %s; cancel it before deleting it", id,
        JobStateName(state)));
  }
  by_id_.erase(job->id);
  by_ordinal_.erase(job->ordinal);
  auto finished = std::find(finished_.begin(), finished_.end(), job->id);
  if (finished != finished_.end()) finished_.erase(finished);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const training::TrainedModel>>
JobRegistry::Model(absl::string_view id) const {
  std::shared_ptr<Job> job;
  {
    absl::MutexLock lock(&mu_);
    job = Find(id);
  }
  if (job == nullptr) return NotFound(id);
  absl::MutexLock lock(&job->mu);
  if (job->model != nullptr) return job->model;
  switch (job->state) {
    case JobState::kQueued:
    case JobState::kRunning:
      return absl::FailedPreconditionError(absl::StrFormat(
          "job '%s' is %s; it has a model once it has finished", id,
          JobStateName(job->state)));
    case JobState::kFailed:
      return absl::FailedPreconditionError(
          absl::StrFormat("job '%s' FAILED and has no model", id));
    case JobState::kCancelled:
      return absl::FailedPreconditionError(absl::StrFormat(
          "job '%s' was cancelled before it trained a model", id));
    case JobState::kSucceeded:
      break;
  }
  return absl::FailedPreconditionError(
      absl::StrFormat("job '%s' produced no model", id));
}

absl::StatusOr<std::shared_ptr<const EventLog>> JobRegistry::Events(
    absl::string_view id) const {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Job> job = Find(id);
  if (job == nullptr) return NotFound(id);
  return std::shared_ptr<const EventLog>(job->log);
}

void JobRegistry::RunnerMain() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return shutting_down_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      // Shutdown empties the queue, so this means "shutting down".
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_.push_back(job);
      // Still under mu_, so Cancel never sees a job that is neither queued
      // nor RUNNING.
      absl::MutexLock job_lock(&job->mu);
      job->state = JobState::kRunning;
      job->start_time = absl::Now();
    }
    RunJob(job);
    {
      absl::MutexLock lock(&mu_);
      running_.erase(std::find(running_.begin(), running_.end(), job));
    }
    Retire(job);
  }
}

void JobRegistry::RunJob(const std::shared_ptr<Job>& job) {
  absl::Time start;
  {
    absl::MutexLock lock(&job->mu);
    start = job->start_time;
  }
  job->log->Append(StateChangeEvent{JobState::kRunning, ""});

  Sink sink(job.get(), start + job->wall_limit);
  absl::StatusOr<training::Outcome> outcome = job->work(sink);
  // Drop whatever the work captured (data sets, compiled expressions) now
  // rather than when the job is evicted.
  job->work = nullptr;

  {
    absl::MutexLock lock(&job->mu);
    job->end_time = absl::Now();
    if (outcome.ok()) {
      job->result = outcome->result;
      job->model = std::move(outcome->model);
    }
    switch (job->stop_reason) {
      case StopReason::kCancel:
        job->state = JobState::kCancelled;
        job->message = kCancelledByRequest;
        break;
      case StopReason::kShutdown:
        job->state = JobState::kCancelled;
        job->message = kCancelledByShutdown;
        break;
      case StopReason::kWallTime:
        job->state = JobState::kFailed;
        job->message =
            absl::StrFormat("exceeded the wall-time limit of %g s",
                            absl::ToDoubleSeconds(job->wall_limit));
        break;
      case StopReason::kNone:
        if (!outcome.ok()) {
          job->state = JobState::kFailed;
          job->message = outcome.status().message().empty()
                             ? outcome.status().ToString()
                             : std::string(outcome.status().message());
        } else if (!std::isfinite(outcome->result.final_loss)) {
          job->state = JobState::kFailed;
          job->message = absl::StrFormat(
              "training diverged: the final loss is %g",
              outcome->result.final_loss);
        } else {
          job->state = JobState::kSucceeded;
        }
        break;
    }
    // Only SUCCEEDED and CANCELLED jobs serve predictions.
    if (job->state == JobState::kFailed) job->model = nullptr;
    job->CloseLogLocked();
  }
}

void JobRegistry::Retire(const std::shared_ptr<Job>& job) {
  absl::MutexLock lock(&mu_);
  // Deleted (or evicted) while finishing: nothing to retain.
  if (Find(job->id) != job) return;
  finished_.push_back(job->id);
  while (finished_.size() > limits_.max_retained_jobs) {
    std::shared_ptr<Job> oldest = Find(finished_.front());
    finished_.pop_front();
    if (oldest == nullptr) continue;
    by_id_.erase(oldest->id);
    by_ordinal_.erase(oldest->ordinal);
  }
}

void JobRegistry::Shutdown() {
  absl::MutexLock shutdown_lock(&shutdown_mu_);
  std::deque<std::shared_ptr<Job>> queued;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    queued.swap(queue_);
    for (const std::shared_ptr<Job>& job : running_) {
      job->RequestStop(StopReason::kShutdown);
    }
  }
  for (const std::shared_ptr<Job>& job : queued) {
    CancelQueued(job, kCancelledByShutdown);
  }
  for (std::thread& runner : runners_) {
    if (runner.joinable()) runner.join();
  }
}

}  // namespace slope::jobs
