#include "server/rpc/batch_compute.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/rpc/calculus_requests.h"
#include "server/rpc/status.h"

namespace slope::rpc {

grpc::Status CheckBatch(const calculus::CompiledExpression& compiled,
                        size_t listed_variables, absl::Span<const double> points,
                        bool gradient, bool hessian, const CalculusLimits& limits,
                        const char* points_field, BatchShape* shape) {
  const std::vector<std::string>& inputs = compiled.tape->variables();
  if (inputs.size() > listed_variables) {
    return InvalidArgument(
        "variables",
        absl::StrCat("does not list '", inputs[listed_variables],
                     "', which the expression uses"),
        "MISSING_VARIABLE");
  }
  shape->inputs = listed_variables;
  shape->gradient = gradient;
  shape->hessian = hessian;
  if (listed_variables == 0) {
    if (!points.empty()) {
      return InvalidArgument("variables",
                             "is empty, so the points cannot be split");
    }
    shape->count = 0;
    return grpc::Status::OK;
  }
  if (points.size() % listed_variables != 0) {
    return InvalidArgument(
        points_field,
        absl::StrCat("has ", points.size(), " numbers, not a multiple of the ",
                     listed_variables, " variables of each point"));
  }
  shape->count = points.size() / listed_variables;
  if (shape->count > limits.max_points_per_request) {
    return LimitExceeded(absl::StrCat(shape->count, " points"),
                         limits.max_points_per_request,
                         "max_points_per_request");
  }
  if (shape->elements() > limits.max_elements_per_message) {
    return LimitExceeded(
        absl::StrCat("the response would hold ", shape->elements(),
                     " numbers"),
        limits.max_elements_per_message, "max_elements_per_message");
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (std::isnan(points[i])) {
      return InvalidArgument(
          absl::StrCat(points_field, "[", i, "]"),
          absl::StrCat("is NaN (point ", i / listed_variables, ", ",
                       inputs.empty() ? "" : inputs[i % listed_variables],
                       "); every coordinate must be a number"));
    }
  }
  return grpc::Status::OK;
}

absl::Status ComputeBatch(jobs::ComputePool& pool, const calculus::Tape& tape,
                          absl::Span<const double> points, const BatchShape& shape,
                          const calculus::BatchOutput& output,
                          std::vector<calculus::EvalWarning>* warnings,
                          const std::function<bool()>& should_stop) {
  if (shape.count == 0) return absl::OkStatus();
  // Aim for chunks of tens of microseconds: long enough to amortise the
  // hand-out, short enough that cancellation and fairness stay prompt.
  const size_t slots = std::max<size_t>(tape.num_slots(), 1);
  size_t grain = std::clamp<size_t>(
      (shape.hessian ? 8192 : 65536) / slots, 256, 16384);
  grain = (grain + 255) / 256 * 256;

  calculus::BatchOptions options;
  options.gradient = shape.gradient;
  options.hessian = shape.hessian;
  absl::Mutex mu;
  calculus::WarningCollector all_warnings;
  absl::Status first_error;
  absl::Status loop = pool.ParallelFor(
      shape.count, grain,
      [&](size_t begin, size_t end) {
        calculus::WarningCollector chunk_warnings;
        absl::Status status = calculus::EvaluateBatch(
            tape, points, shape.count, begin, end, options, output,
            &chunk_warnings);
        if (status.ok() && chunk_warnings.empty()) return;
        absl::MutexLock lock(&mu);
        all_warnings.Merge(chunk_warnings);
        if (!status.ok() && first_error.ok()) first_error = status;
      },
      should_stop);
  if (!first_error.ok()) return first_error;
  if (!loop.ok()) return loop;
  if (warnings != nullptr) *warnings = all_warnings.ToWarnings();
  return absl::OkStatus();
}

}  // namespace slope::rpc
