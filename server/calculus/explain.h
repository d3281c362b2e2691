// The derivation of a derivative, step by step, for users learning or
// checking calculus: which rule applies to each part of the expression and
// what that part's derivative is. Derived from the same rules as
// Differentiate, so the steps always agree with the formula it returns.
#ifndef SLOPE_SERVER_CALCULUS_EXPLAIN_H_
#define SLOPE_SERVER_CALCULUS_EXPLAIN_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/calculus/ast.h"
#include "server/calculus/derivative.h"

namespace slope::calculus {

// One step: d/dv `before` = `after` by `rule`.
struct DerivationStep {
  // "constant", "variable", "sum", "difference", "negation", "product",
  // "quotient", "power", "chain", a function's name such as "sin" (for a
  // function applied directly to the variable), or "truncated" for the note
  // that ends a derivation cut short by ExplainLimits.
  std::string rule;
  std::string before;        // the part being differentiated, as text
  std::string after;         // its derivative, simplified
  std::string before_latex;
  std::string after_latex;
  int depth = 0;             // 0 for the whole expression, 1 for its parts...
  std::string explanation;   // e.g. "d/dx u^n = n*u^(n-1)*u'"
};

struct ExplainLimits {
  // Steps before the derivation is cut short with a "truncated" note.
  int max_steps = 100;
  // Total bytes of text in the steps before it is cut short likewise.
  size_t max_text_bytes = 256 * 1024;
  DerivativeLimits derivative;
};

// The first-order derivation of d`f`/d`variable`, outermost rule first
// (pre-order). Parts that do not depend on `variable` get one "constant"
// step and are not broken down further. Errors are those of Differentiate.
absl::StatusOr<std::vector<DerivationStep>> Explain(
    const NodePtr& f, std::string_view variable,
    const ExplainLimits& limits = {});

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_EXPLAIN_H_
