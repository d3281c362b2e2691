// ToText must be the exact inverse of Parse (formulas are pasted back in by
// clients), with as few parentheses as correctness allows; ToLatex must
// follow the usual typesetting conventions.
#include "server/calculus/printer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "server/calculus/derivative.h"
#include "server/calculus/parser.h"
#include "tests/calculus/reference_eval.h"

namespace slope::calculus {
namespace {

std::string RoundTrip(std::string_view text) {
  absl::StatusOr<NodePtr> r = Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  return r.ok() ? ToText(*r) : "";
}

TEST(PrinterTest, MinimalParentheses) {
  const char* same[] = {
      "x+y*z",     "(x+y)*z",     "x-(y-z)",      "x-y-z",      "x+(y+z)",
      "x*(y*z)",   "x/(y*z)",     "x/y/z",        "x*y/z",      "x^y^z",
      "(x^y)^z",   "-x^2",        "(-x)^2",       "-x*y",       "-(x*y)",
      "x*(-y)",    "x^(-2)",      "2^x",          "(-2)^x",     "-2*x",
      "sin(x)^2",  "atan2(y, x)", "max(x+1, -y)", "-(x+y)",     "x+(-2)",
      "-(-x)",     "x-(-1)",      "(x+y)^(1/2)",  "exp(-x^2)", "pi*e",
  };
  for (const char* text : same) EXPECT_EQ(RoundTrip(text), text);
  EXPECT_EQ(RoundTrip("((x))"), "x");
  EXPECT_EQ(RoundTrip("(x*y)*z"), "x*y*z");
  EXPECT_EQ(RoundTrip("x ^ -2"), "x^(-2)");
  EXPECT_EQ(RoundTrip("--x"), "-(-x)");
  EXPECT_EQ(RoundTrip("+x"), "x");
  EXPECT_EQ(RoundTrip("atan2(y,x)"), "atan2(y, x)");
  EXPECT_EQ(RoundTrip("2^(3^2)"), "2^3^2");
}

TEST(PrinterTest, Numbers) {
  EXPECT_EQ(FormatNumber(3), "3");
  EXPECT_EQ(FormatNumber(2.5), "2.5");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatNumber(1e-5), "1e-5");
  EXPECT_EQ(FormatNumber(1e21), "1e21");
  EXPECT_EQ(FormatNumber(1e20), "100000000000000000000");
  EXPECT_EQ(FormatNumber(-0.0), "-0");
  EXPECT_EQ(FormatNumber(1.5e-300), "1.5e-300");
  EXPECT_EQ(FormatNumber(5e-324), "5e-324");
  EXPECT_EQ(FormatNumber(1.7976931348623157e308), "1.7976931348623157e308");
  EXPECT_EQ(ToText(MakeNumber(M_PI)), "pi");
  EXPECT_EQ(ToText(MakeNumber(M_E)), "e");
  EXPECT_EQ(ToText(MakeNumber(-M_PI)), "-pi");
  EXPECT_EQ(ToText(MakeNumber(-M_PI)), RoundTrip("-pi"));
  EXPECT_EQ(ToText(MakeNumber(3.14159)), "3.14159");
  EXPECT_EQ(ToText(MakeNumber(INFINITY)), "(1/0)");
  EXPECT_EQ(ToText(MakeNumber(-INFINITY)), "(-1/0)");
  EXPECT_EQ(ToText(MakeNumber(NAN)), "(0/0)");
}

TEST(PrinterTest, NegativeConstantsAreParenthesisedWhereNeeded) {
  NodePtr minus_two = MakeNumber(-2);
  NodePtr x = MakeVariable("x");
  EXPECT_EQ(ToText(MakeBinary(NodeKind::kPower, minus_two, x)), "(-2)^x");
  EXPECT_EQ(ToText(MakeBinary(NodeKind::kPower, x, minus_two)), "x^(-2)");
  EXPECT_EQ(ToText(MakeBinary(NodeKind::kMultiply, minus_two, x)), "-2*x");
  EXPECT_EQ(ToText(MakeBinary(NodeKind::kSubtract, x, minus_two)), "x-(-2)");
  EXPECT_EQ(ToText(MakeUnary(NodeKind::kNegate, minus_two)), "-(-2)");
  EXPECT_EQ(ToText(MakeUnary(NodeKind::kNegate, MakeNumber(2))), "-2");
}

TEST(PrinterTest, Latex) {
  auto latex = [](std::string_view text) { return ToLatex(*Parse(text)); };
  EXPECT_EQ(ToLatex(*Differentiate(*Parse("x^2"), "x")), "2 x");
  EXPECT_EQ(latex("x/y"), "\\frac{x}{y}");
  EXPECT_EQ(latex("-1/x^2"), "-\\frac{1}{x^{2}}");
  EXPECT_EQ(latex("x^(y+1)"), "x^{y + 1}");
  EXPECT_EQ(latex("(x+1)^2"), "\\left(x + 1\\right)^{2}");
  EXPECT_EQ(latex("sin(x)"), "\\sin\\left(x\\right)");
  EXPECT_EQ(latex("sin(x)^2"), "\\sin\\left(x\\right)^{2}");
  EXPECT_EQ(latex("sqrt(x+1)"), "\\sqrt{x + 1}");
  EXPECT_EQ(latex("cbrt(x)"), "\\sqrt[3]{x}");
  EXPECT_EQ(latex("abs(x)"), "\\left|x\\right|");
  EXPECT_EQ(latex("exp(2*x)"), "e^{2 x}");
  EXPECT_EQ(latex("log(x)"), "\\ln\\left(x\\right)");
  EXPECT_EQ(latex("log10(x)"), "\\log_{10}\\left(x\\right)");
  EXPECT_EQ(latex("sigmoid(x)"), "\\operatorname{sigmoid}\\left(x\\right)");
  EXPECT_EQ(latex("atan2(y, x)"), "\\operatorname{atan2}\\left(y, x\\right)");
  EXPECT_EQ(latex("x*y"), "x y");
  EXPECT_EQ(latex("2*3"), "2 \\cdot 3");
  EXPECT_EQ(latex("x*(-y)"), "x \\left(-y\\right)");
  EXPECT_EQ(latex("x*2"), "x \\cdot 2");
  EXPECT_EQ(latex("x-(y-z)"), "x - \\left(y - z\\right)");
  EXPECT_EQ(latex("x+(-2)"), "x + \\left(-2\\right)");
  EXPECT_EQ(latex("pi*r^2"), "\\pi r^{2}");
  EXPECT_EQ(latex("alpha*x_1*rate"), "\\alpha x_{1} \\mathrm{rate}");
  EXPECT_EQ(latex("y12*learning_rate"), "y_{12} \\mathrm{learning\\_rate}");
  EXPECT_EQ(latex("1e-5*x"), "10^{-5} x");
  EXPECT_EQ(latex("2.5e-7"), "2.5 \\cdot 10^{-7}");
  EXPECT_EQ(latex("(-2)^x"), "\\left(-2\\right)^{x}");
  EXPECT_EQ(latex("exp(x)^2"), "\\left(e^{x}\\right)^{2}");
}

// ---------------------------------------------------------------------------
// Property: for random trees, print -> parse evaluates bit-identically.

class TreeGenerator {
 public:
  explicit TreeGenerator(uint32_t seed) : rng_(seed) {}

