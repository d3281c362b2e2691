#include "server/calculus/simplify.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"

namespace slope::calculus {
namespace {


bool IsNumber(const Node& node) { return node.kind == NodeKind::kNumber; }
bool IsNumber(const Node& node, double value) {
  return IsNumber(node) && node.value == value;
}
bool IsInteger(double v) {
  return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e15;
}

// The folded results below are only used when they are exact, so that a
// folded tree is the same function as the unfolded one, not an
// approximation of it.
bool ExactProduct(double a, double b, double* out) {
  double p = a * b;
  if (!std::isfinite(p) || std::fma(a, b, -p) != 0) return false;
  if (p == 0 && a != 0 && b != 0) return false;  // underflow
  *out = p;
  return true;
}
bool ExactQuotient(double a, double b, double* out) {
  if (b == 0) return false;
  double q = a / b;
  if (!std::isfinite(q) || std::fma(q, b, -a) != 0) return false;
  if (q == 0 && a != 0) return false;
  *out = q;
  return true;
}
bool ExactPower(double a, double b, double* out) {
  if (!IsInteger(b) || std::fabs(b) > 64 || !std::isfinite(a)) return false;
  if (b == 0) {
    *out = 1;
    return true;
  }
  double p = 1;
  for (int i = 0; i < std::fabs(b); ++i) {
    if (!ExactProduct(p, a, &p)) return false;
  }
  if (b > 0) {
    *out = p;
    return true;
  }
  return ExactQuotient(1, p, out);
}

uint64_t Bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

NodePtr Number(double v) { return MakeNumber(v); }

// One factor of a product: base^exponent, the exponent either a number or
// (for symbolic powers) a tree kept as is.
struct Factor {
  NodePtr base;
  double exponent = 1;
  NodePtr symbolic_exponent;  // non-null: base^symbolic_exponent
  bool inverted = false;      // with symbolic_exponent: in the denominator
};

// One term of a sum: coefficient * rest.
struct Term {
  double coefficient;
  NodePtr rest;
};

class Simplifier {
 public:
  NodePtr Visit(const NodePtr& node) {
    auto it = memo_.find(node.get());
    if (it != memo_.end()) return it->second;
    NodePtr result = VisitUncached(node);
    memo_[node.get()] = result;
    keep_alive_.push_back(node);
    return result;
  }

 private:
  static bool IsSumKind(NodeKind kind) {
    return kind == NodeKind::kAdd || kind == NodeKind::kSubtract ||
           kind == NodeKind::kNegate;
  }
  static bool IsProductKind(NodeKind kind) {
    return kind == NodeKind::kMultiply || kind == NodeKind::kDivide;
  }

  // Simplifies the operands of a whole chain of sums (or products) but not
  // the chain's inner nodes: the chain is normalized once, at its top.
  // Normalizing every level of a+b+c+... would cost quadratic time.
  NodePtr VisitChain(const NodePtr& node, bool (*in_chain)(NodeKind)) {
    if (!in_chain(node->kind)) return Visit(node);
    std::vector<NodePtr> args;
    args.reserve(node->args.size());
    for (const NodePtr& arg : node->args) {
      args.push_back(VisitChain(arg, in_chain));
    }
    return Rebuild(*node, std::move(args));
  }

  NodePtr VisitUncached(const NodePtr& node) {
    if (node->args.empty()) return node;
    if (IsSumKind(node->kind)) {
      return NormalizeSum(VisitChain(node, IsSumKind));
    }
    if (IsProductKind(node->kind)) {
      return NormalizeProduct(VisitChain(node, IsProductKind));
    }
    std::vector<NodePtr> args;
    args.reserve(node->args.size());
    for (const NodePtr& arg : node->args) args.push_back(Visit(arg));
    switch (node->kind) {
      case NodeKind::kPower:
        return NormalizePower(Rebuild(*node, std::move(args)));
      case NodeKind::kCall:
        return NormalizeCall(Rebuild(*node, std::move(args)));
      default:
        return node;
    }
  }

