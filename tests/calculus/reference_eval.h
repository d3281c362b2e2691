// A deliberately naive tree-walking evaluator for tests: the oracle against
// which parser, printer, simplifier and derivative results are checked. It
// shares only EvaluateFunction with the production code.
#ifndef SLOPE_TESTS_CALCULUS_REFERENCE_EVAL_H_
#define SLOPE_TESTS_CALCULUS_REFERENCE_EVAL_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>

#include "server/calculus/ast.h"
#include "server/calculus/functions.h"

namespace slope::calculus::testing {

using Point = std::map<std::string, double>;

inline double RefEval(const Node& n, const Point& point) {
  auto arg = [&](size_t i) { return RefEval(*n.args[i], point); };
  switch (n.kind) {
    case NodeKind::kNumber: return n.value;
    case NodeKind::kVariable: {
      auto it = point.find(n.name);
      return it == point.end() ? std::numeric_limits<double>::quiet_NaN()
                               : it->second;
    }
    case NodeKind::kNegate: return -arg(0);
    case NodeKind::kAdd: return arg(0) + arg(1);
    case NodeKind::kSubtract: return arg(0) - arg(1);
    case NodeKind::kMultiply: return arg(0) * arg(1);
    case NodeKind::kDivide: return arg(0) / arg(1);
    case NodeKind::kPower: return std::pow(arg(0), arg(1));
    case NodeKind::kCall:
      return EvaluateFunction(n.function, arg(0),
                              n.args.size() > 1 ? arg(1) : 0.0);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

inline double RefEval(const NodePtr& n, const Point& point) {
  return RefEval(*n, point);
}

// Bit-for-bit equality, except that every NaN equals every NaN.
inline bool SameDouble(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  uint64_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

}  // namespace slope::calculus::testing

#endif  // SLOPE_TESTS_CALCULUS_REFERENCE_EVAL_H_
