// The expression compiler: turns syntax trees into a flat SSA tape that the
// evaluators (evaluator.h) run for values, gradients, Hessians and
// Jacobians, one point or a block of points at a time.
//
// A Tape is immutable once built and holds no evaluation state, so one tape
// can be shared by any number of threads; each thread brings its own
// TapeWorkspace (evaluator.h).
#ifndef SLOPE_SERVER_CALCULUS_TAPE_H_
#define SLOPE_SERVER_CALCULUS_TAPE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/calculus/ast.h"
#include "server/calculus/functions.h"
#include "server/calculus/warnings.h"

namespace slope::calculus {

enum class OpCode : uint8_t {
  kInput,      // the input `a` (slots 0..num_inputs-1, in variable order)
  kConstant,   // `constant`
  kNegate,     // -a
  kAdd,        // a + b
  kSubtract,   // a - b
  kMultiply,   // a * b
  kDivide,     // a / b
  kPowConst,   // pow(a, constant): a power whose exponent is a constant
               // that is not a small integer
  kPow,        // pow(a, b)
  kCall,       // function(a) or function(a, b)
};

// One tape entry. Instruction i defines slot i; operands always name
// earlier slots.
struct Instruction {
  OpCode op = OpCode::kConstant;
  Function function{};  // kCall
  // Whether operand a / b depends on an input. Constant operands get no
  // adjoint, which also spares the reverse sweep log(a) for pow(a, 2.5).
  bool a_active = false;
  bool b_active = false;
  uint32_t a = 0;
  uint32_t b = 0;
  double constant = 0;  // kConstant value; kPowConst exponent
  SourcePos pos;        // of the operation in the source, for warnings
  // sin and cos: the value row (past the slots) where sweeps that will
  // differentiate stash the derivative (cos, resp. sin), computed with the
  // value by one sincos; the reverse sweep then needs no transcendental
  // call. 0: none.
  uint32_t derivative_row = 0;
};

// How a reverse-sweep step writes one operand's adjoint row. The first
// contribution to an adjoint assigns (so adjoint rows need no zero-fill
// before a sweep); later ones add or subtract, as the signs of the rows
// involved require (see AdjointStep).
enum class AdjointWrite : uint8_t {
  kNone,      // operand gets nothing here (constant, or aliased: see below)
  kAssign,    // row = contribution
  kAdd,       // row += contribution
  kSubtract,  // row -= contribution
};

// One step of a reverse sweep: slot `slot`'s adjoint, read from row
// `g_row`, times the partial derivatives of its operation, written into the
// rows of its operands. Rows index the workspace's adjoint array; they are
// slot numbers, or Tape::ones_row() for the seed 1 of the output, or another
// slot's row when an adjoint is an alias (below).
//
// Each row holds its slot's adjoint up to a sign fixed at compile time
// (adjoint = +row or -row): negation is exact in IEEE arithmetic, so
// carrying the sign in the plan instead of in the data changes no bit of
// a result beyond the sign of a zero (normalised when gradients are read
// out). This is what lets an operand of a negate, add or subtract that has
// no other use share its user's row instead of copying it: -a, a+b, a-b
// pass the adjoint through unchanged or negated, so such a step costs
// nothing and is not in the plan at all.
struct AdjointStep {
  uint32_t slot = 0;
  uint32_t g_row = 0;
  uint32_t a_row = 0;
  uint32_t b_row = 0;
  AdjointWrite a_write = AdjointWrite::kNone;
  AdjointWrite b_write = AdjointWrite::kNone;
  // g_row is Tape::ones_row(): the kernels use a constant 1 instead.
  bool unit_g = false;
};

// Where input j's gradient is after a sweep: `row` (negated if `negated`),
// or zero when the output does not depend on the input.
struct InputAdjoint {
  bool reached = false;
  bool negated = false;
  uint32_t row = 0;
};

// The reverse sweep of one output, decided once at compile time: the steps
// in execution order (only operations the output depends on, and none for
// aliased pass-through adjoints) and where each input's adjoint ends up.
struct ReversePlan {
  std::vector<AdjointStep> steps;
  std::vector<InputAdjoint> inputs;
};

// A warning found while folding constants at compile time, e.g. for
// `log(0)`; the evaluators report it once per evaluated point.
struct ConstantWarning {
  uint32_t instruction = 0;  // the folded slot, for ordering
  WarningKind kind{};
  SourcePos pos;
  std::string operation;
};

// Laid out as: inputs, then constants, then operations in evaluation
// order, so evaluators fill inputs and constants once and loop over the
// operations.
class Tape {
 public:
  size_t num_inputs() const { return variables_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  size_t num_slots() const { return instructions_.size(); }
  // Index of the first operation (after inputs and constants).
  size_t first_operation() const { return first_operation_; }
  const std::vector<std::string>& variables() const { return variables_; }
  absl::Span<const Instruction> instructions() const { return instructions_; }
  // The slot holding each output (several outputs may share a slot).
  absl::Span<const uint32_t> outputs() const { return outputs_; }
  absl::Span<const ConstantWarning> constant_warnings() const {
    return constant_warnings_;
  }
  // The reverse sweep of output `o`.
  const ReversePlan& reverse_plan(size_t o) const { return reverse_plans_[o]; }
  // The adjoint row that holds the constant 1 seeding every reverse sweep
  // (one past the slots): evaluators fill it once per workspace instead of
  // seeding the output's row on every sweep.
  size_t ones_row() const { return instructions_.size(); }
  // Rows of value storage an evaluator needs: one per slot plus the
  // derivative rows of sin and cos (Instruction::derivative_row).
  size_t num_value_rows() const { return num_value_rows_; }
  // Rows of adjoint storage an evaluator needs: one per slot plus ones_row.
  size_t num_adjoint_rows() const { return instructions_.size() + 1; }
  // Distinct for every tape built in this process; lets a workspace notice
  // it is being reused for another tape.
  uint64_t id() const { return id_; }

  // One line per slot, e.g. "%3 = mul %0 %2", for tests and debugging.
  std::string DebugString() const;
  // Output o's reverse plan, one line per step, e.g.
  // "%4: g=r5 a:=r2 b+=r3", then where each input's adjoint is.
  std::string ReversePlanDebugString(size_t o) const;

 private:
  friend class TapeBuilder;
  Tape() = default;

  std::vector<std::string> variables_;
  std::vector<Instruction> instructions_;
  std::vector<uint32_t> outputs_;
  std::vector<ConstantWarning> constant_warnings_;
  std::vector<ReversePlan> reverse_plans_;  // one per output
  size_t first_operation_ = 0;
  size_t num_value_rows_ = 0;
  uint64_t id_ = 0;
};

// The largest |n| for which x^n becomes multiplications (by squaring)
// rather than a call to pow: exact for small integer powers, e.g.
// (-2)^3 = -8, and far cheaper.
inline constexpr int kMaxLoweredPower = 16;

// Compiles `root` over `variables`, the order of the inputs. Every variable
// of the expression must be listed (INVALID_ARGUMENT "unknown variable 'z'
// at 1:7" otherwise); listed names the expression does not use are inputs
// with a zero derivative. Equal subtrees share one slot, constant
// subexpressions are folded, small integer powers become multiplications.
// Works with an explicit stack, so any depth is safe, and visits each node
// of a DAG (a derivative reusing subtrees) once.
absl::StatusOr<std::shared_ptr<const Tape>> CompileTape(
    const NodePtr& root, std::vector<std::string> variables);

// Compiles several expressions into one tape sharing their common
// subexpressions, output i being roots[i]: for Jacobians.
absl::StatusOr<std::shared_ptr<const Tape>> CompileTape(
    absl::Span<const NodePtr> roots, std::vector<std::string> variables);

// The name of an instruction's operation as warnings show it: "+", "/",
// "^", "log", ...
std::string_view OperationName(const Instruction& instruction);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_TAPE_H_