  static NodePtr Rebuild(const Node& node, std::vector<NodePtr> args) {
    switch (node.kind) {
      case NodeKind::kNegate:
        return MakeUnary(node.kind, std::move(args[0]), node.pos);
      case NodeKind::kCall:
        return MakeCall(node.function, std::move(args), node.pos);
      default:
        return MakeBinary(node.kind, std::move(args[0]), std::move(args[1]),
                          node.pos);
    }
  }

  // A structural hash, memoized per node, so that like terms are found in
  // expected constant time.
  size_t Hash(const Node& node) {
    auto it = hashes_.find(&node);
    if (it != hashes_.end()) return it->second;
    size_t h = absl::HashOf(static_cast<int>(node.kind),
                            static_cast<int>(node.function), node.name,
                            Bits(node.value));
    for (const NodePtr& arg : node.args) h = absl::HashOf(h, Hash(*arg));
    hashes_[&node] = h;
    hash_keep_alive_.push_back(&node);
    return h;
  }

  bool Same(const NodePtr& a, const NodePtr& b) {
    return a == b || (Hash(*a) == Hash(*b) && StructurallyEqual(*a, *b));
  }

  // ---- calls ---------------------------------------------------------------

  static NodePtr NormalizeCall(NodePtr node) {
    for (const NodePtr& arg : node->args) {
      if (!IsNumber(*arg)) return node;
    }
    double a = node->args[0]->value;
    double b = node->args.size() > 1 ? node->args[1]->value : 0;
    double v = EvaluateFunction(node->function, a, b);
    // Fold only exact integer results (sin(0), sqrt(4), exp(0), abs(-3)),
    // so "sqrt(2)" and "log(2)" stay readable and symbolic.
    if (IsInteger(v)) return Number(v == 0 ? 0.0 : v);
    return node;
  }

  // ---- powers --------------------------------------------------------------

  NodePtr NormalizePower(NodePtr node) {
    const NodePtr& base = node->args[0];
    const NodePtr& exponent = node->args[1];
    if (IsNumber(*base, 1)) return Number(1);
    if (!IsNumber(*exponent)) return node;
    double e = exponent->value;
    if (e == 0) return Number(1);
    if (e == 1) return base;
    double folded;
    if (IsNumber(*base) && ExactPower(base->value, e, &folded)) {
      return Number(folded);
    }
    // A numeric exponent joins the product machinery, which merges and
    // writes negative exponents as division.
    return NormalizeProduct(node);
  }

  // ---- products ------------------------------------------------------------

  struct Product {
    double numerator = 1;
    double denominator = 1;
    std::vector<Factor> factors;
  };

  void AddFactor(Product* product, Factor factor) {
    if (factor.symbolic_exponent == nullptr) {
      for (Factor& f : product->factors) {
        if (f.symbolic_exponent == nullptr && Same(f.base, factor.base)) {
          f.exponent += factor.exponent;
          return;
        }
      }
    }
    product->factors.push_back(std::move(factor));
  }

