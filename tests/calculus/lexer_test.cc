// The lexer decides number syntax, positions and byte-level errors; the
// parser trusts it for all three.
#include "server/calculus/lexer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace slope::calculus {
namespace {

std::vector<TokenKind> Kinds(const std::vector<Token>& tokens) {
  std::vector<TokenKind> kinds;
  for (const Token& t : tokens) kinds.push_back(t.kind);
  return kinds;
}

std::string ErrorOf(std::string_view text) {
  std::vector<Token> t = Tokenize(text);
  EXPECT_EQ(t.back().kind, TokenKind::kError) << text;
  EXPECT_EQ(t.back().error.code(), absl::StatusCode::kInvalidArgument);
  return std::string(t.back().error.message());
}

TEST(LexerTest, OperatorsAndPositions) {
  std::vector<Token> t = Tokenize("a+b -c*d/e^f(g, h)");
  using K = TokenKind;
  EXPECT_EQ(Kinds(t),
            (std::vector<K>{K::kIdentifier, K::kPlus, K::kIdentifier,
                            K::kMinus, K::kIdentifier, K::kStar,
                            K::kIdentifier, K::kSlash, K::kIdentifier,
                            K::kCaret, K::kIdentifier, K::kLeftParen,
                            K::kIdentifier, K::kComma, K::kIdentifier,
                            K::kRightParen, K::kEnd}));
  EXPECT_EQ(t[3].pos.column, 5u);
  EXPECT_EQ(t[4].pos.column, 6u);
  EXPECT_EQ(t[16].pos.column, 19u);  // the end, one past the last character
}

TEST(LexerTest, LinesAndColumns) {
  std::vector<Token> t = Tokenize("x\n  + y\r\n\ty");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[1].pos.line, 2u);
  EXPECT_EQ(t[1].pos.column, 3u);
  EXPECT_EQ(t[2].pos.column, 5u);
  EXPECT_EQ(t[3].pos.line, 3u);
  EXPECT_EQ(t[3].pos.column, 2u);
}

TEST(LexerTest, ColumnsCountCodePointsNotBytes) {
  // Each no-break space is two bytes but one column.
  std::vector<Token> t = Tokenize("x\u00a0+\u00a0y\u3000*");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[1].pos.column, 3u);
  EXPECT_EQ(t[2].pos.column, 5u);
  EXPECT_EQ(t[3].pos.column, 7u);
  EXPECT_EQ(ErrorOf("x\u00a0\u00a0é"), "1:4: unexpected character 'é'");
  EXPECT_EQ(ErrorOf("\u3000\u2009\u202f\xff"),
            "1:4: invalid UTF-8 byte 0xFF");
}

TEST(LexerTest, Numbers) {
  struct Case {
    const char* text;
    double value;
  } cases[] = {{"3", 3},          {"2.5", 2.5},   {"1e-3", 1e-3},
               {".5", 0.5},       {"1E+2", 100},  {"0.1", 0.1},
               {"5.", 5},         {"007", 7},     {"1e-400", 0},
               {"1.7976931348623157e308", 1.7976931348623157e308}};
  for (const Case& c : cases) {
    std::vector<Token> t = Tokenize(c.text);
    ASSERT_EQ(t.size(), 2u) << c.text;
    EXPECT_EQ(t[0].kind, TokenKind::kNumber) << c.text;
    EXPECT_EQ(t[0].value, c.value) << c.text;
    EXPECT_EQ(t[0].text, c.text);
  }
}

TEST(LexerTest, ExponentNeedsDigits) {
  // "2e" is the number 2 followed by the identifier e, as is "2ex".
  std::vector<Token> t = Tokenize("2e");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].kind, TokenKind::kNumber);
  EXPECT_EQ(t[0].value, 2);
  EXPECT_EQ(t[1].kind, TokenKind::kIdentifier);
  EXPECT_EQ(t[1].text, "e");
  t = Tokenize("2e+");
  EXPECT_EQ(t[1].text, "e");
  EXPECT_EQ(t[2].kind, TokenKind::kPlus);
}

TEST(LexerTest, Identifiers) {
  std::vector<Token> t = Tokenize("_a1 b_2c");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].text, "_a1");
  EXPECT_EQ(t[1].text, "b_2c");
}

TEST(LexerTest, StarStarIsOneToken) {
  std::vector<Token> t = Tokenize("x**2");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[1].kind, TokenKind::kStarStar);
  EXPECT_EQ(t[1].pos.column, 2u);
}

TEST(LexerTest, Errors) {
  EXPECT_EQ(ErrorOf("x+é"), "1:3: unexpected character 'é'");
  EXPECT_EQ(ErrorOf("x\n  é"), "2:3: unexpected character 'é'");
  EXPECT_EQ(ErrorOf("x $"), "1:3: unexpected character '$'");
  EXPECT_EQ(ErrorOf("2×x"), "1:2: unexpected character '×' (write '*')");
  EXPECT_EQ(ErrorOf("x−1"), "1:2: unexpected character '−' (write '-')");
  EXPECT_EQ(ErrorOf("x²"), "1:2: unexpected character '²' (write '^2')");
  EXPECT_EQ(ErrorOf("2π"), "1:2: unexpected character 'π' (write 'pi')");
  EXPECT_EQ(ErrorOf("x\x01"), "1:2: unexpected control character U+0001");
  EXPECT_EQ(ErrorOf("1.2.3"), "1:1: malformed number '1.2.3'");
  EXPECT_EQ(ErrorOf("x+1e999"), "1:3: number '1e999' is out of range");
}

TEST(LexerTest, InvalidUtf8) {
  EXPECT_EQ(ErrorOf("x\xff"), "1:2: invalid UTF-8 byte 0xFF");
  EXPECT_EQ(ErrorOf("\x80"), "1:1: invalid UTF-8 byte 0x80");        // lone
  EXPECT_EQ(ErrorOf("ab\xC3"), "1:3: invalid UTF-8 byte 0xC3");      // cut
  EXPECT_EQ(ErrorOf("\xC0\xAF"), "1:1: invalid UTF-8 byte 0xC0");    // overlong
  EXPECT_EQ(ErrorOf("\xE0\x80\xAF"), "1:1: invalid UTF-8 byte 0xE0");
  EXPECT_EQ(ErrorOf("\xED\xA0\x80"), "1:1: invalid UTF-8 byte 0xED");  // UTF-16 surrogate
  EXPECT_EQ(ErrorOf("\xF4\x90\x80\x80"), "1:1: invalid UTF-8 byte 0xF4");
}

TEST(LexerTest, ErrorEndsTheTokens) {
  std::vector<Token> t = Tokenize("x + é + y");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[2].kind, TokenKind::kError);
}

}  // namespace
}  // namespace slope::calculus
