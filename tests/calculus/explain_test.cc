// The derivation must agree with Differentiate, name the right rule for
// each part, come outermost first, and stay bounded.
#include "server/calculus/explain.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/calculus/parser.h"
#include "server/calculus/printer.h"

namespace slope::calculus {
namespace {

std::vector<DerivationStep> Steps(std::string_view text,
                                  std::string_view var = "x",
                                  const ExplainLimits& limits = {}) {
  absl::StatusOr<std::vector<DerivationStep>> r =
      Explain(*Parse(text), var, limits);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<DerivationStep>{};
}

std::vector<std::string> Rules(const std::vector<DerivationStep>& steps) {
  std::vector<std::string> rules;
  for (const DerivationStep& s : steps) {
    rules.push_back(absl::StrCat(s.depth, ":", s.rule));
  }
  return rules;
}

TEST(ExplainTest, PowerRule) {
  std::vector<DerivationStep> steps = Steps("x^2");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].rule, "power");
  EXPECT_EQ(steps[0].before, "x^2");
  EXPECT_EQ(steps[0].after, "2*x");
  EXPECT_EQ(steps[0].before_latex, "x^{2}");
  EXPECT_EQ(steps[0].after_latex, "2 x");
  EXPECT_EQ(steps[0].depth, 0);
  EXPECT_EQ(steps[0].explanation, "d/dx u^n = n*u^(n-1)*u'");
  EXPECT_EQ(steps[1].rule, "variable");
  EXPECT_EQ(steps[1].after, "1");
  EXPECT_EQ(steps[1].depth, 1);
  EXPECT_EQ(steps[2].rule, "constant");
}

TEST(ExplainTest, RulesOutermostFirst) {
  EXPECT_EQ(Rules(Steps("x^2*sin(3*x) - y/x + exp(x)")),
            (std::vector<std::string>{
                "0:sum", "1:difference", "2:product", "3:power",
                "4:variable", "4:constant", "3:chain", "4:product",
                "5:constant", "5:variable", "2:quotient", "3:constant",
                "3:variable", "1:exp", "2:variable"}));
  std::vector<DerivationStep> steps = Steps("x^2*sin(3*x) - y/x + exp(x)");
  EXPECT_EQ(steps[0].after, "2*x*sin(3*x)+3*x^2*cos(3*x)+y/x^2+exp(x)");
  EXPECT_EQ(steps[6].explanation,
            "chain rule: d/dx sin(u) = cos(u)*u' with u = 3*x");
  EXPECT_EQ(steps[6].after, "3*cos(3*x)");
  EXPECT_EQ(steps[11].explanation,
            "y does not depend on x, so its derivative is 0");
}

TEST(ExplainTest, EveryRuleName) {
  EXPECT_EQ(Steps("-x")[0].rule, "negation");
  EXPECT_EQ(Steps("x-1")[0].rule, "difference");
  EXPECT_EQ(Steps("x/2")[0].rule, "quotient");
  EXPECT_EQ(Steps("x/2")[0].explanation, "d/dx (u/c) = u'/c");
  EXPECT_EQ(Steps("2*x")[0].explanation,
            "a constant factor stays: d/dx (c*u) = c*u'");
  EXPECT_EQ(Steps("2^x")[0].explanation, "d/dx a^v = a^v*log(a)*v'");
  EXPECT_EQ(Steps("x^x")[0].explanation,
            "d/dx u^v = u^v*(v'*log(u) + v*u'/u)");
  EXPECT_EQ(Steps("cos(x)")[0].rule, "cos");
  EXPECT_EQ(Steps("atan2(x, 1)")[0].rule, "atan2");
  EXPECT_EQ(Steps("atan2(x^2, x)")[0].explanation,
            "chain rule: d/dx atan2(u, v) = (v*u' - u*v')/(u^2+v^2) with "
            "u = x^2 and v = x");
  EXPECT_EQ(Steps("7")[0].rule, "constant");
  EXPECT_EQ(Steps("7").size(), 1u);
}

TEST(ExplainTest, ConstantPartsAreNotBrokenDown) {
  std::vector<DerivationStep> steps = Steps("sin(y)*exp(y^2)+x");
  EXPECT_EQ(Rules(steps), (std::vector<std::string>{"0:sum", "1:constant",
                                                   "1:variable"}));
  EXPECT_EQ(steps[1].after, "0");
}

TEST(ExplainTest, OtherVariable) {
  std::vector<DerivationStep> steps = Steps("t^3+x", "t");
  EXPECT_EQ(steps[0].explanation, "d/dt (u+v) = u'+v'");
  EXPECT_EQ(steps[0].after, "3*t^2");
  EXPECT_EQ(steps.back().explanation,
            "x does not depend on t, so its derivative is 0");
}

TEST(ExplainTest, EveryAfterMatchesDifferentiate) {
  for (const DerivationStep& s : Steps("x*exp(-x^2)/(1+x^2)+sqrt(x)")) {
    EXPECT_EQ(s.after, ToText(*Differentiate(*Parse(s.before), "x")))
        << s.before;
  }
}

TEST(ExplainTest, TruncatedWithANote) {
  std::string text = "x";
  for (int i = 0; i < 100; ++i) text += "+x";
  ExplainLimits limits;
  limits.max_steps = 10;
  std::vector<DerivationStep> steps = Steps(text, "x", limits);
  ASSERT_EQ(steps.size(), 11u);
  EXPECT_EQ(steps.back().rule, "truncated");
  EXPECT_EQ(steps.back().explanation,
            "further steps omitted: a derivation shows at most 10 steps and "
            "262144 bytes of text");
  EXPECT_EQ(steps[0].after, "101");
  EXPECT_EQ(Steps(text).size(), 101u);  // default 100 steps + the note
  limits = ExplainLimits();
  limits.max_text_bytes = 100;
  steps = Steps(text, "x", limits);
  EXPECT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps.back().rule, "truncated");
}

TEST(ExplainTest, Errors) {
  absl::StatusOr<std::vector<DerivationStep>> r = Explain(*Parse("x"), "1x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  ExplainLimits limits;
  limits.derivative.max_depth = 1;
  r = Explain(*Parse("sin(cos(x))"), "x", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace slope::calculus
