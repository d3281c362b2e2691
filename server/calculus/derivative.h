// Symbolic differentiation: the exact derivative of an expression as another
// expression, simplified, for formulas shown to users and for higher orders.
//
// Conventions at points where a function is not differentiable (the
// derivative formulas evaluate to these values there):
//   abs'(0) = 0 (sign(0) = 0), relu'(0) = 0, sign' = floor' = ceil' = 0
//   everywhere, sqrt'(0) = +Infinity; min and max follow the argument they
//   return, and on a tie that is the first argument, so
//   d/dx max(u, v) = u' where u >= v, else v' (written with existing
//   functions as u' + (v'-u')*relu(sign(v-u))), and likewise for min.
#ifndef SLOPE_SERVER_CALCULUS_DERIVATIVE_H_
#define SLOPE_SERVER_CALCULUS_DERIVATIVE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "server/calculus/ast.h"

namespace slope::calculus {

struct DerivativeLimits {
  // The highest order accepted.
  int max_order = 10;
  // Bounds on every intermediate and final derivative tree, which can grow
  // with each order: depth in operator levels, and node count with shared
  // subtrees counted once per use (as printing them would).
  int max_depth = 1024;
  int max_nodes = 200000;
};

// The `order`-th derivative of `f` with respect to `variable`, simplified
// (see simplify.h). `variable` need not occur in `f` (the result is then 0).
// Order 0 returns `f` simplified. Higher orders differentiate repeatedly,
// simplifying in between. Errors: INVALID_ARGUMENT for a negative order or
// a malformed variable name; RESOURCE_EXHAUSTED when the order or a tree
// exceeds `limits`, e.g. "derivative has more than 200000 nodes".
// Seed examples: d/dx x^2 is "2*x", d/dx sin(x) is "cos(x)", d/dx exp(2*x)
// is "2*exp(2*x)".
absl::StatusOr<NodePtr> Differentiate(const NodePtr& f,
                                      std::string_view variable,
                                      int order = 1,
                                      const DerivativeLimits& limits = {});

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_DERIVATIVE_H_
