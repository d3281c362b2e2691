// The slope-as-a-limit table: the secant converges to the exact derivative
// at the rates calculus predicts, until rounding takes over.
#include "server/calculus/limit_table.h"

#include <cmath>

#include "gtest/gtest.h"
#include "server/calculus/parser.h"
#include "tests/calculus/compile_tape.h"

namespace slope::calculus {
namespace {

TEST(LimitTableTest, SquareAtThreeHasForwardErrorEqualToH) {
  // (f(3+h) - f(3))/h = 6 + h exactly in real arithmetic; the central
  // difference of a quadratic is exact.
  auto tape = CompileForTest("x^2", {"x"});
  const double point[] = {3};
  auto rows = SlopeAsLimit(*tape, point, 0, 6);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 9u);
  EXPECT_EQ((*rows)[0].h, 1);
  EXPECT_EQ((*rows)[0].forward_slope, 7);
  EXPECT_EQ((*rows)[0].central_slope, 6);
  EXPECT_EQ((*rows)[8].h, 1e-8);
  for (const LimitRow& row : *rows) {
    EXPECT_NEAR(row.forward_error, row.h, 1e-6 + 1e-3 * row.h) << row.h;
    EXPECT_NEAR(row.central_error, 0, 1e-6) << row.h;
    EXPECT_EQ(row.forward_error, std::abs(row.forward_slope - 6));
  }
}

TEST(LimitTableTest, SineErrorsShrinkLinearlyThenQuadratically) {
  // sin at 1: forward error ~ h*sin(1)/2, central error ~ h^2*cos(1)/6.
  auto tape = CompileForTest("sin(x)", {"x"});
  const double point[] = {1};
  auto rows = SlopeAsLimit(*tape, point, 0, std::cos(1.0));
  ASSERT_TRUE(rows.ok());
  const LimitRow& r2 = (*rows)[2];  // h = 0.01
  EXPECT_NEAR(r2.forward_error, 0.01 * std::sin(1.0) / 2, 1e-5);
  EXPECT_NEAR(r2.central_error, 1e-4 * std::cos(1.0) / 6, 1e-8);
  // Shrinking h by 10 shrinks the forward error about 10 times...
  EXPECT_NEAR((*rows)[2].forward_error / (*rows)[3].forward_error, 10, 0.2);
  // ...and the central error about 100 times.
  EXPECT_NEAR((*rows)[2].central_error / (*rows)[3].central_error, 100, 2);
}

TEST(LimitTableTest, VariesOnlyTheChosenInput) {
  auto tape = CompileForTest("x*y^2", {"x", "y"});
  const double point[] = {2, 3};
  auto rows = SlopeAsLimit(*tape, point, 1, 12);  // d/dy = 2xy = 12
  ASSERT_TRUE(rows.ok());
  EXPECT_NEAR((*rows)[4].central_slope, 12, 1e-6);
}

TEST(LimitTableTest, RejectsAPointOfTheWrongSize) {
  auto tape = CompileForTest("x*y", {"x", "y"});
  const double point[] = {2};
  EXPECT_FALSE(SlopeAsLimit(*tape, point, 0, 0).ok());
}

}  // namespace
}  // namespace slope::calculus
