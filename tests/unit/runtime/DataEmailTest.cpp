//===- DataEmailTest.cpp - RFC 822 / MIME decoding ------------------------------===//
//
// Hand-written mails with the text they must give (RFC 2045-2047, 2822), and the pieces:
// quoted-printable, base64, charsets, HTML.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Email.h"

#include <gtest/gtest.h>

using namespace ftp::data;

TEST(DataEmail, FoldedSubjectPlainBodyMboxLine) {
  DecodedEmail mail = decodeEmail("From someone@example.com  Thu Aug 22 13:17:22 2002\n"
                                  "Return-Path: <a@b.c>\n"
                                  "Subject: Hello\n"
                                  "\tworld\n"
                                  "Content-Type: text/plain\n"
                                  "\n"
                                  "Body line one.\n"
                                  "Body   line two.\n");
  EXPECT_EQ(mail.subject, "Hello world");
  EXPECT_EQ(mail.body, "Body line one. Body line two.");
  EXPECT_EQ(emailText(mail, true, true), "Hello world\n\nBody line one. Body line two.");
  EXPECT_EQ(emailText(mail, false, true), "Body line one. Body line two.");
  EXPECT_EQ(emailText(mail, true, false), "Hello world");
  EXPECT_FALSE(mail.stats.multipart);
}

// Repeated headers (Received:) keep the first value; their folded lines must not end the headers.
TEST(DataEmail, RepeatedFoldedHeadersStayInTheHeaderBlock) {
  DecodedEmail mail = decodeEmail("Received: from a\n"
                                  "\tby b with SMTP\n"
                                  "Received: from c [1.2.3.4]\n"
                                  "\tby localhost with POP3 (fetchmail-5.9.0)\n"
                                  "Subject: Life Insurance\n"
                                  "Content-Type: text/html; charset=\"iso-8859-1\"\n"
                                  "Content-Transfer-Encoding: quoted-printable\n"
                                  "\n"
                                  "<HTML><BODY><TD colSpan=3D3>Why pay m=\nore?</TD></BODY></HTML>\n");
  EXPECT_EQ(mail.subject, "Life Insurance");
  EXPECT_EQ(mail.body, "Why pay more?");
  EXPECT_TRUE(mail.stats.htmlOnly);
  EXPECT_TRUE(mail.stats.quotedPrintable);
}

TEST(DataEmail, EncodedWordsInTheSubject) {
  bool encoded = false;
  // Blanks between adjacent encoded-words vanish; ordinary text keeps its blanks.
  EXPECT_EQ(decodeHeader("=?utf-8?Q?Caf=C3=A9_au_lait?= =?ISO-8859-1?B?6Q==?= and more", &encoded),
            "Caf\xC3\xA9 au lait\xC3\xA9 and more");
  EXPECT_TRUE(encoded);
  EXPECT_EQ(decodeHeader("plain =?bogus", &encoded), "plain =?bogus");
  EXPECT_FALSE(encoded);
  DecodedEmail mail = decodeEmail("Subject: =?windows-1252?q?=93quoted=94?=\n\nx\n");
  EXPECT_EQ(mail.subject, "\xE2\x80\x9Cquoted\xE2\x80\x9D");
  EXPECT_TRUE(mail.stats.encodedSubject);
}

TEST(DataEmail, AlternativePrefersPlainText) {
  DecodedEmail mail = decodeEmail("Subject: s\n"
                                  "Content-Type: multipart/alternative; boundary=\"b1\"\n"
                                  "\n"
                                  "preamble is ignored\n"
                                  "--b1\n"
                                  "Content-Type: text/html\n"
                                  "\n"
                                  "<p>HTML version</p>\n"
                                  "--b1\n"
                                  "Content-Type: text/plain; charset=utf-8\n"
                                  "Content-Transfer-Encoding: quoted-printable\n"
                                  "\n"
                                  "Plain =E2=82=AC vers=\n"
                                  "ion\n"
                                  "--b1--\n"
                                  "epilogue is ignored\n");
  EXPECT_EQ(mail.body, "Plain \xE2\x82\xAC version");
  EXPECT_TRUE(mail.stats.multipart);
  EXPECT_TRUE(mail.stats.quotedPrintable);
  EXPECT_FALSE(mail.stats.htmlOnly);
}

