#include "server/jobs/event_log.h"

#include <atomic>
#include <memory>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace slope::jobs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

training::Progress Step(uint32_t step) {
  training::Progress progress;
  progress.step = step;
  progress.loss = 1.0 / (1 + step);
  return progress;
}

std::vector<uint32_t> Sequences(const EventBatch& batch) {
  std::vector<uint32_t> sequences;
  for (const auto& event : batch.events) sequences.push_back(event->sequence);
  return sequences;
}

// QUEUED, RUNNING, `steps` progress events; returns the log.
std::unique_ptr<EventLog> Started(size_t max_events, uint32_t steps) {
  auto log = std::make_unique<EventLog>(max_events);
  log->Append(StateChangeEvent{JobState::kQueued, ""});
  log->Append(StateChangeEvent{JobState::kRunning, ""});
  for (uint32_t i = 1; i <= steps; ++i) log->Append(Step(i));
  return log;
}

void Finish(EventLog& log) {
  log.Append(StateChangeEvent{JobState::kSucceeded, ""});
  JobSnapshot job;
  job.id = "job-1";
  job.state = JobState::kSucceeded;
  log.Append(FinishedEvent{job});
}

TEST(EventLogTest, NumbersEventsAndReplaysFromACursor) {
  auto log = Started(100, 5);
  Finish(*log);
  EXPECT_EQ(log->last_sequence(), 9u);
  EXPECT_TRUE(log->closed());

  auto all = log->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Sequences(*all), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9));
  EXPECT_TRUE(all->end_of_log);
  EXPECT_EQ(all->skipped, 0u);
  EXPECT_TRUE(std::holds_alternative<StateChangeEvent>(all->events[0]->kind));
  EXPECT_EQ(std::get<training::Progress>(all->events[2]->kind).step, 1u);
  const auto& finished = std::get<FinishedEvent>(all->events[8]->kind);
  EXPECT_EQ(finished.job.id, "job-1");
  EXPECT_LE(all->events[0]->time, all->events[8]->time);

  auto page = log->Read(3, 2, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(Sequences(*page), ElementsAre(4, 5));
  EXPECT_FALSE(page->end_of_log);
  EXPECT_EQ(page->last_sequence, 9u);

  auto at_end = log->Read(9, 10, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(at_end.ok());
  EXPECT_TRUE(at_end->events.empty());
  EXPECT_TRUE(at_end->end_of_log);

  auto beyond = log->Read(10, 10, EventLog::Cursor::kFailIfEvicted);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(EventLogTest, AppendsAfterTheFinishedEventAreIgnored) {
  auto log = Started(10, 0);
  Finish(*log);
  EXPECT_EQ(log->Append(Step(1)), 0u);
  EXPECT_EQ(log->last_sequence(), 4u);
}

TEST(EventLogTest, OpenLogIsNotAtItsEnd) {
  auto log = Started(10, 1);
  auto batch = log->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->events.size(), 3u);
  EXPECT_FALSE(batch->end_of_log);
}

TEST(EventLogTest, EvictsOldestProgressButKeepsStateChanges) {
  auto log = Started(10, 100);  // sequences 1..102
  EXPECT_EQ(log->size(), 10u);
  EXPECT_EQ(log->oldest_retained(), 95u);

  auto all = log->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Sequences(*all),
              ElementsAre(1, 2, 95, 96, 97, 98, 99, 100, 101, 102));
  EXPECT_EQ(all->skipped, 92u);

  // The final events push out progress, never the first state changes.
  Finish(*log);
  auto finished = log->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(finished.ok());
  EXPECT_THAT(Sequences(*finished),
              ElementsAre(1, 2, 97, 98, 99, 100, 101, 102, 103, 104));
  EXPECT_TRUE(finished->end_of_log);
}

