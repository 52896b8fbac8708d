//===- Parser.cpp - tokens, recovery, the file and its sections -----------------===//

#include "lang/parse/Parser.h"

#include "lang/diag/Suggest.h"
#include "lang/lex/Lexer.h"

namespace ftp::lang {

Parser::Parser(uint32_t file, const SourceManager &sources, DiagnosticEngine &diagnostics)
    : sources_(sources), diagnostics_(diagnostics), file_(file) {
  Lexer lexer(file, sources, diagnostics);
  for (Token &token : lexer.lexAll()) {
    if (token.malformed || token.is(TokenKind::Invalid))
      lexErrorLines_.insert(sources.lineColumn(token.range.begin).line);
    if (!token.is(TokenKind::Comment))
      tokens_.push_back(std::move(token));
  }
  lastEnd_ = SourceLoc{file, 0};
}

// --- tokens -------------------------------------------------------------------------------------

const Token &Parser::peek(size_t ahead) const {
  size_t i = pos_;
  while (true) {
    while (bracketDepth_ > 0 && tokens_[i].is(TokenKind::Newline))
      ++i;
    if (ahead == 0 || tokens_[i].is(TokenKind::EndOfFile))
      return tokens_[i];
    --ahead;
    ++i;
  }
}

const Token &Parser::advance() {
  while (bracketDepth_ > 0 && tokens_[pos_].is(TokenKind::Newline))
    ++pos_;
  const Token &token = tokens_[pos_];
  if (!token.is(TokenKind::EndOfFile)) {
    ++pos_;
    lastEnd_ = token.range.end;
  }
  return token;
}

bool Parser::consume(TokenKind kind) {
  if (!at(kind))
    return false;
  advance();
  return true;
}

bool Parser::expect(TokenKind kind, const char *what) {
  if (consume(kind))
    return true;
  errorExpected(what);
  return false;
}

std::string Parser::describe(const Token &token) const {
  switch (token.kind) {
  case TokenKind::Identifier:
  case TokenKind::Integer:
  case TokenKind::Float:
    return "`" + std::string(token.spelling) + "`";
  case TokenKind::String:
    return "string " + std::string(token.spelling.substr(0, 40)) +
           (token.spelling.size() > 40 ? "..." : "");
  default:
    return tokenKindDescription(token.kind);
  }
}

void Parser::errorExpected(const std::string &what) {
  const Token &token = peek();
  if (token.is(TokenKind::Invalid))
    return; // the lexer has reported it
  SourceRange range = token.range;
  std::string found = describe(token);
  if (token.is(TokenKind::Newline) || token.is(TokenKind::EndOfFile)) {
    range = SourceRange(lastEnd_); // point just after the last good token, on its line
  } else if (lastEnd_.valid() && lastEnd_.file == token.range.begin.file &&
             sources_.lineColumn(lastEnd_).line < sources_.lineColumn(token.range.begin).line) {
    // Inside brackets line breaks are skipped, so the next token may be lines below: the mistake
    // is at the end of the line the statement was on (a missing `)`), so point there.
    range = SourceRange(lastEnd_);
    found = "the end of the line (the next line starts with " + found + ")";
  }
  // One mistake, one message: nothing more about a line the lexer already rejected.
  if (lexErrorLines_.count(sources_.lineColumn(range.begin).line))
    return;
  diagnostics_.report(range, DiagKind::ExpectedToken, what, found);
}

bool Parser::atStatementEnd() const {
  TokenKind k = peek().kind;
  return k == TokenKind::Newline || k == TokenKind::Semicolon || k == TokenKind::RightBrace ||
         k == TokenKind::EndOfFile;
}

void Parser::skipSeparators() {
  while (at(TokenKind::Newline) || at(TokenKind::Semicolon))
    advance();
}

void Parser::recoverToStatementEnd(size_t statementStart) {
  // Called at statement level, after the expression parsers have unwound (bracketDepth_ is 0), so
  // line breaks are significant again; brackets opened while skipping are balanced here. `closers`
  // holds the closing bracket each open one waits for, innermost last.
  std::vector<TokenKind> closers;
  auto track = [&closers](TokenKind k) {
    if (k == TokenKind::LeftBrace)
      closers.push_back(TokenKind::RightBrace);
    else if (k == TokenKind::LeftParen)
      closers.push_back(TokenKind::RightParen);
    else if (k == TokenKind::LeftBracket)
      closers.push_back(TokenKind::RightBracket);
    else if ((k == TokenKind::RightBrace || k == TokenKind::RightParen ||
              k == TokenKind::RightBracket) && !closers.empty())
      closers.pop_back();
  };
  // An error inside `f(a: {1: b})` leaves `(` and `{` open: without counting them, the map's `}`
  // would end the enclosing block and `)` would start a cascade of errors. But when the parser
  // stopped at a name or `|` at the start of a new line, the brackets were most likely never
  // closed (`f("a"` and then the next statement or chain element): resume there.
  auto afterLineBreaks = [this] {
    size_t next = pos_;
    while (tokens_[next].is(TokenKind::Newline))
      ++next;
    return next;
  };
  const Token &next = tokens_[afterLineBreaks()];
  bool newLineStatement =
      &next != &tokens_[pos_] && (next.is(TokenKind::Identifier) || next.is(TokenKind::Pipe));
  if (statementStart != kNoStatementStart && !newLineStatement)
    for (size_t i = statementStart; i < pos_; ++i)
      track(tokens_[i].kind);
  while (!at(TokenKind::EndOfFile)) {
    TokenKind k = peek().kind;
    if (closers.empty() && k == TokenKind::Newline) {
      // A line that starts with `|` continues the chain of the statement before it.
      if (!tokens_[afterLineBreaks()].is(TokenKind::Pipe))
        return;
      advance();
      continue;
    }
    if (closers.empty() && (k == TokenKind::Semicolon || k == TokenKind::RightBrace))
      return;
    // A `}` while a `(` or `[` is open closes the enclosing block: those were never closed.
    if (k == TokenKind::RightBrace && closers.back() != TokenKind::RightBrace)
      return;
    track(k);
    advance();
  }
}

SourceRange Parser::rangeFrom(SourceLoc begin) const { return SourceRange(begin, lastEnd_); }

// --- file ---------------------------------------------------------------------------------------

File Parser::parseFile() {
  File file;
  file.fileId = file_;
  skipSeparators();
  parseVersion(file);
  while (true) {
    skipSeparators();
    if (at(TokenKind::EndOfFile))
      break;
    if (atIdentifier("import")) {
      parseImport(file);
    } else if (atIdentifier("pipeline")) {
      parseSection(file.pipelines);
    } else if (atIdentifier("preset")) {
      parseSection(file.presets);
    } else {
      const Token &token = peek();
      if (!token.is(TokenKind::Invalid)) {
        std::string hint = token.is(TokenKind::Identifier)
                               ? didYouMean(token.spelling, {"pipeline", "preset", "import"})
                               : "";
        diagnostics_.report(token.range, DiagKind::UnknownTopLevel, describe(token), hint);
      }
      // Skip the whole line, or the whole braced section that follows it.
      recoverToStatementEnd();
      if (at(TokenKind::RightBrace))
        advance();
    }
  }
  return file;
}

void Parser::parseVersion(File &file) {
  if (!atIdentifier("ftp")) {
    const Token &token = peek();
    if (!token.is(TokenKind::Invalid))
      diagnostics_.report(token.range, DiagKind::MissingVersion, describe(token));
    file.version = kLanguageVersion; // read the rest as the current version
    return;
  }
  SourceLoc begin = advance().range.begin;
  const Token &number = peek();
  if (!number.is(TokenKind::Float) && !number.is(TokenKind::Integer)) {
    errorExpected("a version number such as `0.1` after `ftp`");
    recoverToStatementEnd();
    file.version = kLanguageVersion;
    return;
  }
  advance();
  file.version = std::string(number.spelling);
  file.versionRange = number.range;
  if (file.version != kLanguageVersion)
    diagnostics_.report(number.range, DiagKind::UnsupportedVersion, file.version, kLanguageVersion);
  (void)begin;
  if (!atStatementEnd()) {
    errorExpected("end of line after the version");
    recoverToStatementEnd();
  }
}

void Parser::parseImport(File &file) {
  Import import;
  SourceLoc begin = advance().range.begin;
  if (!at(TokenKind::String)) {
    errorExpected("the module path as a string, e.g. `import \"presets/privacy\"`");
    recoverToStatementEnd();
    return;
  }
  const Token &path = advance();
  import.path = path.value;
  import.pathRange = path.range;
  if (atIdentifier("as")) {
    advance();
    if (!at(TokenKind::Identifier)) {
      errorExpected("a name after `as`");
      recoverToStatementEnd();
      return;
    }
    const Token &alias = advance();
    import.alias = {std::string(alias.spelling), alias.range};
  }
  import.range = rangeFrom(begin);
  if (!atStatementEnd()) {
    errorExpected("end of line after the import");
    recoverToStatementEnd();
  }
  file.imports.push_back(std::move(import));
}

void Parser::parseSection(std::vector<Section> &into) {
  Section section;
  const Token &keyword = advance();
  section.keyword = {std::string(keyword.spelling), keyword.range};
  if (!at(TokenKind::Identifier)) {
    errorExpected(std::string("a name after `") + section.keyword.text + "`");
    recoverToStatementEnd();
    if (!at(TokenKind::LeftBrace))
      return;
  } else {
    const Token &name = advance();
    section.name = {std::string(name.spelling), name.range};
  }
  if (!at(TokenKind::LeftBrace)) {
    errorExpected("`{` to open the " + section.keyword.text);
    // The body most likely follows without its `{`: skip it, up to its `}` or the next section,
    // rather than report each of its statements as out of place at the top level.
    while (true) {
      recoverToStatementEnd();
      skipSeparators();
      if (at(TokenKind::EndOfFile) || atIdentifier("pipeline") || atIdentifier("preset") ||
          atIdentifier("import"))
        return;
      if (at(TokenKind::RightBrace)) {
        advance();
        return;
      }
    }
  }
  parseBlock(section.body);
  section.range = rangeFrom(keyword.range.begin);
  into.push_back(std::move(section));
}

bool Parser::parseBlock(Block &block) {
  SourceLoc begin = peek().range.begin;
  // Blocks nest by recursion: a limit keeps a hostile file from overflowing the stack. The caller
  // recovers by skipping the block, which is a loop.
  constexpr unsigned kMaxBlockDepth = 64;
  if (blockDepth_ >= kMaxBlockDepth) {
    diagnostics_.report(peek().range, DiagKind::NestingTooDeep, kMaxBlockDepth, "blocks");
    return false;
  }
  ++blockDepth_;
  advance(); // `{`
  while (true) {
    skipSeparators();
    if (at(TokenKind::RightBrace)) {
      advance();
      break;
    }
    if (at(TokenKind::EndOfFile)) {
      // One missing `}` leaves every enclosing block open too; report it once.
      if (!reportedUnclosedBlock_)
        diagnostics_.report(SourceRange(begin, begin.advanced(1)), DiagKind::ExpectedToken,
                            "`}` to close this block", "end of file");
      reportedUnclosedBlock_ = true;
      block.range = rangeFrom(begin);
      --blockDepth_;
      return false;
    }
    if (StmtPtr stmt = parseStatement())
      block.stmts.push_back(std::move(stmt));
  }
  block.range = rangeFrom(begin);
  --blockDepth_;
  return true;
}

} // namespace ftp::lang
