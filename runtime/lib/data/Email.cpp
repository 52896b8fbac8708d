//===- Email.cpp - RFC 822 headers and MIME structure ----------------------------===//
//
// The walk over the MIME tree returns the text of each entity: text/plain as is, text/html
// stripped; multipart/alternative takes its first plain alternative with text (else its first
// HTML one), other multiparts join their parts' text, message/rfc822 recurses into the message.
// Attachments and non-text parts are dropped. Malformed structure degrades to plain text: a
// multipart without a boundary (or without any boundary line in the body) is read as text/plain.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Email.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

namespace ftp::data {
namespace {

constexpr int kMaxDepth = 32; // nested multiparts beyond this are dropped (hostile input)

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

struct Entity {
  std::map<std::string, std::string> headers; // lowercased name -> unfolded value (first wins)
  std::string_view body;
  bool sawHeader = false;
};

// `Name: value` with a name of printable ASCII other than `:`.
bool isHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos)
    return false;
  for (size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127)
      return false;
  }
  return true;
}

// Headers up to the first blank line (or the first line that is not a header: malformed mail
// that starts its body without one). An mbox `From ` line at the very start is skipped.
Entity parseEntity(std::string_view raw) {
  Entity entity;
  size_t pos = 0;
  std::string *last = nullptr;
  bool first = true;
  while (pos < raw.size()) {
    size_t end = raw.find('\n', pos);
    size_t next = end == std::string_view::npos ? raw.size() : end + 1;
    std::string_view line = raw.substr(pos, next - pos);
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
      content.remove_suffix(1);
    if (content.empty()) {
      pos = next;
      break;
    }
    if (first && content.substr(0, 5) == "From ") {
      first = false;
      pos = next;
      continue;
    }
    first = false;
    if ((content[0] == ' ' || content[0] == '\t') && entity.sawHeader) {
      if (last) { // else the continuation of a repeated header (Received:), dropped with it
        *last += ' ';
        *last += trim(content);
      }
    } else if (isHeaderLine(content)) {
      size_t colon = content.find(':');
      auto [it, inserted] =
          entity.headers.emplace(lower(content.substr(0, colon)), trim(content.substr(colon + 1)));
      last = inserted ? &it->second : nullptr; // a repeated header's continuation is dropped too
      entity.sawHeader = true;
    } else {
      break; // the body begins without a blank line
    }
    pos = next;
  }
  entity.body = raw.substr(std::min(pos, raw.size()));
  return entity;
}

struct ContentType {
  std::string type = "text", subtype = "plain";
  std::map<std::string, std::string> params;
};

ContentType parseContentType(const std::string &value) {
  ContentType ct;
  std::string_view v = value;
  size_t semi = v.find(';');
  std::string_view media = trim(v.substr(0, semi));
  size_t slash = media.find('/');
  if (slash != std::string_view::npos) {
    ct.type = lower(trim(media.substr(0, slash)));
    ct.subtype = lower(trim(media.substr(slash + 1)));
  } else if (!media.empty()) {
    ct.type = lower(media); // e.g. "text" alone
    ct.subtype = "plain";
  }
  while (semi != std::string_view::npos) {
    v.remove_prefix(semi + 1);
    size_t eq = v.find('=');
    if (eq == std::string_view::npos)
      break;
    std::string key = lower(trim(v.substr(0, eq)));
    v.remove_prefix(eq + 1);
    v = v.substr(v.find_first_not_of(" \t") == std::string_view::npos ? v.size()
                                                                       : v.find_first_not_of(" \t"));
    std::string val;
    if (!v.empty() && v[0] == '"') {
      size_t close = v.find('"', 1);
      val = std::string(v.substr(1, close == std::string_view::npos ? v.npos : close - 1));
      v.remove_prefix(close == std::string_view::npos ? v.size() : close + 1);
      semi = v.find(';');
    } else {
      semi = v.find(';');
      val = std::string(trim(v.substr(0, semi)));
    }
    ct.params.emplace(key, val);
  }
  return ct;
}

// The parts between `--boundary` lines; empty when no delimiter line is found.
std::vector<std::string_view> splitMultipart(std::string_view body, const std::string &boundary) {
  std::vector<std::string_view> parts;
  std::string delimiter = "--" + boundary;
  size_t partStart = std::string_view::npos;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('\n', pos);
    size_t next = end == std::string_view::npos ? body.size() + 1 : end + 1;
    std::string_view line = body.substr(pos, std::min(next, body.size()) - pos);
    // The delimiter, then `--` (the close delimiter) or only blanks: a longer boundary that
    // begins with this one (nested parts often do) is not a delimiter of this multipart.
    std::string_view rest =
        line.substr(0, delimiter.size()) == delimiter ? line.substr(delimiter.size()) : "x";
    bool close = rest.substr(0, 2) == "--";
    if (close || rest.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      if (partStart != std::string_view::npos)
        parts.push_back(body.substr(partStart, pos - partStart));
      if (close)
        return parts; // the epilogue is ignored
      partStart = std::min(next, body.size());
    }
    pos = next;
  }
  if (partStart != std::string_view::npos) // no close delimiter: the last part runs to the end
    parts.push_back(body.substr(partStart));
  return parts;
}