TEST(EventLogTest, CursorIntoEvictedHistoryIsOutOfRangeNamingTheOldest) {
  auto log = Started(10, 200);  // sequences 1..202, progress from 195 kept
  auto stale = log->Read(3, 0, EventLog::Cursor::kFailIfEvicted);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(stale.status().message(),
            "after_sequence 3 is older than the retained history; the "
            "oldest retained event is 195");

  // Just before the retained window is fine: nothing after it was lost.
  auto edge = log->Read(194, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->events.front()->sequence, 195u);
  EXPECT_EQ(edge->skipped, 0u);
}

TEST(EventLogTest, FallenBehindFollowerSkipsAndCountsTheGap) {
  auto log = Started(10, 0);
  auto first = log->Read(0, 0, EventLog::Cursor::kSkipEvicted);
  ASSERT_TRUE(first.ok());
  uint32_t cursor = first->events.back()->sequence;  // 2
  for (uint32_t i = 1; i <= 50; ++i) log->Append(Step(i));  // 3..52

  auto next = log->Read(cursor, 0, EventLog::Cursor::kSkipEvicted);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->skipped, 42u);  // 3..44 dropped
  EXPECT_EQ(next->events.front()->sequence, 45u);
  EXPECT_EQ(next->events.back()->sequence, 52u);

  // A limited read reports only the gap before what it returns.
  auto limited = log->Read(cursor, 3, EventLog::Cursor::kSkipEvicted);
  ASSERT_TRUE(limited.ok());
  EXPECT_THAT(Sequences(*limited), ElementsAre(45, 46, 47));
  EXPECT_EQ(limited->skipped, 42u);
}

TEST(EventLogTest, SubscribersAreWokenAndUnsubscribeOnDestruction) {
  auto log = Started(10, 0);
  std::atomic<int> wakeups{0};
  {
    EventLog::Subscription subscription =
        log->Subscribe([&] { wakeups.fetch_add(1); });
    log->Append(Step(1));
    log->Append(Step(2));
    EXPECT_EQ(wakeups.load(), 2);
  }
  log->Append(Step(3));
  EXPECT_EQ(wakeups.load(), 2);

  EventLog::Subscription moved;
  {
    EventLog::Subscription subscription =
        log->Subscribe([&] { wakeups.fetch_add(10); });
    moved = std::move(subscription);
  }
  log->Append(Step(4));
  EXPECT_EQ(wakeups.load(), 12);
  moved.Reset();
  log->Append(Step(5));
  EXPECT_EQ(wakeups.load(), 12);
}

TEST(EventLogTest, SubscriptionMayOutliveTheLog) {
  EventLog::Subscription subscription;
  {
    EventLog log(10);
    subscription = log.Subscribe([] {});
    log.Append(Step(1));
  }
  subscription.Reset();  // must not touch the destroyed log
}

TEST(EventLogTest, UnsubscribeWaitsForACallbackInFlight) {
  auto log = Started(10, 0);
  absl::Notification in_callback;
  absl::Notification release;
  std::atomic<bool> reset_done{false};
  auto subscription = std::make_unique<EventLog::Subscription>(log->Subscribe([&] {
    if (!in_callback.HasBeenNotified()) in_callback.Notify();
    release.WaitForNotification();
  }));
  std::thread appender([&] { log->Append(Step(1)); });
  in_callback.WaitForNotification();
  std::thread resetter([&] {
    subscription->Reset();
    reset_done.store(true);
  });
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE(reset_done.load());
  release.Notify();
  resetter.join();
  appender.join();
  EXPECT_TRUE(reset_done.load());
}

// A watcher as the RPC layer will write it: subscribe, then read whenever
// woken, until the end of the log.
struct Watcher {
  std::vector<uint32_t> sequences;
  uint32_t skipped = 0;
  bool saw_finished = false;
  absl::Status status;

