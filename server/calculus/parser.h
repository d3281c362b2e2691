// Turns expression text into a syntax tree, with every error located and
// every cost bounded, because the text comes straight from untrusted clients.
//
// Grammar, loosest binding first:
//   expression := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := ('-' | '+') unary | power
//   power      := primary ('^' exponent)?        right-associative
//   exponent   := ('-' | '+') exponent | power   so x^-2 is allowed
//   primary    := number | constant | variable | name '(' args ')'
//               | '(' expression ')'
// So 2^3^2 = 2^(3^2) and -x^2 = -(x^2). The constants pi and e become kNumber
// nodes; unary plus produces no node.
#ifndef SLOPE_SERVER_CALCULUS_PARSER_H_
#define SLOPE_SERVER_CALCULUS_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "server/calculus/ast.h"
#include "server/calculus/limits.h"

namespace slope::calculus {

// Parses `text`. Errors:
//  * INVALID_ARGUMENT for malformed text, the message starting with the
//    1-based "line:column" (columns in code points) of the problem, e.g.
//    "1:5: unexpected '*'", "1:9: unknown function 'sni' (did you mean
//    'sin'?)", "1:4: sin takes 1 argument, got 2" (at the call's "(" ),
//    "1:1: empty expression",
//    or "unbalanced '(' opened at 1:3";
//  * RESOURCE_EXHAUSTED when `limits` are exceeded, naming the limit, e.g.
//    "expression is 70000 bytes; the limit is 65536" or "expression nests
//    deeper than 256 levels (at 1:257)".
// limits.max_depth is capped at 1000 (the parser recurses per level), so a
// misconfigured limit cannot let a client exhaust the stack.
// The returned tree is at most limits.max_depth operator levels deep (a leaf
// is level 0), so recursive walks over it are bounded; it has at most
// limits.max_nodes nodes and limits.max_variables distinct variables.
absl::StatusOr<NodePtr> Parse(std::string_view text,
                              const ExpressionLimits& limits = {});

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_PARSER_H_