  NodePtr Tree(int depth) {
    int choice = Uniform(0, depth == 0 ? 1 : 9);
    switch (choice) {
      case 0: return Number();
      case 1: return MakeVariable(Uniform(0, 1) ? "x" : "y");
      case 2: return MakeUnary(NodeKind::kNegate, Tree(depth - 1));
      case 3: case 4: case 5: case 6: case 7: {
        static constexpr NodeKind kBinary[] = {
            NodeKind::kAdd, NodeKind::kSubtract, NodeKind::kMultiply,
            NodeKind::kDivide, NodeKind::kPower};
        return MakeBinary(kBinary[choice - 3], Tree(depth - 1),
                          Tree(depth - 1));
      }
      default: {
        auto all = AllFunctions();
        const FunctionSpec& spec = all[Uniform(0, all.size() - 1)];
        std::vector<NodePtr> args;
        for (int i = 0; i < spec.arity; ++i) args.push_back(Tree(depth - 1));
        return MakeCall(spec.id, std::move(args));
      }
    }
  }

 private:
  size_t Uniform(size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng_);
  }

  NodePtr Number() {
    static constexpr double kSpecial[] = {
        0,      -0.0,   1,        2,      -2,    0.5,    -0.5,  0.1,
        2.5,    1e-300, 1e300,    1e21,   1e20,  M_PI,   M_E,   -M_PI,
        5e-324, 3.0e-5, 1.7976931348623157e308,  123456789.125,
        std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()};
    if (Uniform(0, 2) == 0) {
      // Any finite double, by its bits.
      while (true) {
        uint64_t bits = std::uniform_int_distribution<uint64_t>()(rng_);
        double v;
        std::memcpy(&v, &bits, sizeof v);
        if (std::isfinite(v)) return MakeNumber(v);
      }
    }
    return MakeNumber(kSpecial[Uniform(0, std::size(kSpecial) - 1)]);
  }

  std::mt19937_64 rng_;
};

TEST(PrinterTest, RandomTreesRoundTripBitForBit) {
  TreeGenerator generator(20240607);
  std::mt19937 rng(99);
  std::uniform_real_distribution<double> coordinate(-3, 3);
  for (int i = 0; i < 3000; ++i) {
    NodePtr tree = generator.Tree(1 + i % 6);
    std::string text = ToText(tree);
    ExpressionLimits limits;
    limits.max_bytes = 1 << 20;
    absl::StatusOr<NodePtr> parsed = Parse(text, limits);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    // Printing a parsed tree is a fixed point. (The first print need not
    // be: a tree may hold numbers no text parses to, such as Infinity.)
    std::string reprinted = ToText(*parsed);
    EXPECT_EQ(ToText(*Parse(reprinted, limits)), reprinted);
    for (int k = 0; k < 4; ++k) {
      testing::Point p = {{"x", coordinate(rng)}, {"y", coordinate(rng)}};
      if (k == 0) p = {{"x", 0.0}, {"y", -0.0}};
      double want = testing::RefEval(*tree, p);
      double got = testing::RefEval(**parsed, p);
      ASSERT_TRUE(testing::SameDouble(want, got))
          << text << " at x=" << p["x"] << " y=" << p["y"] << ": " << want
          << " vs " << got;
    }
  }
}

TEST(PrinterTest, NullTrees) {
  EXPECT_EQ(ToText(nullptr), "");
  EXPECT_EQ(ToLatex(nullptr), "");
}

}  // namespace
}  // namespace slope::calculus
