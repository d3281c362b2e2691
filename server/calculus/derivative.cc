#include "server/calculus/derivative.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/calculus/simplify.h"
#include "server/calculus/string_view_compat.h"

namespace slope::calculus {
namespace {

bool IsNumber(const NodePtr& n, double v) {
  return n->kind == NodeKind::kNumber && n->value == v;
}
bool IsZero(const NodePtr& n) { return IsNumber(n, 0); }

// Builders that drop the 0s and 1s the rules produce, so the raw derivative
// stays close to the size of its input; Simplify does the rest.
NodePtr Num(double v) { return MakeNumber(v); }
NodePtr Add(NodePtr a, NodePtr b) {
  if (IsZero(a)) return b;
  if (IsZero(b)) return a;
  return MakeBinary(NodeKind::kAdd, std::move(a), std::move(b));
}
NodePtr Neg(NodePtr a) {
  if (IsZero(a)) return a;
  return MakeUnary(NodeKind::kNegate, std::move(a));
}
NodePtr Sub(NodePtr a, NodePtr b) {
  if (IsZero(b)) return a;
  if (IsZero(a)) return Neg(std::move(b));
  return MakeBinary(NodeKind::kSubtract, std::move(a), std::move(b));
}
NodePtr Mul(NodePtr a, NodePtr b) {
  if (IsZero(a) || IsZero(b)) return Num(0);
  if (IsNumber(a, 1)) return b;
  if (IsNumber(b, 1)) return a;
  return MakeBinary(NodeKind::kMultiply, std::move(a), std::move(b));
}
NodePtr Div(NodePtr a, NodePtr b) {
  if (IsZero(a)) return a;
  if (IsNumber(b, 1)) return a;
  return MakeBinary(NodeKind::kDivide, std::move(a), std::move(b));
}
NodePtr Pow(NodePtr a, NodePtr b) {
  return MakeBinary(NodeKind::kPower, std::move(a), std::move(b));
}
NodePtr Square(NodePtr a) { return Pow(std::move(a), Num(2)); }
NodePtr Call(Function f, NodePtr a) { return MakeCall(f, {std::move(a)}); }

bool IsIdentifier(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

class Differentiator {
 public:
  explicit Differentiator(std::string_view variable) : variable_(variable) {}

  // Recurses once per level of `node`, which the caller has depth-checked.
  NodePtr D(const NodePtr& node) {
    auto it = memo_.find(node.get());
    if (it != memo_.end()) return it->second;
    NodePtr result = Rule(node);
    memo_[node.get()] = result;
    return result;
  }

 private:
  NodePtr Rule(const NodePtr& node) {
    const auto& args = node->args;
    switch (node->kind) {
      case NodeKind::kNumber:
        return Num(0);
      case NodeKind::kVariable:
        return Num(node->name == variable_ ? 1 : 0);
      case NodeKind::kNegate:
        return Neg(D(args[0]));
      case NodeKind::kAdd:
        return Add(D(args[0]), D(args[1]));
      case NodeKind::kSubtract:
        return Sub(D(args[0]), D(args[1]));
      case NodeKind::kMultiply:
        return Add(Mul(D(args[0]), args[1]), Mul(args[0], D(args[1])));
      case NodeKind::kDivide: {
        NodePtr du = D(args[0]);
        NodePtr dv = D(args[1]);
        if (IsZero(dv)) return Div(du, args[1]);
        return Div(Sub(Mul(du, args[1]), Mul(args[0], dv)), Square(args[1]));
      }
      case NodeKind::kPower:
        return PowerRule(node, args[0], args[1]);
      case NodeKind::kCall:
        return CallRule(node);
    }
    return Num(0);
  }

  NodePtr PowerRule(const NodePtr& node, const NodePtr& u, const NodePtr& v) {
    NodePtr du = D(u);
    NodePtr dv = D(v);
    if (IsZero(dv)) {
      // d/dx u^n = n*u^(n-1)*u'
      NodePtr reduced = v->kind == NodeKind::kNumber ? Num(v->value - 1)
                                                     : Sub(v, Num(1));
      return Mul(Mul(v, Pow(u, reduced)), du);
    }
    NodePtr log_u = Call(Function::kLog, u);
    if (IsZero(du)) return Mul(Mul(node, log_u), dv);  // d/dx a^v
    // d/dx u^v = u^v*(v'*log(u) + v*u'/u)
    return Mul(node, Add(Mul(dv, log_u), Div(Mul(v, du), u)));
  }

  NodePtr CallRule(const NodePtr& node) {
    const NodePtr& u = node->args[0];
    NodePtr du = D(u);
    const Function f = node->function;
    if (Spec(f).arity == 2) {
      const NodePtr& v = node->args[1];
      NodePtr dv = D(v);
      switch (f) {
        case Function::kAtan2:
          return Div(Sub(Mul(v, du), Mul(u, dv)), Add(Square(u), Square(v)));
        case Function::kHypot:
          return Div(Add(Mul(u, du), Mul(v, dv)), node);
        case Function::kPow:
          return PowerRule(node, u, v);
        case Function::kMin:
          // relu(sign(u-v)) is 1 exactly where v < u (v is returned), else 0.
          return Add(du, Mul(Sub(dv, du),
                             Call(Function::kRelu,
                                  Call(Function::kSign, Sub(u, v)))));
        case Function::kMax:
          return Add(du, Mul(Sub(dv, du),
                             Call(Function::kRelu,
                                  Call(Function::kSign, Sub(v, u)))));
        default:
          return Num(0);
      }
    }
    if (IsZero(du)) return Num(0);
    switch (f) {
      case Function::kSin: return Mul(Call(Function::kCos, u), du);
      case Function::kCos: return Mul(Neg(Call(Function::kSin, u)), du);
      case Function::kTan: return Div(du, Square(Call(Function::kCos, u)));
      case Function::kAsin:
        return Div(du, Call(Function::kSqrt, Sub(Num(1), Square(u))));
      case Function::kAcos:
        return Neg(Div(du, Call(Function::kSqrt, Sub(Num(1), Square(u)))));
      case Function::kAtan: return Div(du, Add(Num(1), Square(u)));
      case Function::kSinh: return Mul(Call(Function::kCosh, u), du);
      case Function::kCosh: return Mul(Call(Function::kSinh, u), du);
      case Function::kTanh: return Mul(Sub(Num(1), Square(node)), du);
      case Function::kAsinh:
        return Div(du, Call(Function::kSqrt, Add(Square(u), Num(1))));
      case Function::kAcosh:
        return Div(du, Call(Function::kSqrt, Sub(Square(u), Num(1))));
      case Function::kAtanh: return Div(du, Sub(Num(1), Square(u)));
      case Function::kExp: return Mul(node, du);
      case Function::kExpm1: return Mul(Call(Function::kExp, u), du);
      case Function::kLog: return Div(du, u);
      case Function::kLog1p: return Div(du, Add(Num(1), u));
      case Function::kLog2:
        return Div(du, Mul(u, Call(Function::kLog, Num(2))));
      case Function::kLog10:
        return Div(du, Mul(u, Call(Function::kLog, Num(10))));
      case Function::kSqrt: return Div(du, Mul(Num(2), node));
      case Function::kCbrt: return Div(du, Mul(Num(3), Square(node)));
      case Function::kAbs: return Mul(Call(Function::kSign, u), du);
      case Function::kSign:
      case Function::kFloor:
      case Function::kCeil:
        return Num(0);
      case Function::kSigmoid: return Mul(Mul(node, Sub(Num(1), node)), du);
      case Function::kRelu:
        // relu(sign(u)) is 1 for u > 0 and 0 otherwise, so relu'(0) = 0.
        return Mul(Call(Function::kRelu, Call(Function::kSign, u)), du);
      case Function::kSoftplus: return Mul(Call(Function::kSigmoid, u), du);
      case Function::kErf:
      case Function::kErfc: {
        double pi = 0;
        FindConstant("pi", &pi);
        NodePtr gauss =
            Div(Mul(Num(2), Call(Function::kExp, Neg(Square(u)))),
                Call(Function::kSqrt, Num(pi)));
        if (f == Function::kErfc) gauss = Neg(gauss);
        return Mul(gauss, du);
      }
      default:
        return Num(0);
    }
  }

  std::string_view variable_;
  absl::flat_hash_map<const Node*, NodePtr> memo_;
};

// `what` names the tree in the message: "expression" or "derivative".
absl::Status CheckBounds(const NodePtr& tree, const DerivativeLimits& limits,
                         absl::string_view what = "derivative") {
  if (TreeDepth(tree) > limits.max_depth) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, " nests deeper than ", limits.max_depth, " levels"));
  }
  if (TreeSize(tree, limits.max_nodes) > limits.max_nodes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, " has more than ", limits.max_nodes, " nodes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NodePtr> Differentiate(const NodePtr& f,
                                      std::string_view variable, int order,
                                      const DerivativeLimits& limits) {
  if (f == nullptr) {
    return absl::InvalidArgumentError("Differentiate: null expression");
  }
  if (!IsIdentifier(variable)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", Absl(variable), "' is not a variable name"));
  }
  if (order < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("derivative order ", order, " is negative"));
  }
  if (order > limits.max_order) {
    return absl::ResourceExhaustedError(
        absl::StrCat("derivative order ", order, " exceeds the limit of ",
                     limits.max_order));
  }
  if (absl::Status s = CheckBounds(f, limits, "expression"); !s.ok()) {
    return s;
  }
  SimplifyLimits simplify_limits;
  simplify_limits.max_nodes = limits.max_nodes;
  simplify_limits.max_depth = limits.max_depth;
  absl::StatusOr<NodePtr> current = Simplify(f, simplify_limits);
  for (int i = 0; i < order && current.ok(); ++i) {
    NodePtr raw = Differentiator(variable).D(*current);
    if (absl::Status s = CheckBounds(raw, limits); !s.ok()) return s;
    current = Simplify(raw, simplify_limits);
    if (current.ok()) {
      if (absl::Status s = CheckBounds(*current, limits); !s.ok()) return s;
    }
  }
  return current;
}

}  // namespace slope::calculus
