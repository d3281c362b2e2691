// Splits expression text into tokens. Kept apart from the parser so that the
// byte-level concerns (UTF-8 decoding, code-point columns, number syntax)
// live in one place and the parser only sees clean tokens with positions.
#ifndef SLOPE_SERVER_CALCULUS_LEXER_H_
#define SLOPE_SERVER_CALCULUS_LEXER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/calculus/ast.h"

namespace slope::calculus {

enum class TokenKind : uint8_t {
  kNumber,
  kIdentifier,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kCaret,
  kStarStar,  // "**": not an operator here; kept so the parser can hint '^'
  kLeftParen,
  kRightParen,
  kComma,
  kEnd,    // after the last token
  kError,  // a lexical error; `error` says what, and no tokens follow
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // the source bytes of the token
  double value = 0;       // kNumber
  SourcePos pos;
  absl::Status error;  // kError only
};

// Tokenizes `text`. Whitespace is ' ', '\t', '\r', '\n' and the Unicode
// no-break, thin, narrow no-break and ideographic spaces; any other
// non-ASCII character is an error. Never fails as such: the token list
// always ends in exactly one kEnd or kError token, so errors are reported in
// source order together with parse errors. Lexical errors are
// INVALID_ARGUMENT with messages such as "1:3: unexpected character 'é'".
// The returned tokens point into `text`, which must outlive them.
std::vector<Token> Tokenize(std::string_view text);

// "line:column" as used at the start of every positional error message.
std::string FormatPos(SourcePos pos);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_LEXER_H_
