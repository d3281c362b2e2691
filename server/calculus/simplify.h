// Algebraic clean-up of syntax trees, mostly of derivatives: the raw output
// of the differentiation rules ("2*x^1*1+0") is correct but unreadable.
//
// Rewrites, applied bottom-up until nothing changes:
//  * constant folding: numbers in sums and products combine (2*3*x -> 6*x,
//    2+x+3 -> x+5), integer ratios stay fractions in lowest terms (6/4 ->
//    3/2, 1/3 stays), other quotients, powers and function calls fold only
//    where the result is exact (0.5/2 -> 0.25, 2^-2 -> 0.25, sqrt(4) -> 2;
//    sqrt(2) and log(2) stay symbolic), and nothing folds to Infinity or NaN;
//  * identities: x+0, x-0, 1*x, x/1, x^1 -> x; x^0 -> 1; 1^x -> 1; --x -> x;
//  * like terms and like factors: x+x -> 2*x, 2*x+3*x -> 5*x, x-x -> 0,
//    x*x -> x^2, x^a*x^b -> x^(a+b) for numeric a, b, x/x -> 1;
//    (x^a)^b -> x^(a*b) for integers a, b;
//  * canonical shape: numeric coefficient first ("2*x", never "x*2"),
//    -1*x -> -x, negative exponents as division (x^-2 -> 1/x^2), sums keep
//    their terms in first-seen order with the constant last.
// Like every computer algebra system, it uses the algebraic identities
// 0*x = 0, x-x = 0 and x/x = 1 although IEEE arithmetic gives NaN for
// x = Infinity or NaN (and 0 for x/x at x = 0); the simplified expression is
// the same real function wherever the original is finite.
#ifndef SLOPE_SERVER_CALCULUS_SIMPLIFY_H_
#define SLOPE_SERVER_CALCULUS_SIMPLIFY_H_

#include "absl/status/statusor.h"
#include "server/calculus/ast.h"

namespace slope::calculus {

struct SimplifyLimits {
  // Stop rewriting once the tree (counting shared subtrees per use) has more
  // nodes than this; the tree so far is returned.
  int max_nodes = 200000;
  // Rewriting passes over the whole tree; usually two reach a fixed point.
  int max_passes = 8;
  // Trees deeper than this are returned unchanged (Simplify recurses once
  // per level).
  int max_depth = 2048;
};

// Simplifies `root`. Always succeeds for a non-null tree: when a limit is
// reached it returns the best tree found so far rather than an error.
// Callers that need a depth bound on the result check it (Differentiate
// does): rewriting can add a level or two, e.g. x^-2 -> 1/x^2.
absl::StatusOr<NodePtr> Simplify(const NodePtr& root,
                                 const SimplifyLimits& limits = {});

// Whether two trees have the same shape, operators, names and numbers
// (numbers compared bit for bit, so 0 and -0 differ). Recurses per level.
bool StructurallyEqual(const Node& a, const Node& b);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_SIMPLIFY_H_
