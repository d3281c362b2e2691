#include "server/jobs/job_registry.h"
#include "tests/timing.h"

#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace slope::jobs {
namespace {

using ::slope::test_support::kTimingSlack;

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr absl::Duration kEventually = absl::Seconds(10);

// A stand-in model: the job system never looks inside one, so any non-null
// pointer will do (TrainedModel is deliberately incomplete here).
std::shared_ptr<const training::TrainedModel> FakeModel() {
  auto owner = std::make_shared<int>(7);
  return std::shared_ptr<const training::TrainedModel>(
      owner, reinterpret_cast<const training::TrainedModel*>(owner.get()));
}

training::Outcome OutcomeWithLoss(double loss, bool with_model = true) {
  training::Outcome outcome;
  outcome.result.final_loss = loss;
  outcome.result.steps_completed = 3;
  if (with_model) outcome.model = FakeModel();
  return outcome;
}

// A job that reports, then runs until released or asked to stop, polling
// ShouldStop every millisecond like a training loop polls per mini-batch.
class Gate {
 public:
  WorkFn Work(std::function<void()> on_start = nullptr) {
    return [this, on_start](training::ProgressSink& sink)
               -> absl::StatusOr<training::Outcome> {
      if (on_start) on_start();
      training::Progress progress;
      progress.step = 1;
      progress.loss = 0.5;
      sink.Report(progress);
      while (!released_.HasBeenNotified()) {
        if (sink.ShouldStop()) return OutcomeWithLoss(0.25);
        absl::SleepFor(absl::Milliseconds(1));
      }
      return OutcomeWithLoss(0.125);
    };
  }
  void Release() { released_.Notify(); }

 private:
  absl::Notification released_;
};

WorkFn Returning(absl::StatusOr<training::Outcome> outcome) {
  return [outcome](training::ProgressSink&) { return outcome; };
}

// Polls until `done(snapshot)` holds; the final snapshot, or nullopt.
std::optional<JobSnapshot> WaitFor(
    const JobRegistry& registry, const std::string& id,
    const std::function<bool(const JobSnapshot&)>& done,
    absl::Duration timeout = kEventually) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    absl::StatusOr<JobSnapshot> job = registry.Get(id);
    if (job.ok() && done(*job)) return *job;
    absl::SleepFor(absl::Microseconds(200));
  }
  return std::nullopt;
}

std::optional<JobSnapshot> WaitForState(const JobRegistry& registry,
                                        const std::string& id,
                                        JobState state) {
  return WaitFor(registry, id,
                 [state](const JobSnapshot& job) { return job.state == state; });
}

std::optional<JobSnapshot> WaitFinished(const JobRegistry& registry,
                                        const std::string& id) {
  return WaitFor(registry, id, [&](const JobSnapshot& job) {
    // Finished and its final event written.
    auto events = registry.Events(id);
    return IsFinished(job.state) && events.ok() && (*events)->closed();
  });
}

JobLimits Limits(uint32_t running, uint32_t queued = 64) {
  JobLimits limits;
  limits.max_running_jobs = running;
  limits.max_queued_jobs = queued;
  return limits;
}

std::vector<std::string> Kinds(const EventLog& log) {
  std::vector<std::string> kinds;
  auto batch = log.Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  EXPECT_TRUE(batch.ok());
  for (const auto& event : batch->events) {
    if (const auto* state = std::get_if<StateChangeEvent>(&event->kind)) {
      kinds.emplace_back(JobStateName(state->state));
    } else if (std::holds_alternative<FinishedEvent>(event->kind)) {
      kinds.emplace_back("finished");
    } else {
      kinds.emplace_back("progress");
    }
  }
  return kinds;
}