  void CollectProduct(const NodePtr& node, bool inverted, Product* product) {
    switch (node->kind) {
      case NodeKind::kMultiply:
        CollectProduct(node->args[0], inverted, product);
        CollectProduct(node->args[1], inverted, product);
        return;
      case NodeKind::kDivide:
        CollectProduct(node->args[0], inverted, product);
        CollectProduct(node->args[1], !inverted, product);
        return;
      case NodeKind::kNegate:
        product->numerator = -product->numerator;
        CollectProduct(node->args[0], inverted, product);
        return;
      case NodeKind::kNumber:
        (inverted ? product->denominator : product->numerator) *= node->value;
        return;
      case NodeKind::kPower:
        if (IsNumber(*node->args[1])) {
          double e = node->args[1]->value;
          NodePtr base = node->args[0];
          // (b^m)^e = b^(m*e) for integers m, e (not for x^0.5, whose
          // domain differs from x's).
          double product_exponent;
          if (base->kind == NodeKind::kPower && IsNumber(*base->args[1]) &&
              IsInteger(base->args[1]->value) && IsInteger(e) &&
              ExactProduct(base->args[1]->value, e, &product_exponent)) {
            e = product_exponent;
            base = base->args[0];
          }
          AddFactor(product, {base, inverted ? -e : e, nullptr});
        } else {
          AddFactor(product,
                    {node->args[0], 1, node->args[1], inverted});
        }
        return;
      default:
        AddFactor(product, {node, inverted ? -1.0 : 1.0, nullptr});
        return;
    }
  }

  // Integer ratios stay ratios in lowest terms (2*x/4 -> x/2, and
  // 1/(2*sqrt(x)) rather than 0.5/sqrt(x)); other ratios fold when exact.
  static void ReduceCoefficient(Product* p) {
    if (p->denominator < 0) {
      p->numerator = -p->numerator;
      p->denominator = -p->denominator;
    }
    if (p->denominator == 1) return;
    double q;
    if (IsInteger(p->numerator) && IsInteger(p->denominator)) {
      double a = std::fabs(p->numerator), b = p->denominator;
      while (b != 0) {
        double r = std::fmod(a, b);
        a = b;
        b = r;
      }
      p->numerator /= a;
      p->denominator /= a;
    } else if (ExactQuotient(p->numerator, p->denominator, &q)) {
      p->numerator = q;
      p->denominator = 1;
    }
  }

  static NodePtr Power(const NodePtr& base, double exponent) {
    if (exponent == 1) return base;
    return MakeBinary(NodeKind::kPower, base, Number(exponent));
  }

  static NodePtr Times(NodePtr lhs, NodePtr rhs) {
    if (lhs == nullptr) return rhs;
    return MakeBinary(NodeKind::kMultiply, std::move(lhs), std::move(rhs));
  }

  NodePtr NormalizeProduct(const NodePtr& node) {
    Product p;
    CollectProduct(node, false, &p);
    if (p.denominator == 0 || !std::isfinite(p.numerator) ||
        !std::isfinite(p.denominator)) {
      return node;  // leave 1/0 and friends as the user wrote them
    }
    if (p.numerator == 0) return Number(0);  // 0*x = 0, the CAS convention
    ReduceCoefficient(&p);
    NodePtr top, bottom;
    if (p.numerator != 1 && p.numerator != -1) top = Number(p.numerator);
    for (const Factor& f : p.factors) {
      if (f.symbolic_exponent != nullptr) {
        NodePtr power =
            MakeBinary(NodeKind::kPower, f.base, f.symbolic_exponent);
        (f.inverted ? bottom : top) = Times(f.inverted ? bottom : top, power);
      } else if (f.exponent > 0) {
        top = Times(top, Power(f.base, f.exponent));
      } else if (f.exponent < 0) {
        bottom = Times(bottom, Power(f.base, -f.exponent));
      }
      // exponent 0: x/x = 1, dropped.
    }
    NodePtr numerator = top;
    if (top == nullptr) {
      numerator = Number(p.numerator);
    } else if (p.numerator == -1) {
      numerator = MakeUnary(NodeKind::kNegate, top);
    }
    if (p.denominator != 1) {
      bottom = bottom == nullptr ? Number(p.denominator)
                                 : Times(Number(p.denominator), bottom);
    }
    if (bottom == nullptr) return numerator;
    return MakeBinary(NodeKind::kDivide, numerator, bottom);
  }

  // ---- sums ----------------------------------------------------------------

