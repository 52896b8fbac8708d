#include "ftp/record/Manifest.h"
#include "ftp/record/Files.h"
#include "ftp/record/Verify.h"

#include "TestFiles.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ftp::record {
std::string shortestFloats(std::string_view toml); // lib/record/TomlJson.h, internal
}

using namespace ftp::record;
using ftp::record::testing::scratchDir;
using ftp::record::testing::writeText;

namespace {

Manifest example() {
  Manifest m;
  m.ftpcVersion = "0.1.0";
  m.mlirVersion = "19.1.7";
  m.libtorchVersion = "2.5.1";
  m.blas = "openblas";
  m.runId = "20261128-215119-3f2a";
  m.pipeline = "spam_filter";
  m.pipelineFile = "examples/spam_filter.ftp";
  m.seed = 1234;
  m.threads = 2;
  m.kernels = "jit";
  m.startedAt = "2026-11-28T21:51:19Z";
  m.finishedAt = "2026-11-28T22:04:02Z";
  m.status = "stopped early";
  m.driftOverride = {"../data/mail/spam/0001.eml"};
  m.inputs = {{"/p/spam.ftp", "pipeline", "file", std::string(64, 'a'), 1830, 1},
              {"/d/spam-assassin", "data", "folder", std::string(64, 'b'), 37748736, 5796}};
  m.outputs = {{"metrics.json", "", "file", std::string(64, 'c'), 1024, 1}};
  m.configJson = R"({"magic":"ftp-plan","version":1,"stages":[{"kind":"finetune","lr":4e-05,)"
                 R"("labels":["ham","spam"],"note":"quote \" and\nnewline","skip":null}]})";
  m.privacy = PrivacyRecord{7.98, 1e-5, 0.93, 0.0069, 435, "rdp"};
  m.allowPiiReasons = {"names are needed for the NER stage"};
  return m;
}

} // namespace

TEST(Manifest, RoundTrip) {
  Manifest m = example();
  std::string text = formatManifest(m);
  std::string error;
  auto back = parseManifest(text, "manifest.toml", &error);
  ASSERT_TRUE(back) << error << "\n" << text;
  EXPECT_EQ(back->ftpcVersion, m.ftpcVersion);
  EXPECT_EQ(back->blas, m.blas);
  EXPECT_EQ(back->runId, m.runId);
  EXPECT_EQ(back->pipeline, m.pipeline);
  EXPECT_EQ(back->pipelineFile, m.pipelineFile);
  EXPECT_EQ(back->seed, 1234);
  EXPECT_EQ(back->threads, 2);
  EXPECT_EQ(back->kernels, "jit");
  EXPECT_EQ(back->startedAt, m.startedAt);
  EXPECT_EQ(back->finishedAt, m.finishedAt);
  EXPECT_EQ(back->status, "stopped early");
  EXPECT_EQ(back->driftOverride, m.driftOverride);
  ASSERT_EQ(back->inputs.size(), 2u);
  EXPECT_EQ(back->inputs[1].path, "/d/spam-assassin");
  EXPECT_EQ(back->inputs[1].role, "data");
  EXPECT_EQ(back->inputs[1].kind, "folder");
  EXPECT_EQ(back->inputs[1].bytes, 37748736u);
  EXPECT_EQ(back->inputs[1].files, 5796u);
  ASSERT_EQ(back->outputs.size(), 1u);
  EXPECT_EQ(back->outputs[0].sha256, std::string(64, 'c'));
  ASSERT_TRUE(back->privacy);
  EXPECT_EQ(back->privacy->epsilon, 7.98); // exact: toml++ prints the shortest round-trip form
  EXPECT_EQ(back->privacy->delta, 1e-5);
  EXPECT_EQ(back->privacy->steps, 435);
  EXPECT_EQ(back->allowPiiReasons, m.allowPiiReasons);
  // The configuration comes back as the same JSON value, less its nulls (TOML has none).
  nlohmann::json expected = nlohmann::json::parse(m.configJson);
  expected["stages"][0].erase("skip");
  EXPECT_EQ(nlohmann::json::parse(back->configJson), expected);
  // Floats as a person writes them, not toml++'s 17 digits (7.9800000000000004).
  EXPECT_NE(text.find("\nepsilon = 7.98\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ndelta = 1e-05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nlr = 4e-05\n"), std::string::npos) << text;
  // Formatting is a function of the manifest: written again, byte for byte the same.
  EXPECT_EQ(formatManifest(*back), text);
}

