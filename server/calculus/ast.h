// The syntax tree of an expression: immutable nodes shared by pointer, so a
// derivative can reuse the subtrees of the expression it came from.
#ifndef SLOPE_SERVER_CALCULUS_AST_H_
#define SLOPE_SERVER_CALCULUS_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/calculus/functions.h"

namespace slope::calculus {

// A place in the source text: 1-based line and column, columns counted in
// Unicode code points. {0, 0} marks a node that has no source (one made by
// differentiation or simplification).
struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
  bool known() const { return line != 0; }
};

enum class NodeKind : uint8_t {
  kNumber,    // value
  kVariable,  // name
  kNegate,    // -args[0]
  kAdd,       // args[0] + args[1]
  kSubtract,  // args[0] - args[1]
  kMultiply,  // args[0] * args[1]
  kDivide,    // args[0] / args[1]
  kPower,     // args[0] ^ args[1]
  kCall,      // function(args...)
};

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Node {
  NodeKind kind = NodeKind::kNumber;
  double value = 0;     // kNumber
  std::string name;     // kVariable
  Function function{};  // kCall
  std::vector<NodePtr> args;
  SourcePos pos;
};

// Constructors for nodes; every module builds trees through these.
NodePtr MakeNumber(double value, SourcePos pos = {});
NodePtr MakeVariable(std::string name, SourcePos pos = {});
NodePtr MakeUnary(NodeKind kind, NodePtr operand, SourcePos pos = {});
NodePtr MakeBinary(NodeKind kind, NodePtr lhs, NodePtr rhs, SourcePos pos = {});
NodePtr MakeCall(Function function, std::vector<NodePtr> args,
                 SourcePos pos = {});

// The distinct variable names used in `root`, sorted. Walks the tree with an
// explicit stack, so it is safe on any depth.
std::vector<std::string> CollectVariables(const NodePtr& root);

// The depth of a tree in operator levels (a leaf is 0). Iterative, so safe
// on trees of any depth.
int TreeDepth(const NodePtr& root);

// The number of nodes of a tree, counting a shared subtree once per use (as
// a printer or evaluator would visit it). Stops early and returns a value
// greater than `stop_after` once the count passes it, so it is cheap on
// huge shared trees.
int64_t TreeSize(const NodePtr& root, int64_t stop_after);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_AST_H_