  // Whether two products have the same factors in any order (x*y, y*x), so
  // that they are like terms.
  bool SameProduct(const NodePtr& a, const NodePtr& b) {
    auto is_product = [](const Node& n) {
      return n.kind == NodeKind::kMultiply || n.kind == NodeKind::kDivide;
    };
    if (!is_product(*a) || !is_product(*b)) return false;
    Product pa, pb;
    CollectProduct(a, false, &pa);
    CollectProduct(b, false, &pb);
    if (pa.numerator != pb.numerator || pa.denominator != pb.denominator ||
        pa.factors.size() != pb.factors.size()) {
      return false;
    }
    std::vector<bool> used(pb.factors.size(), false);
    for (const Factor& fa : pa.factors) {
      bool matched = false;
      for (size_t i = 0; i < pb.factors.size() && !matched; ++i) {
        const Factor& fb = pb.factors[i];
        if (used[i] || fa.exponent != fb.exponent ||
            fa.inverted != fb.inverted || !Same(fa.base, fb.base) ||
            (fa.symbolic_exponent == nullptr) !=
                (fb.symbolic_exponent == nullptr) ||
            (fa.symbolic_exponent != nullptr &&
             !Same(fa.symbolic_exponent, fb.symbolic_exponent))) {
          continue;
        }
        used[i] = matched = true;
      }
      if (!matched) return false;
    }
    return true;
  }

  // coefficient * rest for one term of a sum; rest is null for a constant.
  Term SplitCoefficient(const NodePtr& node) {
    if (IsNumber(*node)) return {node->value, nullptr};
    if (node->kind != NodeKind::kMultiply && node->kind != NodeKind::kDivide) {
      return {1, node};
    }
    Product p;
    CollectProduct(node, false, &p);
    if (!std::isfinite(p.numerator)) return {1, node};
    double coefficient = p.numerator;
    p.numerator = 1;
    if (coefficient == 1) return {1, node};
    // Rebuild the rest with a unit coefficient.
    NodePtr rest = NormalizeProduct(
        MakeBinary(NodeKind::kDivide, node, Number(coefficient)));
    if (IsNumber(*rest)) return {coefficient * rest->value, nullptr};
    return {coefficient, rest};
  }

  // A key equal for like terms: the structural hash, or for a product the
  // hash of its sorted factor hashes, so that x*y and y*x collide.
  size_t TermKey(const NodePtr& rest) {
    if (!IsProductKind(rest->kind)) return Hash(*rest);
    Product p;
    CollectProduct(rest, false, &p);
    std::vector<size_t> hashes;
    hashes.reserve(p.factors.size());
    for (const Factor& f : p.factors) {
      hashes.push_back(absl::HashOf(
          Hash(*f.base), Bits(f.exponent), f.inverted,
          f.symbolic_exponent ? Hash(*f.symbolic_exponent) : size_t{0}));
    }
    std::sort(hashes.begin(), hashes.end());
    return absl::HashOf(hashes, Bits(p.numerator), Bits(p.denominator));
  }

  struct Sum {
    std::vector<Term> terms;
    double constant = 0;
    absl::flat_hash_map<size_t, std::vector<size_t>> by_key;  // into terms
  };

  void CollectSum(const NodePtr& node, double sign, Sum* sum) {
    switch (node->kind) {
      case NodeKind::kAdd:
        CollectSum(node->args[0], sign, sum);
        CollectSum(node->args[1], sign, sum);
        return;
      case NodeKind::kSubtract:
        CollectSum(node->args[0], sign, sum);
        CollectSum(node->args[1], -sign, sum);
        return;
      case NodeKind::kNegate:
        CollectSum(node->args[0], -sign, sum);
        return;
      default:
        break;
    }
    Term term = SplitCoefficient(node);
    term.coefficient *= sign;
    if (term.rest == nullptr) {
      sum->constant += term.coefficient;
      return;
    }
    std::vector<size_t>& candidates = sum->by_key[TermKey(term.rest)];
    for (size_t i : candidates) {
      Term& t = sum->terms[i];
      if (Same(t.rest, term.rest) || SameProduct(t.rest, term.rest)) {
        t.coefficient += term.coefficient;
        return;
      }
    }
    candidates.push_back(sum->terms.size());
    sum->terms.push_back(std::move(term));
  }

