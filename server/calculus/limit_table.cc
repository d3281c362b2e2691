#include "server/calculus/limit_table.h"

#include <cmath>

#include "server/calculus/evaluator.h"

namespace slope::calculus {

absl::StatusOr<std::vector<LimitRow>> SlopeAsLimit(
    const Tape& f, absl::Span<const double> point, size_t input,
    double exact) {
  if (f.num_outputs() != 1) {
    return absl::InvalidArgumentError("the limit table needs one expression");
  }
  if (input >= point.size() || point.size() != f.num_inputs()) {
    return absl::InvalidArgumentError("the limit table's point does not fit");
  }
  TapeWorkspace workspace;
  std::vector<double> shifted(point.begin(), point.end());
  auto value_at = [&](double x) -> absl::StatusOr<double> {
    shifted[input] = x;
    auto result = EvaluatePoint(f, shifted, Derivatives::kNone, &workspace);
    if (!result.ok()) return result.status();
    return result->values[0];
  };

  const double x = point[input];
  auto fx = value_at(x);
  if (!fx.ok()) return fx.status();
  std::vector<LimitRow> rows;
  for (int k = 0; k <= 8; ++k) {
    // 10^-k exactly as written in decimal, not a product of rounded 0.1s.
    const double h = std::pow(10.0, -k);
    auto forward = value_at(x + h);
    auto backward = value_at(x - h);
    if (!forward.ok()) return forward.status();
    if (!backward.ok()) return backward.status();
    LimitRow row;
    row.h = h;
    row.forward_slope = (*forward - *fx) / h;
    row.central_slope = (*forward - *backward) / (2 * h);
    row.forward_error = std::abs(row.forward_slope - exact);
    row.central_error = std::abs(row.central_slope - exact);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace slope::calculus
