#include "ftp/record/Report.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

using namespace ftp::record;
using ftp::record::testing::scratchDir;
using ftp::record::testing::writeText;

namespace {

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

/// The hand-made run in data/run_example, rendered. With $FTPC_REPORT_OUT set, the page is also
/// written there, for looking at it in a browser (docs/development.md).
std::string exampleReport() {
  ReportInput input = loadReportInput(FTPC_RUN_EXAMPLE_DIR);
  EXPECT_TRUE(input.problems.empty());
  std::string html = renderReport(input);
  if (const char *out = std::getenv("FTPC_REPORT_OUT"))
    std::ofstream(out) << html;
  return html;
}

} // namespace

TEST(Report, ExampleRunHasEverySection) {
  std::string html = exampleReport();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char *part :
       {"<h1>spam_filter</h1>", "20261128-215119-3f2a", "finished", "19.1.7", "2.5.1",
        "<th>seed</th><td>1234</td>", "id=\"data\"", "<th>train</th><td>4624</td>",
        "<th>email</th>", "<td>11840</td>", "aria-label=\"Loss\"", "train loss (finetune clf)",
        "mail.val loss", "aria-label=\"Validation metrics\"", "mail.val accuracy",
        "Confusion matrix: test", "<td style=\"background:rgba(0,114,178,0.986);color:#fff\">411</td>",
        "id=\"risk-card\"", "<td>7.98</td>", "Accuracy under perturbation: test",
        "typos(rate: 0.05)", "Accuracy vs attack strength: test", "Generalization gap",
        "<th>accuracy</th><td>0.981</td><td>0.9776</td><td>-0.0034</td>",
        "/src/ftpc/build/fixtures/spam-assassin", "data (5798 files)", "<h3>Dependency</h3>",
        "<td>/src/ftpc/out/spam-filter</td><td>huggingface (transformers loads it)</td>",
        "config.json, model.safetensors, tokenizer.json", "max |Δ logit| 0 on 8 examples",
        "Pinned in manifest.toml: ftpc "})
    EXPECT_NE(html.find(part), std::string::npos) << part;
  // Self-contained: no scripts, no external references (the SVG namespace is not fetched).
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(count(html, "<svg"), 4u); // loss, validation metrics, perturbations, attack strength
  // Everything is measured but the held-out domain: the example evaluates no second data set.
  EXPECT_EQ(count(html, "not measured"), 1u);
  EXPECT_NE(html.find("not measured: no evaluation on a second data set"), std::string::npos);
  // fgsm at three strengths and pgd at two, each with the clean point at ε = 0.
  EXPECT_EQ(count(html, "<circle"), 4u + 3u);
}

