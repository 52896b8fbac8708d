//===- DataLoadTest.cpp - loadDataset end to end --------------------------------===//
//
// A text folder of hand-written mails through email_text, deidentify, filter and split; errors
// and on_error: skip; the report never holding text; and the real SpamAssassin corpus (a
// fixture), which must decode completely.
//
//===----------------------------------------------------------------------------------------===//

#include "DataTestSupport.h"

#include "../Fixtures.h"

#include "ftp/data/Dataset.h"

#include <chrono>
#include <cstdio>

using namespace ftp::data;
using ftp::data::testing::TempDir;
using json = nlohmann::json;

namespace {

std::string mail(const std::string &subject, const std::string &body) {
  return "From x@y  Mon Jan  1 00:00:00 2002\nSubject: " + subject +
         "\nContent-Type: text/plain\n\n" + body + "\n";
}

json folderPlan(const std::string &path, json transforms, const std::string &onError = "fail") {
  return {{"name", "mail"},
          {"source", {{"fn", "textfolder"}, {"path", "m"}, {"labels", {{"*ham*", "ham"}, {"spam", "spam"}}},
                      {"files", "*.eml"}, {"on_error", onError}}},
          {"resolved_path", path},
          {"transforms", transforms},
          {"labels", {"ham", "spam"}},
          {"splits", json::array()}};
}

std::string loadError(const json &plan, const LoadOptions &options = {}) {
  try {
    loadDataset(plan, options);
  } catch (const DataError &e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(DataLoad, MailsThroughEmailTextAndDeidentify) {
  TempDir dir;
  dir.write("easy-ham/b.eml", mail("Lunch", "Write to bob@example.com or call 555-123-4567."));
  dir.write("easy-ham/a.eml", mail("Re: notes", "See   http://example.org/x today."));
  dir.write("easy-ham/ignored.txt", "not matched by files: *.eml");
  dir.write("spam/c.eml", mail("=?utf-8?B?V0lOIE5PVw==?=", "Server 10.0.0.1 says hi"));
  json plan = folderPlan(dir.path(), {{{"fn", "email_text"}, {"subject", true}, {"body", true}},
                                      {{"fn", "deidentify"}, {"kinds", {"email", "phone", "ip", "url"}}, {"mode", "mask"}}});
  LoadedDataset d = loadDataset(plan, {});
  ASSERT_EQ(d.splits.size(), 1u);
  EXPECT_EQ(d.splits[0].first, "");
  const auto &all = d.part("");
  ASSERT_EQ(all.size(), 3u);
  // Sorted by path; labels are indices into ["ham", "spam"].
  EXPECT_EQ(all[0].origin, "easy-ham/a.eml");
  EXPECT_EQ(all[0].text, "Re: notes\n\nSee <URL> today.");
  EXPECT_EQ(all[0].label, 0);
  EXPECT_EQ(all[1].text, "Lunch\n\nWrite to <EMAIL> or call <PHONE>.");
  EXPECT_EQ(all[2].origin, "spam/c.eml");
  EXPECT_EQ(all[2].text, "WIN NOW\n\nServer <IP> says hi");
  EXPECT_EQ(all[2].label, 1);
  EXPECT_EQ(d.report.read, 3);
  EXPECT_EQ(d.report.deid.at("EMAIL"), 1);
  EXPECT_EQ(d.report.deid.at("PHONE"), 1);
  EXPECT_EQ(d.report.deid.at("IP"), 1);
  EXPECT_EQ(d.report.deid.at("URL"), 1);
  EXPECT_EQ(d.report.email.at("decoded"), 3);
  EXPECT_EQ(d.report.email.at("encoded_subject"), 1);
  ASSERT_EQ(d.filesRead.size(), 3u);
  EXPECT_EQ(d.filesRead[0], dir.path() + "/easy-ham/a.eml");

  // The report has counts and origins only: no subject, body or personal data.
  std::string report = d.report.toJson().dump();
  for (const char *secret : {"bob@example.com", "Lunch", "notes", "10.0.0.1", "WIN"})
    EXPECT_EQ(report.find(secret), std::string::npos) << secret;
}

// Operators per kind: masked by default, e-mail addresses hashed (a keyed pseudonym, the same for
// the same address), URLs kept but counted, IPs redacted.
TEST(DataLoad, DeidentifyOperatorsPerKind) {
  TempDir dir;
  dir.write("ham/a.eml", mail("Hi", "Mail bob@example.com, see http://example.org/x or call 555-123-4567."));
  dir.write("spam/b.eml", mail("Win", "bob@example.com from 10.0.0.1"));
  json plan = folderPlan(dir.path(), {{{"fn", "email_text"}, {"subject", false}, {"body", true}},
                                      {{"fn", "deidentify"},
                                       {"kinds", {"email", "phone", "ip", "url"}},
                                       {"mode", "mask"},
                                       {"hash", {"email"}},
                                       {"keep", {"url"}},
                                       {"redact", {"ip"}}}});
  plan["source"]["labels"] = {{"ham", "ham"}, {"spam", "spam"}};
  LoadOptions options;
  options.deidKey = "test-key";
  LoadedDataset d = loadDataset(plan, options);
  const auto &all = d.part("");
  ASSERT_EQ(all.size(), 2u);
  const std::string &a = all[0].text, &b = all[1].text;
  EXPECT_EQ(a.find("bob@example.com"), std::string::npos) << a;
  size_t hashAt = a.find("<EMAIL:");
  ASSERT_NE(hashAt, std::string::npos) << a;
  std::string pseudonym = a.substr(hashAt, a.find('>', hashAt) - hashAt + 1);
  EXPECT_NE(b.find(pseudonym), std::string::npos) << b; // consistent within the run
  EXPECT_NE(a.find("http://example.org/x"), std::string::npos) << a; // kept
  EXPECT_NE(a.find("<PHONE>"), std::string::npos) << a;               // the default: masked
  EXPECT_EQ(b.find("10.0.0.1"), std::string::npos) << b;              // redacted: gone, no tag
  EXPECT_EQ(b.find("<IP>"), std::string::npos) << b;
  EXPECT_EQ(d.report.deid.at("URL"), 1);
  EXPECT_EQ(d.report.deid.at("EMAIL"), 2);
  json report = d.report.toJson();
  EXPECT_EQ(report["deid"]["operators"], json({{"email", "hash"}, {"url", "keep"}, {"ip", "redact"}}));
}

TEST(DataLoad, UndecodableMailFailsOrIsSkippedAndCounted) {
  TempDir dir;
  dir.write("ham/a.eml", mail("ok", "fine"));
  dir.write("ham/b.eml", "no headers here at all\n");
  dir.write("spam/c.eml", mail("ok", "fine too"));
  json transforms = {{{"fn", "email_text"}, {"subject", true}, {"body", true}}};
  EXPECT_EQ(loadError(folderPlan(dir.path(), transforms)),
            dir.path() + "/ham/b.eml: cannot decode the e-mail: no header block (`Name: value` "
                         "lines); not an e-mail");
  LoadedDataset d = loadDataset(folderPlan(dir.path(), transforms, "skip"), {});
  EXPECT_EQ(d.part("").size(), 2u);
  EXPECT_EQ(d.report.skippedTotal(), 1);
  EXPECT_EQ(d.report.skipped.at("undecodable e-mail").first, std::vector<std::string>{"ham/b.eml"});
  EXPECT_EQ(d.report.toJson()["skipped"]["total"], 1);
}

TEST(DataLoad, FolderErrorsAndInvalidUtf8) {
  TempDir dir;
  dir.write("ham/a.eml", "caf\xE9");
  dir.write("spam/b.eml", "fine");
  // Without email_text, a file must be UTF-8.
  EXPECT_EQ(loadError(folderPlan(dir.path(), json::array())),
            dir.path() + "/ham/a.eml: invalid UTF-8 at byte 4");
  dir.write("other/c.eml", "x");
  EXPECT_EQ(loadError(folderPlan(dir.path(), json::array())),
            dir.path() + ": subfolder `other` matches no pattern of `labels`");
}

TEST(DataLoad, PersonNeedsANameList) {
  TempDir dir;
  dir.write("ham/a.eml", "hi");
  dir.write("spam/b.eml", "hi");
  std::string error = loadError(folderPlan(dir.path(), {{{"fn", "deidentify"}, {"kinds", {"person"}}, {"mode", "mask"}}}));
  EXPECT_EQ(error.rfind("deidentify: `person` needs a first-name list", 0), 0u) << error;
}

TEST(DataLoad, FilterCountsWhatItDrops) {
  TempDir dir;
  std::string path = dir.write("t.csv", "text,label\nshort,a\na much longer text,b\n,a\nmid text,c\n");
  json plan = {{"name", "t"},
               {"source", {{"fn", "csv"}, {"path", "t.csv"}, {"text", "text"}, {"label", "label"}, {"delimiter", ","}}},
               {"resolved_path", path},
               {"transforms", {{{"fn", "filter"}, {"min_chars", 1}, {"max_chars", 10}},
                               {{"fn", "filter"}, {"min_chars", 1}, {"labels", {"a", "c"}}}}},
               {"labels", {"a", "c"}},
               {"splits", json::array()}};
  LoadedDataset d = loadDataset(plan, {});
  ASSERT_EQ(d.part("").size(), 2u);
  EXPECT_EQ(d.part("")[0].text, "short");
  EXPECT_EQ(d.part("")[1].text, "mid text");
  EXPECT_EQ(d.part("")[1].label, 1);
  EXPECT_EQ(d.report.filtered.at("min_chars"), 1);
  EXPECT_EQ(d.report.filtered.at("max_chars"), 1);
  EXPECT_EQ(d.report.filtered.count("labels"), 0u);
}

// The real corpus: every mail decodes; sizes as the checker computes them for spam_filter.ftp.
TEST(DataLoad, SpamAssassinCorpusDecodesCompletely) {
  FTPC_REQUIRE_FIXTURE("spam-assassin");
  FTPC_REQUIRE_FIXTURE("first-names");
  std::string corpus = ftp::testing::fixturesDir() + "/spam-assassin";
  std::vector<std::string> names = {ftp::testing::fixturesDir() + "/first-names/female.txt",
                                    ftp::testing::fixturesDir() + "/first-names/male.txt"};
  json plan = {{"name", "mail"},
               {"source", {{"fn", "textfolder"}, {"path", "spam-assassin"},
                           {"labels", {{"*ham*", "ham"}, {"spam-*", "spam"}}}, {"files", "*"}}},
               {"resolved_path", corpus},
               {"transforms", {{{"fn", "email_text"}, {"subject", true}, {"body", true}},
                               {{"fn", "deidentify"}, {"kinds", {"email", "phone", "ip", "url", "person", "credit_card"}}, {"mode", "mask"}},
                               {{"fn", "split"}, {"stratify", "label"}, {"train", 0.8}, {"val", 0.1}, {"test", 0.1}}}},
               {"labels", {"ham", "spam"}},
               {"splits", json::array({json::array({"train", 0.8}), json::array({"val", 0.1}),
                                        json::array({"test", 0.1})})}};
  std::vector<std::vector<std::string>> texts;
  for (int threads : {1, 2}) {
    LoadOptions options;
    options.seed = 1234;
    options.threads = threads;
    options.firstNames = &names;
    auto start = std::chrono::steady_clock::now();
    LoadedDataset d = loadDataset(plan, options);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("spam-assassin, %d thread(s): %.2f s\n%s\n", threads, seconds,
                d.report.toJson().dump(1).c_str());
    EXPECT_EQ(d.report.read, 5796);
    EXPECT_EQ(d.report.skippedTotal(), 0);
    // 3900 ham, 1896 spam (checker: N = 4637 training examples for spam_filter.ftp).
    EXPECT_EQ(d.part("train").size(), 4637u);
    EXPECT_EQ(d.part("val").size() + d.part("test").size(), 5796u - 4637u);
    std::vector<std::string> all;
    for (const auto &[name, part] : d.splits)
      for (const Example &e : part)
        all.push_back(e.origin + "\t" + e.text);
    texts.push_back(std::move(all));
  }
  EXPECT_EQ(texts[0], texts[1]); // threads change nothing
}

// mode: hash is keyed: the same key gives the same pseudonyms; the key is never in the report.
TEST(DataLoad, HashModeIsKeyedAndTheKeyStaysOut) {
  TempDir dir;
  dir.write("ham/a.eml", "mail bob@example.com");
  dir.write("spam/b.eml", "mail bob@example.com again");
  json plan = folderPlan(dir.path(), {{{"fn", "deidentify"}, {"kinds", {"email"}}, {"mode", "hash"}}});
  LoadOptions options;
  options.deidKey = "secret-key-123";
  LoadedDataset d1 = loadDataset(plan, options), d2 = loadDataset(plan, options);
  const std::string &a = d1.part("")[0].text;
  ASSERT_EQ(a.rfind("mail <EMAIL:", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string("mail <EMAIL:12345678>").size());
  EXPECT_EQ(d1.part("")[1].text, a + " again"); // one value, one pseudonym
  EXPECT_EQ(d2.part("")[0].text, a);
  options.deidKey = "another-key";
  EXPECT_NE(loadDataset(plan, options).part("")[0].text, a);
  EXPECT_EQ(d1.report.toJson().dump().find("secret-key"), std::string::npos);
  EXPECT_EQ(d1.report.deidMode, "hash");
}

// Skipped records leave the stratified split: its sizes follow the examples that remain.
TEST(DataLoad, SkippedRecordsLeaveTheSplitConsistent) {
  TempDir dir;
  std::string path = dir.write("r.jsonl", "{\"text\":\"1\",\"label\":\"a\"}\n{\"text\":\"2\",\"label\":\"a\"}\n"
                                          "{\"text\":\"3\",\"label\":\"b\"}\nnot json\n"
                                          "{\"text\":\"4\",\"label\":\"b\"}\n{\"text\":\"5\",\"label\":\"a\"}\n");
  json plan = {{"name", "r"},
               {"source", {{"fn", "jsonl"}, {"path", "r.jsonl"}, {"text", "text"}, {"label", "label"}, {"on_error", "skip"}}},
               {"resolved_path", path},
               {"transforms", {{{"fn", "split"}, {"stratify", "label"}, {"train", 0.5}, {"test", 0.5}}}},
               {"labels", {"a", "b"}},
               {"splits", json::array({json::array({"train", 0.5}), json::array({"test", 0.5})})}};
  LoadedDataset d = loadDataset(plan, {});
  // a: 3 -> 1.5, 1.5 -> 2, 1 (tie to the earlier part); b: 2 -> 1, 1.
  EXPECT_EQ(d.part("train").size(), 3u);
  EXPECT_EQ(d.part("test").size(), 2u);
  EXPECT_EQ(d.report.read, 6);
  EXPECT_EQ(d.report.skipped.at("malformed JSON").first, std::vector<std::string>{"r.jsonl:4"});
  plan["source"]["on_error"] = "fail";
  EXPECT_EQ(loadError(plan).rfind(path + ":4: malformed JSON: ", 0), 0u) << loadError(plan);
}
