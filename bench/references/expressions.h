// The five benchmark expressions of issue 7 (E1-E5): their text as Slope
// parses it, the order of their variables (the order of the columns of the
// points files) and the box each variable is drawn from. make_points.py,
// torch_ref.py and sympy_ref.py carry the same table in Python; keep them in
// step (engine_bench checks the points files' shape against this one).
#ifndef SLOPE_BENCH_REFERENCES_EXPRESSIONS_H_
#define SLOPE_BENCH_REFERENCES_EXPRESSIONS_H_

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace slope::bench {

struct BenchExpression {
  const char* name;  // "E1"
  const char* text;  // in Slope's syntax
  std::vector<std::string> variables;  // column order of the points file
};

inline const std::array<BenchExpression, 5>& Expressions() {
  static const std::array<BenchExpression, 5> kExpressions = {{
      {"E1", "x^2 + y^2", {"x", "y"}},
      {"E2", "sin(x)*exp(y) + log(1 + x^2)", {"x", "y"}},
      {"E3", "(1 - x)^2 + 100*(y - x^2)^2", {"x", "y"}},
      {"E4",
       "(v1*tanh(0.8*x1 - 0.3*x2 + 0.5*x3 + 0.1*x4 + 0.2) + "
       "v2*tanh(-0.4*x1 + 0.9*x2 - 0.2*x3 + 0.6*x4 - 0.1) + "
       "v3*tanh(0.3*x1 + 0.7*x2 + 0.4*x3 - 0.5*x4 + 0.05) + "
       "v4*tanh(-0.6*x1 + 0.2*x2 + 0.8*x3 + 0.3*x4 - 0.3) + "
       "v5*tanh(0.5*x1 - 0.8*x2 - 0.1*x3 + 0.4*x4 + 0.15) - t)^2",
       {"t", "v1", "v2", "v3", "v4", "v5", "x1", "x2", "x3", "x4"}},
      {"E5",
       "-(t*log(1/(1 + exp(-(w1*x1 + w2*x2 + b)))) + "
       "(1 - t)*log(1 - 1/(1 + exp(-(w1*x1 + w2*x2 + b)))))",
       {"b", "t", "w1", "w2", "x1", "x2"}},
  }};
  return kExpressions;
}

// E4's hidden layer: tanh(A[k] . x + c[k]) for k = 0..4.
inline constexpr double kE4A[5][4] = {{0.8, -0.3, 0.5, 0.1},
                                      {-0.4, 0.9, -0.2, 0.6},
                                      {0.3, 0.7, 0.4, -0.5},
                                      {-0.6, 0.2, 0.8, 0.3},
                                      {0.5, -0.8, -0.1, 0.4}};
inline constexpr double kE4C[5] = {0.2, -0.1, 0.05, -0.3, 0.15};

}  // namespace slope::bench

#endif  // SLOPE_BENCH_REFERENCES_EXPRESSIONS_H_
