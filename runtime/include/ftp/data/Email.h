//===- Email.h - raw RFC 822 / MIME e-mail to the text a classifier sees ---------===//
//
// decodeEmail unfolds the headers, decodes the Subject (RFC 2047 encoded-words), walks MIME
// multiparts recursively, undoes quoted-printable and base64, converts the charset to UTF-8 and
// strips HTML. text/plain is preferred over text/html within multipart/alternative; other parts
// (images, attachments) are dropped. Real mail is often malformed (missing boundaries, bad
// base64, wrong charsets), so the decoder takes what it can rather than fail; it throws EmailError
// only for input that is not an e-mail at all (NUL bytes, no header block).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ftp::data {

struct EmailError : std::runtime_error {
  using runtime_error::runtime_error;
};

/// What the decoder met in one mail (for the data report).
struct EmailStats {
  bool multipart = false;
  bool htmlOnly = false;        // the body came from text/html only
  bool base64 = false;          // a text part was base64-encoded
  bool quotedPrintable = false; // a text part was quoted-printable
  bool converted = false;       // a charset other than UTF-8/US-ASCII was converted
  bool unknownCharset = false;  // a charset decoded best-effort (iconv, else windows-1252)
  bool encodedSubject = false;  // the Subject had RFC 2047 encoded-words
  bool noText = false;          // no text part at all (e.g. an image-only mail)
};

struct DecodedEmail {
  std::string subject; // UTF-8, whitespace collapsed
  std::string body;    // UTF-8, whitespace collapsed
  EmailStats stats;
};

DecodedEmail decodeEmail(std::string_view raw);

/// "subject\n\nbody" with the parts asked for (just one of them when the other is empty or off).
std::string emailText(const DecodedEmail &mail, bool subject, bool body);

// The pieces, for tests.
std::string decodeQuotedPrintable(std::string_view text, bool header = false);
std::string decodeBase64(std::string_view text);
/// A header value with RFC 2047 encoded-words (=?charset?Q|B?...?=) decoded to UTF-8.
std::string decodeHeader(std::string_view value, bool *hadEncodedWords = nullptr);
/// Bytes in `charset` to UTF-8. UTF-8 and US-ASCII are kept where valid; ISO-8859-1 and
/// windows-1252 are mapped by table (ISO-8859-1 as windows-1252, as browsers do); other charsets
/// go through iconv. Whatever is still invalid is read as windows-1252. `*known` is false when
/// the charset is not one of the tabled ones.
std::string toUtf8(std::string_view bytes, std::string_view charset, bool *known = nullptr);
/// Text of an HTML document: scripts, styles, comments and tags removed, entities decoded.
std::string htmlToText(std::string_view html);
/// Runs of whitespace become one space; leading and trailing whitespace goes.
std::string collapseWhitespace(std::string_view text);

} // namespace ftp::data