TEST(JobRegistryTest, LifecycleQueuedRunningSucceeded) {
  JobRegistry registry(Limits(1));
  Gate gate;
  const absl::Time before = absl::Now();
  auto submitted = registry.Submit("fit", nullptr, gate.Work());
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  EXPECT_THAT(submitted->id, MatchesRegex("job-[0-9a-f]{8}"));
  EXPECT_EQ(submitted->display_name, "fit");
  EXPECT_GE(submitted->create_time, before);
  EXPECT_GE(submitted->last_sequence, 1u);

  auto running = WaitFor(registry, submitted->id, [](const JobSnapshot& job) {
    return job.state == JobState::kRunning && job.progress.has_value();
  });
  ASSERT_TRUE(running.has_value());
  EXPECT_GE(running->start_time, running->create_time);
  EXPECT_EQ(running->end_time, absl::InfinitePast());
  EXPECT_EQ(running->progress->step, 1u);
  EXPECT_FALSE(running->result.has_value());

  gate.Release();
  auto done = WaitFinished(registry, submitted->id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_GE(done->end_time, done->start_time);
  ASSERT_TRUE(done->result.has_value());
  EXPECT_EQ(done->result->final_loss, 0.125);
  EXPECT_TRUE(done->has_model);
  EXPECT_TRUE(done->message.empty());

  auto log = registry.Events(submitted->id);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(Kinds(**log), (std::vector<std::string>{
                              "QUEUED", "RUNNING", "progress", "SUCCEEDED",
                              "finished"}));
  EXPECT_EQ(done->last_sequence, 5u);
  auto last = (*log)->Read(4, 1, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(last.ok());
  const auto& finished = std::get<FinishedEvent>(last->events[0]->kind);
  EXPECT_EQ(finished.job.state, JobState::kSucceeded);
  EXPECT_EQ(finished.job.last_sequence, 5u);
  EXPECT_TRUE(last->end_of_log);

  auto model = registry.Model(submitted->id);
  ASSERT_TRUE(model.ok());
  EXPECT_NE(*model, nullptr);
}

TEST(JobRegistryTest, ErrorStatusFailsTheJobWithItsMessage) {
  JobRegistry registry(Limits(2));
  auto job = registry.Submit(
      "bad", nullptr,
      Returning(absl::InvalidArgumentError("column 'y' is missing")));
  ASSERT_TRUE(job.ok());
  auto done = WaitFinished(registry, job->id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::kFailed);
  EXPECT_EQ(done->message, "column 'y' is missing");
  EXPECT_FALSE(done->result.has_value());
  EXPECT_EQ(registry.Model(job->id).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(JobRegistryTest, NonFiniteLossFailsTheJob) {
  JobRegistry registry(Limits(2));
  auto job = registry.Submit("nan", nullptr,
                             Returning(OutcomeWithLoss(std::nan(""))));
  ASSERT_TRUE(job.ok());
  auto done = WaitFinished(registry, job->id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::kFailed);
  EXPECT_THAT(done->message, HasSubstr("diverged"));
  EXPECT_FALSE(done->has_model);
}

TEST(JobRegistryTest, CancellingARunningJobTakesUnder100Ms) {
  JobRegistry registry(Limits(1));
  Gate gate;
  auto job = registry.Submit("long", nullptr, gate.Work());
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE(WaitForState(registry, job->id, JobState::kRunning));

  const absl::Time cancel_time = absl::Now();
  auto cancelled = registry.Cancel(job->id);
  ASSERT_TRUE(cancelled.ok());
  auto done = WaitFor(
      registry, job->id,
      [](const JobSnapshot& s) { return s.state == JobState::kCancelled; });
  const absl::Duration latency = absl::Now() - cancel_time;
  ASSERT_TRUE(done.has_value());
  EXPECT_LT(latency, absl::Milliseconds(100) * kTimingSlack);
  EXPECT_EQ(done->message, "cancelled by a CancelJob request");
  // The partial outcome the work handed back is kept, model included.
  ASSERT_TRUE(done->result.has_value());
  EXPECT_EQ(done->result->final_loss, 0.25);
  EXPECT_TRUE(registry.Model(job->id).ok());
  gate.Release();
}

TEST(JobRegistryTest, CancellingAQueuedJobIsImmediateAndFinishedIsUnchanged) {
  JobRegistry registry(Limits(1));
  Gate gate;
  auto first = registry.Submit("first", nullptr, gate.Work());
  auto second = registry.Submit("second", nullptr, gate.Work());
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(WaitForState(registry, first->id, JobState::kRunning));

  auto cancelled = registry.Cancel(second->id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
  EXPECT_NE(cancelled->end_time, absl::InfinitePast());
  EXPECT_EQ(cancelled->start_time, absl::InfinitePast());
  auto log = registry.Events(second->id);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(Kinds(**log),
            (std::vector<std::string>{"QUEUED", "CANCELLED", "finished"}));
  EXPECT_EQ(registry.Model(second->id).status().code(),
            absl::StatusCode::kFailedPrecondition);

  gate.Release();
  auto done = WaitFinished(registry, first->id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::kSucceeded);
  auto again = registry.Cancel(first->id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, JobState::kSucceeded);
  EXPECT_EQ(again->last_sequence, done->last_sequence);
}

TEST(JobRegistryTest, FullQueueIsResourceExhaustedNamingTheLimit) {
  JobRegistry registry(Limits(/*running=*/1, /*queued=*/2));
  Gate gate;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(registry.Submit("ok", nullptr, gate.Work()).ok());
  }
  auto refused = registry.Submit("one too many", nullptr, gate.Work());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("max_queued_jobs is 2"));
  auto page = registry.List(0, "", std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->jobs.size(), 3u);
  gate.Release();
}

TEST(JobRegistryTest, QueuedJobsStartInSubmissionOrder) {
  JobRegistry registry(Limits(1));
  Gate gate;
  auto blocker = registry.Submit("blocker", nullptr, gate.Work());
  ASSERT_TRUE(blocker.ok());
  absl::Mutex mu;
  std::vector<int> order;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto job = registry.Submit(
        "queued", nullptr,
        [&, i](training::ProgressSink&) -> absl::StatusOr<training::Outcome> {
          absl::MutexLock lock(&mu);
          order.push_back(i);
          return OutcomeWithLoss(1);
        });
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->state, JobState::kQueued);
    ids.push_back(job->id);
  }
  gate.Release();
  for (const std::string& id : ids) {
    ASSERT_TRUE(WaitFinished(registry, id).has_value());
  }
  absl::MutexLock lock(&mu);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(JobRegistryTest, RunsAtMostMaxRunningJobsAtOnce) {
  JobRegistry registry(Limits(2));
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto job = registry.Submit(
        "x", nullptr,
        [&](training::ProgressSink&) -> absl::StatusOr<training::Outcome> {
          const int now = inside.fetch_add(1) + 1;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          absl::SleepFor(absl::Milliseconds(5));
          inside.fetch_sub(1);
          return OutcomeWithLoss(1);
        });
    ASSERT_TRUE(job.ok());
    ids.push_back(job->id);
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(WaitFinished(registry, id).has_value());
  }
  EXPECT_LE(most.load(), 2);
}

TEST(JobRegistryTest, UnknownIdsAreNotFound) {
  JobRegistry registry(Limits(1));
  const std::string message = "job 'job-nope' not found";
  EXPECT_EQ(registry.Get("job-nope").status(), absl::NotFoundError(message));
  EXPECT_EQ(registry.Cancel("job-nope").status(),
            absl::NotFoundError(message));
  EXPECT_EQ(registry.Delete("job-nope"), absl::NotFoundError(message));
  EXPECT_EQ(registry.Model("job-nope").status(), absl::NotFoundError(message));
  EXPECT_EQ(registry.Events("job-nope").status(),
            absl::NotFoundError(message));
}

TEST(JobRegistryTest, OnlyFinishedJobsCanBeDeleted) {
  JobRegistry registry(Limits(1));
  Gate gate;
  auto running = registry.Submit("running", nullptr, gate.Work());
  auto queued = registry.Submit("queued", nullptr, gate.Work());
  ASSERT_TRUE(running.ok() && queued.ok());
  ASSERT_TRUE(WaitForState(registry, running->id, JobState::kRunning));
  absl::Status status = registry.Delete(running->id);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("RUNNING; cancel it"));
  EXPECT_EQ(registry.Delete(queued->id).code(),
            absl::StatusCode::kFailedPrecondition);

  auto log = registry.Events(running->id);
  ASSERT_TRUE(log.ok());
  gate.Release();
  ASSERT_TRUE(WaitFinished(registry, running->id).has_value());
  EXPECT_TRUE(registry.Delete(running->id).ok());
  EXPECT_EQ(registry.Get(running->id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(registry.Delete(running->id).code(), absl::StatusCode::kNotFound);
  // A watcher that already had the log can still read it to the end.
  auto events = (*log)->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->end_of_log);
  ASSERT_TRUE(WaitFinished(registry, queued->id).has_value());
}

TEST(JobRegistryTest, ModelNeedsAFinishedJobThatProducedOne) {
  JobRegistry registry(Limits(1));
  Gate gate;
  auto running = registry.Submit("running", nullptr, gate.Work());
  ASSERT_TRUE(running.ok());
  ASSERT_TRUE(WaitForState(registry, running->id, JobState::kRunning));
  auto early = registry.Model(running->id);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.status().message(), HasSubstr("RUNNING"));
  gate.Release();

  auto minimize = registry.Submit(
      "minimize", nullptr,
      Returning(OutcomeWithLoss(0, /*with_model=*/false)));
  ASSERT_TRUE(minimize.ok());
  ASSERT_TRUE(WaitFinished(registry, minimize->id).has_value());
  EXPECT_EQ(registry.Model(minimize->id).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// Runs `count` jobs one after another to completion; the even ones fail.
std::vector<std::string> RunJobs(JobRegistry& registry, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    auto job = registry.Submit(
        absl::StrCat("job ", i), nullptr,
        i % 2 == 0 ? Returning(absl::InternalError("boom"))
                   : Returning(OutcomeWithLoss(1)));
    EXPECT_TRUE(job.ok());
    EXPECT_TRUE(WaitFinished(registry, job->id).has_value());
    ids.push_back(job->id);
  }
  return ids;
}

TEST(JobRegistryTest, ListPagesNewestFirstWithStableTokens) {
  JobRegistry registry(Limits(1));
  std::vector<std::string> ids = RunJobs(registry, 7);  // ids[6] is newest

  auto first = registry.List(3, "", std::nullopt);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->jobs.size(), 3u);
  EXPECT_EQ(first->jobs[0].id, ids[6]);
  EXPECT_EQ(first->jobs[2].id, ids[4]);
  ASSERT_FALSE(first->next_page_token.empty());

  // A job created meanwhile neither shifts nor repeats entries.
  std::vector<std::string> later = RunJobs(registry, 1);
  auto second = registry.List(3, first->next_page_token, std::nullopt);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->jobs.size(), 3u);
  EXPECT_EQ(second->jobs[0].id, ids[3]);
  EXPECT_EQ(second->jobs[2].id, ids[1]);
  auto third = registry.List(3, second->next_page_token, std::nullopt);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->jobs.size(), 1u);
  EXPECT_EQ(third->jobs[0].id, ids[0]);
  EXPECT_TRUE(third->next_page_token.empty());

  // Exactly a page left: no token pointing at an empty page.
  auto all = registry.List(0, "", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->jobs.size(), 8u);
  EXPECT_EQ(all->jobs[0].id, later[0]);
  EXPECT_TRUE(all->next_page_token.empty());
  auto exact = registry.List(8, "", std::nullopt);
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->next_page_token.empty());
}