TEST(Manifest, SectionsInDocumentedOrder) {
  std::string text = formatManifest(example());
  size_t last = 0;
  for (const char *header : {"[ftpc]", "[run]", "[[input]]", "[[output]]", "[config]",
                             "[privacy]", "[waivers]"}) {
    size_t at = text.find(std::string("\n") + header + "\n");
    ASSERT_NE(at, std::string::npos) << header << "\n" << text;
    EXPECT_GT(at, last) << header;
    last = at;
  }
}

TEST(Manifest, ShortestFloatsTouchesOnlyFloatValues) {
  EXPECT_EQ(shortestFloats("a = 0.10000000000000001\n'1.50' = 2.0\nb = [1.0, 3.0000000000000004e-05]\n"
                           "c = 'x = 0.30000000000000004'\nd = 1979-05-27T07:32:00Z\ne = 12\n"
                           "# 0.10000000000000001\nf = \"\\\" 0.10000000000000001\"\n"),
            "a = 0.1\n'1.50' = 2.0\nb = [1.0, 3.0000000000000004e-05]\n"
            "c = 'x = 0.30000000000000004'\nd = 1979-05-27T07:32:00Z\ne = 12\n"
            "# 0.10000000000000001\nf = \"\\\" 0.10000000000000001\"\n");
  EXPECT_EQ(shortestFloats("x = -2.5000000000000000\ny = 1e+300\n"), "x = -2.5\ny = 1e+300\n");
}

TEST(Manifest, RejectsWhatIsNotAManifest) {
  std::string error;
  EXPECT_FALSE(parseManifest("[run\n", "m.toml", &error));
  EXPECT_NE(error.find("1:"), std::string::npos) << error;
  EXPECT_FALSE(parseManifest("x = 1\n", "m.toml", &error));
  EXPECT_EQ(error, "not a run manifest: it has no [run] section");
}

// `ftpc verify`: an intact run passes; a changed output, a changed file in an input folder and a
// deleted output are each reported.
TEST(Manifest, VerifyFindsModifiedAndMissingFiles) {
  auto dir = scratchDir();
  writeText(dir / "data/ham/1.txt", "hello");
  writeText(dir / "data/spam/2.txt", "buy now");
  writeText(dir / "run/metrics.json", "{\"test\":{}}");
  writeText(dir / "run/model/config.json", "{}");
  std::string error;
  Manifest m = example();
  m.inputs = {*hashInput((dir / "data").string(), "data", &error)};
  m.outputs = {*hashOutput((dir / "run").string(), "metrics.json", &error),
               *hashOutput((dir / "run").string(), "model/config.json", &error)};
  EXPECT_EQ(m.inputs[0].files, 2u);
  EXPECT_EQ(m.inputs[0].bytes, 12u);
  VerifyResult ok = verifyRun(m, (dir / "run").string());
  EXPECT_TRUE(ok.problems.empty());
  EXPECT_EQ(ok.inputs, 1u);
  EXPECT_EQ(ok.outputs, 2u);

  writeText(dir / "run/metrics.json", "{\"test\":{\"accuracy\":1}}");
  writeText(dir / "data/spam/3.txt", "new");
  std::filesystem::remove(dir / "run/model/config.json");
  VerifyResult bad = verifyRun(m, (dir / "run").string());
  ASSERT_EQ(bad.problems.size(), 3u);
  EXPECT_EQ(describeProblem(bad.problems[0]).rfind("modified input: ", 0), 0u);
  EXPECT_NE(describeProblem(bad.problems[0]).find("(3 files, was 2)"), std::string::npos);
  EXPECT_EQ(describeProblem(bad.problems[1]).rfind("modified output: metrics.json", 0), 0u);
  EXPECT_EQ(describeProblem(bad.problems[2]),
            "missing output: model/config.json: No such file or directory");
}
