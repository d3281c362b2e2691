// The compiler from syntax trees to tapes: hash-consing, constant folding
// and lowering of small integer powers, all in one post-order walk.
#include "server/calculus/tape.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/calculus/tape_kernels.h"

namespace slope::calculus {
namespace {

std::atomic<uint64_t> next_tape_id{1};

std::string AtPos(SourcePos pos) {
  if (!pos.known()) return "";
  return absl::StrCat(" at ", pos.line, ":", pos.column);
}

// While building, a value is either an input, a constant or an operation,
// each numbered in its own list; the final layout puts them in that order.
enum class RefKind : uint8_t { kInput, kConstant, kOperation };
struct Ref {
  RefKind kind = RefKind::kConstant;
  uint32_t index = 0;
  bool operator==(const Ref& o) const {
    return kind == o.kind && index == o.index;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Ref& r) {
    return H::combine(std::move(h), r.kind, r.index);
  }
};

// Structural identity of an operation: equal keys compute equal values.
struct OpKey {
  OpCode op;
  Function function;
  Ref a;
  Ref b;
  uint64_t constant_bits;
  bool operator==(const OpKey& o) const {
    return op == o.op && function == o.function && a == o.a && b == o.b &&
           constant_bits == o.constant_bits;
  }
  template <typename H>
  friend H AbslHashValue(H h, const OpKey& k) {
    return H::combine(std::move(h), k.op, k.function, k.a, k.b,
                      k.constant_bits);
  }
};

uint64_t Bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

struct PendingOp {
  OpCode op;
  Function function;
  Ref a;
  Ref b;
  double constant;
  SourcePos pos;
};

int Arity(const PendingOp& op) {
  switch (op.op) {
    case OpCode::kNegate:
    case OpCode::kPowConst:
      return 1;
    case OpCode::kCall:
      return Spec(op.function).arity;
    default:
      return 2;
  }
}

// sign, floor and ceil: their reverse steps contribute nothing (not
// adjoint * 0, which would be NaN for an infinite adjoint), so they must
// not count as the assigning first contribution to their operand.
bool HasZeroDerivative(const Instruction& in) {
  return in.op == OpCode::kCall &&
         (in.function == Function::kSign || in.function == Function::kFloor ||
          in.function == Function::kCeil);
}

// The operations `out` depends on, ascending. With several outputs a
// reverse sweep must skip the others, whose zero adjoints times an infinite
// partial would give NaN; a single output depends on every operation.
std::vector<uint32_t> OperationsReaching(const std::vector<Instruction>& ins,
                                         size_t first_operation,
                                         uint32_t out) {
  std::vector<bool> needed(ins.size(), false);
  needed[out] = true;
  std::vector<uint32_t> operations;
  for (size_t k = ins.size(); k-- > first_operation;) {
    if (!needed[k]) continue;
    operations.push_back(static_cast<uint32_t>(k));
    needed[ins[k].a] = true;
    needed[ins[k].b] = true;
  }
  std::reverse(operations.begin(), operations.end());
  return operations;
}

// Plans output `out`'s reverse sweep over `operations` (ascending; all of
// them reach `out`) by simulating it: visiting operations from last to
// first, each operand's first contribution assigns its row and later ones
// add or subtract; a negate/add/subtract operand with no other use shares
// its user's row instead (see AdjointStep).
ReversePlan BuildReversePlan(const std::vector<Instruction>& ins,
                             size_t num_inputs, uint32_t out,
                             const std::vector<uint32_t>& operations) {
  std::vector<uint32_t> uses(ins.size(), 0);
  for (uint32_t k : operations) {
    const Instruction& in = ins[k];
    if (HasZeroDerivative(in)) continue;
    if (in.a_active) ++uses[in.a];
    if (in.b_active) ++uses[in.b];
  }
  std::vector<InputAdjoint> adjoint(ins.size());  // per slot, as for inputs
  adjoint[out] = {true, false, static_cast<uint32_t>(ins.size())};
  ReversePlan plan;
  for (auto it = operations.rbegin(); it != operations.rend(); ++it) {
    const uint32_t k = *it;
    const Instruction& in = ins[k];
    const InputAdjoint g = adjoint[k];
    if (!g.reached || HasZeroDerivative(in)) continue;
    const bool pass_through = in.op == OpCode::kNegate ||
                              in.op == OpCode::kAdd ||
                              in.op == OpCode::kSubtract;
    AdjointStep step;
    step.slot = k;
    step.g_row = g.row;
    step.unit_g = g.row == ins.size();
    // `flips`: whether the pass-through negates (−a, and b of a−b).
    auto contribute = [&](uint32_t operand, bool flips, uint32_t* row,
                          AdjointWrite* write) {
      InputAdjoint& target = adjoint[operand];
      if (pass_through && uses[operand] == 1) {
        target = {true, g.negated != flips, g.row};
        *write = AdjointWrite::kNone;
        return;
      }
      // The kernel computes the contribution from row g.row, so what
      // arrives carries g's sign.
      if (!target.reached) {
        target = {true, g.negated, operand};
        *write = AdjointWrite::kAssign;
      } else {
        *write = target.negated == g.negated ? AdjointWrite::kAdd
                                             : AdjointWrite::kSubtract;
      }
      *row = target.row;
    };
    if (in.a_active) {
      contribute(in.a, in.op == OpCode::kNegate, &step.a_row, &step.a_write);
    }
    if (in.b_active) {
      contribute(in.b, in.op == OpCode::kSubtract, &step.b_row, &step.b_write);
    }
    if (step.a_write != AdjointWrite::kNone ||
        step.b_write != AdjointWrite::kNone) {
      plan.steps.push_back(step);
    }
  }
  plan.inputs.assign(adjoint.begin(), adjoint.begin() + num_inputs);
  return plan;
}

}  // namespace

class TapeBuilder {
 public:
  absl::StatusOr<std::shared_ptr<const Tape>> Build(
      absl::Span<const NodePtr> roots, std::vector<std::string> variables) {
    for (size_t i = 0; i < variables.size(); ++i) {
      if (!input_index_.emplace(variables[i], i).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("duplicate variable '", variables[i], "'"));
      }
    }
    std::vector<Ref> outputs;
    outputs.reserve(roots.size());
    for (const NodePtr& root : roots) {
      absl::StatusOr<Ref> ref = Compile(root);
      if (!ref.ok()) return ref.status();
      outputs.push_back(*ref);
    }
    return Finish(std::move(variables), outputs);
  }