  NodePtr Scaled(double coefficient, const NodePtr& rest) {
    if (coefficient == 1) return rest;
    return NormalizeProduct(
        MakeBinary(NodeKind::kMultiply, Number(coefficient), rest));
  }

  NodePtr NormalizeSum(const NodePtr& node) {
    Sum collected;
    CollectSum(node, 1, &collected);
    std::vector<Term>& terms = collected.terms;
    double constant = collected.constant;
    if (!std::isfinite(constant)) return node;
    for (const Term& t : terms) {
      if (!std::isfinite(t.coefficient)) return node;
    }
    terms.erase(std::remove_if(terms.begin(), terms.end(),
                               [](const Term& t) {
                                 return t.coefficient == 0;  // x-x = 0
                               }),
                terms.end());
    // Lead with a positive term when there is one ("1-x", not "-x+1").
    NodePtr sum;
    if (!terms.empty() && terms[0].coefficient < 0) {
      auto positive = std::find_if(terms.begin(), terms.end(),
                                   [](const Term& t) {
                                     return t.coefficient > 0;
                                   });
      if (positive != terms.end()) {
        std::rotate(terms.begin(), positive, positive + 1);
      } else if (constant > 0) {
        sum = Number(constant);
        constant = 0;
      }
    }
    for (const Term& t : terms) {
      if (sum == nullptr) {
        sum = Scaled(t.coefficient, t.rest);
      } else if (t.coefficient < 0) {
        sum = MakeBinary(NodeKind::kSubtract, sum,
                         Scaled(-t.coefficient, t.rest));
      } else {
        sum = MakeBinary(NodeKind::kAdd, sum, Scaled(t.coefficient, t.rest));
      }
    }
    if (sum == nullptr) return Number(constant);
    if (constant > 0) {
      sum = MakeBinary(NodeKind::kAdd, sum, Number(constant));
    } else if (constant < 0) {
      sum = MakeBinary(NodeKind::kSubtract, sum, Number(-constant));
    }
    return sum;
  }

  absl::flat_hash_map<const Node*, NodePtr> memo_;
  std::vector<NodePtr> keep_alive_;  // so memo keys are never reused
  absl::flat_hash_map<const Node*, size_t> hashes_;
  std::vector<const Node*> hash_keep_alive_;
};

}  // namespace

bool StructurallyEqual(const Node& a, const Node& b) {
  if (&a == &b) return true;
  if (a.kind != b.kind || a.args.size() != b.args.size()) return false;
  switch (a.kind) {
    case NodeKind::kNumber:
      return Bits(a.value) == Bits(b.value);
    case NodeKind::kVariable:
      return a.name == b.name;
    case NodeKind::kCall:
      if (a.function != b.function) return false;
      break;
    default:
      break;
  }
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (!StructurallyEqual(*a.args[i], *b.args[i])) return false;
  }
  return true;
}

absl::StatusOr<NodePtr> Simplify(const NodePtr& root,
                                 const SimplifyLimits& limits) {
  if (root == nullptr) {
    return absl::InvalidArgumentError("Simplify: null expression");
  }
  if (TreeDepth(root) > limits.max_depth) return root;
  NodePtr current = root;
  for (int pass = 0; pass < limits.max_passes; ++pass) {
    if (TreeSize(current, limits.max_nodes) > limits.max_nodes) break;
    NodePtr next = Simplifier().Visit(current);
    if (TreeDepth(next) > limits.max_depth) break;
    bool done = StructurallyEqual(*next, *current);
    current = std::move(next);
    if (done) break;
  }
  return current;
}

}  // namespace slope::calculus
