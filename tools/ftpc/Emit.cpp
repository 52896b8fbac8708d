//===- EmitTokens.cpp - `ftpc --emit=tokens` ------------------------------------===//

#include "Driver.h"

#include "lang/lex/Lexer.h"

#include <fmt/format.h>

#include <iostream>

namespace ftp::driver {

// One token a line: `line:col Kind 'spelling'` (newlines shown as \n), for debugging and tests.
int emitTokens(Session &session, const std::string &path) {
  auto file = session.load(path);
  if (!file)
    return session.finish();
  lang::Lexer lexer(*file, session.sources(), session.diagnostics());
  for (const lang::Token &token : lexer.lexAll()) {
    lang::LineColumn at = session.sources().lineColumn(token.range.begin);
    std::string spelling;
    for (char c : token.spelling)
      spelling += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
    std::cout << fmt::format("{}:{} {} '{}'", at.line, at.column, lang::tokenKindName(token.kind),
                             spelling);
    if (token.is(lang::TokenKind::String))
      std::cout << fmt::format(" value=\"{}\"", token.value);
    std::cout << "\n";
  }
  return session.finish();
}

} // namespace ftp::driver

#include "lang/ast/ASTDump.h"
#include "lang/parse/Parser.h"

namespace ftp::driver {

int emitAST(Session &session, const std::string &path) {
  auto file = session.load(path);
  if (!file)
    return session.finish();
  lang::Parser parser(*file, session.sources(), session.diagnostics());
  lang::File ast = parser.parseFile();
  lang::dumpAST(ast, session.sources(), std::cout);
  return session.finish();
}

} // namespace ftp::driver
