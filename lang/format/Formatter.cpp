//===- Formatter.cpp - `ftpc fmt`: the canonical layout of .ftp files -----------===//
//
// The formatter re-lexes the buffer with its comments and prints the tokens again, deciding only
// the whitespace between them. It keeps every token as spelled (numbers, strings, trailing commas)
// and every line break the language gives a meaning to, so the result parses to the same tree.
//
// Rules (docs/cli.md repeats them for users):
//
//  Lines
//  - Line breaks outside brackets end statements, so the formatter keeps them all; it adds a break
//    only where a `;` separates statements (the `;` is dropped), after the `{` that opens a block,
//    and around the `}` that closes one. Inside `(`, `[` and map `{`...`}` the user's breaks are
//    kept as they are: lines there are never joined or split.
//  - A block is `{` at the end of its header line after one space, its statements, and `}` on a
//    line of its own; a block with nothing in it (no statement, no comment) prints as `{}`.
//  - At most one blank line is kept in a row; none at the start of the file, after a line that ends
//    with an opening `{`, `(` or `[`, before a line that starts with a closing `}`, `)` or `]`, or at
//    the end of the file. The file ends with exactly one `\n`; CRLF and CR line ends become `\n`;
//    a UTF-8 byte-order mark is dropped; no line has trailing whitespace.
//
//  Indentation (S = 2 spaces per enclosing block, the indentation of the statement)
//  - A statement line and a block's `}` line: S (the `}` at its header's level).
//  - A chain continuation line that starts with `|`: S + 2.
//  - A line inside open brackets: 2 more than the line that opened the innermost open bracket, and
//    at least S + 4 so that it never looks like a block body; a line that starts with a closing
//    bracket gets the indentation of the line that opened that bracket.
//  - A comment on a line of its own: the indentation of the next line of code, or of the lines
//    inside the block or brackets when that next line starts by closing them.
//
//  Spacing within a line
//  - No space before `,` `:` `.` `)` `]` `%`, the `}` of a map, or the `(` of a call; no space
//    after `(` `[` `.`, the `{` of a map, or a unary `-` or `+`.
//  - One space between any other two tokens: after `,` and `:`, around `=` and `|`, before a
//    block's `{`, between a number and its unit word (`500 steps`; but `10%`).
//  - A comment after code on the same line: exactly two spaces before its `#`; trailing
//    whitespace inside a comment is dropped.
//
// Because every decision depends only on the tokens and on which of them start lines, and the
// output keeps both, formatting is idempotent: fmt(fmt(x)) == fmt(x).
//
//===----------------------------------------------------------------------------------------===//

#include "lang/format/Formatter.h"

#include "lang/ast/ASTDump.h"
#include "lang/lex/Lexer.h"
#include "lang/parse/Parser.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <unordered_set>
#include <vector>

namespace ftp::lang {
namespace {

/// The second lexing pass only repeats what the parser's lexer already reported.
class DiscardDiagnostics : public DiagnosticConsumer {
public:
  void handle(const Diagnostic &) override {}
};

/// The offsets of every `{` that opens a block; all other `{` open maps. Only the parser knows
/// which is which (`labels: {` is a map, `robustness {` a block), so we ask its tree.
void collectBlockBraces(const Block &block, std::unordered_set<uint32_t> &out) {
  out.insert(block.range.begin.offset);
  for (const StmtPtr &stmt : block.stmts)
    if (stmt->block)
      collectBlockBraces(*stmt->block, out);
}

bool isOpener(TokenKind k) {
  return k == TokenKind::LeftParen || k == TokenKind::LeftBracket || k == TokenKind::LeftBrace;
}
bool isCloser(TokenKind k) {
  return k == TokenKind::RightParen || k == TokenKind::RightBracket || k == TokenKind::RightBrace;
}

std::string_view trimRight(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\f' ||
                           text.back() == '\v'))
    text.remove_suffix(1);
  return text;
}

class Printer {
public:
  Printer(const std::vector<Token> &tokens, const std::unordered_set<uint32_t> &blockBraces)
      : tokens_(tokens), blockBraces_(blockBraces) {}

  std::string run();

private:
  /// An open block or bracket, and the indentation of the line it was opened on.
  struct Open {
    bool block;
    unsigned lineIndent;
  };
  struct Indents {
    unsigned line;    // for a line that starts with this token
    unsigned comment; // for own-line comments just before such a line
  };

  bool isBlockBrace(const Token &token) const {
    return token.is(TokenKind::LeftBrace) && blockBraces_.count(token.range.begin.offset);
  }
  unsigned statementIndent() const { return 2 * blockDepth_; }
  unsigned bracketContentIndent(const Open &open) const {
    return std::max(statementIndent() + 4, open.lineIndent + 2);
  }
  Indents indentsFor(const Token &first) const;
  bool needsSpace(const Token &next) const;

