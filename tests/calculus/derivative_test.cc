// Symbolic derivatives checked three ways: exact seed formulas, hand-derived
// closed forms, and central finite differences of the original function.
#include "server/calculus/derivative.h"

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/calculus/parser.h"
#include "server/calculus/printer.h"
#include "tests/calculus/reference_eval.h"

namespace slope::calculus {
namespace {

using testing::Point;
using testing::RefEval;

NodePtr P(std::string_view text) {
  absl::StatusOr<NodePtr> r = Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  return r.ok() ? *r : MakeNumber(0);
}

std::string D(std::string_view text, std::string_view var = "x",
              int order = 1) {
  absl::StatusOr<NodePtr> d = Differentiate(P(text), var, order);
  if (!d.ok()) return std::string(d.status().message());
  return ToText(*d);
}

TEST(DerivativeTest, SeedExamples) {
  EXPECT_EQ(D("x^2"), "2*x");
  EXPECT_EQ(D("x^2+y^2", "x"), "2*x");
  EXPECT_EQ(D("x^2+y^2", "y"), "2*y");
  EXPECT_EQ(D("sin(x)"), "cos(x)");
  EXPECT_EQ(D("exp(2*x)"), "2*exp(2*x)");
  EXPECT_EQ(ToLatex(*Differentiate(P("x^2"), "x")), "2 x");
}

TEST(DerivativeTest, Formulas) {
  EXPECT_EQ(D("5"), "0");
  EXPECT_EQ(D("y"), "0");
  EXPECT_EQ(D("x"), "1");
  EXPECT_EQ(D("3*x+2"), "3");
  EXPECT_EQ(D("x^3"), "3*x^2");
  EXPECT_EQ(D("1/x"), "-1/x^2");
  EXPECT_EQ(D("x^-2"), "-2/x^3");
  EXPECT_EQ(D("sqrt(x)"), "1/(2*sqrt(x))");
  EXPECT_EQ(D("x*sin(x)"), "sin(x)+x*cos(x)");
  EXPECT_EQ(D("cos(x)"), "-sin(x)");
  EXPECT_EQ(D("log(x)"), "1/x");
  EXPECT_EQ(D("tanh(x)"), "1-tanh(x)^2");
  EXPECT_EQ(D("sigmoid(x)"), "sigmoid(x)*(1-sigmoid(x))");
  EXPECT_EQ(D("2^x"), "2^x*log(2)");
  EXPECT_EQ(D("x^y"), "y*x^(y-1)");
  EXPECT_EQ(D("x^x"), "x^x*(log(x)+1)");
  EXPECT_EQ(D("abs(x)"), "sign(x)");
  EXPECT_EQ(D("relu(x)"), "relu(sign(x))");
  EXPECT_EQ(D("floor(x)+ceil(x)+sign(x)"), "0");
  EXPECT_EQ(D("x*y", "y"), "x");
  EXPECT_EQ(D("sin(x)", "y"), "0");
}

TEST(DerivativeTest, HigherOrders) {
  EXPECT_EQ(D("x^3", "x", 2), "6*x");
  EXPECT_EQ(D("x^3", "x", 3), "6");
  EXPECT_EQ(D("x^3", "x", 4), "0");
  EXPECT_EQ(D("sin(x)", "x", 2), "-sin(x)");
  EXPECT_EQ(D("sin(x)", "x", 4), "sin(x)");
  EXPECT_EQ(D("exp(2*x)", "x", 3), "8*exp(2*x)");
  EXPECT_EQ(D("x*x", "x", 0), "x^2");
  EXPECT_EQ(D("x^2*y^2", "y", 2), "2*x^2");
}

TEST(DerivativeTest, Errors) {
  absl::StatusOr<NodePtr> r = Differentiate(P("x"), "x", 11);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(), "derivative order 11 exceeds the limit of 10");
  r = Differentiate(P("x"), "x", -1);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = Differentiate(P("x"), "2x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "'2x' is not a variable name");
  r = Differentiate(P("x"), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DerivativeTest, GrowthIsBounded) {
  // Each order of a nested quotient roughly doubles the formula.
  NodePtr f = P("sin(x)/(cos(x)+x)/(x^2+exp(x))/(tan(x)+1)");
  DerivativeLimits limits;
  limits.max_nodes = 2000;
  absl::StatusOr<NodePtr> r = Differentiate(f, "x", 10, limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(), "derivative has more than 2000 nodes");

  limits = DerivativeLimits();
  limits.max_depth = 7;
  NodePtr nested = P("sin(sin(sin(sin(sin(sin(sin(x)))))))");  // depth 7
  r = Differentiate(nested, "x", 1, limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(), "derivative nests deeper than 7 levels");
  limits.max_depth = 6;
  r = Differentiate(nested, "x", 1, limits);
  EXPECT_EQ(r.status().message(), "expression nests deeper than 6 levels");
  limits.max_depth = 20;
  EXPECT_TRUE(Differentiate(nested, "x", 1, limits).ok());
}

TEST(DerivativeTest, DeepInputWithinParserLimitsWorks) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "sin(";
  text += "x" + std::string(200, ')');
  absl::StatusOr<NodePtr> r = Differentiate(P(text), "x");
  ASSERT_TRUE(r.ok()) << r.status();
  double x = 0.3;
  // Chain rule by hand: product of cos(sin^k(x)).
  double value = x, expected = 1;
  for (int i = 0; i < 200; ++i) {
    expected *= std::cos(value);
    value = std::sin(value);
  }
  EXPECT_NEAR(RefEval(*r, {{"x", x}}), expected, 1e-12);
}

// ---------------------------------------------------------------------------
// Every function, against its closed form and against finite differences.

struct Case {
  const char* expression;  // in x (and y for two-argument functions)
  const char* variable;
  std::function<double(double, double)> derivative;  // at (x, y)
  std::vector<std::pair<double, double>> points;
};

double Central(const NodePtr& f, const std::string& var, Point p) {
  // Step scaled to the point, for about 1e-10 relative error on smooth f.
  double h = 1e-5 * std::max(1.0, std::fabs(p[var]));
  Point plus = p, minus = p;
  plus[var] += h;
  minus[var] -= h;
  return (RefEval(*f, plus) - RefEval(*f, minus)) / (2 * h);
}

TEST(DerivativeTest, EveryFunctionMatchesClosedFormAndFiniteDifferences) {
  const double kPi = M_PI;
  const std::vector<std::pair<double, double>> kAny = {
      {0.3, 0.7}, {-1.2, 0.4}, {2.5, -1.5}};
  const std::vector<std::pair<double, double>> kUnit = {
      {0.3, 0}, {-0.6, 0}, {0.05, 0}};
  const std::vector<std::pair<double, double>> kPositive = {
      {0.4, 1.3}, {1.7, 0.2}, {3.2, 2.0}};
  const std::vector<Case> cases = {
      {"sin(2*x)", "x", [](double x, double) { return 2 * std::cos(2 * x); },
       kAny},
      {"cos(x^2)", "x",
       [](double x, double) { return -2 * x * std::sin(x * x); }, kAny},
      {"tan(x)", "x",
       [](double x, double) { return 1 / std::pow(std::cos(x), 2); }, kAny},
      {"asin(x)", "x",
       [](double x, double) { return 1 / std::sqrt(1 - x * x); }, kUnit},
      {"acos(x)", "x",
       [](double x, double) { return -1 / std::sqrt(1 - x * x); }, kUnit},
      {"atan(3*x)", "x",
       [](double x, double) { return 3 / (1 + 9 * x * x); }, kAny},
      {"atan2(y, x)", "x",
       [](double x, double y) { return -y / (x * x + y * y); }, kAny},
      {"atan2(y, x)", "y",
       [](double x, double y) { return x / (x * x + y * y); }, kAny},
      {"sinh(x)", "x", [](double x, double) { return std::cosh(x); }, kAny},
      {"cosh(x)", "x", [](double x, double) { return std::sinh(x); }, kAny},
      {"tanh(x)", "x",
       [](double x, double) { return 1 / std::pow(std::cosh(x), 2); }, kAny},
      {"asinh(x)", "x",
       [](double x, double) { return 1 / std::sqrt(x * x + 1); }, kAny},
      {"acosh(x+2)", "x",
       [](double x, double) {
         return 1 / std::sqrt((x + 2) * (x + 2) - 1);
       },
       kPositive},
      {"atanh(x)", "x", [](double x, double) { return 1 / (1 - x * x); },
       kUnit},
      {"exp(x)", "x", [](double x, double) { return std::exp(x); }, kAny},
      {"expm1(3*x)", "x", [](double x, double) { return 3 * std::exp(3 * x); },
       kAny},
      {"log(x)", "x", [](double x, double) { return 1 / x; }, kPositive},
      {"log1p(x)", "x", [](double x, double) { return 1 / (1 + x); },
       kPositive},
      {"log2(x)", "x", [](double x, double) { return 1 / (x * std::log(2)); },
       kPositive},
      {"log10(x)", "x",
       [](double x, double) { return 1 / (x * std::log(10)); }, kPositive},
      {"sqrt(x)", "x", [](double x, double) { return 0.5 / std::sqrt(x); },
       kPositive},
      {"cbrt(x)", "x",
       [](double x, double) { return 1 / (3 * std::cbrt(x) * std::cbrt(x)); },
       kAny},
      {"abs(x)", "x", [](double x, double) { return x > 0 ? 1.0 : -1.0; },
       kAny},
      {"sign(x)", "x", [](double, double) { return 0.0; }, kAny},
      {"floor(x)", "x", [](double, double) { return 0.0; }, kAny},
      {"ceil(x)", "x", [](double, double) { return 0.0; }, kAny},
      {"min(x, y)", "x", [](double x, double y) { return x <= y ? 1.0 : 0.0; },
       kAny},
      {"min(x, y)", "y", [](double x, double y) { return x <= y ? 0.0 : 1.0; },
       kAny},
      {"max(x, y)", "x", [](double x, double y) { return x >= y ? 1.0 : 0.0; },
       kAny},
      {"max(x, y)", "y", [](double x, double y) { return x >= y ? 0.0 : 1.0; },
       kAny},
      {"pow(x, y)", "x",
       [](double x, double y) { return y * std::pow(x, y - 1); }, kPositive},
      {"pow(x, y)", "y",
       [](double x, double y) { return std::pow(x, y) * std::log(x); },
       kPositive},
      {"x^y", "x", [](double x, double y) { return y * std::pow(x, y - 1); },
       kPositive},
      {"x^y", "y",
       [](double x, double y) { return std::pow(x, y) * std::log(x); },
       kPositive},
      {"x^x", "x",
       [](double x, double) { return std::pow(x, x) * (std::log(x) + 1); },
       kPositive},
      {"hypot(x, y)", "x",
       [](double x, double y) { return x / std::hypot(x, y); }, kAny},
      {"hypot(x, y)", "y",
       [](double x, double y) { return y / std::hypot(x, y); }, kAny},
      {"sigmoid(x)", "x",
       [](double x, double) {
         double s = 1 / (1 + std::exp(-x));
         return s * (1 - s);
       },
       kAny},
      {"relu(x)", "x", [](double x, double) { return x > 0 ? 1.0 : 0.0; },
       kAny},
      {"softplus(x)", "x",
       [](double x, double) { return 1 / (1 + std::exp(-x)); }, kAny},
      {"erf(x)", "x",
       [=](double x, double) {
         return 2 / std::sqrt(kPi) * std::exp(-x * x);
       },
       kAny},
      {"erfc(x)", "x",
       [=](double x, double) {
         return -2 / std::sqrt(kPi) * std::exp(-x * x);
       },
       kAny},
      {"x/y", "y", [](double x, double y) { return -x / (y * y); }, kAny},
      {"sin(x)*cos(y)/(1+x^2)", "x",
       [](double x, double y) {
         return std::cos(y) *
                (std::cos(x) * (1 + x * x) - 2 * x * std::sin(x)) /
                std::pow(1 + x * x, 2);
       },
       kAny},
      {"-x^3+x*y-y", "x", [](double x, double y) { return -3 * x * x + y; },
       kAny},
  };
  // Every function appears at least once.
  for (const FunctionSpec& spec : AllFunctions()) {
    bool found = false;
    for (const Case& c : cases) {
      found |= std::string(c.expression).find(std::string(spec.name) + "(") !=
               std::string::npos;
    }
    EXPECT_TRUE(found) << spec.name << " has no derivative test";
  }
  for (const Case& c : cases) {
    NodePtr f = P(c.expression);
    absl::StatusOr<NodePtr> d = Differentiate(f, c.variable);
    ASSERT_TRUE(d.ok()) << c.expression << ": " << d.status();
    // The formula re-parses to the same function.
    absl::StatusOr<NodePtr> reparsed = Parse(ToText(*d));
    ASSERT_TRUE(reparsed.ok()) << ToText(*d) << ": " << reparsed.status();
    for (auto [x, y] : c.points) {
      Point p = {{"x", x}, {"y", y}};
      double got = RefEval(**d, p);
      double want = c.derivative(x, y);
      double tolerance = 1e-12 * std::max(1.0, std::fabs(want));
      EXPECT_NEAR(got, want, tolerance)
          << "d/d" << c.variable << " " << c.expression << " = " << ToText(*d)
          << " at (" << x << ", " << y << ")";
      EXPECT_TRUE(testing::SameDouble(RefEval(**reparsed, p), got))
          << ToText(*d);
      double numeric = Central(f, c.variable, p);
      EXPECT_NEAR(got, numeric, 1e-6 * std::max(1.0, std::fabs(want)))
          << "finite differences disagree for d/d" << c.variable << " "
          << c.expression << " = " << ToText(*d) << " at (" << x << ", " << y
          << ")";
    }
  }
}

// ---------------------------------------------------------------------------
// Conventions at non-smooth points (documented in derivative.h).

double DAt(std::string_view text, std::string_view var, Point p) {
  absl::StatusOr<NodePtr> d = Differentiate(P(text), var);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? RefEval(**d, p) : std::nan("");
}

TEST(DerivativeTest, ConventionsAtNonSmoothPoints) {
  EXPECT_EQ(DAt("abs(x)", "x", {{"x", 0}}), 0.0);
  EXPECT_EQ(DAt("relu(x)", "x", {{"x", 0}}), 0.0);
  EXPECT_EQ(DAt("relu(x)", "x", {{"x", 1e-300}}), 1.0);
  EXPECT_EQ(DAt("relu(x)", "x", {{"x", -1e-300}}), 0.0);
  EXPECT_EQ(DAt("sign(x)", "x", {{"x", 0}}), 0.0);
  EXPECT_EQ(DAt("floor(x)", "x", {{"x", 1}}), 0.0);
  EXPECT_EQ(DAt("ceil(x)", "x", {{"x", 1}}), 0.0);
  EXPECT_EQ(DAt("sqrt(x)", "x", {{"x", 0}}), INFINITY);
  // max and min follow the first argument on a tie.
  Point tie = {{"x", 2}, {"y", 2}};
  EXPECT_EQ(DAt("max(x, y)", "x", tie), 1.0);
  EXPECT_EQ(DAt("max(x, y)", "y", tie), 0.0);
  EXPECT_EQ(DAt("max(y, x)", "x", tie), 0.0);
  EXPECT_EQ(DAt("max(y, x)", "y", tie), 1.0);
  EXPECT_EQ(DAt("min(x, y)", "x", tie), 1.0);
  EXPECT_EQ(DAt("min(x, y)", "y", tie), 0.0);
  EXPECT_EQ(DAt("min(3*x, y)", "x", tie), 0.0);  // 6 > 2: y is returned
  EXPECT_EQ(DAt("min(3*x, y)", "x", {{"x", 0}, {"y", 0}}), 3.0);
  EXPECT_EQ(DAt("max(x, 0)", "x", {{"x", 0}}), 1.0);  // x is the first
  EXPECT_EQ(DAt("max(0, x)", "x", {{"x", 0}}), 0.0);
}

// ---------------------------------------------------------------------------
// Property: on random smooth expressions, the simplified symbolic derivative
// agrees with finite differences, and its formula re-parses to the same
// values. This checks the rules and the simplifier together.

class SmoothTrees {
 public:
  explicit SmoothTrees(uint32_t seed) : rng_(seed) {}

