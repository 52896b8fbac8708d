//===- Encoding.cpp - transfer encodings, charsets and RFC 2047 header words -----===//
//
// Lenient by design: real mail has stray `=`, base64 with junk, mislabelled charsets. Every decoder
// keeps what it cannot decode (or drops junk) instead of failing.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Email.h"
#include "ftp/data/Sources.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

namespace ftp::data {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

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

// windows-1252 0x80..0x9F; the rest of the byte range is ISO-8859-1 (= Unicode). Undefined
// positions map to U+FFFD.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void appendCp1252(std::string &out, unsigned char c) {
  appendUtf8(out, c >= 0x80 && c < 0xA0 ? kCp1252High[c - 0x80] : c);
}

// Valid UTF-8 kept, each invalid byte read as windows-1252. One pass: binary junk is common.
std::string repairUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    size_t len = utf8SequenceAt(bytes, i);
    if (len == 0) {
      appendCp1252(out, static_cast<unsigned char>(bytes[i]));
      ++i;
    } else {
      out.append(bytes.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool viaIconv(std::string_view bytes, const std::string &charset, std::string &out) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1))
    return false;
  std::string result(bytes.size() * 4 + 16, '\0');
  char *in = const_cast<char *>(bytes.data());
  size_t inLeft = bytes.size();
  char *outPtr = result.data();
  size_t outLeft = result.size();
  bool ok = true;
  while (inLeft > 0) {
    if (iconv(cd, &in, &inLeft, &outPtr, &outLeft) == static_cast<size_t>(-1)) {
      if (errno == E2BIG) {
        ok = false;
        break;
      }
      // An invalid or truncated sequence: U+FFFD for one byte, then go on.
      if (outLeft < 3) {
        ok = false;
        break;
      }
      std::memcpy(outPtr, "\xEF\xBF\xBD", 3);
      outPtr += 3;
      outLeft -= 3;
      ++in;
      --inLeft;
    }
  }
  iconv_close(cd);
  if (!ok)
    return false;
  result.resize(result.size() - outLeft);
  out = repairUtf8(result);
  return true;
}

} // namespace

std::string decodeQuotedPrintable(std::string_view text, bool header) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (header && c == '_') {
      out += ' ';
    } else if (c != '=') {
      out += c;
    } else if (i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else {
      // A soft line break: `=` then optional trailing blanks, then CRLF or LF.
      size_t j = i + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t'))
        ++j;
      if (j < text.size() && text[j] == '\r')
        ++j;
      if (j < text.size() && text[j] == '\n')
        i = j;
      else if (j >= text.size())
        i = j; // `=` at the very end
      else
        out += c; // a stray `=`: kept
    }
  }
  return out;
}

std::string decodeBase64(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+' || c == '-' ? 62
            : c == '/' || c == '_' ? 63
                                   : -1;
    if (c == '=')
      break;
    if (v < 0)
      continue; // line breaks and junk
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string toUtf8(std::string_view bytes, std::string_view charset, bool *known) {
  std::string cs = lower(charset);
  if (known)
    *known = true;
  if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii")
    return repairUtf8(bytes);
  if (cs == "iso-8859-1" || cs == "iso8859-1" || cs == "latin1" || cs == "latin-1" ||
      cs == "windows-1252" || cs == "cp1252" || cs == "iso_8859-1") {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (char c : bytes)
      appendCp1252(out, static_cast<unsigned char>(c));
    return out;
  }
  if (known)
    *known = false;
  std::string out;
  if (viaIconv(bytes, cs, out))
    return out;
  return repairUtf8(bytes);
}

// RFC 2047: =?charset?Q|B?text?=; blanks between two adjacent encoded-words vanish.
std::string decodeHeader(std::string_view value, bool *hadEncodedWords) {
  std::string out;
  bool lastWasEncoded = false;
  bool rawBlank = true; // `raw` holds blanks only
  if (hadEncodedWords)
    *hadEncodedWords = false;
  size_t i = 0;
  std::string raw; // undecoded text since the last encoded-word
  auto flushRaw = [&] {
    out += toUtf8(raw, "");
    raw.clear();
    rawBlank = true;
  };
  while (i < value.size()) {
    if (value.compare(i, 2, "=?") == 0) {
      // An encoded-word is at most 75 characters (RFC 2047); allow more, but not the whole
      // header, so that a run of `=?` stays linear.
      std::string_view word = value.substr(0, i + 1000);
      size_t q1 = word.find('?', i + 2);
      size_t q2 = q1 == std::string_view::npos ? q1 : word.find('?', q1 + 1);
      size_t end = q2 == std::string_view::npos ? q2 : word.find("?=", q2 + 1);
      if (end != std::string_view::npos && q2 == q1 + 2) {
        std::string charset(value.substr(i + 2, q1 - i - 2));
        charset = charset.substr(0, charset.find('*')); // RFC 2231 language suffix
        char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
        std::string_view payload = value.substr(q2 + 1, end - q2 - 1);
        if (encoding == 'Q' || encoding == 'B') {
          if (!(lastWasEncoded && rawBlank))
            flushRaw();
          raw.clear();
          rawBlank = true;
          std::string bytes = encoding == 'Q' ? decodeQuotedPrintable(payload, /*header=*/true)
                                              : decodeBase64(payload);
          out += toUtf8(bytes, charset);
          if (hadEncodedWords)
            *hadEncodedWords = true;
          lastWasEncoded = true;
          i = end + 2;
          continue;
        }
      }
    }
    char c = value[i++];
    raw += c;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      rawBlank = false;
      lastWasEncoded = false;
    }
  }
  flushRaw();
  return out;
}

std::string collapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool blank = false;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    // U+00A0 (no-break space) too: HTML's &nbsp; decodes to it.
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      space = true;
      ++i;
    }
    if (space) {
      blank = !out.empty();
      continue;
    }
    if (blank)
      out += ' ';
    blank = false;
    out += static_cast<char>(c);
  }
  return out;
}

} // namespace ftp::data
