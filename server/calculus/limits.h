// Bounds on what an untrusted expression may cost. Every size, depth and
// count that comes from a client is checked against one of these.
#ifndef SLOPE_SERVER_CALCULUS_LIMITS_H_
#define SLOPE_SERVER_CALCULUS_LIMITS_H_

#include <cstddef>

namespace slope::calculus {

struct ExpressionLimits {
  size_t max_bytes = 64 * 1024;  // length of the source text
  int max_depth = 256;           // nesting of parentheses, calls, operators
  int max_nodes = 100000;        // syntax-tree nodes
  int max_variables = 1000;      // distinct variable names
};

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_LIMITS_H_