  void code(size_t &i);
  void closeBlock(const Token &brace);
  void append(const Token &token);
  void startLine(const Token &first);
  void endLine();
  void flushComments(unsigned indent);
  /// Whether a blank line may be printed before a line that does (or does not) start by closing.
  bool blankAllowed(bool startsWithCloser) const {
    return !out_.empty() && !lastLineOpened_ && !startsWithCloser;
  }

  const std::vector<Token> &tokens_;
  const std::unordered_set<uint32_t> &blockBraces_;
  std::string out_;

  std::vector<Open> open_; // blocks, then the brackets open inside the innermost block
  unsigned blockDepth_ = 0;

  std::string line_;          // the current line's code (and trailing comment), unindented
  unsigned lineIndent_ = 0;
  bool lineHasCode_ = false;
  bool breakBeforeCode_ = false; // after `;`, a block's `{` or `}`: the next code starts a line
  const Token *last_ = nullptr;  // the last code token on the current line
  bool lastIsMapBrace_ = false;  // ... and whether it is the `{` of a map
  bool lastLineOpened_ = false;  // the last printed line ended with `{`, `(` or `[`

  bool blankPending_ = false;       // a blank source line since the last printed line
  bool sawTokenOnSourceLine_ = false;
  struct Comment {
    std::string_view text;
    bool blankBefore;
  };
  std::vector<Comment> comments_; // own-line comments waiting for the next line's indentation
};

std::string Printer::run() {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const Token &token = tokens_[i];
    switch (token.kind) {
    case TokenKind::Newline:
      if (!sawTokenOnSourceLine_)
        blankPending_ = true;
      sawTokenOnSourceLine_ = false;
      endLine();
      break;
    case TokenKind::Semicolon:
      // Inside brackets a `;` is a syntax error, so this one separates statements.
      sawTokenOnSourceLine_ = true;
      breakBeforeCode_ = true;
      break;
    case TokenKind::Comment:
      sawTokenOnSourceLine_ = true;
      if (lineHasCode_) {
        line_ += "  ";
        line_ += trimRight(token.spelling);
      } else {
        comments_.push_back({trimRight(token.spelling), blankPending_});
        blankPending_ = false;
      }
      break;
    case TokenKind::EndOfFile:
      endLine();
      flushComments(statementIndent());
      break;
    default:
      sawTokenOnSourceLine_ = true;
      code(i);
      break;
    }
  }
  return out_;
}

void Printer::code(size_t &i) {
  const Token &token = tokens_[i];
  if (token.is(TokenKind::RightBrace) && !open_.empty() && open_.back().block) {
    closeBlock(token);
    return;
  }
  if (breakBeforeCode_ && lineHasCode_)
    endLine();
  if (!lineHasCode_)
    startLine(token);
  else if (needsSpace(token))
    line_ += ' ';

  if (isBlockBrace(token)) {
    // `{` with only separators before its `}` is an empty block: `{}`. A comment inside keeps
    // the block open so that the comment has a line of its own.
    size_t j = i + 1;
    while (tokens_[j].is(TokenKind::Newline) || tokens_[j].is(TokenKind::Semicolon))
      ++j;
    if (tokens_[j].is(TokenKind::RightBrace)) {
      line_ += "{}";
      last_ = &tokens_[j];
      lastIsMapBrace_ = false;
      i = j;
    } else {
      append(token);
      open_.push_back({/*block=*/true, lineIndent_});
      ++blockDepth_;
    }
    breakBeforeCode_ = true;
    return;
  }

  append(token);
  if (isOpener(token.kind))
    open_.push_back({/*block=*/false, lineIndent_});
  else if (isCloser(token.kind) && !open_.empty())
    open_.pop_back();
}

void Printer::closeBlock(const Token &brace) {
  endLine();
  startLine(brace);
  open_.pop_back();
  --blockDepth_;
  append(brace);
  breakBeforeCode_ = true;
}

void Printer::append(const Token &token) {
  line_ += token.spelling;
  last_ = &token;
  lastIsMapBrace_ = token.is(TokenKind::LeftBrace) && !isBlockBrace(token);
}

Printer::Indents Printer::indentsFor(const Token &first) const {
  bool inBrackets = !open_.empty() && !open_.back().block;
  if (isCloser(first.kind) && !open_.empty()) {
    const Open &open = open_.back();
    if (open.block) // S of the header; comments before it stay with the block's statements
      return {statementIndent() - 2, statementIndent()};
    return {open.lineIndent, bracketContentIndent(open)};
  }
  if (inBrackets) {
    unsigned indent = bracketContentIndent(open_.back());
    return {indent, indent};
  }
  if (first.is(TokenKind::Pipe))
    return {statementIndent() + 2, statementIndent() + 2};
  return {statementIndent(), statementIndent()};
}

