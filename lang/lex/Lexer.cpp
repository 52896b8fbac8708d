//===- Lexer.cpp - hand-written lexer for .ftp files ----------------------------===//

#include "lang/lex/Lexer.h"

#include <fmt/format.h>

namespace ftp::lang {
namespace {

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentContinue(char c) { return isIdentStart(c) || isDigit(c); }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Encodes a code point as UTF-8 (the caller has checked that it is a valid scalar value).
void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

} // namespace

const char *tokenKindDescription(TokenKind kind) {
  switch (kind) {
#define TOKEN(Name, Description)                                                                   \
  case TokenKind::Name:                                                                            \
    return Description;
#define PUNCT(Name, Spelling)                                                                      \
  case TokenKind::Name:                                                                            \
    return "`" Spelling "`";
#include "lang/lex/TokenKinds.def"
  }
  return "token";
}

const char *tokenKindName(TokenKind kind) {
  switch (kind) {
#define TOKEN(Name, Description)                                                                   \
  case TokenKind::Name:                                                                            \
    return #Name;
#include "lang/lex/TokenKinds.def"
  }
  return "Invalid";
}

Lexer::Lexer(uint32_t file, const SourceManager &sources, DiagnosticEngine &diagnostics)
    : file_(file), text_(sources.text(file)), diagnostics_(diagnostics) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") // a UTF-8 byte-order mark is allowed and skipped
    pos_ = 3;
}

std::vector<Token> Lexer::lexAll() {
  std::vector<Token> tokens;
  do
    tokens.push_back(next());
  while (!tokens.back().is(TokenKind::EndOfFile));
  return tokens;
}

Token Lexer::make(TokenKind kind, uint32_t begin) {
  Token token;
  token.kind = kind;
  token.range = SourceRange(loc(begin), loc(pos_));
  token.spelling = text_.substr(begin, pos_ - begin);
  return token;
}

