#include "server/jobs/compute_pool.h"
#include "tests/timing.h"

#include <atomic>
#include <cmath>
#include <memory>
#include <set>
#include <thread>
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

using ::slope::test_support::kTimingSlack;

using ::testing::HasSubstr;

void CheckCoversOnce(ComputePool& pool, size_t n, size_t grain) {
  std::vector<std::atomic<int>> hits(n);
  absl::Status status = pool.ParallelFor(
      n, grain,
      [&](size_t begin, size_t end) {
        ASSERT_LT(begin, end);
        ASSERT_LE(end, n);
        for (size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      },
      nullptr);
  ASSERT_TRUE(status.ok()) << status;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(hits[i].load(), 1) << "index " << i << " of " << n;
  }
}

TEST(ComputePoolTest, DefaultsToAtLeastOneThread) {
  ComputePool pool;
  EXPECT_GE(pool.num_threads(), 1);
  ComputePool three(3);
  EXPECT_EQ(three.num_threads(), 3);
}

TEST(ComputePoolTest, ParallelForCoversEveryIndexExactlyOnce) {
  ComputePool pool(4);
  CheckCoversOnce(pool, 1, 1);
  CheckCoversOnce(pool, 2, 1);
  CheckCoversOnce(pool, 1000, 1);
  CheckCoversOnce(pool, 1000, 7);
  CheckCoversOnce(pool, 1000, 999);
  CheckCoversOnce(pool, 100'003, 64);
  // A grain so small that chunks are capped at 65536 per call.
  CheckCoversOnce(pool, 1'000'000, 1);
}

TEST(ComputePoolTest, EmptyRangeCallsNothing) {
  ComputePool pool(2);
  int calls = 0;
  EXPECT_TRUE(pool.ParallelFor(
                      0, 10, [&](size_t, size_t) { ++calls; }, nullptr)
                  .ok());
  EXPECT_EQ(calls, 0);
}

TEST(ComputePoolTest, OneChunkRunsInlineOnTheCaller) {
  ComputePool pool(2);
  for (size_t n : {1, 5, 10}) {
    std::vector<std::thread::id> threads;
    // Not synchronised on purpose: inline means no other thread touches it
    // (ThreadSanitizer would object otherwise).
    absl::Status status = pool.ParallelFor(
        n, /*grain=*/10,
        [&](size_t begin, size_t end) {
          EXPECT_EQ(begin, 0u);
          EXPECT_EQ(end, n);
          threads.push_back(std::this_thread::get_id());
        },
        nullptr);
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads[0], std::this_thread::get_id());
  }
}

