//===- Token.h - tokens of the .ftp language ------------------------------------===//
#pragma once

#include "lang/diag/SourceManager.h"

#include <string>
#include <string_view>

namespace ftp::lang {

enum class TokenKind : uint8_t {
#define TOKEN(Name, Description) Name,
#include "lang/lex/TokenKinds.def"
};

/// "identifier", "`{`", ... for messages.
const char *tokenKindDescription(TokenKind kind);
/// "Identifier", "LeftBrace", ... for --emit=tokens.
const char *tokenKindName(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::Invalid;
  SourceRange range;
  std::string_view spelling; // the exact source text
  std::string value;         // strings: the unescaped contents; otherwise empty
  bool malformed = false;    // the lexer reported an error inside it (kind Invalid, or a string)

  bool is(TokenKind k) const { return kind == k; }
  bool isIdentifier(std::string_view name) const {
    return kind == TokenKind::Identifier && spelling == name;
  }
};

} // namespace ftp::lang