uint32_t Lexer::utf8Length(uint32_t at, bool report) {
  auto byte = [&](uint32_t i) -> unsigned char { return i < text_.size() ? text_[i] : 0; };
  unsigned char lead = byte(at);
  uint32_t length;
  uint32_t cp;
  if (lead < 0x80)
    return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
  } else {
    length = 0;
  }
  for (uint32_t i = 1; i < length; ++i) {
    unsigned char c = byte(at + i);
    if ((c & 0xC0) != 0x80) {
      length = 0;
      break;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if (length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
    length = 0;
  if (length == 4 && (cp < 0x10000 || cp > 0x10FFFF))
    length = 0;
  if (length == 0 && report)
    diagnostics_.report(SourceRange(loc(at), loc(at + 1)), DiagKind::InvalidUtf8,
                        static_cast<unsigned>(lead));
  return length;
}

Token Lexer::next() {
  // Skip horizontal whitespace.
  while (pos_ < text_.size() &&
         (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\f' || text_[pos_] == '\v'))
    ++pos_;
  uint32_t begin = pos_;
  if (pos_ >= text_.size())
    return make(TokenKind::EndOfFile, begin);

  char c = text_[pos_];
  if (c == '\n' || c == '\r') {
    pos_ += (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ? 2 : 1;
    return make(TokenKind::Newline, begin);
  }
  if (c == '#')
    return lexComment(begin);
  if (isIdentStart(c))
    return lexIdentifier(begin);
  if (isDigit(c))
    return lexNumber(begin);
  if (c == '"')
    return lexString(begin);

  ++pos_;
  switch (c) {
#define PUNCT(Name, Spelling)                                                                      \
  case Spelling[0]:                                                                                \
    return make(TokenKind::Name, begin);
#include "lang/lex/TokenKinds.def"
  default:
    break;
  }

  // Anything else is an error: report it once and return an Invalid token that the parser skips.
  pos_ = begin;
  uint32_t length = utf8Length(begin, /*report=*/true);
  if (length == 0) {
    pos_ = begin + 1;
    return make(TokenKind::Invalid, begin);
  }
  pos_ = begin + length;
  std::string shown = static_cast<unsigned char>(c) < 0x20 || c == 0x7F
                          ? fmt::format("U+{:04X}", static_cast<unsigned>(c))
                          : std::string(text_.substr(begin, length));
  diagnostics_.report(SourceRange(loc(begin), loc(pos_)), DiagKind::UnexpectedCharacter, shown);
  return make(TokenKind::Invalid, begin);
}

Token Lexer::lexComment(uint32_t begin) {
  while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') {
    uint32_t length = utf8Length(pos_, /*report=*/true);
    pos_ += length ? length : 1;
  }
  return make(TokenKind::Comment, begin);
}

Token Lexer::lexIdentifier(uint32_t begin) {
  while (pos_ < text_.size() && isIdentContinue(text_[pos_]))
    ++pos_;
  return make(TokenKind::Identifier, begin);
}

Token Lexer::lexNumber(uint32_t begin) {
  std::string problem;
  auto digits = [&] {
    // Digits with `_` separators between them (10_000).
    bool lastWasDigit = false;
    while (pos_ < text_.size() && (isDigit(text_[pos_]) || text_[pos_] == '_')) {
      if (text_[pos_] == '_' && !lastWasDigit && problem.empty())
        problem = "a digit separator `_` must stand between digits";
      lastWasDigit = text_[pos_] != '_';
      ++pos_;
    }
    if (!lastWasDigit && problem.empty())
      problem = "a digit separator `_` must stand between digits";
  };

  TokenKind kind = TokenKind::Integer;
  digits();
  if (pos_ + 1 < text_.size() && text_[pos_] == '.' && isDigit(text_[pos_ + 1])) {
    kind = TokenKind::Float;
    ++pos_;
    digits();
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    uint32_t exponent = pos_ + 1;
    if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-'))
      ++exponent;
    if (exponent < text_.size() && isDigit(text_[exponent])) {
      kind = TokenKind::Float;
      pos_ = exponent;
      digits();
    } else if (problem.empty()) {
      problem = "the exponent needs digits, as in `5e-5`";
    }
  }
  // `12ab` or `5e` is one malformed number, not a number followed by a name.
  if (pos_ < text_.size() && isIdentContinue(text_[pos_])) {
    while (pos_ < text_.size() && isIdentContinue(text_[pos_]))
      ++pos_;
    if (problem.empty())
      problem = "a number cannot be followed directly by letters";
  }
  Token token = make(kind, begin);
  if (!problem.empty()) {
    diagnostics_.report(token.range, DiagKind::InvalidNumber, std::string(token.spelling), problem);
    token.kind = TokenKind::Invalid;
  }
  return token;
}

Token Lexer::lexString(uint32_t begin) {
  ++pos_; // opening quote
  std::string value;
  unsigned errorsBefore = diagnostics_.errorCount();
  while (true) {
    if (pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r') {
      diagnostics_.report(SourceRange(loc(begin), loc(pos_)), DiagKind::UnterminatedString);
      Token token = make(TokenKind::String, begin);
      token.value = std::move(value);
      token.malformed = true;
      return token;
    }
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      break;
    }
    if (c != '\\') {
      uint32_t length = utf8Length(pos_, /*report=*/true);
      if (length == 0) {
        ++pos_;
        continue;
      }
      value.append(text_.substr(pos_, length));
      pos_ += length;
      continue;
    }
    // Escape sequence.
    uint32_t escape = pos_;
    ++pos_;
    char e = pos_ < text_.size() ? text_[pos_] : '\0';
    switch (e) {
    case '\\':
    case '"':
      value += e;
      ++pos_;
      continue;
    case 'n':
      value += '\n';
      ++pos_;
      continue;
    case 't':
      value += '\t';
      ++pos_;
      continue;
    case 'u': {
      uint32_t p = pos_ + 1;
      uint32_t cp = 0;
      uint32_t hexDigits = 0;
      bool ok = p < text_.size() && text_[p] == '{';
      if (ok) {
        ++p;
        while (p < text_.size() && isHex(text_[p]) && hexDigits < 6) {
          char h = text_[p++];
          cp = cp * 16 + (isDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          ++hexDigits;
        }
        ok = hexDigits > 0 && p < text_.size() && text_[p] == '}' && cp <= 0x10FFFF &&
             !(cp >= 0xD800 && cp <= 0xDFFF);
      }
      if (ok) {
        appendUtf8(value, cp);
        pos_ = p + 1;
        continue;
      }
      // Report the malformed `\u...` up to the closing brace if there is one on this line.
      uint32_t end = pos_ + 1;
      while (end < text_.size() && end < p + 1 && text_[end] != '"' && text_[end] != '\n')
        ++end;
      diagnostics_.report(SourceRange(loc(escape), loc(end)), DiagKind::InvalidEscape,
                          std::string(text_.substr(escape + 1, end - escape - 1)));
      pos_ = end;
      continue;
    }
    default: {
      if (e == '\n' || e == '\r' || pos_ >= text_.size())
        continue; // the unterminated-string check above reports it
      uint32_t length = utf8Length(pos_, /*report=*/false);
      if (length == 0)
        length = 1;
      diagnostics_.report(SourceRange(loc(escape), loc(pos_ + length)), DiagKind::InvalidEscape,
                          std::string(text_.substr(pos_, length)));
      pos_ += length;
      continue;
    }
    }
  }
  Token token = make(TokenKind::String, begin);
  token.value = std::move(value);
  token.malformed = diagnostics_.errorCount() != errorsBefore; // a bad escape or byte inside
  return token;
}

} // namespace ftp::lang
