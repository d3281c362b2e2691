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
  // For tapes with several outputs: the operations output `o` depends on,
  // in evaluation order, so that its reverse sweep skips the others (whose
  // zero adjoints times an infinite partial would give NaN). Empty for a
  // single output, which depends on every operation.
  absl::Span<const uint32_t> output_operations(size_t o) const {
    return o < output_operations_.size() ? absl::Span<const uint32_t>(
                                               output_operations_[o])
                                         : absl::Span<const uint32_t>();
  }
  bool has_output_operations() const { return !output_operations_.empty(); }
  // Distinct for every tape built in this process; lets a workspace notice
  // it is being reused for another tape.
  uint64_t id() const { return id_; }

  // One line per slot, e.g. "%3 = mul %0 %2", for tests and debugging.
  std::string DebugString() const;

 private:
  friend class TapeBuilder;
  Tape() = default;

  std::vector<std::string> variables_;
  std::vector<Instruction> instructions_;
  std::vector<uint32_t> outputs_;
  std::vector<ConstantWarning> constant_warnings_;
  std::vector<std::vector<uint32_t>> output_operations_;
  size_t first_operation_ = 0;
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