  NodePtr Tree(int depth) {
    int choice = Pick(depth == 0 ? 1 : 8);
    NodePtr x = MakeVariable(Pick(2) == 0 ? "y" : "x");
    switch (choice) {
      case 0: return MakeNumber(std::round(Uniform(-2, 2) * 4) / 4);
      case 1: return x;
      case 2: return MakeUnary(NodeKind::kNegate, Tree(depth - 1));
      case 3: return MakeBinary(NodeKind::kAdd, Tree(depth - 1), Tree(depth - 1));
      case 4:
        return MakeBinary(NodeKind::kSubtract, Tree(depth - 1), Tree(depth - 1));
      case 5:
        return MakeBinary(NodeKind::kMultiply, Tree(depth - 1), Tree(depth - 1));
      case 6: {
        // u / (1 + v^2): never divides by zero.
        NodePtr v = Tree(depth - 1);
        return MakeBinary(
            NodeKind::kDivide, Tree(depth - 1),
            MakeBinary(NodeKind::kAdd, MakeNumber(1),
                       MakeBinary(NodeKind::kPower, v, MakeNumber(2))));
      }
      case 7:
        return MakeBinary(NodeKind::kPower, Tree(depth - 1),
                          MakeNumber(static_cast<double>(Pick(4))));
      default: {
        static constexpr Function kSmooth[] = {
            Function::kSin,     Function::kCos,     Function::kTanh,
            Function::kAtan,    Function::kSigmoid, Function::kSoftplus,
            Function::kErf,     Function::kAsinh,   Function::kSinh};
        return MakeCall(kSmooth[Pick(std::size(kSmooth) - 1)],
                        {Tree(depth - 1)});
      }
    }
  }

  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }

