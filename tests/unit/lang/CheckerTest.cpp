#include "CollectDiagnostics.h"
#include "lang/parse/Parser.h"
#include "lang/sema/Checker.h"
#include "lang/sema/Overrides.h"
#include "lang/sema/DatasetSize.h"
#include "lang/sema/SemaDump.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace ftp::lang;

namespace {

using Collect = ftp::lang::testing::CollectDiagnostics;

struct Checked {
  SourceManager sources;
  Collect collect;
  std::unique_ptr<DiagnosticEngine> engine;
  CheckedProgram program;

  std::vector<std::string> kinds() const {
    std::vector<std::string> k;
    for (const Diagnostic &d : collect.all)
      k.push_back(diagKindInfo(d.kind).name);
    return k;
  }
  bool has(const std::string &kind) const {
    auto k = kinds();
    return std::find(k.begin(), k.end(), kind) != k.end();
  }
};

// Checks a pipeline body without touching the file system.
std::unique_ptr<Checked> check(const std::string &body, std::vector<std::string> overrides = {}) {
  auto out = std::make_unique<Checked>();
  out->engine = std::make_unique<DiagnosticEngine>(out->sources, out->collect);
  uint32_t f = out->sources.addBuffer("t.ftp", "ftp 0.1\npipeline p {\n" + body + "\n}\n");
  Parser parser(f, out->sources, *out->engine);
  File file = parser.parseFile();
  for (const std::string &o : overrides)
    applyOverride(file, o, out->sources, *out->engine);
  CheckOptions options;
  options.checkFilesystem = false;
  Checker checker(out->sources, *out->engine, options);
  out->program = checker.check(file);
  return out;
}

const std::string kGood = R"(
  data mail = csv("m.csv", text: "body", label: "y", labels: [ham, spam]) | split(train: 0.9, test: 0.1)
  model clf = encoder("m") | classifier(labels: [spam, ham])
  finetune clf on mail.train {
    epochs 2
  }
  evaluate clf on mail.test
)";

} // namespace

TEST(Checker, WellFormedPipelineHasNoDiagnosticsAndFillsDefaults) {
  auto c = check(kGood);
  EXPECT_TRUE(c->collect.all.empty()) << c->kinds().size();
  ASSERT_EQ(c->program.pipelines.size(), 1u);
  const CheckedPipeline &p = c->program.pipelines[0];
  ASSERT_EQ(p.stages.size(), 2u);
  const Value &finetune = p.stages[0].options;
  ASSERT_TRUE(finetune.field("batch"));
  EXPECT_EQ(finetune.field("batch")->integer, 32);
  EXPECT_TRUE(finetune.field("batch")->fromDefault);
  EXPECT_FALSE(finetune.field("epochs")->fromDefault);
  // The default optimizer comes with its own defaults filled in.
  EXPECT_EQ(formatValue(*finetune.field("optimizer")),
            "adamw(lr: 5e-05, weight_decay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-08)");
  // Labels compare as sets: [spam, ham] in the head matches [ham, spam] in the data.
  EXPECT_EQ(p.datasets[0].labels, (std::vector<std::string>{"ham", "spam"}));
}

// Every default in the schema is valid input, checked by the same code as user input.
TEST(Checker, EveryDefaultInTheSchemaIsValid) {
  SourceManager sources;
  Collect collect;
  DiagnosticEngine engine(sources, collect);
  Checker checker(sources, engine, {});
  EXPECT_EQ(checker.validateSchemaDefaults(), "");
}

// A pipeline that leaves almost everything at its default checks clean.
TEST(Checker, MostlyDefaultPipelineChecks) {
  // The defaults of every finetune/evaluate/export option and of the functions they name.
  auto c = check(R"(
  data d = jsonl("d.jsonl", text: "t", label: "l", labels: [a, b]) | email_text | deidentify | filter | sample(n: 10) | split(train: 0.5, test: 0.5)
  model m = encoder("m") | classifier(labels: [a, b]) | lora(targets: [query])
  finetune m on d.train {
    epochs 1
    schedule cosine
    privacy dp_sgd(epsilon: 1, delta: 1e-5, clip: 1)
    robustness {
      adversarial pgd(eps: 0.1)
      noise uniform(alpha: 5)
    }
    validate d.test {
      early_stop f1
    }
    checkpoint {}
  }
  evaluate m on d.test { under typos(rate: 0.1), word_dropout(rate: 0.1), fgsm(eps: 0.1), pgd(eps: 0.1) }
  export m to "out"
)");
  EXPECT_TRUE(c->collect.all.empty()) << (c->collect.all.empty() ? "" : c->collect.all[0].message);
}

