//===- Parser.h - recursive-descent parser for .ftp files -----------------------===//
//
// Builds the AST from the lexer's tokens. Errors are reported through the diagnostics engine and
// the parser recovers at the next statement boundary (end of line, `;` or the closing `}` of the
// current block), so one run reports every independent mistake. Tokens the lexer already rejected
// are skipped silently: one mistake, one message.
//
// The grammar is in docs/language.md. The parser is split by construct: Parser.cpp (tokens,
// recovery, the file and its sections), ParseStmt.cpp (statements), ParseExpr.cpp (expressions).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/ast/AST.h"
#include "lang/diag/Diagnostic.h"
#include "lang/lex/Token.h"

#include <set>
#include <vector>

namespace ftp::lang {

/// The language version this ftpc reads.
inline constexpr const char *kLanguageVersion = "0.1";

class Parser {
public:
  Parser(uint32_t file, const SourceManager &sources, DiagnosticEngine &diagnostics);

  /// Parses the whole file. The result is always a tree, possibly partial after errors.
  File parseFile();

  /// Parses a `--set` override, `name{.name} = value{, value}`, which is the whole buffer.
  bool parseOverride(std::vector<Name> &path, std::vector<Arg> &args);

private:
  // --- tokens (Parser.cpp) ---
  const Token &peek(size_t ahead = 0) const;
  const Token &advance();
  bool at(TokenKind kind) const { return peek().kind == kind; }
  bool atIdentifier(std::string_view name) const { return peek().isIdentifier(name); }
  bool consume(TokenKind kind);
  /// Consumes `kind` or reports "expected <what>" at the current token and returns false.
  bool expect(TokenKind kind, const char *what);
  bool atStatementEnd() const;
  void skipSeparators();
  /// Reports "expected <what>, found <current token>" unless the current token is already an error.
  void errorExpected(const std::string &what);
  /// Skips to the end of the current statement (a separator or `}` at the current nesting level).
  /// `statementStart`, when given, is the token where the statement began: brackets it opened and
  /// left open because the error was inside them are skipped to their closers first.
  void recoverToStatementEnd(size_t statementStart = kNoStatementStart);
  static constexpr size_t kNoStatementStart = static_cast<size_t>(-1);
  std::string describe(const Token &token) const;

  // --- file and sections (Parser.cpp) ---
  void parseVersion(File &file);
  void parseImport(File &file);
  void parseSection(std::vector<Section> &into);
  bool parseBlock(Block &block);

  // --- statements (ParseStmt.cpp) ---
  StmtPtr parseStatement();
  StmtPtr parseBinding(StmtKind kind);
  StmtPtr parseStageUse(StmtKind kind, const char *linkWord);
  StmtPtr parseOption();
  bool parseArgs(std::vector<Arg> &args, TokenKind closing, bool allowMapFirst);
  bool finishStatement(Stmt &stmt);

  // --- expressions (ParseExpr.cpp) ---
  ExprPtr parseExpr(bool allowMap = true);
  ExprPtr parsePrimary(bool allowMap);
  ExprPtr parseNumber();
  ExprPtr parseCall(Name callee);
  ExprPtr parseList();
  ExprPtr parseMap();

  SourceRange rangeFrom(SourceLoc begin) const;

  const SourceManager &sources_;
  DiagnosticEngine &diagnostics_;
  uint32_t file_;
  std::vector<Token> tokens_; // without comments
  size_t pos_ = 0;
  // Inside (), [] and map {} newlines are insignificant; this counts how deep we are in them.
  unsigned bracketDepth_ = 0;
  unsigned exprDepth_ = 0;
  unsigned blockDepth_ = 0;
  bool reportedUnclosedBlock_ = false; // at end of file, only the innermost open block is reported
  SourceLoc lastEnd_;
  std::set<uint32_t> lexErrorLines_; // lines the lexer reported errors on
};

} // namespace ftp::lang