TEST(JobRegistryTest, ListFiltersByStateAndChecksTokens) {
  JobRegistry registry(Limits(1));
  std::vector<std::string> ids = RunJobs(registry, 7);  // 0,2,4,6 fail

  std::vector<std::string> failed;
  std::string token;
  do {
    auto page = registry.List(2, token, JobState::kFailed);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const JobSnapshot& job : page->jobs) {
      EXPECT_EQ(job.state, JobState::kFailed);
      failed.push_back(job.id);
    }
    token = page->next_page_token;
  } while (!token.empty());
  EXPECT_EQ(failed, (std::vector<std::string>{ids[6], ids[4], ids[2], ids[0]}));

  auto running = registry.List(10, "", JobState::kRunning);
  ASSERT_TRUE(running.ok());
  EXPECT_TRUE(running->jobs.empty());
  EXPECT_TRUE(running->next_page_token.empty());

  auto page = registry.List(1, "", JobState::kSucceeded);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token.empty());
  EXPECT_EQ(registry.List(1, page->next_page_token, std::nullopt)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.List(1, "garbage!", std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JobRegistryTest, RetainsOnlyTheNewestFinishedJobs) {
  JobLimits limits = Limits(1);
  limits.max_retained_jobs = 3;
  JobRegistry registry(limits);
  std::vector<std::string> first = RunJobs(registry, 1);
  auto first_log = registry.Events(first[0]);
  ASSERT_TRUE(first_log.ok());

  std::vector<std::string> ids = RunJobs(registry, 5);
  // Six finished, three kept: the three that finished first are gone.
  EXPECT_EQ(registry.Get(first[0]).status().code(),
            absl::StatusCode::kNotFound);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(registry.Get(ids[i]).status().code(),
              absl::StatusCode::kNotFound);
  }
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(registry.Get(ids[i]).ok());
  auto page = registry.List(0, "", std::nullopt);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs.size(), 3u);
  EXPECT_EQ(page->jobs[0].id, ids[4]);
  // An evicted job's log stays readable by whoever holds it.
  auto events = (*first_log)->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->end_of_log);
}

