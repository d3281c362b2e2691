// Node constructors and the one generic walk every caller needs.
#include "server/calculus/ast.h"

#include <algorithm>
#include <utility>

namespace slope::calculus {

NodePtr MakeNumber(double value, SourcePos pos) {
  auto node = std::make_shared<Node>();
  node->kind = NodeKind::kNumber;
  node->value = value;
  node->pos = pos;
  return node;
}

NodePtr MakeVariable(std::string name, SourcePos pos) {
  auto node = std::make_shared<Node>();
  node->kind = NodeKind::kVariable;
  node->name = std::move(name);
  node->pos = pos;
  return node;
}

NodePtr MakeUnary(NodeKind kind, NodePtr operand, SourcePos pos) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->args.push_back(std::move(operand));
  node->pos = pos;
  return node;
}

NodePtr MakeBinary(NodeKind kind, NodePtr lhs, NodePtr rhs, SourcePos pos) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->args.reserve(2);
  node->args.push_back(std::move(lhs));
  node->args.push_back(std::move(rhs));
  node->pos = pos;
  return node;
}

NodePtr MakeCall(Function function, std::vector<NodePtr> args,
                 SourcePos pos) {
  auto node = std::make_shared<Node>();
  node->kind = NodeKind::kCall;
  node->function = function;
  node->args = std::move(args);
  node->pos = pos;
  return node;
}

std::vector<std::string> CollectVariables(const NodePtr& root) {
  std::vector<std::string> names;
  if (root == nullptr) return names;
  std::vector<const Node*> stack = {root.get()};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (node->kind == NodeKind::kVariable) names.push_back(node->name);
    for (const NodePtr& arg : node->args) stack.push_back(arg.get());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace slope::calculus