 private:
  absl::StatusOr<Ref> Compile(const NodePtr& root) {
    if (root == nullptr) {
      return absl::InvalidArgumentError("empty expression");
    }
    // Post-order walk with an explicit stack; `memo_` makes a DAG cost its
    // number of distinct nodes, not its number of paths.
    struct Frame {
      const Node* node;
      bool expanded;
    };
    std::vector<Frame> stack = {{root.get(), false}};
    while (!stack.empty()) {
      Frame& frame = stack.back();
      const Node* node = frame.node;
      if (memo_.contains(node)) {
        stack.pop_back();
        continue;
      }
      if (!frame.expanded) {
        frame.expanded = true;
        for (auto it = node->args.rbegin(); it != node->args.rend(); ++it) {
          if (*it == nullptr) {
            return absl::InvalidArgumentError(absl::StrCat(
                "malformed expression: missing operand", AtPos(node->pos)));
          }
          if (!memo_.contains(it->get())) stack.push_back({it->get(), false});
        }
        continue;
      }
      absl::StatusOr<Ref> ref = CompileNode(*node);
      if (!ref.ok()) return ref.status();
      memo_.emplace(node, *ref);
      stack.pop_back();
    }
    return memo_.at(root.get());
  }

  absl::StatusOr<Ref> CompileNode(const Node& node) {
    auto arg = [&](size_t i) { return memo_.at(node.args[i].get()); };
    auto expect_args = [&](size_t n) -> absl::Status {
      if (node.args.size() != n) {
        return absl::InvalidArgumentError(absl::StrCat(
            "malformed expression: expected ", n, " operands, got ",
            node.args.size(), AtPos(node.pos)));
      }
      return absl::OkStatus();
    };
    switch (node.kind) {
      case NodeKind::kNumber:
        if (auto s = expect_args(0); !s.ok()) return s;
        return Constant(node.value);
      case NodeKind::kVariable: {
        if (auto s = expect_args(0); !s.ok()) return s;
        auto it = input_index_.find(node.name);
        if (it == input_index_.end()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "unknown variable '", node.name, "'", AtPos(node.pos)));
        }
        return Ref{RefKind::kInput, it->second};
      }
      case NodeKind::kNegate:
        if (auto s = expect_args(1); !s.ok()) return s;
        return Emit({OpCode::kNegate, {}, arg(0), {}, 0, node.pos});
      case NodeKind::kAdd:
      case NodeKind::kSubtract:
      case NodeKind::kMultiply:
      case NodeKind::kDivide: {
        if (auto s = expect_args(2); !s.ok()) return s;
        OpCode op = node.kind == NodeKind::kAdd        ? OpCode::kAdd
                    : node.kind == NodeKind::kSubtract ? OpCode::kSubtract
                    : node.kind == NodeKind::kMultiply ? OpCode::kMultiply
                                                       : OpCode::kDivide;
        return Emit({op, {}, arg(0), arg(1), 0, node.pos});
      }
      case NodeKind::kPower:
        if (auto s = expect_args(2); !s.ok()) return s;
        return Power(arg(0), arg(1), node.pos);
      case NodeKind::kCall: {
        const int arity = Spec(node.function).arity;
        if (auto s = expect_args(arity); !s.ok()) return s;
        if (node.function == Function::kPow) {
          return Power(arg(0), arg(1), node.pos);
        }
        return Emit({OpCode::kCall, node.function, arg(0),
                     arity == 2 ? arg(1) : Ref{}, 0, node.pos});
      }
    }
    return absl::InvalidArgumentError("malformed expression: unknown node");
  }

  // a^b: small integer constant exponents become multiplications (exact
  // where pow would round, and cheaper); other constant exponents keep the
  // constant out of the reverse sweep.
  Ref Power(Ref base, Ref exponent, SourcePos pos) {
    if (exponent.kind == RefKind::kConstant) {
      const double k = constants_[exponent.index];
      if (k == std::trunc(k) && std::fabs(k) <= kMaxLoweredPower) {
        return IntegerPower(base, static_cast<int>(k), pos);
      }
      return Emit({OpCode::kPowConst, {}, base, {}, k, pos});
    }
    return Emit({OpCode::kPow, {}, base, exponent, 0, pos});
  }

  Ref IntegerPower(Ref base, int n, SourcePos pos) {
    // x^0 = 1 for every x, NaN included, as pow has it.
    if (n == 0) return Constant(1.0);
    const bool negative = n < 0;
    unsigned m = static_cast<unsigned>(negative ? -n : n);
    // Square-and-multiply from the lowest bit; the squares are shared by
    // hash-consing with any x*x elsewhere.
    Ref result{};
    bool have_result = false;
    Ref square = base;
    while (true) {
      if (m & 1u) {
        result = have_result
                     ? Emit({OpCode::kMultiply, {}, result, square, 0, pos})
                     : square;
        have_result = true;
      }
      m >>= 1;
      if (m == 0) break;
      square = Emit({OpCode::kMultiply, {}, square, square, 0, pos});
    }
    if (negative) {
      return Emit({OpCode::kDivide, {}, Constant(1.0), result, 0, pos});
    }
    return result;
  }

  Ref Constant(double value) {
    auto [it, inserted] = constant_index_.emplace(
        Bits(value), static_cast<uint32_t>(constants_.size()));
    if (inserted) constants_.push_back(value);
    return Ref{RefKind::kConstant, it->second};
  }

  Ref Emit(PendingOp op) {
    const int arity = Arity(op);
    if (arity < 2) op.b = Ref{};
    // a+b and a*b are exactly commutative in IEEE arithmetic: order the
    // operands so that y*x shares x*y's slot.
    if ((op.op == OpCode::kAdd || op.op == OpCode::kMultiply) &&
        std::make_pair(op.b.kind, op.b.index) <
            std::make_pair(op.a.kind, op.a.index)) {
      std::swap(op.a, op.b);
    }
    const bool a_constant = op.a.kind == RefKind::kConstant;
    const bool b_constant = arity < 2 || op.b.kind == RefKind::kConstant;
    if (a_constant && b_constant) return Fold(op, arity);
    OpKey key{op.op, op.op == OpCode::kCall ? op.function : Function{}, op.a,
              op.b, Bits(op.constant)};
    auto [it, inserted] =
        op_index_.emplace(key, static_cast<uint32_t>(ops_.size()));
    if (inserted) ops_.push_back(op);
    return Ref{RefKind::kOperation, it->second};
  }

  // Evaluates an operation on constants with the evaluators' own kernel,
  // so folding never changes a result, and records any warning.
  Ref Fold(const PendingOp& op, int arity) {
    Instruction ins;
    ins.op = op.op;
    ins.function = op.function;
    ins.constant = op.constant;
    double a = constants_[op.a.index];
    double b = arity == 2 ? constants_[op.b.index] : 0.0;
    double result = 0;
    kernels::Forward<double>(ins, &result, &a, &b, 1);
    Ref ref = Constant(result);
    if (!std::isfinite(result) && std::isfinite(a) && std::isfinite(b)) {
      ins.pos = op.pos;
      folded_warnings_.push_back(
          {ref.index, kernels::Classify(ins, a, b, result), op.pos,
           std::string(OperationName(ins))});
    }
    return ref;
  }

  absl::StatusOr<std::shared_ptr<const Tape>> Finish(
      std::vector<std::string> variables, const std::vector<Ref>& outputs) {
    auto tape = std::shared_ptr<Tape>(new Tape());
    const uint32_t num_inputs = static_cast<uint32_t>(variables.size());
    tape->variables_ = std::move(variables);
    tape->id_ = next_tape_id.fetch_add(1, std::memory_order_relaxed);

    // Folding leaves its intermediate constants unused and x^0 its base:
    // keep only what the outputs read, so that a dead operation can
    // neither cost time nor raise a warning. Operands precede their users,
    // so one backward pass finds everything live.
    std::vector<bool> used(constants_.size(), false);
    std::vector<bool> live(ops_.size(), false);
    auto mark = [&](Ref r) {
      if (r.kind == RefKind::kConstant) used[r.index] = true;
      if (r.kind == RefKind::kOperation) live[r.index] = true;
    };
    for (Ref r : outputs) mark(r);
    for (size_t i = ops_.size(); i-- > 0;) {
      if (!live[i]) continue;
      mark(ops_[i].a);
      if (Arity(ops_[i]) == 2) mark(ops_[i].b);
    }
    std::vector<uint32_t> op_slot(ops_.size(), 0);
    std::vector<uint32_t> constant_slot(constants_.size(), 0);

    std::vector<Instruction>& ins = tape->instructions_;
    ins.reserve(num_inputs + constants_.size() + ops_.size());
    for (uint32_t i = 0; i < num_inputs; ++i) {
      Instruction input;
      input.op = OpCode::kInput;
      input.a = i;
      ins.push_back(input);
    }
    for (size_t i = 0; i < constants_.size(); ++i) {
      if (!used[i]) continue;
      constant_slot[i] = static_cast<uint32_t>(ins.size());
      Instruction constant;
      constant.op = OpCode::kConstant;
      constant.constant = constants_[i];
      ins.push_back(constant);
    }
    tape->first_operation_ = ins.size();
    auto slot = [&](Ref r) -> uint32_t {
      switch (r.kind) {
        case RefKind::kInput: return r.index;
        case RefKind::kConstant: return constant_slot[r.index];
        case RefKind::kOperation: return op_slot[r.index];
      }
      return 0;
    };
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (!live[i]) continue;
      const PendingOp& op = ops_[i];
      op_slot[i] = static_cast<uint32_t>(ins.size());
      Instruction out;
      out.op = op.op;
      out.function = op.function;
      out.constant = op.constant;
      out.pos = op.pos;
      out.a = slot(op.a);
      out.a_active = op.a.kind != RefKind::kConstant;
      if (Arity(op) == 2) {
        out.b = slot(op.b);
        out.b_active = op.b.kind != RefKind::kConstant;
      } else {
        out.b = out.a;  // harmless operand for the loops' second pointer
      }
      ins.push_back(out);
    }
    tape->num_value_rows_ = ins.size();
    for (Instruction& in : ins) {
      if (in.op == OpCode::kCall && (in.function == Function::kSin ||
                                     in.function == Function::kCos)) {
        in.derivative_row = static_cast<uint32_t>(tape->num_value_rows_++);
      }
    }
    for (Ref r : outputs) tape->outputs_.push_back(slot(r));
    for (uint32_t out : tape->outputs_) {
      tape->reverse_plans_.push_back(BuildReversePlan(
          ins, num_inputs, out,
          OperationsReaching(ins, tape->first_operation_, out)));
    }
    // A folded constant that fed further folding is gone from the tape but
    // its warning still describes the expression: keep it, ordered first.
    for (const ConstantWarning& w : folded_warnings_) {
      ConstantWarning moved = w;
      moved.instruction = used[w.instruction] ? constant_slot[w.instruction] : 0;
      tape->constant_warnings_.push_back(std::move(moved));
    }
    return std::shared_ptr<const Tape>(std::move(tape));
  }

  absl::flat_hash_map<std::string, uint32_t> input_index_;
  absl::flat_hash_map<const Node*, Ref> memo_;
  std::vector<double> constants_;
  absl::flat_hash_map<uint64_t, uint32_t> constant_index_;
  std::vector<PendingOp> ops_;
  absl::flat_hash_map<OpKey, uint32_t> op_index_;
  std::vector<ConstantWarning> folded_warnings_;
};

