#include "CollectDiagnostics.h"
#include "lang/lex/Lexer.h"

#include <gtest/gtest.h>

using namespace ftp::lang;

namespace {

using Collect = ftp::lang::testing::CollectDiagnostics;

struct Lexed {
  std::vector<Token> tokens;
  std::vector<Diagnostic> diagnostics;
  SourceManager sources;
};

std::unique_ptr<Lexed> lex(const std::string &text) {
  auto out = std::make_unique<Lexed>();
  uint32_t f = out->sources.addBuffer("t.ftp", text);
  Collect collect;
  DiagnosticEngine engine(out->sources, collect);
  Lexer lexer(f, out->sources, engine);
  out->tokens = lexer.lexAll();
  out->diagnostics = collect.all;
  return out;
}

std::vector<TokenKind> kinds(const Lexed &l) {
  std::vector<TokenKind> k;
  for (const Token &t : l.tokens)
    k.push_back(t.kind);
  return k;
}

} // namespace

TEST(Lexer, StatementWithCall) {
  auto l = lex("optimizer adamw(lr: 5e-5, weight_decay: 0.01)\n");
  using K = TokenKind;
  EXPECT_EQ(kinds(*l), (std::vector<K>{K::Identifier, K::Identifier, K::LeftParen, K::Identifier,
                                       K::Colon, K::Float, K::Comma, K::Identifier, K::Colon,
                                       K::Float, K::RightParen, K::Newline, K::EndOfFile}));
  EXPECT_EQ(l->tokens[5].spelling, "5e-5");
  EXPECT_TRUE(l->diagnostics.empty());
}

TEST(Lexer, NumbersIntegersFloatsAndSeparators) {
  auto l = lex("1234 0.1 1e-5 2.5E+3 10_000");
  using K = TokenKind;
  EXPECT_EQ(kinds(*l), (std::vector<K>{K::Integer, K::Float, K::Float, K::Float, K::Integer,
                                       K::EndOfFile}));
  EXPECT_EQ(l->tokens[4].spelling, "10_000");
  EXPECT_TRUE(l->diagnostics.empty());
}

TEST(Lexer, DottedNamesAreThreeTokens) {
  auto l = lex("mail.train");
  using K = TokenKind;
  EXPECT_EQ(kinds(*l), (std::vector<K>{K::Identifier, K::Dot, K::Identifier, K::EndOfFile}));
}

TEST(Lexer, CommentsAreTokensWithoutTheNewline) {
  auto l = lex("seed 1 # fixed\n");
  ASSERT_EQ(l->tokens.size(), 5u);
  EXPECT_EQ(l->tokens[2].kind, TokenKind::Comment);
  EXPECT_EQ(l->tokens[2].spelling, "# fixed");
  EXPECT_EQ(l->tokens[3].kind, TokenKind::Newline);
}

TEST(Lexer, StringEscapes) {
  auto l = lex(R"("a\"b\\c\n\u{e9}")");
  ASSERT_EQ(l->tokens[0].kind, TokenKind::String);
  EXPECT_EQ(l->tokens[0].value, "a\"b\\c\n\xC3\xA9");
  EXPECT_TRUE(l->diagnostics.empty());
}

TEST(Lexer, UnterminatedStringIsReportedOnceAtTheQuote) {
  auto l = lex("x = \"abc\nnext");
  ASSERT_EQ(l->diagnostics.size(), 1u);
  EXPECT_EQ(l->diagnostics[0].kind, DiagKind::UnterminatedString);
  EXPECT_EQ(l->diagnostics[0].range.begin.offset, 4u);
  EXPECT_EQ(l->diagnostics[0].range.end.offset, 8u);
  // Lexing goes on after the error: the next line is still lexed.
  EXPECT_EQ(l->tokens[l->tokens.size() - 2].spelling, "next");
}

TEST(Lexer, BadEscapeAndBadUnicodeEscape) {
  auto l = lex(R"("\q \u{D800}")");
  ASSERT_EQ(l->diagnostics.size(), 2u);
  EXPECT_EQ(l->diagnostics[0].kind, DiagKind::InvalidEscape);
  EXPECT_EQ(l->diagnostics[0].message.find("unknown escape `\\q`"), 0u);
  EXPECT_EQ(l->diagnostics[1].kind, DiagKind::InvalidEscape);
}

TEST(Lexer, MalformedNumbers) {
  for (const char *text : {"12ab", "5e", "1__0", "10_"}) {
    auto l = lex(text);
    ASSERT_EQ(l->diagnostics.size(), 1u) << text;
    EXPECT_EQ(l->diagnostics[0].kind, DiagKind::InvalidNumber) << text;
    EXPECT_EQ(l->tokens[0].kind, TokenKind::Invalid) << text;
    EXPECT_EQ(l->tokens[1].kind, TokenKind::EndOfFile) << text;
  }
}

TEST(Lexer, UnexpectedCharactersAreReportedEachAndSkipped) {
  auto l = lex("a $ b \xE2\x80\x9C c");
  ASSERT_EQ(l->diagnostics.size(), 2u);
  EXPECT_EQ(l->diagnostics[0].message, "unexpected character `$`");
  EXPECT_EQ(l->diagnostics[1].message, "unexpected character `\xE2\x80\x9C`");
  EXPECT_EQ(l->tokens[4].spelling, "c");
}

TEST(Lexer, InvalidUtf8IsReportedWithTheByte) {
  auto l = lex("# comment \xFF\nx \xC3");
  ASSERT_EQ(l->diagnostics.size(), 2u);
  EXPECT_EQ(l->diagnostics[0].kind, DiagKind::InvalidUtf8);
  EXPECT_EQ(l->diagnostics[0].message.find("invalid UTF-8 byte 0xFF"), 0u);
  EXPECT_EQ(l->diagnostics[1].range.begin.offset, 14u);
}

TEST(Lexer, OverlongAndSurrogateEncodingsAreInvalid) {
  for (const char *text : {"\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\""}) {
    auto l = lex(text);
    ASSERT_FALSE(l->diagnostics.empty()) << text;
    EXPECT_EQ(l->diagnostics[0].kind, DiagKind::InvalidUtf8);
  }
}

TEST(Lexer, ControlCharacterShownAsCodePoint) {
  auto l = lex(std::string("a\0b", 3));
  ASSERT_EQ(l->diagnostics.size(), 1u);
  EXPECT_EQ(l->diagnostics[0].message, "unexpected character `U+0000`");
}

TEST(Lexer, ByteOrderMarkIsSkipped) {
  auto l = lex("\xEF\xBB\xBFx");
  EXPECT_TRUE(l->diagnostics.empty());
  EXPECT_EQ(l->tokens[0].spelling, "x");
}
