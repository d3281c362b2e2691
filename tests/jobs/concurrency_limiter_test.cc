#include "server/jobs/concurrency_limiter.h"

#include <atomic>
#include <thread>
#include <utility>
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

using ::testing::HasSubstr;

// Waits (generously) until `limiter` has `n` waiters.
bool WaitForWaiters(const ConcurrencyLimiter& limiter, size_t n) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (limiter.waiting() != n) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(ConcurrencyLimiterTest, GrantsUpToTheLimitAtOnce) {
  ConcurrencyLimiter limiter("max_concurrent_batches", 2, 4);
  auto a = limiter.Acquire();
  auto b = limiter.Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->held());
  EXPECT_EQ(limiter.running(), 2u);
  auto c = limiter.TryAcquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  *a = ConcurrencyLimiter::Permit();  // releases
  EXPECT_EQ(limiter.running(), 1u);
  EXPECT_TRUE(limiter.TryAcquire().ok());  // and releases again at once
  EXPECT_EQ(limiter.running(), 1u);
}

TEST(ConcurrencyLimiterTest, FullWaitQueueIsResourceExhaustedNamingTheLimit) {
  ConcurrencyLimiter limiter("max_concurrent_batches", 1, 1);
  auto held = limiter.Acquire();
  ASSERT_TRUE(held.ok());
  std::thread waiter([&] {
    auto permit = limiter.Acquire();
    EXPECT_TRUE(permit.ok());
  });
  ASSERT_TRUE(WaitForWaiters(limiter, 1));
  auto refused = limiter.Acquire();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("max_concurrent_batches is 1"));
  *held = ConcurrencyLimiter::Permit();
  waiter.join();
  EXPECT_EQ(limiter.running(), 0u);
}

TEST(ConcurrencyLimiterTest, WaitersAreServedInArrivalOrder) {
  ConcurrencyLimiter limiter("max_concurrent_batches", 1, 8);
  auto held = limiter.Acquire();
  ASSERT_TRUE(held.ok());
  absl::Mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&, i] {
      auto permit = limiter.Acquire();
      ASSERT_TRUE(permit.ok());
      absl::MutexLock lock(&mu);
      order.push_back(i);
    });
    // Arrive one after another.
    ASSERT_TRUE(WaitForWaiters(limiter, i + 1));
  }
  *held = ConcurrencyLimiter::Permit();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(ConcurrencyLimiterTest, DeadlineAndCancellationEndTheWait) {
  ConcurrencyLimiter limiter("max_concurrent_batches", 1, 4);
  auto held = limiter.Acquire();
  ASSERT_TRUE(held.ok());
  auto late = limiter.Acquire(absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);

  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(20));
    stop.store(true);
  });
  auto cancelled =
      limiter.Acquire(absl::InfiniteFuture(), [&] { return stop.load(); });
  stopper.join();
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(limiter.waiting(), 0u);
  EXPECT_EQ(limiter.running(), 1u);
}

TEST(ConcurrencyLimiterTest, NeverMoreThanTheLimitRunAtOnce) {
  ConcurrencyLimiter limiter("max_concurrent_batches", 3, 64);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto permit = limiter.Acquire();
        ASSERT_TRUE(permit.ok());
        const int now = inside.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        inside.fetch_sub(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_EQ(limiter.running(), 0u);
}

}  // namespace
}  // namespace slope::jobs
