#include "server/calculus/explain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "server/calculus/printer.h"
#include "server/calculus/string_view_compat.h"

namespace slope::calculus {
namespace {

bool DependsOn(const Node& node, std::string_view variable) {
  std::vector<const Node*> stack = {&node};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n->kind == NodeKind::kVariable && n->name == variable) return true;
    for (const NodePtr& arg : n->args) stack.push_back(arg.get());
  }
  return false;
}

struct Rule {
  std::string name;
  std::string explanation;  // with "d/dx"; rewritten for the variable
};

Rule Classify(const Node& node, std::string_view variable) {
  const auto depends = [&](size_t i) {
    return DependsOn(*node.args[i], variable);
  };
  switch (node.kind) {
    case NodeKind::kNumber:
      return {"constant", "the derivative of a constant is 0"};
    case NodeKind::kVariable:
      return {"variable", absl::StrCat("d/dx ", Absl(variable), " = 1")};
    case NodeKind::kNegate:
      return {"negation", "d/dx (-u) = -u'"};
    case NodeKind::kAdd:
      return {"sum", "d/dx (u+v) = u'+v'"};
    case NodeKind::kSubtract:
      return {"difference", "d/dx (u-v) = u'-v'"};
    case NodeKind::kMultiply:
      if (!depends(0) || !depends(1)) {
        return {"product", "a constant factor stays: d/dx (c*u) = c*u'"};
      }
      return {"product", "d/dx (u*v) = u'*v + u*v'"};
    case NodeKind::kDivide:
      if (!depends(1)) return {"quotient", "d/dx (u/c) = u'/c"};
      return {"quotient", "d/dx (u/v) = (u'*v - u*v')/v^2"};
    case NodeKind::kPower:
      if (!depends(1)) return {"power", "d/dx u^n = n*u^(n-1)*u'"};
      if (!depends(0)) return {"power", "d/dx a^v = a^v*log(a)*v'"};
      return {"power", "d/dx u^v = u^v*(v'*log(u) + v*u'/u)"};
    case NodeKind::kCall: {
      const FunctionSpec& spec = Spec(node.function);
      std::string rule(spec.derivative);
      bool direct = true;
      for (const NodePtr& arg : node.args) {
        if (DependsOn(*arg, variable) && arg->kind != NodeKind::kVariable) {
          direct = false;
        }
      }
      if (direct) return {std::string(spec.name), rule};
      std::string inner;
      static constexpr const char* kNames[] = {"u", "v"};
      for (size_t i = 0; i < node.args.size(); ++i) {
        absl::StrAppend(&inner, i == 0 ? " with " : " and ", kNames[i],
                        " = ", ToText(node.args[i]));
      }
      return {"chain", absl::StrCat("chain rule: ", rule, inner)};
    }
  }
  return {"constant", "the derivative of a constant is 0"};
}

}  // namespace

absl::StatusOr<std::vector<DerivationStep>> Explain(
    const NodePtr& f, std::string_view variable,
    const ExplainLimits& limits) {
  // Validates the variable and the limits once, and gives the root step.
  absl::StatusOr<NodePtr> whole =
      Differentiate(f, variable, 1, limits.derivative);
  if (!whole.ok()) return whole.status();

  const std::string dv = absl::StrCat("d/d", Absl(variable));
  std::vector<DerivationStep> steps;
  size_t text_bytes = 0;
  // Pre-order with an explicit stack: outermost first, children left to
  // right.
  std::vector<std::pair<const NodePtr*, int>> stack = {{&f, 0}};
  while (!stack.empty()) {
    if (static_cast<int>(steps.size()) >= limits.max_steps ||
        text_bytes > limits.max_text_bytes) {
      DerivationStep note;
      note.rule = "truncated";
      note.explanation = absl::StrCat(
          "further steps omitted: a derivation shows at most ",
          limits.max_steps, " steps and ", limits.max_text_bytes,
          " bytes of text");
      steps.push_back(std::move(note));
      break;
    }
    auto [node_ptr, depth] = stack.back();
    stack.pop_back();
    const NodePtr& node = *node_ptr;

    NodePtr derivative;
    if (steps.empty()) {
      derivative = *whole;
    } else {
      absl::StatusOr<NodePtr> d =
          Differentiate(node, variable, 1, limits.derivative);
      if (!d.ok()) return d.status();
      derivative = *std::move(d);
    }
    const bool depends = DependsOn(*node, variable);
    Rule rule;
    if (depends) {
      rule = Classify(*node, variable);
    } else if (node->kind == NodeKind::kNumber) {
      rule = {"constant", "the derivative of a constant is 0"};
    } else {
      rule = {"constant",
              absl::StrCat(ToText(node), " does not depend on ",
                           Absl(variable), ", so its derivative is 0")};
    }

    DerivationStep step;
    step.rule = std::move(rule.name);
    step.before = ToText(node);
    step.after = ToText(derivative);
    step.before_latex = ToLatex(node);
    step.after_latex = ToLatex(derivative);
    step.depth = depth;
    step.explanation = absl::StrReplaceAll(rule.explanation, {{"d/dx", dv}});
    text_bytes += step.before.size() + step.after.size() +
                  step.before_latex.size() + step.after_latex.size() +
                  step.explanation.size();
    steps.push_back(std::move(step));

    if (!depends) continue;  // a constant part is not broken down
    for (auto it = node->args.rbegin(); it != node->args.rend(); ++it) {
      stack.push_back({&*it, depth + 1});
    }
  }
  return steps;
}

}  // namespace slope::calculus