TEST(ComputePoolTest, StopRequestedBeforeStartComputesNothing) {
  ComputePool pool(2);
  std::atomic<int> calls{0};
  auto body = [&](size_t, size_t) { calls.fetch_add(1); };
  absl::Status inline_status =
      pool.ParallelFor(5, 10, body, [] { return true; });
  EXPECT_EQ(inline_status.code(), absl::StatusCode::kCancelled);
  absl::Status status = pool.ParallelFor(10'000, 10, body, [] { return true; });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls.load(), 0);
}

TEST(ComputePoolTest, WorkersHelpTheCaller) {
  ComputePool pool(2);
  absl::Mutex mu;
  std::set<std::thread::id> threads;
  absl::Status status = pool.ParallelFor(
      200, 1,
      [&](size_t, size_t) {
        absl::SleepFor(absl::Milliseconds(1));
        absl::MutexLock lock(&mu);
        threads.insert(std::this_thread::get_id());
      },
      nullptr);
  ASSERT_TRUE(status.ok());
  EXPECT_GT(threads.size(), 1u);
}

// The bound: a 50M-point job whose stop flag flips after 5 ms
// returns CANCELLED within 50 ms of the flip.
TEST(ComputePoolTest, CancellationOfAHugeLoopIsPrompt) {
  ComputePool pool(2);
  constexpr size_t kPoints = 50'000'000;
  std::atomic<bool> stop{false};
  std::atomic<size_t> computed{0};
  std::atomic<int64_t> flipped_at_ns{0};
  std::thread flipper([&] {
    absl::SleepFor(absl::Milliseconds(5));
    flipped_at_ns.store(absl::GetCurrentTimeNanos());
    stop.store(true);
  });
  absl::Status status = pool.ParallelFor(
      kPoints, /*grain=*/4096,
      [&](size_t begin, size_t end) {
        double sum = 0;
        for (size_t i = begin; i < end; ++i) sum += std::sin(i * 1e-3);
        // Keeps the loop from being optimised away.
        if (sum == 12345.0) computed.fetch_add(1);
        computed.fetch_add(end - begin);
      },
      [&] { return stop.load(std::memory_order_relaxed); });
  const int64_t returned_at_ns = absl::GetCurrentTimeNanos();
  flipper.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_THAT(status.message(), HasSubstr("of 50000000"));
  EXPECT_LT(computed.load(), kPoints);
  const absl::Duration latency =
      absl::Nanoseconds(returned_at_ns - flipped_at_ns.load());
  EXPECT_LT(latency, absl::Milliseconds(50) * kTimingSlack);
}

// Fairness: while one request keeps every worker busy with thousands of
// chunks, other work still gets a worker after about one chunk.
TEST(ComputePoolTest, OtherWorkIsNotQueuedBehindAHugeLoop) {
  ComputePool pool(2);
  std::atomic<bool> stop{false};
  absl::Notification huge_started;
  std::thread huge([&] {
    absl::Status status = pool.ParallelFor(
        100'000, 1,
        [&](size_t, size_t) {
          if (!huge_started.HasBeenNotified()) huge_started.Notify();
          absl::SleepFor(absl::Milliseconds(1));
        },
        [&] { return stop.load(); });
    EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  });
  huge_started.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(20));  // every worker is in the loop

  // A scheduled task starts long before the huge loop could finish (about
  // 30 s): within a few chunks.
  const absl::Time scheduled = absl::Now();
  absl::Notification ran;
  absl::Time started;
  pool.Schedule([&] {
    started = absl::Now();
    ran.Notify();
  });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_LT(started - scheduled, absl::Milliseconds(500) * kTimingSlack);

  // A small request gets worker help too, not only its caller's. Each
  // chunk holds its thread until a second thread has joined in, so the
  // caller cannot finish the request alone however the threads are
  // scheduled; without a helper it gives up after the timeout and fails.
  absl::Mutex mu;
  std::set<std::thread::id> threads;
  auto helped = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return threads.size() > 1;
  };
  absl::Status small = pool.ParallelFor(
      40, 1,
      [&](size_t, size_t) {
        absl::MutexLock lock(&mu);
        threads.insert(std::this_thread::get_id());
        mu.AwaitWithTimeout(absl::Condition(&helped), absl::Seconds(10));
      },
      nullptr);
  EXPECT_TRUE(small.ok());
  {
    absl::MutexLock lock(&mu);
    EXPECT_GT(threads.size(), 1u);
  }

  stop.store(true);
  huge.join();
}

TEST(ComputePoolTest, ParallelForInsideAPoolTaskDoesNotDeadlock) {
  ComputePool pool(1);
  absl::Notification done;
  std::atomic<size_t> total{0};
  pool.Schedule([&] {
    absl::Status status = pool.ParallelFor(
        1000, 10, [&](size_t b, size_t e) { total.fetch_add(e - b); },
        nullptr);
    EXPECT_TRUE(status.ok());
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(total.load(), 1000u);
}

TEST(ComputePoolTest, DestructorRunsEveryScheduledTask) {
  std::atomic<int> ran{0};
  {
    ComputePool pool(2);
    for (int i = 0; i < 100; ++i) pool.Schedule([&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(ComputePoolTest, ConcurrentCallersAllComplete) {
  ComputePool pool(2);
  std::vector<std::thread> callers;
  std::atomic<size_t> total{0};
  for (int c = 0; c < 6; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        absl::Status status = pool.ParallelFor(
            5000, 100, [&](size_t b, size_t e) { total.fetch_add(e - b); },
            nullptr);
        EXPECT_TRUE(status.ok());
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 6u * 20u * 5000u);
}

}  // namespace
}  // namespace slope::jobs
