// The reverse sweep's compile-time plan (tape.h: ReversePlan): first
// contributions assign instead of accumulating into zero-filled rows,
// pass-through adjoints of negate/add/subtract are aliased with a sign,
// unreachable and constant slots get no work. Every shortcut must give the
// bits of the plain sweep (zero-fill, seed, accumulate every operation),
// which this file runs as the oracle on the same kernels.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/parser.h"
#include "server/calculus/tape.h"
#include "server/calculus/tape_kernels.h"
#include "tests/calculus/compile_tape.h"

namespace slope::calculus {
namespace {

PointResult At(const Tape& tape, std::vector<double> point) {
  auto result = EvaluatePoint(tape, point, Derivatives::kGradient);
  EXPECT_TRUE(result.ok()) << result.status();
  return *result;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The plain reverse sweep: values by the forward kernels, then adjoints
// zero-filled, the output seeded with 1, and every operation from last to
// first accumulating (+=) into its operands' own rows.
std::vector<double> PlainGradient(const Tape& tape,
                                  const std::vector<double>& point) {
  const auto ins = tape.instructions();
  std::vector<double> v(ins.size(), 0.0), adj(ins.size(), 0.0);
  for (size_t k = 0; k < ins.size(); ++k) {
    if (ins[k].op == OpCode::kInput) v[k] = point[k];
    if (ins[k].op == OpCode::kConstant) v[k] = ins[k].constant;
  }
  for (size_t k = tape.first_operation(); k < ins.size(); ++k) {
    kernels::Forward<double>(ins[k], &v[k], &v[ins[k].a], &v[ins[k].b], 1);
  }
  adj[tape.outputs()[0]] = 1.0;
  for (size_t k = ins.size(); k-- > tape.first_operation();) {
    AdjointStep step;
    step.slot = static_cast<uint32_t>(k);
    step.a_write = ins[k].a_active ? AdjointWrite::kAdd : AdjointWrite::kNone;
    step.b_write = ins[k].b_active ? AdjointWrite::kAdd : AdjointWrite::kNone;
    if (ins[k].a == ins[k].b && ins[k].a_active && ins[k].b_active) {
      // One pointer for both operands, as the evaluator passes x*x.
      kernels::Reverse<double>(ins[k], step, &adj[k], &adj[ins[k].a],
                               &adj[ins[k].a], &v[ins[k].a], &v[ins[k].b],
                               &v[k], 1);
    } else {
      kernels::Reverse<double>(ins[k], step, &adj[k], &adj[ins[k].a],
                               &adj[ins[k].b], &v[ins[k].a], &v[ins[k].b],
                               &v[k], 1);
    }
  }
  return std::vector<double>(adj.begin(), adj.begin() + tape.num_inputs());
}

void ExpectPlainBits(const std::string& text,
                     const std::vector<std::string>& variables,
                     const std::vector<double>& point) {
  auto tape = CompileForTest(text, variables);
  const PointResult r = At(*tape, point);
  const std::vector<double> plain = PlainGradient(*tape, point);
  for (size_t j = 0; j < variables.size(); ++j) {
    EXPECT_TRUE(SameBits(r.gradients[j], plain[j]))
        << text << " d/d" << variables[j] << ": " << r.gradients[j]
        << " vs plain " << plain[j] << "\n"
        << tape->DebugString() << tape->ReversePlanDebugString(0);
  }
}

TEST(ReversePlanTest, SharedSubexpressionsUsedSeveralTimesAssignOnce) {
  // s = x*y + x feeds four operations, x reaches the output on many paths.
  const std::string text = "(x*y + x)^2 + sin(x*y + x)*(x*y + x) - (x*y + x)/y";
  auto tape = CompileForTest(text, {"x", "y"});
  const ReversePlan& plan = tape->reverse_plan(0);
  // Every row is assigned exactly once, before any add or subtract to it.
  std::vector<int> assigned(tape->num_adjoint_rows(), 0);
  for (const AdjointStep& step : plan.steps) {
    const std::pair<AdjointWrite, uint32_t> writes[] = {
        {step.a_write, step.a_row}, {step.b_write, step.b_row}};
    for (auto [write, row] : writes) {
      if (write == AdjointWrite::kAssign) ++assigned[row];
      if (write == AdjointWrite::kAdd || write == AdjointWrite::kSubtract) {
        EXPECT_EQ(assigned[row], 1) << tape->ReversePlanDebugString(0);
      }
    }
  }
  for (int count : assigned) EXPECT_LE(count, 1);
  for (const auto& p : std::vector<std::vector<double>>{
           {0.3, 0.7}, {-1.5, 2.25}, {2.0, -0.5}}) {
    ExpectPlainBits(text, {"x", "y"}, p);
  }
}

TEST(ReversePlanTest, SquareAssignsThenAddsInOneStep) {
  auto tape = CompileForTest("x*x", {"x"});
  const ReversePlan& plan = tape->reverse_plan(0);
  ASSERT_EQ(plan.steps.size(), 1u) << tape->ReversePlanDebugString(0);
  EXPECT_EQ(plan.steps[0].a_write, AdjointWrite::kAssign);
  EXPECT_EQ(plan.steps[0].b_write, AdjointWrite::kAdd);
  EXPECT_EQ(At(*tape, {3}).gradients[0], 6);
  ExpectPlainBits("x*x*y + x*x", {"x", "y"}, {1.25, -3});
}

TEST(ReversePlanTest, PassThroughAdjointsAreAliasedWithTheirSign) {
  // -(x - y) + z: no operation needs a step at all.
  auto tape = CompileForTest("-(x - y) + z", {"x", "y", "z"});
  const ReversePlan& plan = tape->reverse_plan(0);
  EXPECT_TRUE(plan.steps.empty()) << tape->ReversePlanDebugString(0);
  ASSERT_EQ(plan.inputs.size(), 3u);
  EXPECT_TRUE(plan.inputs[0].negated);
  EXPECT_FALSE(plan.inputs[1].negated);
  EXPECT_FALSE(plan.inputs[2].negated);
  const PointResult r = At(*tape, {1, 2, 3});
  EXPECT_EQ(r.gradients, (std::vector<double>{-1, 1, 1}));
  // A negated alias feeding a product: the sign is carried, not applied.
  ExpectPlainBits("(-(x - y))*x - y*(-x)", {"x", "y"}, {0.75, -1.5});
  ExpectPlainBits("-(-(x*y) - exp(x))", {"x", "y"}, {0.5, 2});
}

TEST(ReversePlanTest, ZeroGradientsArePositiveZeros) {
  // d/dx x*y = y = -0 at y = -0; a zero-filled accumulated adjoint was
  // +0 + -0 = +0, and so must the assigned one be when read out.
  const PointResult r = At(*CompileForTest("x*y", {"x", "y"}), {2, -0.0});
  EXPECT_FALSE(std::signbit(r.gradients[0]));
  const PointResult neg = At(*CompileForTest("-(x*y)", {"x", "y"}), {2, 0.0});
  EXPECT_FALSE(std::signbit(neg.gradients[0]));
}

TEST(ReversePlanTest, UnreachableAndZeroDerivativeSlotsGetNoWork) {
  // Output 0 does not depend on exp(z): no step for it, z's gradient +0.
  auto a = Parse("x*y");
  auto b = Parse("exp(z)*x");
  ASSERT_TRUE(a.ok() && b.ok());
  const NodePtr roots[] = {*a, *b};
  auto tape = CompileTape(absl::MakeConstSpan(roots), {"x", "y", "z"});
  ASSERT_TRUE(tape.ok());
  EXPECT_FALSE((*tape)->reverse_plan(0).inputs[2].reached);
  for (const AdjointStep& step : (*tape)->reverse_plan(0).steps) {
    EXPECT_NE((*tape)->instructions()[step.slot].op, OpCode::kCall);
  }
  const PointResult r = At(**tape, {2, 3, 1000});  // exp(1000) = inf
  EXPECT_EQ(r.gradients, (std::vector<double>{3, 2, 0, std::exp(1000.0), 0,
                                              2 * std::exp(1000.0)}));
  // floor contributes nothing, not 0 * log'(0) = NaN: log(x) is never
  // reached, as in the symbolic derivative 0.
  auto floored = CompileForTest("floor(log(x)) + y", {"x", "y"});
  EXPECT_EQ(floored->reverse_plan(0).steps.size(), 0u)
      << floored->ReversePlanDebugString(0);
  const PointResult f = At(*floored, {0, 1});
  EXPECT_EQ(f.gradients, (std::vector<double>{0, 1}));
  EXPECT_FALSE(std::signbit(f.gradients[0]));
}

// Random expressions over shared subexpressions: the planned sweep gives
// the plain sweep's bits.
TEST(ReversePlanTest, RandomSharedExpressionsMatchThePlainSweepBitForBit) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> leaves = {"x", "y", "z", "1.5", "2"};
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::string> pool = {"x", "y", "z"};
    for (int step = 0; step < 8; ++step) {
      const std::string a = pool[pick(pool.size())];
      const std::string b = pick(4) == 0 ? leaves[pick(leaves.size())]
                                         : pool[pick(pool.size())];
      std::string e;
      switch (pick(10)) {
        case 0: e = "(" + a + ")+(" + b + ")"; break;
        case 1: e = "(" + a + ")-(" + b + ")"; break;
        case 2: e = "(" + a + ")*(" + b + ")"; break;
        case 3: e = "(" + a + ")/(1.25+(" + b + ")^2)"; break;
        case 4: e = "-(" + a + ")"; break;
        case 5: e = "tanh(" + a + ")"; break;
        case 6: e = "sin(" + a + ")*exp(-(" + b + ")^2)"; break;
        case 7: e = "(" + a + ")^2"; break;
        case 8: e = "sigmoid(" + a + ")"; break;
        default: e = "log(1+(" + a + ")^2)"; break;
      }
      pool.push_back(e);
    }
    std::string text = pool.back();
    for (int extra = 0; extra < 2; ++extra) {
      text = "(" + text + ")*(" + pool[pick(pool.size())] + ")-(" +
             pool[pick(pool.size())] + ")";
    }
    std::uniform_real_distribution<double> u(-2, 2);
    ExpectPlainBits(text, {"x", "y", "z"}, {u(rng), u(rng), u(rng)});
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace slope::calculus

namespace slope::calculus {
namespace {

// Gradient sweeps take sin and cos from one sincos call and stash the
// derivative; that must be std::sin's and std::cos's bits exactly.
TEST(ReversePlanTest, SinCosGivesSinAndCosBits) {
  std::mt19937_64 rng(11);
  for (int scale = -30; scale <= 30; scale += 3) {
    std::uniform_real_distribution<double> u(-std::ldexp(1.0, scale),
                                             std::ldexp(1.0, scale));
    for (int i = 0; i < 20000; ++i) {
      const double x = u(rng);
      double s, c;
      kernels::SinCos(x, &s, &c);
      ASSERT_TRUE(SameBits(s, std::sin(x))) << x;
      ASSERT_TRUE(SameBits(c, std::cos(x))) << x;
    }
  }
}

// Values do not depend on whether gradients were asked for, and the
// stashed derivatives give the plain sweep's gradient bits.
TEST(ReversePlanTest, StashedDerivativesKeepValuesAndGradients) {
  const std::string text = "sin(x)*exp(y) + cos(x*y)^2 - sin(cos(y))";
  auto tape = CompileForTest(text, {"x", "y"});
  const size_t count = 600;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-4, 4);
  std::vector<double> points(2 * count);
  for (double& p : points) p = u(rng);
  std::vector<double> plain_values(count), values(count), gradients(2 * count);
  ASSERT_TRUE(EvaluateBatch(*tape, points, count, BatchOptions{},
                            {absl::MakeSpan(plain_values), {}, {}}, nullptr)
                  .ok());
  BatchOptions with_gradient;
  with_gradient.gradient = true;
  ASSERT_TRUE(EvaluateBatch(*tape, points, count, with_gradient,
                            {absl::MakeSpan(values), absl::MakeSpan(gradients),
                             {}},
                            nullptr)
                  .ok());
  for (size_t i = 0; i < count; ++i) {
    ASSERT_TRUE(SameBits(values[i], plain_values[i])) << i;
    const std::vector<double> plain =
        PlainGradient(*tape, {points[2 * i], points[2 * i + 1]});
    ASSERT_TRUE(SameBits(gradients[2 * i], plain[0])) << i;
    ASSERT_TRUE(SameBits(gradients[2 * i + 1], plain[1])) << i;
  }
}

}  // namespace
}  // namespace slope::calculus