TEST(Report, AbsentRecordsSayNotMeasured) {
  auto dir = scratchDir();
  ReportInput input = loadReportInput(dir.string());
  EXPECT_TRUE(input.problems.empty());
  std::string html = renderReport(input);
  EXPECT_EQ(count(html, "not measured"), 11u) << html;
  EXPECT_NE(html.find("not measured: no export; an `export` stage writes a HuggingFace folder"),
            std::string::npos);
  EXPECT_NE(html.find("not measured: trained without differential privacy"), std::string::npos);
  EXPECT_NE(html.find("not measured: no evaluation under perturbations or attacks"),
            std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
}

// Issue 22/31: an evaluation on another data set (metrics.json's relation_to_training) is shown in
// the generalization row beside the in-distribution test accuracy, with the gap.
TEST(Report, HeldOutDomainBesideInDistributionTestAccuracy) {
  auto dir = scratchDir();
  writeText(dir / "metrics.json",
            R"({"val": {"accuracy": 0.9, "relation_to_training": "held_out_split"},)"
            R"( "test": {"accuracy": 0.895, "relation_to_training": "held_out_split"},)"
            R"( "products": {"accuracy": 0.845, "relation_to_training": "other_dataset"},)"
            R"( "newmail": {"accuracy": 0.5, "f1": null, "labels_present": ["ham"],)"
            R"(             "relation_to_training": "other_dataset"}})");
  std::string html = renderReport(loadReportInput(dir.string()));
  EXPECT_NE(html.find("<h4>Held-out domain</h4>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th>in-distribution (test)</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><th>products</th><td>0.845</td><td>0.895</td><td>-0.0500</td><td>all</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr><th>newmail</th><td>0.5</td><td>0.895</td><td>-0.3950</td><td>ham</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("no evaluation on a second data set"), std::string::npos);
}

// Issue 31 §4: no empty "skipped because:" line, and an unsplit data set's one part (named `all`)
// gives one `all` row.
TEST(Report, DataTableHasNoEmptyOrDoubledRows) {
  auto dir = scratchDir();
  writeText(dir / "data_report.json",
            R"({"datasets": [{"name": "reviews", "read": 10, "skipped": 0, "skipped_because": {},)"
            R"( "labels": {"neg": 4, "pos": 6}, "splits": {"all": {"size": 10, "labels": {"neg": 4, "pos": 6}}}}]})");
  std::string html = renderReport(loadReportInput(dir.string()));
  EXPECT_EQ(html.find("skipped because"), std::string::npos);
  EXPECT_EQ(count(html, "<tr><th>all</th>"), 1u) << html;
}

// Labels, split names and dataset names come from user files: none can inject markup.
TEST(Report, EscapesEverythingFromTheRecords) {
  auto dir = scratchDir();
  writeText(dir / "metrics.json",
            R"({"test<b>": {"accuracy": 0.5, "confusion": {"labels": ["<script>alert(1)</script>", "ok"],)"
            R"( "matrix": [[1, 0], [0, 1]]}, "under": {"x\" onload=\"y": {"accuracy": 0.4}}}})");
  writeText(dir / "data_report.json",
            R"({"datasets": [{"name": "a&b", "labels": {"<img src=x>": 3}}]})");
  writeText(dir / "metrics.jsonl",
            "{\"event\":\"validate\",\"step\":1,\"split\":\"</svg><script>\",\"metrics\":{\"accuracy\":0.5}}\n"
            "torn line from a killed run\n");
  writeText(dir / "manifest.toml", "[run]\npipeline = \"<p>\"\nstatus = \"finished\"\n");
  ReportInput input = loadReportInput(dir.string());
  ASSERT_EQ(input.problems.size(), 1u);
  EXPECT_EQ(input.problems[0], "metrics.jsonl: 1 of 2 lines are not JSON objects");
  std::string html = renderReport(input);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("\" onload"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<h1>&lt;p&gt;</h1>"), std::string::npos);
  EXPECT_NE(html.find("a&amp;b"), std::string::npos);
}

TEST(Report, WriteReportIntoTheRunDirectory) {
  auto dir = scratchDir();
  writeText(dir / "metrics.json", "{\"test\": {\"accuracy\": 0.9}}");
  std::string error;
  ASSERT_TRUE(writeReport(dir.string(), &error)) << error;
  std::ifstream in(dir / "report.html");
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("<td>0.9</td>"), std::string::npos);
}

// Records of the wrong shape (hand-edited, truncated, from another version) give a report with
// less in it, never an exception.
TEST(Report, MalformedRecordsDoNotThrow) {
  using Json = nlohmann::ordered_json;
  for (const char *text :
       {R"([1, 2])", R"({"test": 5})", R"({"test": {"under": [1], "confusion": 3}})",
        R"({"test": {"confusion": {"labels": "x", "matrix": {"a": 1}}}})",
        R"({"datasets": [5, {"splits": [1, 2], "labels": 3, "deid": [1]}]})",
        R"({"datasets": {"a": 1}})", R"({"val": {"accuracy": "high"}, "test": {"accuracy": 1}})",
        R"j({"test": {"under": {"fgsm(eps: x)": {"accuracy": 0.5}, "pgd(eps:": {}, "(": {"accuracy": 1}}}})j"}) {
    ReportInput input;
    input.metrics = Json::parse(text);
    input.dataReport = input.metrics;
    input.events = {Json::parse(R"({"event": 5, "step": "x", "split": [], "metrics": 1})"),
                    Json::parse(R"({"event": "validate", "step": 1e308, "metrics": {"loss": -1e308}})"),
                    Json::parse(R"({"event": "train", "step": 1, "loss": 1.0000000000000002})"),
                    Json::parse(R"({"event": "train", "step": 1, "loss": 1})")};
    EXPECT_NO_THROW(renderReport(input)) << text;
  }
}
