//===- ParseStmt.cpp - statements -----------------------------------------------===//
//
//   statement = "data" NAME "=" chain | "model" NAME "=" chain
//             | "finetune" NAME "on" expr block | "evaluate" NAME "on" expr [block]
//             | "export" NAME "to" expr [block] | option
//   option    = NAME [arg {"," arg}] [block]
//
//===----------------------------------------------------------------------------------------===//

#include "lang/parse/Parser.h"

namespace ftp::lang {

StmtPtr Parser::parseStatement() {
  size_t start = pos_;
  const Token &token = peek();
  if (!token.is(TokenKind::Identifier)) {
    errorExpected("a statement");
    recoverToStatementEnd();
    if (at(TokenKind::RightBrace) || at(TokenKind::EndOfFile))
      return nullptr;
    advance(); // the separator
    return nullptr;
  }
  StmtPtr stmt;
  if (token.spelling == "data")
    stmt = parseBinding(StmtKind::Data);
  else if (token.spelling == "model")
    stmt = parseBinding(StmtKind::Model);
  else if (token.spelling == "finetune")
    stmt = parseStageUse(StmtKind::Finetune, "on");
  else if (token.spelling == "evaluate")
    stmt = parseStageUse(StmtKind::Evaluate, "on");
  else if (token.spelling == "export")
    stmt = parseStageUse(StmtKind::Export, "to");
  else
    stmt = parseOption();
  if (!stmt) {
    recoverToStatementEnd(start);
    return nullptr;
  }
  if (stmt->broken) {
    // Its error is reported; the statement still defines its name, so that later uses of it do
    // not each report "not defined".
    recoverToStatementEnd(start);
    return stmt;
  }
  if (!finishStatement(*stmt)) {
    recoverToStatementEnd(start);
    return stmt; // keep what parsed: the checker can still see the definition
  }
  return stmt;
}

bool Parser::finishStatement(Stmt &stmt) {
  if (atStatementEnd())
    return true;
  errorExpected("end of statement (a new line or `;`)");
  return false;
}

// data NAME = chain        model NAME = chain
StmtPtr Parser::parseBinding(StmtKind kind) {
  const Token &keyword = advance();
  auto stmt = std::make_unique<Stmt>(kind, keyword.range);
  stmt->keyword = {std::string(keyword.spelling), keyword.range};
  if (!at(TokenKind::Identifier)) {
    errorExpected("a name for the " + stmt->keyword.text + ", as in `" + stmt->keyword.text +
                  " name = ...`");
    return nullptr;
  }
  const Token &name = advance();
  stmt->name = {std::string(name.spelling), name.range};
  if (!expect(TokenKind::Equal, "`=`"))
    return nullptr;
  // chain = expr { "|" expr }; a line may end before the `|` that continues it.
  while (true) {
    ExprPtr element = parseExpr();
    if (!element) {
      stmt->broken = true;
      stmt->range = rangeFrom(keyword.range.begin);
      return stmt;
    }
    stmt->chain.push_back(std::move(element));
    size_t save = pos_;
    SourceLoc saveEnd = lastEnd_;
    while (at(TokenKind::Newline))
      advance();
    if (!consume(TokenKind::Pipe)) {
      pos_ = save;
      lastEnd_ = saveEnd;
      break;
    }
    // A `|` at the end of a line continues on the next one, as one at the start of it does --
    // unless the next line plainly starts something else, where "expected a value" belongs here.
    size_t afterPipe = pos_;
    SourceLoc afterPipeEnd = lastEnd_;
    while (at(TokenKind::Newline))
      advance();
    if (at(TokenKind::RightBrace) || at(TokenKind::EndOfFile) || atIdentifier("data") ||
        atIdentifier("model") || atIdentifier("finetune") || atIdentifier("evaluate") ||
        atIdentifier("export")) {
      pos_ = afterPipe;
      lastEnd_ = afterPipeEnd;
    }
  }
  stmt->range = rangeFrom(keyword.range.begin);
  return stmt;
}

// finetune NAME on expr block      evaluate NAME on expr [block]      export NAME to expr [block]
StmtPtr Parser::parseStageUse(StmtKind kind, const char *linkWord) {
  const Token &keyword = advance();
  auto stmt = std::make_unique<Stmt>(kind, keyword.range);
  stmt->keyword = {std::string(keyword.spelling), keyword.range};
  std::string form = stmt->keyword.text + " model " + linkWord +
                     (kind == StmtKind::Export ? " \"path\"" : " data.split");
  if (!at(TokenKind::Identifier)) {
    errorExpected("the model's name, as in `" + form + "`");
    return nullptr;
  }
  const Token &name = advance();
  stmt->name = {std::string(name.spelling), name.range};
  if (!atIdentifier(linkWord)) {
    errorExpected(std::string("`") + linkWord + "`, as in `" + form + "`");
    return nullptr;
  }
  advance();
  stmt->target = parseExpr(/*allowMap=*/false);
  if (!stmt->target)
    return nullptr;
  if (at(TokenKind::LeftBrace)) {
    stmt->block = std::make_unique<Block>();
    if (!parseBlock(*stmt->block))
      return nullptr;
  } else if (kind == StmtKind::Finetune) {
    errorExpected("`{` and the fine-tuning options");
    return nullptr;
  }
  stmt->range = rangeFrom(keyword.range.begin);
  return stmt;
}

// option = NAME [arg {"," arg}] [block]
StmtPtr Parser::parseOption() {
  const Token &name = advance();
  auto stmt = std::make_unique<Stmt>(StmtKind::Option, name.range);
  stmt->keyword = {std::string(name.spelling), name.range};
  if (!atStatementEnd() && !at(TokenKind::LeftBrace)) {
    if (!parseArgs(stmt->args, TokenKind::EndOfFile, /*allowMapFirst=*/false))
      return nullptr;
  }
  if (at(TokenKind::LeftBrace)) {
    stmt->block = std::make_unique<Block>();
    if (!parseBlock(*stmt->block))
      return nullptr;
  }
  stmt->range = rangeFrom(name.range.begin);
  return stmt;
}

// arg {"," arg} [","] up to `closing` (or, for options, up to the statement's end or its block).
//   arg = [NAME ":" | STRING ":"] expr
bool Parser::parseArgs(std::vector<Arg> &args, TokenKind closing, bool allowMapFirst) {
  bool first = true;
  while (true) {
    Arg arg;
    const Token &token = peek();
    if ((token.is(TokenKind::Identifier) || token.is(TokenKind::String)) &&
        peek(1).is(TokenKind::Colon)) {
      arg.label = {token.is(TokenKind::String) ? token.value : std::string(token.spelling),
                   token.range};
      arg.labelIsString = token.is(TokenKind::String);
      advance();
      advance();
    }
    // At statement level a `{` right after the option name opens its block, not a map.
    arg.value = parseExpr(/*allowMap=*/!first || allowMapFirst || !arg.label.empty());
    if (!arg.value)
      return false;
    args.push_back(std::move(arg));
    first = false;
    if (!consume(TokenKind::Comma))
      return true;
    if (closing != TokenKind::EndOfFile && at(closing))
      return true; // trailing comma
  }
}

bool Parser::parseOverride(std::vector<Name> &path, std::vector<Arg> &args) {
  while (true) {
    if (!at(TokenKind::Identifier)) {
      errorExpected("an option path such as `finetune.epochs`");
      return false;
    }
    const Token &name = advance();
    path.push_back({std::string(name.spelling), name.range});
    if (!consume(TokenKind::Dot))
      break;
  }
  if (!expect(TokenKind::Equal, "`=` and the new value, as in `finetune.epochs=5`"))
    return false;
  if (at(TokenKind::EndOfFile)) {
    errorExpected("a value after `=`");
    return false;
  }
  if (!parseArgs(args, TokenKind::EndOfFile, /*allowMapFirst=*/true))
    return false;
  if (!at(TokenKind::EndOfFile)) {
    errorExpected("the end of the override");
    return false;
  }
  return true;
}

} // namespace ftp::lang