TEST(JobRegistryTest, EvictionFollowsFinishOrderNotCreationOrder) {
  JobLimits limits = Limits(2);
  limits.max_retained_jobs = 1;
  JobRegistry registry(limits);
  Gate gate;
  auto slow = registry.Submit("created first, finishes last", nullptr,
                              gate.Work());
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE(WaitForState(registry, slow->id, JobState::kRunning));
  std::vector<std::string> quick = RunJobs(registry, 1);
  // Unfinished jobs are never evicted; the quick one is the only finished.
  EXPECT_TRUE(registry.Get(slow->id).ok());
  EXPECT_TRUE(registry.Get(quick[0]).ok());

  gate.Release();
  ASSERT_TRUE(WaitFinished(registry, slow->id).has_value());
  EXPECT_TRUE(registry.Get(slow->id).ok());
  EXPECT_EQ(registry.Get(quick[0]).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(JobRegistryTest, WallTimeLimitFailsTheJob) {
  JobRegistry registry(Limits(1));
  Gate gate;
  SubmitOptions options;
  options.max_wall_time = absl::Milliseconds(50);
  auto job = registry.Submit("slow", nullptr, gate.Work(), options);
  ASSERT_TRUE(job.ok());
  auto done = WaitFinished(registry, job->id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::kFailed);
  EXPECT_EQ(done->message, "exceeded the wall-time limit of 0.05 s");
  EXPECT_GE(done->end_time - done->start_time, absl::Milliseconds(50));
  EXPECT_FALSE(done->has_model);
  gate.Release();
}

TEST(JobRegistryTest, ServerWallTimeLimitCapsTheJobs) {
  JobLimits limits = Limits(1);
  limits.max_job_wall_seconds = 1;
  JobRegistry registry(limits);
  Gate gate;
  SubmitOptions options;
  options.max_wall_time = absl::Hours(1);  // capped at the server's 1 s
  auto job = registry.Submit("slow", nullptr, gate.Work(), options);
  ASSERT_TRUE(job.ok());
  auto done = WaitFinished(registry, job->id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::kFailed);
  EXPECT_EQ(done->message, "exceeded the wall-time limit of 1 s");
  gate.Release();
}

TEST(JobRegistryTest, ShutdownCancelsEverythingAndRefusesNewJobs) {
  JobRegistry registry(Limits(1));
  Gate gate;
  auto running = registry.Submit("running", nullptr, gate.Work());
  auto queued = registry.Submit("queued", nullptr, gate.Work());
  ASSERT_TRUE(running.ok() && queued.ok());
  ASSERT_TRUE(WaitForState(registry, running->id, JobState::kRunning));
  registry.Shutdown();
  for (const std::string& id : {running->id, queued->id}) {
    auto job = registry.Get(id);
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->state, JobState::kCancelled);
    EXPECT_EQ(job->message, "cancelled because the server is shutting down");
  }
  EXPECT_EQ(registry.Submit("late", nullptr, gate.Work()).status().code(),
            absl::StatusCode::kUnavailable);
  registry.Shutdown();  // idempotent
}

TEST(JobRegistryTest, DestroyingWithRunningJobsIsSafe) {
  Gate gate;
  auto registry = std::make_unique<JobRegistry>(Limits(2));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(registry->Submit("x", nullptr, gate.Work()).ok());
  }
  registry.reset();
}

TEST(JobRegistryTest, IdsAreRandomAndDistinct) {
  JobRegistry registry(Limits(2));
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto job =
        registry.Submit("x", nullptr, Returning(OutcomeWithLoss(1)));
    ASSERT_TRUE(job.ok());
    EXPECT_THAT(job->id, MatchesRegex("job-[0-9a-f]{8}"));
    ids.insert(job->id);
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST(JobRegistryTest, MissingWorkIsInvalid) {
  JobRegistry registry(Limits(1));
  EXPECT_EQ(registry.Submit("x", nullptr, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace slope::jobs
