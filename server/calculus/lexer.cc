#include "server/calculus/lexer.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/calculus/string_view_compat.h"

namespace slope::calculus {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

// Decodes one UTF-8 sequence at text[i]. Returns its length in bytes, or 0
// if it is malformed (bad lead byte, truncated, overlong, surrogate or
// beyond U+10FFFF).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  unsigned char lead = byte(i);
  size_t length;
  uint32_t cp;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[length] || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  *code_point = cp;
  return length;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpace();
      Token token = Next();
      TokenKind kind = token.kind;
      tokens.push_back(std::move(token));
      if (kind == TokenKind::kEnd || kind == TokenKind::kError) break;
    }
    return tokens;
  }

 private:
  SourcePos Here() const { return SourcePos{line_, column_}; }

  void SkipSpace() {
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++column_;
      } else {
        // Spaces pasted from documents: no-break, thin, narrow no-break and
        // ideographic spaces count as one column each, like ' '.
        uint32_t cp = 0;
        size_t length = DecodeUtf8(text_, i_, &cp);
        if (length > 1 && (cp == 0x00A0 || cp == 0x2009 || cp == 0x202F ||
                           cp == 0x3000)) {
          ++column_;
          i_ += length;
          continue;
        }
        break;
      }
      ++i_;
    }
  }

  Token Make(TokenKind kind, size_t length) {
    Token token;
    token.kind = kind;
    token.text = text_.substr(i_, length);
    token.pos = Here();
    i_ += length;
    column_ += static_cast<uint32_t>(length);  // ASCII only
    return token;
  }

  Token Error(SourcePos pos, std::string message) {
    Token token;
    token.kind = TokenKind::kError;
    token.pos = pos;
    token.error = absl::InvalidArgumentError(
        absl::StrCat(FormatPos(pos), ": ", message));
    return token;
  }

  Token Next() {
    if (i_ >= text_.size()) return Make(TokenKind::kEnd, 0);
    char c = text_[i_];
    switch (c) {
      case '+': return Make(TokenKind::kPlus, 1);
      case '-': return Make(TokenKind::kMinus, 1);
      case '/': return Make(TokenKind::kSlash, 1);
      case '^': return Make(TokenKind::kCaret, 1);
      case '(': return Make(TokenKind::kLeftParen, 1);
      case ')': return Make(TokenKind::kRightParen, 1);
      case ',': return Make(TokenKind::kComma, 1);
      case '*':
        if (i_ + 1 < text_.size() && text_[i_ + 1] == '*') {
          return Make(TokenKind::kStarStar, 2);
        }
        return Make(TokenKind::kStar, 1);
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && i_ + 1 < text_.size() &&
                       IsDigit(text_[i_ + 1]))) {
      return Number();
    }
    if (IsIdentStart(c)) {
      size_t end = i_ + 1;
      while (end < text_.size() && IsIdentChar(text_[end])) ++end;
      return Make(TokenKind::kIdentifier, end - i_);
    }
    uint32_t cp = 0;
    size_t length = DecodeUtf8(text_, i_, &cp);
    if (length == 0) {
      return Error(Here(),
                   absl::StrFormat("invalid UTF-8 byte 0x%02X",
                                   static_cast<unsigned char>(c)));
    }
    if (cp < 0x20 || cp == 0x7F) {
      return Error(Here(), absl::StrFormat("unexpected control character "
                                           "U+%04X", cp));
    }
    std::string shown(text_.substr(i_, length));
    std::string hint;
    switch (cp) {
      case 0x2212: hint = " (write '-')"; break;  // minus sign
      case 0x00D7:                                // multiplication sign
      case 0x00B7:                                // middle dot
      case 0x22C5: hint = " (write '*')"; break;  // dot operator
      case 0x00F7: hint = " (write '/')"; break;  // division sign
      case 0x00B2: hint = " (write '^2')"; break;  // superscript two
      case 0x00B3: hint = " (write '^3')"; break;  // superscript three
      case 0x03C0: hint = " (write 'pi')"; break;  // greek small pi
      default: break;
    }
    return Error(Here(),
                 absl::StrCat("unexpected character '", shown, "'", hint));
  }

  // digits [. digits] [(e|E) [+|-] digits], or . digits [exponent]. An 'e'
  // not followed by digits is not part of the number, so "2e" lexes as the
  // number 2 and the identifier e (which the parser then rejects as an
  // implicit multiplication).
  Token Number() {
    size_t end = i_;
    while (end < text_.size() && IsDigit(text_[end])) ++end;
    if (end < text_.size() && text_[end] == '.') {
      ++end;
      while (end < text_.size() && IsDigit(text_[end])) ++end;
    }
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
      size_t k = end + 1;
      if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
      if (k < text_.size() && IsDigit(text_[k])) {
        while (k < text_.size() && IsDigit(text_[k])) ++k;
        end = k;
      }
    }
    SourcePos pos = Here();
    if (end < text_.size() && text_[end] == '.') {
      size_t bad_end = end;
      while (bad_end < text_.size() &&
             (IsIdentChar(text_[bad_end]) || text_[bad_end] == '.')) {
        ++bad_end;
      }
      return Error(pos, absl::StrCat("malformed number '",
                                     Absl(text_.substr(i_, bad_end - i_)),
                                     "'"));
    }
    Token token = Make(TokenKind::kNumber, end - i_);
    if (!absl::SimpleAtod(Absl(token.text), &token.value) ||
        std::isinf(token.value)) {
      return Error(pos, absl::StrCat("number '", Absl(token.text),
                                     "' is out of range"));
    }
    return token;
  }

  std::string_view text_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

}  // namespace

std::string FormatPos(SourcePos pos) {
  return absl::StrCat(pos.line, ":", pos.column);
}

std::vector<Token> Tokenize(std::string_view text) {
  return Lexer(text).Run();
}

}  // namespace slope::calculus