TEST(DataEmail, NestedMixedWithHtmlOnlyBase64AndAttachments) {
  DecodedEmail mail = decodeEmail(
      "Subject: offer\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=outer\r\n"
      "\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
      "\r\n"
      "--inner\r\n"
      "Content-Type: text/html; charset=\"windows-1252\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      // base64 of "<b>Gr\x80at</b> deal" in windows-1252 (0x80 is the euro sign)
      "PGI+R3KAYXQ8L2I+IGRlYWw=\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: image/gif; name=x.gif\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "R0lGODlhAQABAAAAACw=\r\n"
      "--outer\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Disposition: attachment; filename=notes.txt\r\n"
      "\r\n"
      "attached notes are dropped\r\n"
      "--outer--\r\n");
  EXPECT_EQ(mail.subject, "offer");
  EXPECT_EQ(mail.body, "Gr\xE2\x82\xAC" "at deal");
  EXPECT_TRUE(mail.stats.htmlOnly);
  EXPECT_TRUE(mail.stats.base64);
  EXPECT_TRUE(mail.stats.converted);
}

// The outer boundary is a prefix of the inner one: only exact delimiter lines split the outer part.
TEST(DataEmail, BoundaryThatPrefixesAnotherBoundary) {
  DecodedEmail mail = decodeEmail("Content-Type: multipart/related; boundary=\"=_P\"\n\n"
                                  "--=_P\n"
                                  "Content-Type: multipart/alternative;\n boundary=\"=_PAA\"\n\n"
                                  "--=_PAA\n"
                                  "Content-Type: text/html\n\n<p>inner html</p>\n"
                                  "--=_PAA--\n"
                                  "--=_P--\n");
  EXPECT_EQ(mail.body, "inner html");
}

TEST(DataEmail, MalformedStructureDegradesToText) {
  // No close delimiter: the last part runs to the end.
  DecodedEmail open = decodeEmail("Content-Type: multipart/mixed; boundary=zz\n\n--zz\n\nfirst\n--zz\n\nsecond\n");
  EXPECT_EQ(open.body, "first second");
  // A multipart whose boundary never occurs: its body is the text.
  DecodedEmail noBoundary = decodeEmail("Content-Type: multipart/mixed; boundary=qq\n\njust text\n");
  EXPECT_EQ(noBoundary.body, "just text");
  // Headers running into the body without a blank line.
  DecodedEmail noBlank = decodeEmail("Subject: hi\nthis line starts the body\n");
  EXPECT_EQ(noBlank.subject, "hi");
  EXPECT_EQ(noBlank.body, "this line starts the body");
  // An image-only mail has no text, which is not an error.
  DecodedEmail image = decodeEmail("Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0K\n");
  EXPECT_TRUE(image.stats.noText);
  EXPECT_EQ(emailText(image, true, true), "");
}

TEST(DataEmail, NotAnEmailIsAnError) {
  EXPECT_THROW(decodeEmail(""), EmailError);
  EXPECT_THROW(decodeEmail("just some text\nwithout headers\n"), EmailError);
  EXPECT_THROW(decodeEmail(std::string("Subj\0ect: x\n\nbody", 17)), EmailError);
}

TEST(DataEmail, QuotedPrintableAndBase64) {
  EXPECT_EQ(decodeQuotedPrintable("a=3Db=\r\nc= \nd=XYe="), "a=bcd=XYe");
  EXPECT_EQ(decodeQuotedPrintable("under_score", /*header=*/true), "under score");
  EXPECT_EQ(decodeBase64("SGVs\r\nbG8=\r\n"), "Hello");
  EXPECT_EQ(decodeBase64("SGVsbG8sIHdvcmxkIQ"), "Hello, world!"); // unpadded
  EXPECT_EQ(decodeBase64("S*GV!sbG8="), "Hello");                 // junk skipped
}

TEST(DataEmail, CharsetsToUtf8) {
  bool known = false;
  EXPECT_EQ(toUtf8("\xE9\x80", "ISO-8859-1", &known), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_TRUE(known);
  EXPECT_EQ(toUtf8("a\xE9" "b", "utf-8"), "a\xC3\xA9" "b"); // a stray latin-1 byte in "UTF-8"
  EXPECT_EQ(toUtf8("\xF0\xD2\xC9\xD7\xC5\xD4", "koi8-r", &known),
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"); // "Привет", through iconv
  EXPECT_FALSE(known);
  EXPECT_EQ(toUtf8("ok\xE9", "x-no-such-charset"), "ok\xC3\xA9");
}

TEST(DataEmail, HtmlToText) {
  std::string html = "<html><head><title>T</title><style>p{color:red}</style></head><body>"
                     "<p>Hi&nbsp;there &amp; <b>W</b>orld</p><script>x('<p>')</script>"
                     "&#8364;&#x41;&bogus; a < b<!-- hidden --></body></html>";
  EXPECT_EQ(collapseWhitespace(htmlToText(html)), "Hi there & World \xE2\x82\xAC" "A&bogus; a < b");
  // An unclosed <style> loses only its tag.
  EXPECT_EQ(collapseWhitespace(htmlToText("<style>text after")), "text after");
  EXPECT_EQ(collapseWhitespace(" a \t\n b\xC2\xA0 c "), "a b c");
}
