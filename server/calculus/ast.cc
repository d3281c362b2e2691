// Node constructors and the one generic walk every caller needs.
#include "server/calculus/ast.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"

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

int TreeDepth(const NodePtr& root) {
  if (root == nullptr) return 0;
  // Post-order with memoization by node, so that trees sharing subtrees
  // (as derivatives do) cost time linear in distinct nodes.
  absl::flat_hash_map<const Node*, int> depth_of;
  std::vector<std::pair<const Node*, bool>> stack = {{root.get(), false}};
  while (!stack.empty()) {
    auto [node, children_done] = stack.back();
    stack.pop_back();
    if (depth_of.contains(node)) continue;
    if (children_done) {
      int depth = 0;
      for (const NodePtr& arg : node->args) {
        depth = std::max(depth, depth_of[arg.get()] + 1);
      }
      depth_of[node] = depth;
      continue;
    }
    stack.push_back({node, true});
    for (const NodePtr& arg : node->args) {
      if (!depth_of.contains(arg.get())) stack.push_back({arg.get(), false});
    }
  }
  return depth_of[root.get()];
}

int64_t TreeSize(const NodePtr& root, int64_t stop_after) {
  if (root == nullptr) return 0;
  int64_t count = 0;
  std::vector<const Node*> stack = {root.get()};
  while (!stack.empty() && count <= stop_after) {
    const Node* node = stack.back();
    stack.pop_back();
    ++count;
    for (const NodePtr& arg : node->args) stack.push_back(arg.get());
  }
  return count;
}

}  // namespace slope::calculus
