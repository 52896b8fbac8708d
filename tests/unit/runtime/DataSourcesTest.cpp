//===- DataSourcesTest.cpp - csv and jsonl readers ------------------------------===//
//
// Inputs written by hand with the records they must give, from RFC 4180 and the JSON Lines
// format; errors must name the file and the line.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Sources.h"

#include <gtest/gtest.h>

using namespace ftp::data;

namespace {

std::vector<Record> csv(std::string_view content, TableOptions options, DataReport *report = nullptr) {
  std::vector<Record> out;
  DataReport local;
  readCsv(content, "/d/t.csv", options, out, report ? *report : local);
  return out;
}

TableOptions textLabel(std::vector<std::string> labels = {}) {
  TableOptions o;
  o.textField = "text";
  o.labelField = "label";
  o.labels = std::move(labels);
  return o;
}

std::string csvError(std::string_view content, TableOptions options) {
  try {
    csv(content, options);
  } catch (const DataError &e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(DataCsv, QuotesDoubledQuotesEmbeddedNewlinesAndCrlf) {
  auto records = csv("id,text,label\r\n"
                     "1,plain,ham\r\n"
                     "2,\"with, comma\",spam\r\n"
                     "3,\"say \"\"hi\"\"\",ham\r\n"
                     "4,\"two\r\nlines\",spam\r\n"
                     "5,last without newline,ham",
                     textLabel());
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].text, "plain");
  EXPECT_EQ(records[0].label, "ham");
  EXPECT_EQ(records[0].origin, "t.csv:2");
  EXPECT_EQ(records[1].text, "with, comma");
  EXPECT_EQ(records[2].text, "say \"hi\"");
  EXPECT_EQ(records[3].text, "two\r\nlines");
  EXPECT_EQ(records[3].origin, "t.csv:5");
  // The record after a two-line field starts on line 7.
  EXPECT_EQ(records[4].text, "last without newline");
  EXPECT_EQ(records[4].origin, "t.csv:7");
}

TEST(DataCsv, DelimiterBlankLinesAndBom) {
  TableOptions o = textLabel();
  o.delimiter = ';';
  EXPECT_EQ(csvError("text;label\na;b;x\n", o),
            "/d/t.csv:2: data row 1: 3 fields, but the header has 2");
  auto ok = csv("\xEF\xBB\xBFtext;label\n\nhello;x\n\n\"c;d\";y\n", o);
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].text, "hello");
  EXPECT_EQ(ok[0].origin, "t.csv:3");
  EXPECT_EQ(ok[1].text, "c;d");
  EXPECT_EQ(ok[1].label, "y");
}

TEST(DataCsv, ErrorsNameFileLineAndDataRow) {
  EXPECT_EQ(csvError("text,label\na,ham\n\"open,ham\n", textLabel()),
            "/d/t.csv:3: data row 2: a quoted field is not closed before the end of the file");
  EXPECT_EQ(csvError("body,label\na,ham\n", textLabel()),
            "/d/t.csv: the header (line 1) has no column `text`");
  EXPECT_EQ(csvError("text,label\na,ham\nb,eggs\n", textLabel({"ham", "spam"})),
            "/d/t.csv:3: data row 2: label `eggs` is not one of `labels`");
  EXPECT_EQ(csvError("text,label\n\xC3\x28,ham\n", textLabel()),
            "/d/t.csv:2: data row 1: invalid UTF-8 (byte 1 of a field)");
  EXPECT_EQ(csvError("", textLabel()), "/d/t.csv: no header row");
}

TEST(DataCsv, SkipCountsBadRowsWithTheirLines) {
  TableOptions o = textLabel({"ham"});
  o.onError = OnError::Skip;
  DataReport report;
  auto records = csv("text,label\na,ham\nb,spam\nc\nd,ham\n", o, &report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].text, "d");
  EXPECT_EQ(report.read, 4);
  EXPECT_EQ(report.skippedTotal(), 2);
  EXPECT_EQ(report.skipped["label not in labels"].first, std::vector<std::string>{"t.csv:3"});
  EXPECT_EQ(report.skipped["wrong field count"].first, std::vector<std::string>{"t.csv:4"});
}

TEST(DataJsonl, RecordsBlankLinesAndErrors) {
  TableOptions o = textLabel();
  std::vector<Record> out;
  DataReport report;
  readJsonl("{\"text\":\"caf\\u00e9\",\"label\":\"a\",\"x\":1}\n\n  \r\n{\"label\":\"b\",\"text\":\"two\"}",
            "/d/r.jsonl", o, out, report);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].text, "caf\xC3\xA9");
  EXPECT_EQ(out[1].text, "two");
  EXPECT_EQ(out[1].label, "b");
  EXPECT_EQ(out[1].origin, "r.jsonl:4");

  auto error = [&](std::string_view content) -> std::string {
    std::vector<Record> ignored;
    try {
      readJsonl(content, "/d/r.jsonl", o, ignored, report);
    } catch (const DataError &e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":5,\"label\":\"x\"}\n"),
            "/d/r.jsonl:2: no string field `text`");
  EXPECT_EQ(error("{\"text\":\"a\"}\n"), "/d/r.jsonl:1: no string field `label`");
  EXPECT_EQ(error("[1]\n"), "/d/r.jsonl:1: expected a JSON object");
  EXPECT_EQ(error("\n{\"text\": \"a\",\n").rfind("/d/r.jsonl:2: malformed JSON: ", 0), 0u);
}

TEST(DataUtf8, Validation) {
  size_t bad = 0;
  EXPECT_TRUE(isValidUtf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(isValidUtf8("ab\xC0\xAF", &bad)); // overlong '/'
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80", &bad)); // a surrogate
  EXPECT_FALSE(isValidUtf8("\xE2\x82", &bad));     // truncated
  EXPECT_FALSE(isValidUtf8("\xF5\x80\x80\x80", &bad));
}