TEST(Checker, UnknownOptionSuggestsTheClosestName) {
  auto c = check(R"(
  data d = csv("d.csv", text: "t", label: "l") | split(train: 0.5, test: 0.5)
  model m = encoder("m") | classifier(labels: [a, b])
  finetune m on d.train { epochz 3 }
)");
  ASSERT_TRUE(c->has("unknown-option"));
  EXPECT_NE(c->collect.all[0].message.find("did you mean `epochs`?"), std::string::npos);
}

TEST(Checker, SplitFractionsMustSumToOne) {
  auto c = check(R"(  data d = csv("d.csv", text: "t") | split(train: 0.5, test: 0.4))");
  EXPECT_TRUE(c->has("split-fractions"));
}

TEST(Checker, UseBeforeDefinitionPointsAtTheDefinition) {
  auto c = check(R"(
  finetune m on d {
    epochs 1
  }
  data d = csv("d.csv", text: "t", label: "l", labels: [a])
  model m = encoder("m") | classifier(labels: [a])
)");
  ASSERT_TRUE(c->has("use-before-definition"));
  const Diagnostic &d = c->collect.all[0];
  ASSERT_EQ(d.notes.size(), 1u);
  // The model `m` is resolved first; it is defined on line 8 of the buffer.
  EXPECT_EQ(d.message, "`m` is used before it is defined");
  EXPECT_EQ(c->sources.lineColumn(d.notes[0].range.begin).line, 8u);
}

TEST(Checker, LabelMismatchBetweenHeadAndData) {
  auto c = check(R"(
  data d = csv("d.csv", text: "t", label: "l", labels: [ham, spam])
  model m = encoder("m") | classifier(labels: [ham, spamm])
  evaluate m on d
)");
  EXPECT_TRUE(c->has("label-mismatch"));
}

TEST(Checker, OverridesReplaceAndAddOptionsAndAreChecked) {
  auto c = check(kGood, {"finetune.epochs=7", "finetune.robustness.noise=gaussian(std: 0.5)", "seed=9"});
  EXPECT_TRUE(c->collect.all.empty()) << (c->collect.all.empty() ? "" : c->collect.all[0].message);
  const Value &finetune = c->program.pipelines[0].stages[0].options;
  EXPECT_EQ(finetune.field("epochs")->integer, 7);
  EXPECT_EQ(formatValue(*finetune.field("robustness")->field("noise")), "gaussian(std: 0.5, on: embeddings)");
  EXPECT_EQ(c->program.pipelines[0].options.field("seed")->integer, 9);

  auto bad = check(kGood, {"finetune.epochs=0"});
  ASSERT_TRUE(bad->has("out-of-range"));
  // The error points into the --set argument.
  EXPECT_EQ(bad->sources.name(bad->collect.all[0].range.begin.file), "--set");
  EXPECT_EQ(bad->sources.lineColumn(bad->collect.all[0].range.begin).column, 17u);
}

TEST(Checker, DpSgdNeedsExactlyOneOfEpsilonAndNoiseMultiplier) {
  std::string body = R"(
  data d = csv("d.csv", text: "t", label: "l", labels: [a]) | deidentify | split(train: 0.5, test: 0.5)
  model m = encoder("m") | classifier(labels: [a])
  finetune m on d.train {
    epochs 1
    privacy dp_sgd(%s delta: 1e-5, clip: 1)
  }
)";
  auto with = [&](const std::string &args) {
    std::string text = body;
    text.replace(text.find("%s"), 2, args);
    return check(text);
  };
  EXPECT_TRUE(with("")->has("missing-one-of"));
  EXPECT_TRUE(with("epsilon: 1, noise_multiplier: 1,")->has("conflicting-arguments"));
  EXPECT_TRUE(with("epsilon: 1,")->collect.all.empty());
  EXPECT_TRUE(with("epsilon: 0,")->has("out-of-range"));
}

// The largest-remainder rule that defines split and sample sizes (the runtime applies the same).
TEST(DatasetSize, ApportionByLargestRemainder) {
  // 1896 spam mails split 0.8 / 0.1 / 0.1: floors 1516, 189, 189; the 2 left over go to the
  // largest remainders (.8, then the first .6).
  EXPECT_EQ(apportion(1896, {0.8, 0.1, 0.1}), (std::vector<int64_t>{1517, 190, 189}));
  EXPECT_EQ(apportion(3900, {0.8, 0.1, 0.1}), (std::vector<int64_t>{3120, 390, 390}));
  EXPECT_EQ(apportion(10, {0.5, 0.5}), (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(apportion(3, {1.0 / 3, 1.0 / 3, 1.0 / 3}), (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(apportion(0, {0.7, 0.3}), (std::vector<int64_t>{0, 0}));
  // Fractions that do not cover everything (a sample's shares) keep their floors.
  EXPECT_EQ(apportion(7, {0.5}), (std::vector<int64_t>{3}));
}
