//===- Html.cpp - the visible text of an HTML mail body --------------------------===//
//
// Not an HTML parser: a single pass that drops comments, <script>/<style>/<head> content and
// tags, turns block-level tags into line breaks and decodes entities. Spam HTML is often broken,
// so an unclosed tag or comment just ends the text.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Email.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace ftp::data {
namespace {

bool startsWithNoCase(std::string_view s, size_t at, std::string_view prefix) {
  if (at + prefix.size() > s.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[at + i])) != prefix[i])
      return false;
  return true;
}

size_t findNoCase(std::string_view s, size_t from, std::string_view needle) {
  for (size_t i = from; i + needle.size() <= s.size(); ++i)
    if (startsWithNoCase(s, i, needle))
      return i;
  return std::string_view::npos;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
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

struct NamedEntity {
  const char *name;
  uint32_t codePoint;
};
// The entities mail actually uses; an unknown one is kept as written.
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},     {"reg", 0xAE},     {"trade", 0x2122}, {"euro", 0x20AC},
    {"pound", 0xA3},   {"yen", 0xA5},      {"cent", 0xA2},    {"sect", 0xA7},    {"deg", 0xB0},
    {"middot", 0xB7},  {"bull", 0x2022},   {"hellip", 0x2026}, {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"laquo", 0xAB},
    {"raquo", 0xBB},   {"times", 0xD7},    {"divide", 0xF7},  {"plusmn", 0xB1},  {"frac12", 0xBD},
    {"eacute", 0xE9},  {"egrave", 0xE8},   {"aacute", 0xE1},  {"agrave", 0xE0},  {"uuml", 0xFC},
    {"ouml", 0xF6},    {"auml", 0xE4},     {"szlig", 0xDF},   {"ccedil", 0xE7},  {"ntilde", 0xF1},
    {"iexcl", 0xA1},   {"iquest", 0xBF},   {"shy", 0xAD},     {"ensp", 0x2002},  {"emsp", 0x2003},
    {"thinsp", 0x2009}};

// Decodes the entity at s[i] == '&'; returns the characters consumed, 0 if it is not one.
size_t decodeEntity(std::string_view s, size_t i, std::string &out) {
  size_t semi = s.substr(0, i + 13).find(';', i + 1); // entity names are short: look no further
  if (semi == std::string_view::npos)
    return 0;
  std::string_view name = s.substr(i + 1, semi - i - 1);
  if (!name.empty() && name[0] == '#') {
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    std::string digits(name.substr(hex ? 2 : 1));
    if (digits.empty() ||
        digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
      return 0;
    appendUtf8(out, static_cast<uint32_t>(std::strtoul(digits.c_str(), nullptr, hex ? 16 : 10)));
    return semi - i + 1;
  }
  for (const auto &entity : kEntities)
    if (name == entity.name) {
      appendUtf8(out, entity.codePoint);
      return semi - i + 1;
    }
  return 0;
}

// Tags after which the text breaks (a line), so words of two paragraphs do not run together.
bool isBlockTag(std::string_view tag) {
  static constexpr std::string_view kBlocks[] = {"br", "p", "div", "tr", "td", "th", "li", "ul",
                                                 "ol", "table", "h1", "h2", "h3", "h4", "h5",
                                                 "h6", "hr", "blockquote", "pre", "title"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), tag) != std::end(kBlocks);
}

} // namespace

std::string htmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  size_t i = 0;
  // Element names whose close tag no longer occurs: searched once, so that many unclosed
  // <script>s stay linear.
  std::vector<std::string> neverClosed;
  while (i < html.size()) {
    char c = html[i];
    if (c == '&') {
      size_t used = decodeEntity(html, i, out);
      if (used == 0)
        out += c, used = 1;
      i += used;
      continue;
    }
    if (c != '<') {
      out += c;
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    // A tag: its name, lowercased.
    size_t j = i + 1;
    bool closing = j < html.size() && html[j] == '/';
    if (closing)
      ++j;
    std::string name;
    while (j < html.size() && (std::isalnum(static_cast<unsigned char>(html[j])) || html[j] == '!'))
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[j++])));
    if (name.empty() && !closing) {
      out += c; // a lone `<`, as in "a < b"
      ++i;
      continue;
    }
    size_t end = html.find('>', j);
    i = end == std::string_view::npos ? html.size() : end + 1;
    if (!closing && (name == "script" || name == "style" || name == "head")) {
      bool known = std::find(neverClosed.begin(), neverClosed.end(), name) != neverClosed.end();
      size_t close = known ? std::string_view::npos : findNoCase(html, i, "</" + name);
      if (close == std::string_view::npos) {
        if (!known)
          neverClosed.push_back(name);
        continue; // never closed: drop the tag alone, not the rest of the mail
      }
      size_t after = html.find('>', close);
      i = after == std::string_view::npos ? html.size() : after + 1;
      continue;
    }
    // Inline tags (<b>, <a>, <font>) may split a word ("<b>W</b>ord"), so only block tags break.
    if (isBlockTag(name))
      out += '\n';
  }
  return out;
}

} // namespace ftp::data