  void Follow(const EventLog& log, absl::Duration per_batch_delay) {
    absl::Mutex mu;
    bool woken = false;
    EventLog::Subscription subscription = log.Subscribe([&] {
      absl::MutexLock lock(&mu);
      woken = true;
    });
    uint32_t cursor = 0;
    while (true) {
      auto batch = log.Read(cursor, 16, EventLog::Cursor::kSkipEvicted);
      if (!batch.ok()) {
        status = batch.status();
        return;
      }
      skipped += batch->skipped;
      for (const auto& event : batch->events) {
        sequences.push_back(event->sequence);
        if (std::holds_alternative<FinishedEvent>(event->kind)) {
          saw_finished = true;
        }
        cursor = event->sequence;
      }
      if (batch->end_of_log) return;
      if (per_batch_delay > absl::ZeroDuration()) {
        absl::SleepFor(per_batch_delay);
      }
      if (batch->events.empty()) {
        absl::MutexLock lock(&mu);
        mu.AwaitWithTimeout(absl::Condition(&woken), absl::Seconds(10));
        woken = false;
      }
    }
  }
};

TEST(EventLogTest, LiveFollowersSeeEveryEventInOrder) {
  EventLog log(5000);
  constexpr int kWatchers = 8;
  std::vector<Watcher> watchers(kWatchers);
  std::vector<std::thread> threads;
  for (Watcher& watcher : watchers) {
    threads.emplace_back(
        [&] { watcher.Follow(log, absl::ZeroDuration()); });
  }
  log.Append(StateChangeEvent{JobState::kQueued, ""});
  log.Append(StateChangeEvent{JobState::kRunning, ""});
  for (uint32_t i = 1; i <= 2000; ++i) log.Append(Step(i));
  Finish(log);
  for (std::thread& t : threads) t.join();
  for (const Watcher& watcher : watchers) {
    ASSERT_TRUE(watcher.status.ok()) << watcher.status;
    ASSERT_EQ(watcher.sequences.size(), 2004u);
    for (size_t i = 0; i < watcher.sequences.size(); ++i) {
      ASSERT_EQ(watcher.sequences[i], i + 1);
    }
    EXPECT_TRUE(watcher.saw_finished);
    EXPECT_EQ(watcher.skipped, 0u);
  }
}

TEST(EventLogTest, SlowFollowersNeverBlockTheWriterAndSkipWhatTheyMissed) {
  EventLog log(20);
  constexpr int kWatchers = 6;
  constexpr uint32_t kSteps = 20'000;
  std::vector<Watcher> watchers(kWatchers);
  std::vector<std::thread> threads;
  for (Watcher& watcher : watchers) {
    threads.emplace_back([&] { watcher.Follow(log, absl::Milliseconds(5)); });
  }
  log.Append(StateChangeEvent{JobState::kQueued, ""});
  log.Append(StateChangeEvent{JobState::kRunning, ""});
  const absl::Time start = absl::Now();
  for (uint32_t i = 1; i <= kSteps; ++i) log.Append(Step(i));
  const absl::Duration writing = absl::Now() - start;
  Finish(log);
  for (std::thread& t : threads) t.join();

  // Each slow reader sleeps 5 ms per batch of 16: had appends waited for
  // them, 20000 events would take over six seconds.
  EXPECT_LT(writing, absl::Seconds(2));
  for (const Watcher& watcher : watchers) {
    ASSERT_TRUE(watcher.status.ok()) << watcher.status;
    EXPECT_TRUE(watcher.saw_finished);
    EXPECT_GT(watcher.skipped, 0u);
    // Every sequence number is accounted for: received or skipped.
    EXPECT_EQ(watcher.sequences.size() + watcher.skipped, kSteps + 4);
    for (size_t i = 1; i < watcher.sequences.size(); ++i) {
      ASSERT_LT(watcher.sequences[i - 1], watcher.sequences[i]);
    }
  }
}

TEST(EventLogTest, EventsHeldByAReaderSurviveEviction) {
  auto log = Started(4, 1);
  auto batch = log->Read(0, 0, EventLog::Cursor::kFailIfEvicted);
  ASSERT_TRUE(batch.ok());
  for (uint32_t i = 2; i < 100; ++i) log->Append(Step(i));
  EXPECT_EQ(std::get<training::Progress>(batch->events[2]->kind).step, 1u);
}

}  // namespace
}  // namespace slope::jobs