void Printer::startLine(const Token &first) {
  Indents indents = indentsFor(first);
  flushComments(indents.comment);
  if (blankPending_ && blankAllowed(isCloser(first.kind)))
    out_ += '\n';
  blankPending_ = false;
  lineIndent_ = indents.line;
  lineHasCode_ = true;
  breakBeforeCode_ = false; // a `;` before the first code of a line breaks nothing
  last_ = nullptr;
}

void Printer::endLine() {
  if (!lineHasCode_)
    return;
  out_.append(lineIndent_, ' ');
  out_ += line_;
  out_ += '\n';
  lastLineOpened_ = last_ && isOpener(last_->kind);
  line_.clear();
  lineHasCode_ = false;
  breakBeforeCode_ = false;
  last_ = nullptr;
}

void Printer::flushComments(unsigned indent) {
  for (const Comment &comment : comments_) {
    if (comment.blankBefore && blankAllowed(false))
      out_ += '\n';
    out_.append(indent, ' ');
    out_ += comment.text;
    out_ += '\n';
    lastLineOpened_ = false;
  }
  comments_.clear();
}

bool Printer::needsSpace(const Token &next) const {
  switch (next.kind) {
  case TokenKind::Comma:
  case TokenKind::Colon:
  case TokenKind::Dot:
  case TokenKind::RightParen:
  case TokenKind::RightBracket:
  case TokenKind::Percent:
  case TokenKind::LeftParen: // only a call's `(` is valid, and it follows the callee directly
    return false;
  case TokenKind::RightBrace: // a block's `}` never shares a line, so this closes a map
    return false;
  default:
    break;
  }
  if (!last_)
    return false;
  switch (last_->kind) {
  case TokenKind::LeftParen:
  case TokenKind::LeftBracket:
  case TokenKind::Dot:
  case TokenKind::Minus: // unary: the language has no binary operators
  case TokenKind::Plus:
    return false;
  case TokenKind::LeftBrace:
    return !lastIsMapBrace_;
  default:
    return true;
  }
}

/// The tree without source positions, and the comments: what formatting must keep.
std::string meaning(const File &tree, const std::vector<Token> &tokens,
                    const SourceManager &sources) {
  std::ostringstream dump;
  dumpAST(tree, sources, dump);
  std::string out;
  std::istringstream lines(dump.str());
  for (std::string line; std::getline(lines, line);)
    out += line.substr(0, line.rfind(" @")) + "\n";
  for (const Token &token : tokens)
    if (token.is(TokenKind::Comment))
      out += std::string(trimRight(token.spelling)) + "\n";
  return out;
}

} // namespace

std::optional<std::string> formatSource(uint32_t file, const SourceManager &sources,
                                        DiagnosticEngine &diagnostics) {
  // Refuse a file with errors: its layout may hinge on a mistake (a missing `)` turns line breaks
  // insignificant), and reprinting it could change what the user meant.
  unsigned errorsBefore = diagnostics.errorCount();
  Parser parser(file, sources, diagnostics);
  File tree = parser.parseFile();
  if (diagnostics.errorCount() != errorsBefore)
    return std::nullopt;

  std::unordered_set<uint32_t> blockBraces;
  for (const std::vector<Section> *sections : {&tree.pipelines, &tree.presets})
    for (const Section &section : *sections)
      collectBlockBraces(section.body, blockBraces);

  DiscardDiagnostics discard;
  DiagnosticEngine quiet(sources, discard);
  std::vector<Token> tokens = Lexer(file, sources, quiet).lexAll();
  std::string formatted = Printer(tokens, blockBraces).run();

  // Like black's safe mode: a formatter bug must never silently change a user's program. Parse
  // the result and compare it with the input; on a mismatch the caller leaves the file alone.
  SourceManager checkSources;
  uint32_t checkFile = checkSources.addBuffer(sources.name(file), formatted);
  DiagnosticEngine checkQuiet(checkSources, discard);
  File checkTree = Parser(checkFile, checkSources, checkQuiet).parseFile();
  std::vector<Token> checkTokens = Lexer(checkFile, checkSources, checkQuiet).lexAll();
  if (checkQuiet.hasErrors() ||
      meaning(checkTree, checkTokens, checkSources) != meaning(tree, tokens, sources))
    throw std::logic_error("formatting `" + sources.name(file) +
                           "` would change its meaning; the file is left as it was");
  return formatted;
}

} // namespace ftp::lang