absl::StatusOr<std::shared_ptr<const Tape>> CompileTape(
    const NodePtr& root, std::vector<std::string> variables) {
  return CompileTape(absl::MakeConstSpan(&root, 1), std::move(variables));
}

absl::StatusOr<std::shared_ptr<const Tape>> CompileTape(
    absl::Span<const NodePtr> roots, std::vector<std::string> variables) {
  if (roots.empty()) {
    return absl::InvalidArgumentError("no expression to compile");
  }
  TapeBuilder builder;
  return builder.Build(roots, std::move(variables));
}

std::string_view OperationName(const Instruction& instruction) {
  switch (instruction.op) {
    case OpCode::kInput: return "input";
    case OpCode::kConstant: return "constant";
    case OpCode::kNegate: return "negate";
    case OpCode::kAdd: return "+";
    case OpCode::kSubtract: return "-";
    case OpCode::kMultiply: return "*";
    case OpCode::kDivide: return "/";
    case OpCode::kPowConst:
    case OpCode::kPow: return "^";
    case OpCode::kCall: return Spec(instruction.function).name;
  }
  return "?";
}

std::string Tape::DebugString() const {
  std::string out;
  for (size_t i = 0; i < instructions_.size(); ++i) {
    const Instruction& ins = instructions_[i];
    absl::StrAppend(&out, "%", i, " = ");
    switch (ins.op) {
      case OpCode::kInput:
        absl::StrAppend(&out, "input ", variables_[ins.a]);
        break;
      case OpCode::kConstant:
        absl::StrAppend(&out, "const ", absl::StrFormat("%.17g", ins.constant));
        break;
      case OpCode::kPowConst:
        absl::StrAppend(&out, "^ %", ins.a, " ",
                        absl::StrFormat("%.17g", ins.constant));
        break;
      default: {
        absl::StrAppend(&out, std::string(OperationName(ins)), " %", ins.a);
        const bool binary =
            ins.op != OpCode::kNegate &&
            (ins.op != OpCode::kCall || Spec(ins.function).arity == 2);
        if (binary) absl::StrAppend(&out, " %", ins.b);
      }
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "outputs:");
  for (uint32_t o : outputs_) absl::StrAppend(&out, " %", o);
  absl::StrAppend(&out, "\n");
  return out;
}

std::string Tape::ReversePlanDebugString(size_t o) const {
  std::string out;
  auto row = [&](uint32_t r) {
    return r == ones_row() ? std::string("ones") : absl::StrCat("r", r);
  };
  auto write = [&](AdjointWrite w, uint32_t r) -> std::string {
    switch (w) {
      case AdjointWrite::kNone: return "";
      case AdjointWrite::kAssign: return absl::StrCat(" :=", row(r));
      case AdjointWrite::kAdd: return absl::StrCat(" +=", row(r));
      case AdjointWrite::kSubtract: return absl::StrCat(" -=", row(r));
    }
    return "";
  };
  const ReversePlan& plan = reverse_plans_[o];
  for (const AdjointStep& s : plan.steps) {
    absl::StrAppend(&out, "%", s.slot, ": g=",
                    s.unit_g ? "1" : row(s.g_row), " a",
                    write(s.a_write, s.a_row), " b", write(s.b_write, s.b_row),
                    "\n");
  }
  for (size_t j = 0; j < plan.inputs.size(); ++j) {
    const InputAdjoint& in = plan.inputs[j];
    absl::StrAppend(&out, variables_[j], " = ",
                    in.reached ? absl::StrCat(in.negated ? "-" : "", row(in.row))
                               : std::string("0"),
                    "\n");
  }
  return out;
}

}  // namespace slope::calculus
