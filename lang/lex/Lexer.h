//===- Lexer.h - hand-written lexer for .ftp files ------------------------------===//
//
// Turns one source buffer into tokens. Newlines are tokens (they end statements), comments are
// tokens too so that `ftpc fmt` keeps them; the parser skips them. Errors are reported through the
// diagnostics engine and lexing continues, so a file with several bad characters reports all.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/Diagnostic.h"
#include "lang/lex/Token.h"

#include <vector>

namespace ftp::lang {

class Lexer {
public:
  Lexer(uint32_t file, const SourceManager &sources, DiagnosticEngine &diagnostics);

  Token next();

  /// Lexes the whole buffer; the last token is EndOfFile.
  std::vector<Token> lexAll();

private:
  Token make(TokenKind kind, uint32_t begin);
  Token lexIdentifier(uint32_t begin);
  Token lexNumber(uint32_t begin);
  Token lexString(uint32_t begin);
  Token lexComment(uint32_t begin);
  /// Validates one UTF-8 sequence at pos_; returns its length, or 0 (after reporting) if invalid.
  uint32_t utf8Length(uint32_t at, bool report);
  SourceLoc loc(uint32_t offset) const { return {file_, offset}; }

  uint32_t file_;
  std::string_view text_;
  DiagnosticEngine &diagnostics_;
  uint32_t pos_ = 0;
};

} // namespace ftp::lang
