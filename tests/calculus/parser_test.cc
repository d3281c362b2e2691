// Parser behaviour users see: precedence, exact error messages with
// positions, and resource limits on hostile input.
#include "server/calculus/parser.h"

#include <cctype>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/calculus/reference_eval.h"

namespace slope::calculus {
namespace {

// A fully parenthesised dump, independent of the printer under test.
std::string Sexp(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNumber: return absl::StrCat(n.value);
    case NodeKind::kVariable: return n.name;
    case NodeKind::kNegate: return absl::StrCat("(neg ", Sexp(*n.args[0]), ")");
    case NodeKind::kCall: {
      std::string s = absl::StrCat("(", std::string(Spec(n.function).name));
      for (const NodePtr& a : n.args) absl::StrAppend(&s, " ", Sexp(*a));
      return s + ")";
    }
    default: {
      const char* op = n.kind == NodeKind::kAdd        ? "+"
                       : n.kind == NodeKind::kSubtract ? "-"
                       : n.kind == NodeKind::kMultiply ? "*"
                       : n.kind == NodeKind::kDivide   ? "/"
                                                       : "^";
      return absl::StrCat("(", op, " ", Sexp(*n.args[0]), " ",
                          Sexp(*n.args[1]), ")");
    }
  }
}

std::string Tree(std::string_view text) {
  absl::StatusOr<NodePtr> r = Parse(text);
  if (!r.ok()) return std::string(r.status().message());
  return Sexp(**r);
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(Tree("1+2*3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(Tree("1-2-3"), "(- (- 1 2) 3)");
  EXPECT_EQ(Tree("8/4/2"), "(/ (/ 8 4) 2)");
  EXPECT_EQ(Tree("2^3^2"), "(^ 2 (^ 3 2))");
  EXPECT_EQ(Tree("-x^2"), "(neg (^ x 2))");
  EXPECT_EQ(Tree("x^-2"), "(^ x (neg 2))");
  EXPECT_EQ(Tree("2^-3^2"), "(^ 2 (neg (^ 3 2)))");
  EXPECT_EQ(Tree("-x*y"), "(* (neg x) y)");
  EXPECT_EQ(Tree("x*-y"), "(* x (neg y))");
  EXPECT_EQ(Tree("x--y"), "(- x (neg y))");
  EXPECT_EQ(Tree("+x"), "x");
  EXPECT_EQ(Tree("-+-x"), "(neg (neg x))");
  EXPECT_EQ(Tree("(1+2)*3"), "(* (+ 1 2) 3)");
  EXPECT_EQ(Tree("(x^2)^3"), "(^ (^ x 2) 3)");
  EXPECT_EQ(Tree("a*b^c/d"), "(/ (* a (^ b c)) d)");
  EXPECT_EQ(Tree("atan2(y, x+1)"), "(atan2 y (+ x 1))");
  EXPECT_EQ(Tree("sin(cos(x))^2"), "(^ (sin (cos x)) 2)");
}

TEST(ParserTest, EvaluatesLikeMath) {
  EXPECT_EQ(testing::RefEval(*Parse("2^3^2"), {}), 512);
  EXPECT_EQ(testing::RefEval(*Parse("-2^2"), {}), -4);
  EXPECT_EQ(testing::RefEval(*Parse("(-2)^2"), {}), 4);
  EXPECT_EQ(testing::RefEval(*Parse("2^-1"), {}), 0.5);
  EXPECT_EQ(testing::RefEval(*Parse("10-4-3"), {}), 3);
}

TEST(ParserTest, ConstantsAndPositions) {
  absl::StatusOr<NodePtr> r = Parse("pi + e*x");
  ASSERT_TRUE(r.ok());
  const Node& sum = **r;
  EXPECT_EQ(sum.args[0]->kind, NodeKind::kNumber);
  EXPECT_EQ(sum.args[0]->value, M_PI);
  EXPECT_EQ(sum.args[1]->args[0]->value, M_E);
  EXPECT_EQ(sum.pos.column, 4u);
  EXPECT_EQ(sum.args[1]->pos.column, 7u);
  EXPECT_EQ(sum.args[1]->args[1]->pos.column, 8u);
}

TEST(ParserTest, NumberForms) {
  EXPECT_EQ(Tree("3 + 2.5 + 1e-3 + .5"), "(+ (+ (+ 3 2.5) 0.001) 0.5)");
}

struct ErrorCase {
  const char* text;
  const char* message;
};

TEST(ParserTest, SyntaxErrors) {
  const ErrorCase cases[] = {
      {"", "1:1: empty expression"},
      {"   ", "1:1: empty expression"},
      {"x+*y", "1:3: unexpected '*'"},
      {"1 + * 2", "1:5: unexpected '*'"},
      {"*x", "1:1: unexpected '*'"},
      {"x+", "1:3: unexpected end of expression"},
      {"x^", "1:3: unexpected end of expression"},
      {"-", "1:2: unexpected end of expression"},
      {"x)", "1:2: unexpected ')'"},
      {"()", "1:2: unexpected ')'"},
      {"(x", "unbalanced '(' opened at 1:1"},
      {"1*(2*(x", "unbalanced '(' opened at 1:6"},
      {"sin(x", "unbalanced '(' opened at 1:4"},
      {"f(x,", "1:1: unknown function 'f'"},
      {"sin(x,", "1:7: unexpected end of expression"},
      {"max(x,,y)", "1:7: unexpected ','"},
      {"x,y", "1:2: unexpected ','"},
      {"x**2", "1:2: unexpected '**' (write '^' for powers)"},
      {"x***2", "1:2: unexpected '**' (write '^' for powers)"},
      {"2x", "1:2: unexpected 'x' (write '*' to multiply)"},
      {"x y", "1:3: unexpected 'y' (write '*' to multiply)"},
      {"2(x)", "1:2: unexpected '(' (write '*' to multiply)"},
      {"(x)(y)", "1:4: unexpected '(' (write '*' to multiply)"},
      {"(x 2)", "1:4: unexpected '2' (write '*' to multiply)"},
      {"2e", "1:2: unexpected 'e' (write '*' to multiply)"},
      {"x+\n  *", "2:3: unexpected '*'"},
      {"x+é", "1:3: unexpected character 'é'"},
      {"x\u00a0+\u00a0*", "1:5: unexpected '*'"},  // columns in code points
      {"(x\u3000y)", "1:4: unexpected 'y' (write '*' to multiply)"},
      {"(x+1\xff)", "1:5: invalid UTF-8 byte 0xFF"},
  };
  for (const ErrorCase& c : cases) {
    absl::StatusOr<NodePtr> r = Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
}

TEST(ParserTest, NameErrors) {
  const ErrorCase cases[] = {
      {"x + 2 * sni(x)", "1:9: unknown function 'sni' (did you mean 'sin'?)"},
      {"sqr(x)", "1:1: unknown function 'sqr' (did you mean 'sqrt'?)"},
      {"sigmod(x)", "1:1: unknown function 'sigmod' (did you mean 'sigmoid'?)"},
      {"Sin(x)", "1:1: unknown function 'Sin' (did you mean 'sin'?)"},
      {"foo(x)", "1:1: unknown function 'foo'"},
      {"x(y)", "1:1: unknown function 'x'"},
      {"sin(x, y)", "1:4: sin takes 1 argument, got 2"},
      {"sin()", "1:4: sin takes 1 argument, got 0"},
      {"1+atan2(x)", "1:8: atan2 takes 2 arguments, got 1"},
      {"max(1,2,3)", "1:4: max takes 2 arguments, got 3"},
      {"pi(2)", "1:1: pi is a constant, not a function"},
      {"2*e(x)", "1:3: e is a constant, not a function"},
      {"sin + 1", "1:1: sin is a function: write sin(...)"},
      {"x*exp", "1:3: exp is a function: write exp(...)"},
      {"sin(x)^cos", "1:8: cos is a function: write cos(...)"},
  };
  for (const ErrorCase& c : cases) {
    absl::StatusOr<NodePtr> r = Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << c.text;
    EXPECT_EQ(r.status().message(), c.message) << c.text;
  }
}

TEST(ParserTest, FirstErrorWins) {
  // A lexical error after a syntax error is not reported.
  EXPECT_EQ(Parse("x + * é").status().message(), "1:5: unexpected '*'");
  EXPECT_EQ(Parse("x + é * *").status().message(),
            "1:5: unexpected character 'é'");
}

TEST(ParserTest, SizeLimit) {
  std::string text(70000, 'x');
  absl::StatusOr<NodePtr> r = Parse(text);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "expression is 70000 bytes; the limit is 65536");
  ExpressionLimits limits;
  limits.max_bytes = 70000;
  EXPECT_TRUE(Parse(text, limits).ok());
}

ExpressionLimits Huge() {
  ExpressionLimits limits;
  limits.max_bytes = 1 << 24;
  limits.max_nodes = 1 << 24;
  return limits;
}

TEST(ParserTest, DeepParenthesesDoNotOverflowTheStack) {
  std::string text = std::string(1000000, '(') + "x" +
                     std::string(1000000, ')');
  absl::StatusOr<NodePtr> r = Parse(text, Huge());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "expression nests deeper than 256 levels (at 1:257)");
  // With default limits the size check stops it first.
  EXPECT_EQ(Parse(text).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ParserTest, LongUnaryChainsDoNotOverflowTheStack) {
  std::string text = std::string(1000000, '-') + "x";
  absl::StatusOr<NodePtr> r = Parse(text, Huge());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "expression nests deeper than 256 levels (at 1:257)");
  text = "x^" + std::string(100000, '-') + "x";
  r = Parse(text, Huge());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ParserTest, DeepCallsAndPowers) {
  std::string calls;
  for (int i = 0; i < 300; ++i) calls += "sin(";
  calls += "x" + std::string(300, ')');
  EXPECT_EQ(Parse(calls).status().message(),
            "expression nests deeper than 256 levels (at 1:1028)");
  std::string powers = "x";
  for (int i = 0; i < 300; ++i) powers += "^x";
  EXPECT_EQ(Parse(powers).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ParserTest, LongSumsAreDepthBoundedToo) {
  // x+x+...: no recursion, but the tree would be as deep as the sum is long.
  std::string text = "x";
  for (int i = 0; i < 300; ++i) text += "+x";
  absl::StatusOr<NodePtr> r = Parse(text);
  EXPECT_EQ(r.status().message(),
            "expression nests deeper than 256 levels (at 1:514)");
  text = "x";
  for (int i = 0; i < 256; ++i) text += "+x";
  r = Parse(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(TreeDepth(*r), 256);
}

TEST(ParserTest, ExactlyAtTheDepthLimitIsAllowed) {
  std::string ok = std::string(256, '(') + "x" + std::string(256, ')');
  EXPECT_TRUE(Parse(ok).ok());
  std::string negs = std::string(256, '-') + "x";
  absl::StatusOr<NodePtr> r = Parse(negs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(TreeDepth(*r), 256);
  EXPECT_FALSE(Parse("-" + negs).ok());
}

TEST(ParserTest, DepthLimitIsCappedWhateverTheConfiguration) {
  ExpressionLimits limits = Huge();
  limits.max_depth = 1 << 30;
  std::string text = std::string(200000, '(') + "x" +
                     std::string(200000, ')');
  absl::StatusOr<NodePtr> r = Parse(text, limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "expression nests deeper than 1000 levels (at 1:1001)");
}

TEST(ParserTest, NodeAndVariableLimits) {
  ExpressionLimits limits;
  limits.max_nodes = 5;
  EXPECT_TRUE(Parse("x+y+z", limits).ok());
  absl::StatusOr<NodePtr> r = Parse("x+y+z+w", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(), "expression has more than 5 nodes (at 1:7)");

  limits = ExpressionLimits();
  limits.max_variables = 2;
  EXPECT_TRUE(Parse("x*y+x+y+pi", limits).ok());
  r = Parse("x*y+z", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "expression uses more than 2 variables (at 1:5)");
}

TEST(ParserTest, RandomInputNeverCrashesAndErrorsAreLocated) {
  // Token soup and raw bytes: every result is a tree or a located error.
  const std::vector<std::string> pieces = {
      "x", "y", "2", ".5", "1e3", "+", "-", "*", "/", "^", "**", "(", ")",
      ",", " ", "sin", "atan2", "pi", "e", "é", "\xff", "\n", "max", "2x"};
  std::mt19937 rng(42);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int length = std::uniform_int_distribution<int>(0, 30)(rng);
    for (int k = 0; k < length; ++k) {
      if (i % 4 == 0) {
        text += static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      } else {
        text += pieces[std::uniform_int_distribution<size_t>(
            0, pieces.size() - 1)(rng)];
      }
    }
    absl::StatusOr<NodePtr> r = Parse(text);
    if (r.ok()) {
      ++ok;
      EXPECT_LE(TreeDepth(*r), 256);
      continue;
    }
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << text;
    std::string message(r.status().message());
    bool located = message.rfind("unbalanced '(' opened at ", 0) == 0 ||
                   (message.find(':') != std::string::npos &&
                    std::isdigit(static_cast<unsigned char>(message[0])));
    EXPECT_TRUE(located) << message;
  }
  EXPECT_GT(ok, 100);
}

TEST(ParserTest, CollectVariablesOfParsedExpression) {
  EXPECT_EQ(CollectVariables(*Parse("y*sin(x) + x^b + pi + e")),
            (std::vector<std::string>{"b", "x", "y"}));
}

}  // namespace
}  // namespace slope::calculus
