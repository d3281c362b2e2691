// The compiled tape and its evaluators: sharing and folding, exact integer
// powers, block evaluation equal to point evaluation bit for bit, reverse
// mode and Hessians against the symbolic derivative, the non-smooth
// conventions, cancellation and counted warnings.
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/calculus/derivative.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/parser.h"
#include "server/calculus/tape.h"
#include "tests/calculus/compile_tape.h"

namespace slope::calculus {
namespace {

PointResult At(const Tape& tape, std::vector<double> point,
               Derivatives d = Derivatives::kGradient) {
  auto result = EvaluatePoint(tape, point, d);
  EXPECT_TRUE(result.ok()) << result.status();
  return *result;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(TapeTest, EqualSubtreesShareOneSlotAndConstantsFold) {
  auto shared = CompileForTest("sin(x)*sin(x) + sin(x)", {"x"});
  auto single = CompileForTest("sin(x)", {"x"});
  // sin computed once: one input, one sin, one multiply, one add.
  EXPECT_EQ(shared->num_slots(), single->num_slots() + 2) << shared->DebugString();
  auto folded = CompileForTest("2*3 + x", {"x"});
  int constants = 0;
  for (const Instruction& i : folded->instructions()) {
    if (i.op == OpCode::kConstant) {
      ++constants;
      EXPECT_EQ(i.constant, 6);
    }
  }
  EXPECT_EQ(constants, 1) << folded->DebugString();
}

TEST(TapeTest, IntegerPowersAreExactAndFractionalOnesOfNegativesAreNaN) {
  auto cube = CompileForTest("x^3", {"x"});
  EXPECT_EQ(At(*cube, {-2}).values[0], -8);
  EXPECT_EQ(At(*cube, {-2}).gradients[0], 12);
  auto root = CompileForTest("x^0.5", {"x"});
  EXPECT_TRUE(std::isnan(At(*root, {-4}, Derivatives::kNone).values[0]));
  EXPECT_EQ(At(*root, {4}, Derivatives::kNone).values[0], 2);
}

TEST(TapeTest, UnlistedVariableIsAnError) {
  auto tree = Parse("x + z");
  ASSERT_TRUE(tree.ok());
  auto tape = CompileTape(*tree, {"x"});
  ASSERT_FALSE(tape.ok());
  EXPECT_EQ(tape.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(tape.status().message().find("'z'"), std::string::npos)
      << tape.status();
}

TEST(ReverseModeTest, GradientOfSumOfSquares) {
  auto tape = CompileForTest("x^2 + y^2", {"x", "y"});
  PointResult r = At(*tape, {1, 2});
  EXPECT_EQ(r.values[0], 5);
  EXPECT_EQ(r.gradients[0], 2);
  EXPECT_EQ(r.gradients[1], 4);
}

TEST(ReverseModeTest, NonSmoothConventions) {
  EXPECT_EQ(At(*CompileForTest("abs(x)", {"x"}), {0}).gradients[0], 0);
  EXPECT_EQ(At(*CompileForTest("relu(x)", {"x"}), {0}).gradients[0], 0);
  EXPECT_EQ(At(*CompileForTest("sign(x)", {"x"}), {0.3}).gradients[0], 0);
  EXPECT_EQ(At(*CompileForTest("floor(x)", {"x"}), {1.5}).gradients[0], 0);
  PointResult max_tie = At(*CompileForTest("max(x, y)", {"x", "y"}), {1, 1});
  EXPECT_EQ(max_tie.gradients[0], 1);
  EXPECT_EQ(max_tie.gradients[1], 0);
  PointResult min_tie = At(*CompileForTest("min(x, y)", {"x", "y"}), {1, 1});
  EXPECT_EQ(min_tie.gradients[0], 1);
  EXPECT_EQ(min_tie.gradients[1], 0);
  EXPECT_EQ(At(*CompileForTest("sqrt(x)", {"x"}), {0}).gradients[0], INFINITY);
  EXPECT_EQ(At(*CompileForTest("sigmoid(x)", {"x"}), {-1000}).gradients[0], 0);
  EXPECT_EQ(At(*CompileForTest("softplus(x)", {"x"}), {1000}).gradients[0], 1);
  EXPECT_EQ(At(*CompileForTest("softplus(x)", {"x"}), {1000}).values[0], 1000);
}

// Reverse-mode partials and Hessians against the symbolic derivatives,
// compiled and evaluated independently, on expressions of every function.
TEST(ReverseModeTest, AgreesWithSymbolicDerivativesOnEveryFunction) {
  const std::vector<std::string> expressions = {
      "sin(x*y) + cos(x) - tan(y/3)",  "asin(x/2)*acos(y/3) + atan(x*y)",
      "atan2(y, x) + hypot(x, y)",      "sinh(x) + cosh(y)*tanh(x*y)",
      "asinh(x*y) + acosh(2 + x^2) + atanh(y/3)",
      "exp(x)*expm1(y) + log(2 + x)*log1p(y^2)",
      "log2(3 + x) + log10(3 + y) + sqrt(4 + x*y) + cbrt(x - y)",
      "pow(x + 3, y) + sigmoid(x*y) + softplus(x - y)",
      "erf(x)*erfc(y) + x^3*y^-2",      "(1 - x)^2 + 100*(y - x^2)^2",
  };
  const std::vector<std::vector<double>> points = {
      {0.3, 0.7}, {-0.4, 1.1}, {0.9, -0.6}};
  for (const std::string& text : expressions) {
    auto tree = Parse(text);
    ASSERT_TRUE(tree.ok()) << text;
    auto tape = CompileTape(*tree, {"x", "y"});
    ASSERT_TRUE(tape.ok());
    std::vector<std::shared_ptr<const Tape>> first(2), second(4);
    const char* vars[] = {"x", "y"};
    for (int i = 0; i < 2; ++i) {
      auto d = Differentiate(*tree, vars[i]);
      ASSERT_TRUE(d.ok()) << text;
      first[i] = *CompileTape(*d, {"x", "y"});
      for (int j = 0; j < 2; ++j) {
        auto dd = Differentiate(*d, vars[j]);
        ASSERT_TRUE(dd.ok()) << text;
        second[2 * i + j] = *CompileTape(*dd, {"x", "y"});
      }
    }
    for (const auto& p : points) {
      PointResult r = At(**tape, p, Derivatives::kHessian);
      for (int i = 0; i < 2; ++i) {
        const double symbolic = At(*first[i], p, Derivatives::kNone).values[0];
        EXPECT_NEAR(r.gradients[i], symbolic, 1e-12 * (1 + std::abs(symbolic)))
            << text << " d/d" << vars[i];
        for (int j = 0; j < 2; ++j) {
          const double s2 = At(*second[2 * i + j], p, Derivatives::kNone).values[0];
          EXPECT_NEAR(r.hessians[2 * i + j], s2, 1e-10 * (1 + std::abs(s2)))
              << text << " d2/d" << vars[i] << "d" << vars[j];
        }
      }
      EXPECT_EQ(r.hessians[1], r.hessians[2]) << text << ": Hessian symmetric";
      // And against a central difference of the value.
      const double h = 1e-6;
      auto shifted = [&](int k, double delta) {
        std::vector<double> q = p;
        q[k] += delta;
        return At(**tape, q, Derivatives::kNone).values[0];
      };
      for (int k = 0; k < 2; ++k) {
        const double fd = (shifted(k, h) - shifted(k, -h)) / (2 * h);
        EXPECT_NEAR(r.gradients[k], fd, 1e-5 * (1 + std::abs(fd))) << text;
      }
    }
  }
}

TEST(ReverseModeTest, JacobianOfSeveralOutputsSharesOneTape) {
  auto a = Parse("x*y");
  auto b = Parse("x + y^2");
  ASSERT_TRUE(a.ok() && b.ok());
  const NodePtr roots[] = {*a, *b};
  auto tape = CompileTape(absl::MakeConstSpan(roots), {"x", "y"});
  ASSERT_TRUE(tape.ok());
  PointResult r = At(**tape, {3, 2});
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(r.values[0], 6);
  EXPECT_EQ(r.values[1], 7);
  const std::vector<double> expected = {2, 3, 1, 4};
  EXPECT_EQ(r.gradients, expected);
}

std::vector<double> RandomPoints(size_t count, size_t dims) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-2, 2);
  std::vector<double> points(count * dims);
  for (double& v : points) v = u(rng);
  return points;
}

TEST(BlockEvalTest, BatchEqualsPointByPointBitForBit) {
  auto tape = CompileForTest("sin(x)*exp(y) + log(1 + x^2) + tanh(x*y)/(1 + y^2)",
                      {"x", "y"});
  const size_t count = 1000, n = 2;
  const std::vector<double> points = RandomPoints(count, n);
  for (size_t block : {size_t{1}, size_t{7}, size_t{256}}) {
    std::vector<double> values(count), gradients(count * n),
        hessians(count * n * n);
    BatchOptions options;
    options.gradient = true;
    options.hessian = true;
    options.block_size = block;
    BatchOutput out{absl::MakeSpan(values), absl::MakeSpan(gradients),
                    absl::MakeSpan(hessians)};
    ASSERT_TRUE(EvaluateBatch(*tape, points, count, options, out, nullptr).ok());
    for (size_t i = 0; i < count; ++i) {
      PointResult r = At(*tape, {points[2 * i], points[2 * i + 1]},
                         Derivatives::kHessian);
      ASSERT_TRUE(SameBits(values[i], r.values[0])) << block << " " << i;
      for (size_t k = 0; k < n; ++k) {
        ASSERT_TRUE(SameBits(gradients[i * n + k], r.gradients[k])) << i;
      }
      for (size_t k = 0; k < n * n; ++k) {
        ASSERT_TRUE(SameBits(hessians[i * n * n + k], r.hessians[k])) << i;
      }
    }
  }
}

TEST(BlockEvalTest, ChunkedRangesFromManyThreadsEqualOneCall) {
  auto tape = CompileForTest("x^3*y - exp(-x*y)", {"x", "y"});
  const size_t count = 5000;
  const std::vector<double> points = RandomPoints(count, 2);
  BatchOptions options;
  options.gradient = true;
  std::vector<double> v1(count), g1(2 * count), v2(count), g2(2 * count);
  ASSERT_TRUE(EvaluateBatch(*tape, points, count, options,
                            {absl::MakeSpan(v1), absl::MakeSpan(g1), {}}, nullptr)
                  .ok());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const size_t begin = t * count / 4, end = (t + 1) * count / 4;
      EXPECT_TRUE(EvaluateBatch(*tape, points, count, begin, end, options,
                                {absl::MakeSpan(v2), absl::MakeSpan(g2), {}},
                                nullptr)
                      .ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(g1, g2);
}

TEST(BlockEvalTest, ShouldStopCancels) {
  auto tape = CompileForTest("x*2", {"x"});
  const size_t count = 10000;
  std::vector<double> points(count, 1.0), values(count);
  std::function<bool()> stop = [] { return true; };
  BatchOptions options;
  options.should_stop = &stop;
  absl::Status status = EvaluateBatch(*tape, points, count, options,
                                      {absl::MakeSpan(values), {}, {}}, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
}

TEST(BlockEvalTest, WarningsAreCountedPerPoint) {
  auto tape = CompileForTest("log(x)", {"x"});
  const std::vector<double> points = {1, 0, 2, 0, 3, 0};
  std::vector<double> values(points.size());
  WarningCollector warnings;
  ASSERT_TRUE(EvaluateBatch(*tape, points, points.size(), BatchOptions{},
                            {absl::MakeSpan(values), {}, {}}, &warnings)
                  .ok());
  const std::vector<EvalWarning> list = warnings.ToWarnings();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].count, 3u);
  EXPECT_EQ(list[0].operation, "log");
  EXPECT_EQ(values[1], -INFINITY);
}

}  // namespace
}  // namespace slope::calculus

namespace slope::calculus {
namespace {

// Found by the fuzzer: a constant expression has no inputs, so its
// gradient and Hessian are empty and must not be indexed.
TEST(TapeTest, ConstantExpressionHasEmptyDerivatives) {
  auto tape = CompileForTest("2^3^2", {});
  PointResult r = At(*tape, {}, Derivatives::kHessian);
  EXPECT_EQ(r.values[0], 512);
  EXPECT_TRUE(r.gradients.empty());
  EXPECT_TRUE(r.hessians.empty());
}

}  // namespace
}  // namespace slope::calculus
