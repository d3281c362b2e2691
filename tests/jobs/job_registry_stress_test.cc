// Submitters, watchers, cancellers, listers and deleters hammering one
// registry at once. Meant to run clean under ThreadSanitizer
// (-DSLOPE_SANITIZE=thread) as well as to check invariants that only break
// under contention: gap-free ordered event streams, no lost final events,
// never more jobs running than allowed.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/jobs/compute_pool.h"
#include "server/jobs/job_registry.h"

namespace slope::jobs {
namespace {

constexpr int kSubmitters = 3;
constexpr int kJobsPerSubmitter = 25;
constexpr int kWatchers = 3;
constexpr int kCancellers = 2;

class Ids {
 public:
  void Add(std::string id) {
    absl::MutexLock lock(&mu_);
    ids_.push_back(std::move(id));
  }
  // A random id seen so far, or "" if none.
  std::string Pick(absl::BitGen& gen) const {
    absl::MutexLock lock(&mu_);
    if (ids_.empty()) return "";
    return ids_[absl::Uniform<size_t>(gen, 0, ids_.size())];
  }
  std::vector<std::string> All() const {
    absl::MutexLock lock(&mu_);
    return ids_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> ids_;
};

// A fake training loop: reports every step, polls ShouldStop, sometimes
// fails.
WorkFn FakeTraining(int steps, bool fail, std::atomic<int>* inside,
                    std::atomic<int>* most) {
  return [=](training::ProgressSink& sink)
             -> absl::StatusOr<training::Outcome> {
    const int now = inside->fetch_add(1) + 1;
    int seen = most->load();
    while (now > seen && !most->compare_exchange_weak(seen, now)) {
    }
    training::Outcome outcome;
    for (int step = 1; step <= steps; ++step) {
      if (sink.ShouldStop()) break;
      training::Progress progress;
      progress.step = step;
      progress.loss = 1.0 / step;
      sink.Report(progress);
      outcome.result.steps_completed = step;
      absl::SleepFor(absl::Microseconds(200));
    }
    inside->fetch_sub(1);
    if (fail) return absl::InternalError("synthetic failure");
    return outcome;
  };
}

// Follows one job's log to its end the way WatchJob will; returns false on
// a broken stream.
bool Follow(const EventLog& log, absl::Duration timeout, std::string* error) {
  absl::Mutex mu;
  bool woken = false;
  EventLog::Subscription subscription = log.Subscribe([&] {
    absl::MutexLock lock(&mu);
    woken = true;
  });
  const absl::Time deadline = absl::Now() + timeout;
  uint32_t cursor = 0;
  uint32_t received = 0;
  uint32_t skipped = 0;
  bool finished = false;
  while (absl::Now() < deadline) {
    auto batch = log.Read(cursor, 8, EventLog::Cursor::kSkipEvicted);
    if (!batch.ok()) {
      *error = batch.status().ToString();
      return false;
    }
    skipped += batch->skipped;
    for (const auto& event : batch->events) {
      if (event->sequence <= cursor) {
        *error = "sequence went backwards";
        return false;
      }
      if (finished) {
        *error = "event after the finished event";
        return false;
      }
      finished = std::holds_alternative<FinishedEvent>(event->kind);
      cursor = event->sequence;
      ++received;
    }
    if (batch->end_of_log) {
      if (!finished) *error = "log ended without a finished event";
      if (received + skipped != cursor) *error = "events unaccounted for";
      return error->empty();
    }
    if (batch->events.empty()) {
      absl::MutexLock lock(&mu);
      mu.AwaitWithTimeout(absl::Condition(&woken), absl::Milliseconds(50));
      woken = false;
    }
  }
  *error = "timed out following a job";
  return false;
}

TEST(JobRegistryStressTest, ConcurrentSubmitWatchCancelListDelete) {
  ComputePool pool(2);
  JobLimits limits;
  limits.max_running_jobs = 2;
  limits.max_queued_jobs = 6;
  limits.max_retained_jobs = 20;
  limits.max_events_per_job = 16;
  JobRegistry registry(limits, &pool);

  Ids ids;
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<bool> submitting_done{false};
  std::atomic<int> submitted{0};
  std::atomic<int> watched{0};
  absl::Mutex errors_mu;
  std::vector<std::string> errors;
  auto fail = [&](std::string error) {
    absl::MutexLock lock(&errors_mu);
    errors.push_back(std::move(error));
  };

  std::vector<std::thread> threads;
  for (int s = 0; s < kSubmitters; ++s) {
    threads.emplace_back([&, s] {
      absl::BitGen gen;
      for (int i = 0; i < kJobsPerSubmitter; ++i) {
        const int steps = absl::Uniform(gen, 1, 40);
        const bool will_fail = absl::Bernoulli(gen, 0.2);
        while (true) {
          auto job = registry.Submit(
              "stress", nullptr,
              FakeTraining(steps, will_fail, &inside, &most));
          if (job.ok()) {
            ids.Add(job->id);
            submitted.fetch_add(1);
            break;
          }
          if (job.status().code() != absl::StatusCode::kResourceExhausted) {
            fail(job.status().ToString());
            return;
          }
          absl::SleepFor(absl::Milliseconds(1 + s));
        }
      }
    });
  }
  for (int w = 0; w < kWatchers; ++w) {
    threads.emplace_back([&] {
      absl::BitGen gen;
      while (!submitting_done.load()) {
        const std::string id = ids.Pick(gen);
        if (id.empty()) {
          absl::SleepFor(absl::Milliseconds(1));
          continue;
        }
        auto log = registry.Events(id);
        if (!log.ok()) continue;  // deleted or evicted meanwhile
        std::string error;
        if (!Follow(**log, absl::Seconds(20), &error)) {
          fail(id + ": " + error);
        }
        watched.fetch_add(1);
      }
    });
  }
  for (int c = 0; c < kCancellers; ++c) {
    threads.emplace_back([&] {
      absl::BitGen gen;
      while (!submitting_done.load()) {
        const std::string id = ids.Pick(gen);
        if (!id.empty()) {
          auto job = registry.Cancel(id);
          if (!job.ok() && job.status().code() != absl::StatusCode::kNotFound) {
            fail(job.status().ToString());
          }
        }
        absl::SleepFor(absl::Milliseconds(3));
      }
    });
  }
  threads.emplace_back([&] {
    absl::BitGen gen;
    while (!submitting_done.load()) {
      std::string token;
      do {
        auto page = registry.List(5, token, std::nullopt);
        if (!page.ok()) {
          fail(page.status().ToString());
          break;
        }
        for (const JobSnapshot& job : page->jobs) {
          // A finished job's snapshot is final: its log is already closed,
          // at the snapshot's last_sequence.
          if (IsFinished(job.state)) {
            auto log = registry.Events(job.id);
            if (log.ok() && (!(*log)->closed() ||
                             (*log)->last_sequence() != job.last_sequence)) {
              fail(absl::StrFormat(
                  "job %s is %s at sequence %d but its log is %s at %d",
                  job.id, JobStateName(job.state), job.last_sequence,
                  (*log)->closed() ? "closed" : "open",
                  (*log)->last_sequence()));
            }
          }
          if (IsFinished(job.state) && absl::Bernoulli(gen, 0.3)) {
            absl::Status status = registry.Delete(job.id);
            if (!status.ok() && status.code() != absl::StatusCode::kNotFound) {
              fail(status.ToString());
            }
          }
        }
        token = page->next_page_token;
      } while (!token.empty());
      absl::SleepFor(absl::Milliseconds(2));
    }
  });

  for (int s = 0; s < kSubmitters; ++s) threads[s].join();
  // Let every submitted job finish (or be deleted/evicted).
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (const std::string& id : ids.All()) {
    while (absl::Now() < deadline) {
      auto job = registry.Get(id);
      if (!job.ok() || IsFinished(job->state)) break;
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  submitting_done.store(true);
  for (size_t t = kSubmitters; t < threads.size(); ++t) threads[t].join();

  for (const std::string& error : errors) ADD_FAILURE() << error;
  EXPECT_EQ(submitted.load(), kSubmitters * kJobsPerSubmitter);
  EXPECT_GT(watched.load(), 0);
  EXPECT_LE(most.load(), 2);
  auto running = registry.List(500, "", JobState::kRunning);
  ASSERT_TRUE(running.ok());
  EXPECT_TRUE(running->jobs.empty());
  registry.Shutdown();
}

}  // namespace
}  // namespace slope::jobs
