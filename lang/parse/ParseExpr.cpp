//===- ParseExpr.cpp - expressions ----------------------------------------------===//
//
//   expr     = ["-" | "+"] postfix
//   postfix  = primary {"." NAME}
//   primary  = number [unit] | STRING | NAME ["(" [args] ")"] | "[" [expr {"," expr}] "]"
//            | "{" [entry {"," entry}] "}"            (maps: not where a block may start)
//   unit     = "steps" | "step" | "epochs" | "epoch" | "%"
//
// Inside (), [] and {} maps, line breaks are insignificant.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/parse/Parser.h"

#include <charconv>
#include <cstdlib>

namespace ftp::lang {
namespace {

constexpr unsigned kMaxExprDepth = 64;

bool isUnit(const Token &token) {
  if (token.is(TokenKind::Percent))
    return true;
  return token.isIdentifier("steps") || token.isIdentifier("step") ||
         token.isIdentifier("epochs") || token.isIdentifier("epoch");
}

std::string withoutSeparators(std::string_view spelling) {
  std::string digits;
  for (char c : spelling)
    if (c != '_')
      digits += c;
  return digits;
}

// Brackets make line breaks insignificant for as long as they are open.
struct BracketScope {
  unsigned &depth;
  explicit BracketScope(unsigned &d) : depth(d) { ++depth; }
  ~BracketScope() { --depth; }
};

} // namespace

ExprPtr Parser::parseExpr(bool allowMap) {
  if (exprDepth_ >= kMaxExprDepth) {
    diagnostics_.report(peek().range, DiagKind::NestingTooDeep, kMaxExprDepth, "expression");
    return nullptr;
  }
  ++exprDepth_;
  ExprPtr result;
  const Token &token = peek();
  if (token.is(TokenKind::Minus) || token.is(TokenKind::Plus)) {
    bool negate = token.is(TokenKind::Minus);
    SourceLoc begin = advance().range.begin;
    ExprPtr operand = parseExpr(false);
    if (operand && negate) {
      result = std::make_unique<Expr>(ExprKind::Negate, rangeFrom(begin));
      result->base = std::move(operand);
    } else {
      result = std::move(operand);
    }
  } else {
    result = parsePrimary(allowMap);
    while (result && at(TokenKind::Dot)) {
      advance();
      if (!at(TokenKind::Identifier)) {
        errorExpected("a name after `.`");
        result = nullptr;
        break;
      }
      const Token &name = advance();
      auto member = std::make_unique<Expr>(ExprKind::Member, rangeFrom(result->range.begin));
      member->text = std::string(name.spelling);
      member->textRange = name.range;
      member->base = std::move(result);
      result = std::move(member);
    }
  }
  --exprDepth_;
  return result;
}

ExprPtr Parser::parsePrimary(bool allowMap) {
  const Token &token = peek();
  switch (token.kind) {
  case TokenKind::Integer:
  case TokenKind::Float:
    return parseNumber();
  case TokenKind::String: {
    advance();
    auto expr = std::make_unique<Expr>(ExprKind::String, token.range);
    expr->text = token.value;
    expr->spelling = std::string(token.spelling);
    return expr;
  }
  case TokenKind::Identifier: {
    advance();
    Name name{std::string(token.spelling), token.range};
    // A call's `(` must follow its name directly on the same line.
    if (at(TokenKind::LeftParen) && peek().range.begin.offset == token.range.end.offset)
      return parseCall(std::move(name));
    auto expr = std::make_unique<Expr>(ExprKind::Identifier, token.range);
    expr->text = name.text;
    expr->textRange = token.range;
    return expr;
  }
  case TokenKind::LeftBracket:
    return parseList();
  case TokenKind::LeftBrace:
    if (allowMap)
      return parseMap();
    break;
  default:
    break;
  }
  errorExpected("a value");
  return nullptr;
}

ExprPtr Parser::parseNumber() {
  const Token &token = advance();
  auto expr = std::make_unique<Expr>(
      token.is(TokenKind::Integer) ? ExprKind::Integer : ExprKind::Float, token.range);
  expr->spelling = std::string(token.spelling);
  std::string digits = withoutSeparators(token.spelling);
  expr->number = std::strtod(digits.c_str(), nullptr);
  expr->integral = token.is(TokenKind::Integer);
  if (expr->integral) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), expr->integer);
    if (ec != std::errc()) {
      diagnostics_.report(token.range, DiagKind::InvalidNumber, expr->spelling,
                          "it does not fit in 64 bits");
      expr->integer = 0;
    }
  }
  // `500 steps`, `2 epochs`, `10%`: a unit on the same line right after the number.
  const Token &next = peek();
  if (isUnit(next) && sources_.lineColumn(next.range.begin).line ==
                          sources_.lineColumn(token.range.end).line) {
    advance();
    auto quantity = std::make_unique<Expr>(ExprKind::Quantity, rangeFrom(token.range.begin));
    quantity->text = std::string(next.spelling);
    quantity->textRange = next.range;
    quantity->number = expr->number;
    quantity->integer = expr->integer;
    quantity->integral = expr->integral;
    quantity->spelling = expr->spelling;
    return quantity;
  }
  return expr;
}

ExprPtr Parser::parseCall(Name callee) {
  auto expr = std::make_unique<Expr>(ExprKind::Call, callee.range);
  expr->text = callee.text;
  expr->textRange = callee.range;
  BracketScope scope(bracketDepth_);
  advance(); // `(`
  if (!at(TokenKind::RightParen)) {
    if (!parseArgs(expr->args, TokenKind::RightParen, /*allowMapFirst=*/true))
      return nullptr;
  }
  if (!expect(TokenKind::RightParen, "`,` or `)`"))
    return nullptr;
  expr->range = rangeFrom(callee.range.begin);
  return expr;
}

ExprPtr Parser::parseList() {
  SourceLoc begin = peek().range.begin;
  auto expr = std::make_unique<Expr>(ExprKind::List, peek().range);
  BracketScope scope(bracketDepth_);
  advance(); // `[`
  while (!at(TokenKind::RightBracket)) {
    Arg element;
    element.value = parseExpr();
    if (!element.value)
      return nullptr;
    expr->args.push_back(std::move(element));
    if (!consume(TokenKind::Comma))
      break;
  }
  if (!expect(TokenKind::RightBracket, "`,` or `]`"))
    return nullptr;
  expr->range = rangeFrom(begin);
  return expr;
}

ExprPtr Parser::parseMap() {
  SourceLoc begin = peek().range.begin;
  auto expr = std::make_unique<Expr>(ExprKind::Map, peek().range);
  BracketScope scope(bracketDepth_);
  advance(); // `{`
  while (!at(TokenKind::RightBrace)) {
    const Token &key = peek();
    if (!(key.is(TokenKind::String) || key.is(TokenKind::Identifier)) ||
        !peek(1).is(TokenKind::Colon)) {
      errorExpected("a map entry `\"key\": value`");
      return nullptr;
    }
    Arg entry;
    entry.label = {key.is(TokenKind::String) ? key.value : std::string(key.spelling), key.range};
    entry.labelIsString = key.is(TokenKind::String);
    advance();
    advance();
    entry.value = parseExpr();
    if (!entry.value)
      return nullptr;
    expr->args.push_back(std::move(entry));
    if (!consume(TokenKind::Comma))
      break;
  }
  if (!expect(TokenKind::RightBrace, "`,` or `}`"))
    return nullptr;
  expr->range = rangeFrom(begin);
  return expr;
}

} // namespace ftp::lang
