#include "server/calculus/parser.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/calculus/lexer.h"
#include "server/calculus/string_view_compat.h"

namespace slope::calculus {
namespace {

// Optimal-string-alignment distance (edits plus adjacent swaps), so that
// the common typo "sni" is one edit from "sin".
int EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// The function name closest to `name`, if it is close enough to be a typo.
const FunctionSpec* Suggest(std::string_view name) {
  if (name.size() > 32) return nullptr;  // keeps the table O(small)
  const int allowed = name.size() >= 5 ? 2 : 1;
  const FunctionSpec* best = nullptr;
  int best_distance = allowed + 1;
  for (const FunctionSpec& spec : AllFunctions()) {
    int distance = EditDistance(name, spec.name);
    if (distance < best_distance) {
      best = &spec;
      best_distance = distance;
    }
  }
  return best;
}

bool StartsOperand(TokenKind kind) {
  return kind == TokenKind::kNumber || kind == TokenKind::kIdentifier ||
         kind == TokenKind::kLeftParen;
}

// A subtree and its depth in operator levels, so that depth is checked as
// the tree grows rather than by a second walk.
struct Parsed {
  NodePtr node;
  int depth = 0;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ExpressionLimits& limits)
      : tokens_(std::move(tokens)), limits_(limits) {}

  absl::StatusOr<NodePtr> Run() {
    if (Peek().kind == TokenKind::kEnd) {
      return absl::InvalidArgumentError("1:1: empty expression");
    }
    absl::StatusOr<Parsed> parsed = Expression();
    if (!parsed.ok()) return parsed.status();
    if (Peek().kind != TokenKind::kEnd) return AfterOperand(Peek());
    return std::move(parsed->node);
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  const Token& Advance() {
    const Token& token = tokens_[next_];
    if (next_ + 1 < tokens_.size()) ++next_;
    return token;
  }

  static absl::Status Error(SourcePos pos, absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(FormatPos(pos), ": ", message));
  }

  absl::Status TooDeep(SourcePos pos) const {
    return absl::ResourceExhaustedError(
        absl::StrCat("expression nests deeper than ", limits_.max_depth,
                     " levels (at ", FormatPos(pos), ")"));
  }

  // Where an operand was expected but `token` came.
  absl::Status ExpectedOperand(const Token& token) const {
    switch (token.kind) {
      case TokenKind::kError: return token.error;
      case TokenKind::kEnd:
        return Error(token.pos, "unexpected end of expression");
      case TokenKind::kStarStar:
        return Error(token.pos, "unexpected '**' (write '^' for powers)");
      default:
        return Error(token.pos, absl::StrCat("unexpected '", Absl(token.text), "'"));
    }
  }

  // Where an operator, ')' , ',' or the end was expected but `token` came.
  absl::Status AfterOperand(const Token& token) const {
    if (token.kind == TokenKind::kError) return token.error;
    if (token.kind == TokenKind::kStarStar) {
      return Error(token.pos, "unexpected '**' (write '^' for powers)");
    }
    if (StartsOperand(token.kind)) {
      return Error(token.pos, absl::StrCat("unexpected '", Absl(token.text),
                                           "' (write '*' to multiply)"));
    }
    return Error(token.pos, absl::StrCat("unexpected '", Absl(token.text), "'"));
  }

  // Enters one level of recursion (parenthesis, call, unary operator or
  // exponent), failing once the nesting limit is passed.
  absl::Status Enter(SourcePos pos) {
    if (++nesting_ > limits_.max_depth) return TooDeep(pos);
    return absl::OkStatus();
  }
  void Leave() { --nesting_; }

  absl::StatusOr<Parsed> Build(NodePtr node, int depth, SourcePos pos) {
    if (depth > limits_.max_depth) return TooDeep(pos);
    if (++nodes_ > limits_.max_nodes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("expression has more than ", limits_.max_nodes,
                       " nodes (at ", FormatPos(pos), ")"));
    }
    return Parsed{std::move(node), depth};
  }

  absl::StatusOr<Parsed> Binary(NodeKind kind, Parsed lhs, Parsed rhs,
                                SourcePos pos) {
    int depth = std::max(lhs.depth, rhs.depth) + 1;
    return Build(MakeBinary(kind, std::move(lhs.node), std::move(rhs.node), pos),
                 depth, pos);
  }

  absl::StatusOr<Parsed> Expression() {
    absl::StatusOr<Parsed> lhs = Term();
    if (!lhs.ok()) return lhs;
    while (Peek().kind == TokenKind::kPlus ||
           Peek().kind == TokenKind::kMinus) {
      const Token& op = Advance();
      NodeKind kind =
          op.kind == TokenKind::kPlus ? NodeKind::kAdd : NodeKind::kSubtract;
      absl::StatusOr<Parsed> rhs = Term();
      if (!rhs.ok()) return rhs;
      lhs = Binary(kind, *std::move(lhs), *std::move(rhs), op.pos);
      if (!lhs.ok()) return lhs;
    }
    return lhs;
  }

  absl::StatusOr<Parsed> Term() {
    absl::StatusOr<Parsed> lhs = Unary();
    if (!lhs.ok()) return lhs;
    while (Peek().kind == TokenKind::kStar ||
           Peek().kind == TokenKind::kSlash) {
      const Token& op = Advance();
      NodeKind kind =
          op.kind == TokenKind::kStar ? NodeKind::kMultiply : NodeKind::kDivide;
      absl::StatusOr<Parsed> rhs = Unary();
      if (!rhs.ok()) return rhs;
      lhs = Binary(kind, *std::move(lhs), *std::move(rhs), op.pos);
      if (!lhs.ok()) return lhs;
    }
    return lhs;
  }

