// The function table is shared by the parser, evaluators and GetServerInfo:
// check its shape and the numerically delicate kernels.
#include "server/calculus/functions.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "server/calculus/ast.h"

namespace slope::calculus {
namespace {

TEST(FunctionsTest, TableIsInEnumOrderAndComplete) {
  auto all = AllFunctions();
  ASSERT_EQ(all.size(), 34u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(all[i].id), i) << all[i].name;
    EXPECT_EQ(&Spec(all[i].id), &all[i]);
    EXPECT_EQ(FindFunction(all[i].name), &all[i]);
    EXPECT_TRUE(all[i].arity == 1 || all[i].arity == 2);
    EXPECT_EQ(all[i].signature.substr(0, all[i].name.size() + 1),
              std::string(all[i].name) + "(");
    EXPECT_EQ(all[i].derivative.rfind("d/dx " + std::string(all[i].name), 0),
              0u)
        << all[i].derivative;
    EXPECT_FALSE(all[i].description.empty());
  }
  EXPECT_EQ(FindFunction("sni"), nullptr);
  EXPECT_EQ(FindFunction(""), nullptr);
  EXPECT_EQ(Spec(Function::kAtan2).arity, 2);
  EXPECT_EQ(Spec(Function::kMin).arity, 2);
  EXPECT_EQ(Spec(Function::kMax).arity, 2);
  EXPECT_EQ(Spec(Function::kPow).arity, 2);
  EXPECT_EQ(Spec(Function::kHypot).arity, 2);
  EXPECT_EQ(Spec(Function::kSin).arity, 1);
}

TEST(FunctionsTest, Constants) {
  double v = 0;
  ASSERT_TRUE(FindConstant("pi", &v));
  EXPECT_EQ(v, M_PI);
  ASSERT_TRUE(FindConstant("e", &v));
  EXPECT_EQ(v, M_E);
  EXPECT_FALSE(FindConstant("x", &v));
  EXPECT_FALSE(FindConstant("PI", &v));
}

TEST(FunctionsTest, SigmoidIsStable) {
  EXPECT_EQ(EvaluateFunction(Function::kSigmoid, -1000), 0.0);
  EXPECT_EQ(EvaluateFunction(Function::kSigmoid, 1000), 1.0);
  EXPECT_EQ(EvaluateFunction(Function::kSigmoid, 0), 0.5);
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kSigmoid, -30),
                   std::exp(-30) / (1 + std::exp(-30)));
  EXPECT_TRUE(std::isnan(EvaluateFunction(Function::kSigmoid, NAN)));
  EXPECT_EQ(EvaluateFunction(Function::kSigmoid, -INFINITY), 0.0);
  EXPECT_EQ(EvaluateFunction(Function::kSigmoid, INFINITY), 1.0);
}

TEST(FunctionsTest, SoftplusIsStable) {
  EXPECT_EQ(EvaluateFunction(Function::kSoftplus, 1000), 1000.0);
  EXPECT_EQ(EvaluateFunction(Function::kSoftplus, -1000), 0.0);
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kSoftplus, -700),
                   std::exp(-700.0));  // no cancellation to 0
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kSigmoid, -700),
                   std::exp(-700.0));
  EXPECT_EQ(EvaluateFunction(Function::kSoftplus, 40), 40.0);
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kSoftplus, -30),
                   std::log1p(std::exp(-30)));
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kSoftplus, 0), std::log(2.0));
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kSoftplus, 2),
                   std::log(1 + std::exp(2.0)));
  EXPECT_EQ(EvaluateFunction(Function::kSoftplus, INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(EvaluateFunction(Function::kSoftplus, NAN)));
}

TEST(FunctionsTest, NonSmoothConventions) {
  EXPECT_EQ(EvaluateFunction(Function::kSign, 0), 0.0);
  EXPECT_EQ(EvaluateFunction(Function::kSign, -0.0), 0.0);
  EXPECT_EQ(EvaluateFunction(Function::kSign, -3), -1.0);
  EXPECT_EQ(EvaluateFunction(Function::kSign, 1e-300), 1.0);
  EXPECT_EQ(EvaluateFunction(Function::kRelu, -2), 0.0);
  EXPECT_EQ(EvaluateFunction(Function::kRelu, 2), 2.0);
  EXPECT_TRUE(std::isnan(EvaluateFunction(Function::kRelu, NAN)));
  EXPECT_EQ(EvaluateFunction(Function::kMin, 1, 2), 1.0);
  EXPECT_EQ(EvaluateFunction(Function::kMin, 2, 1), 1.0);
  EXPECT_EQ(EvaluateFunction(Function::kMax, 1, 2), 2.0);
  // Ties pick the first argument: visible through the sign of zero.
  EXPECT_TRUE(std::signbit(EvaluateFunction(Function::kMin, -0.0, 0.0)));
  EXPECT_FALSE(std::signbit(EvaluateFunction(Function::kMax, 0.0, -0.0)));
  EXPECT_TRUE(std::isnan(EvaluateFunction(Function::kMin, NAN, 1)));
  EXPECT_TRUE(std::isnan(EvaluateFunction(Function::kMax, 1, NAN)));
}

TEST(FunctionsTest, MatchesLibm) {
  const double x = 0.37;
  EXPECT_EQ(EvaluateFunction(Function::kSin, x), std::sin(x));
  EXPECT_EQ(EvaluateFunction(Function::kAtan2, 1, -1), std::atan2(1, -1));
  EXPECT_EQ(EvaluateFunction(Function::kPow, 2, 10), 1024.0);
  EXPECT_EQ(EvaluateFunction(Function::kHypot, 3, 4), 5.0);
  EXPECT_EQ(EvaluateFunction(Function::kLog2, 8), 3.0);
  EXPECT_EQ(EvaluateFunction(Function::kLog10, 1000), 3.0);
  EXPECT_DOUBLE_EQ(EvaluateFunction(Function::kCbrt, -27), -3.0);
  EXPECT_EQ(EvaluateFunction(Function::kExpm1, 1e-20), 1e-20);
  EXPECT_EQ(EvaluateFunction(Function::kLog1p, 1e-20), 1e-20);
  EXPECT_EQ(EvaluateFunction(Function::kFloor, -1.5), -2.0);
  EXPECT_EQ(EvaluateFunction(Function::kCeil, -1.5), -1.0);
  EXPECT_EQ(EvaluateFunction(Function::kErfc, 30), std::erfc(30.0));
  EXPECT_TRUE(std::isnan(EvaluateFunction(Function::kAsin, 2)));
  EXPECT_EQ(EvaluateFunction(Function::kLog, 0), -INFINITY);
}

TEST(AstTest, CollectVariablesSortedUnique) {
  NodePtr e = MakeBinary(
      NodeKind::kAdd,
      MakeBinary(NodeKind::kMultiply, MakeVariable("y"), MakeVariable("x")),
      MakeCall(Function::kAtan2, {MakeVariable("x"), MakeVariable("a_1")}));
  EXPECT_EQ(CollectVariables(e),
            (std::vector<std::string>{"a_1", "x", "y"}));
  EXPECT_TRUE(CollectVariables(MakeNumber(2)).empty());
  EXPECT_TRUE(CollectVariables(nullptr).empty());
}

}  // namespace
}  // namespace slope::calculus
