// The compiled-expression cache: hits skip compiling, bounds hold, errors
// are not cached, and concurrent use is safe.
#include "server/calculus/expression_cache.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace slope::calculus {
namespace {

TEST(ExpressionCacheTest, SecondGetIsAHitSharingTheSameTape) {
  ExpressionCache cache({}, {});
  auto first = cache.Get("x^2 + y");
  auto second = cache.Get("x^2 + y");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ((*first)->tape->variables(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ((*first)->used_variables, (std::vector<std::string>{"x", "y"}));
}

TEST(ExpressionCacheTest, VariableOrderIsPartOfTheKey) {
  ExpressionCache cache({}, {});
  const std::vector<std::string> yx = {"y", "x"};
  auto default_order = cache.Get("x*y");
  auto reversed = cache.Get("x*y", yx);
  ASSERT_TRUE(default_order.ok() && reversed.ok());
  EXPECT_NE(default_order->get(), reversed->get());
  EXPECT_EQ((*reversed)->tape->variables(), yx);
}

TEST(ExpressionCacheTest, UnlistedVariablesFollowTheListedOnesSorted) {
  ExpressionCache cache({}, {});
  const std::vector<std::string> listed = {"w", "x"};
  auto compiled = cache.Get("z + x*y", listed);
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ((*compiled)->tape->variables(),
            (std::vector<std::string>{"w", "x", "y", "z"}));
}

TEST(ExpressionCacheTest, ErrorsAreReportedAndNotCached) {
  ExpressionCache cache({}, {});
  auto bad = cache.Get("x +* 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "1:4: unexpected '*'");
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(ExpressionCacheTest, LimitsComeFromTheCache) {
  ExpressionLimits limits;
  limits.max_bytes = 8;
  ExpressionCache cache({}, limits);
  auto too_long = cache.Get("x + y + z + w");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ExpressionCacheTest, EvictsLeastRecentlyUsedBeyondMaxEntries) {
  ExpressionCache cache({/*max_entries=*/2, /*max_bytes=*/1 << 20}, {});
  ASSERT_TRUE(cache.Get("x+1").ok());
  ASSERT_TRUE(cache.Get("x+2").ok());
  ASSERT_TRUE(cache.Get("x+1").ok());  // now most recent
  ASSERT_TRUE(cache.Get("x+3").ok());  // evicts x+2
  EXPECT_EQ(cache.stats().entries, 2u);
  const uint64_t misses = cache.stats().misses;
  ASSERT_TRUE(cache.Get("x+1").ok());
  EXPECT_EQ(cache.stats().misses, misses);
  ASSERT_TRUE(cache.Get("x+2").ok());
  EXPECT_EQ(cache.stats().misses, misses + 1);
}

TEST(ExpressionCacheTest, StaysWithinItsByteBound) {
  ExpressionCache cache({/*max_entries=*/1000, /*max_bytes=*/4096}, {});
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(cache.Get(absl::StrCat("sin(x)*", i, "+cos(y)^2")).ok());
    EXPECT_LE(cache.stats().bytes, 4096u);
  }
  EXPECT_GT(cache.stats().entries, 0u);
  EXPECT_LT(cache.stats().entries, 200u);
}

TEST(ExpressionCacheTest, ConcurrentGetsShareEntries) {
  ExpressionCache cache({/*max_entries=*/8, /*max_bytes=*/1 << 20}, {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 500; ++i) {
        auto compiled = cache.Get(absl::StrCat("x^", (i + t) % 12));
        ASSERT_TRUE(compiled.ok());
        ASSERT_NE((*compiled)->tape, nullptr);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.stats().entries, 8u);
  EXPECT_EQ(cache.stats().hits + cache.stats().misses, 2000u);
}

}  // namespace
}  // namespace slope::calculus