  // unary := ('-' | '+') unary | power. The exponent rule of the grammar is
  // the same production, so Power() calls this for its right operand.
  absl::StatusOr<Parsed> Unary() {
    const Token& op = Peek();
    if (op.kind != TokenKind::kMinus && op.kind != TokenKind::kPlus) {
      return Power();
    }
    Advance();
    if (absl::Status s = Enter(op.pos); !s.ok()) return s;
    absl::StatusOr<Parsed> operand = Unary();
    Leave();
    if (!operand.ok() || op.kind == TokenKind::kPlus) return operand;
    return Build(MakeUnary(NodeKind::kNegate, std::move(operand->node), op.pos),
                 operand->depth + 1, op.pos);
  }

  absl::StatusOr<Parsed> Power() {
    absl::StatusOr<Parsed> base = Primary();
    if (!base.ok() || Peek().kind != TokenKind::kCaret) return base;
    const Token& op = Advance();
    if (absl::Status s = Enter(op.pos); !s.ok()) return s;
    absl::StatusOr<Parsed> exponent = Unary();  // right-assoc, allows x^-2
    Leave();
    if (!exponent.ok()) return exponent;
    return Binary(NodeKind::kPower, *std::move(base), *std::move(exponent),
                  op.pos);
  }

  absl::StatusOr<Parsed> Primary() {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kNumber:
        Advance();
        return Build(MakeNumber(token.value, token.pos), 0, token.pos);
      case TokenKind::kIdentifier:
        Advance();
        return Name(token);
      case TokenKind::kLeftParen: {
        Advance();
        if (absl::Status s = Enter(token.pos); !s.ok()) return s;
        absl::StatusOr<Parsed> inner = Expression();
        Leave();
        if (!inner.ok()) return inner;
        if (absl::Status s = Close(token); !s.ok()) return s;
        return inner;
      }
      default:
        return ExpectedOperand(token);
    }
  }

  // Consumes the ')' matching `open`.
  absl::Status Close(const Token& open) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kRightParen) {
      Advance();
      return absl::OkStatus();
    }
    if (token.kind == TokenKind::kEnd) {
      return absl::InvalidArgumentError(
          absl::StrCat("unbalanced '(' opened at ", FormatPos(open.pos)));
    }
    return AfterOperand(token);
  }

  absl::StatusOr<Parsed> Name(const Token& name) {
    const bool called = Peek().kind == TokenKind::kLeftParen;
    const FunctionSpec* spec = FindFunction(name.text);
    double constant = 0;
    if (FindConstant(name.text, &constant)) {
      if (called) {
        return Error(name.pos, absl::StrCat(Absl(name.text),
                                            " is a constant, not a function"));
      }
      return Build(MakeNumber(constant, name.pos), 0, name.pos);
    }
    if (!called) {
      if (spec != nullptr) {
        return Error(name.pos, absl::StrCat(Absl(name.text), " is a function: write ",
                                            Absl(name.text), "(...)"));
      }
      return Variable(name);
    }
    if (spec == nullptr) {
      const FunctionSpec* suggestion = Suggest(name.text);
      std::string message =
          absl::StrCat("unknown function '", Absl(name.text), "'");
      if (suggestion != nullptr) {
        absl::StrAppend(&message, " (did you mean '", Absl(suggestion->name), "'?)");
      }
      return Error(name.pos, message);
    }
    return Call(name, *spec);
  }

  absl::StatusOr<Parsed> Variable(const Token& name) {
    if (!variables_.contains(name.text)) {
      if (static_cast<int>(variables_.size()) >= limits_.max_variables) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "expression uses more than ", limits_.max_variables,
            " variables (at ", FormatPos(name.pos), ")"));
      }
      variables_.insert(name.text);
    }
    return Build(MakeVariable(std::string(name.text), name.pos), 0, name.pos);
  }

  absl::StatusOr<Parsed> Call(const Token& name, const FunctionSpec& spec) {
    const Token& open = Advance();
    if (absl::Status s = Enter(open.pos); !s.ok()) return s;
    std::vector<NodePtr> args;
    int depth = 0;
    if (Peek().kind != TokenKind::kRightParen) {
      while (true) {
        absl::StatusOr<Parsed> arg = Expression();
        if (!arg.ok()) return arg;
        depth = std::max(depth, arg->depth);
        args.push_back(std::move(arg->node));
        if (Peek().kind != TokenKind::kComma) break;
        Advance();
      }
    }
    Leave();
    if (absl::Status s = Close(open); !s.ok()) return s;
    if (static_cast<int>(args.size()) != spec.arity) {
      return Error(open.pos,
                   absl::StrCat(Absl(spec.name), " takes ", spec.arity,
                                spec.arity == 1 ? " argument" : " arguments",
                                ", got ", args.size()));
    }
    return Build(MakeCall(spec.id, std::move(args), name.pos), depth + 1,
                 name.pos);
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  const ExpressionLimits& limits_;
  int nesting_ = 0;
  int nodes_ = 0;
  absl::flat_hash_set<std::string_view> variables_;
};

}  // namespace

absl::StatusOr<NodePtr> Parse(std::string_view text,
                              const ExpressionLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("expression is ", text.size(), " bytes; the limit is ",
                     limits.max_bytes));
  }
  // The parser recurses a few frames per level; whatever a server is
  // configured with, never let a client drive it deeper than this.
  constexpr int kMaxSupportedDepth = 1000;
  ExpressionLimits bounded = limits;
  bounded.max_depth = std::min(limits.max_depth, kMaxSupportedDepth);
  return Parser(Tokenize(text), bounded).Run();
}

}  // namespace slope::calculus
