// "The slope as a limit": difference quotients of f at a point for
// h = 1, 0.1, ..., 1e-8 beside the exact derivative, so a user sees the
// secant slope converge and then rounding error take over.
#ifndef SLOPE_SERVER_CALCULUS_LIMIT_TABLE_H_
#define SLOPE_SERVER_CALCULUS_LIMIT_TABLE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/calculus/tape.h"

namespace slope::calculus {

struct LimitRow {
  double h = 0;
  double forward_slope = 0;  // (f(x+h) - f(x)) / h
  double forward_error = 0;  // |forward_slope - exact|
  double central_slope = 0;  // (f(x+h) - f(x-h)) / (2h)
  double central_error = 0;  // |central_slope - exact|
};

// Rows for h = 10^0 down to 10^-8, largest first. `f` is a one-output tape,
// `point` a value per input of `f`, `input` the index of the variable
// varied, `exact` the exact derivative there.
absl::StatusOr<std::vector<LimitRow>> SlopeAsLimit(const Tape& f,
                                                   absl::Span<const double> point,
                                                   size_t input, double exact);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_LIMIT_TABLE_H_