struct Text {
  std::string text;
  bool html = false; // came from text/html only
  bool any = false;  // some text part was found
};

std::string header(const Entity &entity, const char *name) {
  auto it = entity.headers.find(name);
  return it == entity.headers.end() ? std::string() : it->second;
}

Text walk(const Entity &entity, int depth, EmailStats &stats, bool top) {
  Text result;
  if (depth > kMaxDepth)
    return result;
  ContentType ct = parseContentType(header(entity, "content-type"));
  if (ct.type == "multipart") {
    stats.multipart = true;
    auto boundary = ct.params.find("boundary");
    std::vector<std::string_view> parts;
    if (boundary != ct.params.end() && !boundary->second.empty())
      parts = splitMultipart(entity.body, boundary->second);
    if (!parts.empty()) {
      std::vector<Text> texts;
      for (std::string_view part : parts)
        texts.push_back(walk(parseEntity(part), depth + 1, stats, false));
      if (ct.subtype == "alternative") {
        for (bool wantHtml : {false, true})
          for (Text &t : texts)
            if (t.any && t.html == wantHtml && !collapseWhitespace(t.text).empty())
              return std::move(t);
        for (Text &t : texts)
          if (t.any)
            return std::move(t);
        return result;
      }
      result.html = true;
      for (Text &t : texts)
        if (t.any) {
          if (result.any)
            result.text += "\n";
          result.text += t.text;
          result.any = true;
          result.html = result.html && t.html;
        }
      if (!result.any)
        result.html = false;
      return result;
    }
    ct.type = "text"; // a multipart without its parts: read the body as text
    ct.subtype = "plain";
  }
  if (ct.type == "message" && ct.subtype == "rfc822")
    return walk(parseEntity(entity.body), depth + 1, stats, false);
  std::string disposition = lower(header(entity, "content-disposition"));
  bool attachment = !top && disposition.rfind("attachment", 0) == 0;
  if (ct.type != "text" || attachment)
    return result;
  std::string encoding = lower(trim(header(entity, "content-transfer-encoding")));
  std::string bytes;
  if (encoding == "quoted-printable") {
    stats.quotedPrintable = true;
    bytes = decodeQuotedPrintable(entity.body);
  } else if (encoding == "base64") {
    stats.base64 = true;
    bytes = decodeBase64(entity.body);
  } else {
    bytes = std::string(entity.body);
  }
  std::string charset = lower(ct.params.count("charset") ? ct.params["charset"] : "");
  bool known = true;
  result.text = toUtf8(bytes, charset, &known);
  if (!known)
    stats.unknownCharset = true;
  if (!charset.empty() && charset != "utf-8" && charset != "us-ascii")
    stats.converted = true;
  if (ct.subtype == "html") {
    result.text = htmlToText(result.text);
    result.html = true;
  }
  result.any = true;
  return result;
}

} // namespace

DecodedEmail decodeEmail(std::string_view raw) {
  if (raw.find('\0') != std::string_view::npos) {
    // NUL bytes are legal only inside a binary attachment's encoding, never in a header block.
    std::string_view head = raw.substr(0, raw.find("\n\n"));
    if (head.find('\0') != std::string_view::npos)
      throw EmailError("NUL bytes in the header block; not an e-mail");
  }
  Entity entity = parseEntity(raw);
  if (!entity.sawHeader)
    throw EmailError("no header block (`Name: value` lines); not an e-mail");
  DecodedEmail mail;
  mail.subject = collapseWhitespace(decodeHeader(header(entity, "subject"), &mail.stats.encodedSubject));
  Text text = walk(entity, 0, mail.stats, true);
  mail.body = collapseWhitespace(text.text);
  mail.stats.htmlOnly = text.any && text.html;
  mail.stats.noText = !text.any;
  return mail;
}

std::string emailText(const DecodedEmail &mail, bool subject, bool body) {
  std::string out = subject ? mail.subject : std::string();
  if (body && !mail.body.empty()) {
    if (!out.empty())
      out += "\n\n";
    out += mail.body;
  }
  return out;
}

} // namespace ftp::data