 private:
  int Pick(int hi) { return std::uniform_int_distribution<int>(0, hi)(rng_); }
  std::mt19937 rng_;
};

TEST(DerivativeTest, RandomSmoothExpressionsMatchFiniteDifferences) {
  SmoothTrees trees(1234);
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    NodePtr f = trees.Tree(1 + i % 4);
    for (const char* var : {"x", "y"}) {
      absl::StatusOr<NodePtr> d = Differentiate(f, var);
      ASSERT_TRUE(d.ok()) << ToText(f) << ": " << d.status();
      ExpressionLimits big;
      big.max_bytes = 1 << 22;
      absl::StatusOr<NodePtr> reparsed = Parse(ToText(*d), big);
      ASSERT_TRUE(reparsed.ok()) << ToText(*d) << ": " << reparsed.status();
      for (int k = 0; k < 3; ++k) {
        Point p = {{"x", trees.Uniform(-1.5, 1.5)},
                   {"y", trees.Uniform(-1.5, 1.5)}};
        double got = RefEval(**d, p);
        double numeric = Central(f, var, p);
        double scale = 1 + std::fabs(RefEval(*f, p)) + std::fabs(got);
        if (!std::isfinite(got) || !std::isfinite(numeric)) continue;
        EXPECT_NEAR(got, numeric, 1e-5 * scale)
            << "d/d" << var << " " << ToText(f) << " = " << ToText(*d);
        EXPECT_TRUE(testing::SameDouble(RefEval(**reparsed, p), got));
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 2000);
}

}  // namespace
}  // namespace slope::calculus
