// Runs a compiled Tape: values, reverse-mode gradients (one backward sweep
// for all inputs), Hessians (forward-over-reverse: the reverse sweep on dual
// numbers, one pass per input direction) and Jacobians (one reverse sweep
// per output), at one point or over blocks of points.
//
// Points are evaluated in structure-of-arrays blocks, each instruction a
// tight loop over the block. A single point is a block of one run through
// the very same code, so batch results equal point results bit for bit.
//
// Domain errors give NaN/Inf per IEEE-754 plus a warning for the operation
// where a non-finite value first appeared from finite operands.
#ifndef SLOPE_SERVER_CALCULUS_EVALUATOR_H_
#define SLOPE_SERVER_CALCULUS_EVALUATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/calculus/tape.h"
#include "server/calculus/warnings.h"

namespace slope::calculus {

// Caller-owned scratch memory for evaluating tapes: values and adjoints per
// slot and point of a block. Not thread-safe; one per thread. Reusable
// across calls and tapes (it re-prepares itself when the tape or the block
// size changes), which spares allocations in loops.
class TapeWorkspace {
 public:
  TapeWorkspace();
  ~TapeWorkspace();
  TapeWorkspace(TapeWorkspace&&) noexcept;
  TapeWorkspace& operator=(TapeWorkspace&&) noexcept;

  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

enum class Derivatives : uint8_t { kNone, kGradient, kHessian };

// The results at one point. With one output, `values[0]` is the value,
// `gradients` the gradient and `hessians` the Hessian.
struct PointResult {
  std::vector<double> values;     // one per output
  std::vector<double> gradients;  // outputs x inputs, row-major: the Jacobian
  std::vector<double> hessians;   // outputs x inputs x inputs, row-major
  std::vector<EvalWarning> warnings;
};

// Evaluates `tape` at `point` (one value per input, in tape.variables()
// order); gradients for kGradient and kHessian, Hessians (symmetric) for
// kHessian. INVALID_ARGUMENT if the point has the wrong size. Uses a
// per-thread workspace when none is given.
absl::StatusOr<PointResult> EvaluatePoint(const Tape& tape,
                                          absl::Span<const double> point,
                                          Derivatives derivatives,
                                          TapeWorkspace* workspace = nullptr);

struct BatchOptions {
  bool gradient = false;
  bool hessian = false;  // implies nothing about `gradient`
  // Points per block. Results do not depend on it.
  size_t block_size = 256;
  // Polled before every block; when it returns true the call stops with
  // CANCELLED (results written so far stay written).
  const std::function<bool()>* should_stop = nullptr;
};

// Where batch results go; each span covers the whole batch (all `count`
// points), so that chunks [begin, end) evaluated on different threads write
// their own parts of the same arrays.
struct BatchOutput {
  absl::Span<double> values;     // count x outputs
  absl::Span<double> gradients;  // count x outputs x inputs, if gradient
  absl::Span<double> hessians;   // count x outputs x inputs^2, if hessian
};

// Evaluates points [begin, end) of `count` points packed row-major in
// `points` (point i is points[i*inputs .. (i+1)*inputs)). Warnings are
// added to `warnings` (may be null), counted per point. INVALID_ARGUMENT
// for inconsistent sizes, CANCELLED when options.should_stop says so.
absl::Status EvaluateBatch(const Tape& tape, absl::Span<const double> points,
                           size_t count, size_t begin, size_t end,
                           const BatchOptions& options,
                           const BatchOutput& output,
                           WarningCollector* warnings,
                           TapeWorkspace* workspace = nullptr);

// All `count` points.
inline absl::Status EvaluateBatch(const Tape& tape,
                                  absl::Span<const double> points,
                                  size_t count, const BatchOptions& options,
                                  const BatchOutput& output,
                                  WarningCollector* warnings,
                                  TapeWorkspace* workspace = nullptr) {
  return EvaluateBatch(tape, points, count, 0, count, options, output,
                       warnings, workspace);
}

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_EVALUATOR_H_
