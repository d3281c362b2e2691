// Evaluation of many points of one expression on the compute pool, shared by
// EvaluateBatch and EvaluateStream: request checks against the limits, and
// the parallel loop that honours cancellation between chunks.
#ifndef SLOPE_SERVER_RPC_BATCH_COMPUTE_H_
#define SLOPE_SERVER_RPC_BATCH_COMPUTE_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "grpcpp/support/status.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/expression_cache.h"
#include "server/jobs/compute_pool.h"
#include "server/rpc/server_options.h"

namespace slope::rpc {

struct BatchShape {
  size_t count = 0;   // points
  size_t inputs = 0;  // coordinates per point
  bool gradient = false;
  bool hessian = false;
  size_t elements() const {
    return count * (1 + (gradient ? inputs : 0) + (hessian ? inputs * inputs : 0));
  }
};

// Checks a packed batch against the expression and the limits: the point
// count, the response size, that `variables` covers every variable the
// expression uses, and that no coordinate is NaN.
grpc::Status CheckBatch(const calculus::CompiledExpression& compiled,
                        size_t listed_variables, absl::Span<const double> points,
                        bool gradient, bool hessian, const CalculusLimits& limits,
                        const char* points_field, BatchShape* shape);

// Evaluates every point, splitting the work into chunks over `pool` (the
// calling thread works too). Stops with CANCELLED soon after `should_stop`
// turns true.
absl::Status ComputeBatch(jobs::ComputePool& pool, const calculus::Tape& tape,
                          absl::Span<const double> points, const BatchShape& shape,
                          const calculus::BatchOutput& output,
                          std::vector<calculus::EvalWarning>* warnings,
                          const std::function<bool()>& should_stop);

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_BATCH_COMPUTE_H_
