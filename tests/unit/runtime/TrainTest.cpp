//===- TrainTest.cpp - metrics, schedules, perturbations, the portable RNG ------===//
//
// Expected values are computed by hand from the definitions (scikit-learn's for the metrics,
// HuggingFace's schedulers for the learning rates), written out in the comments.
//
//===----------------------------------------------------------------------------------------===//

#include "train/Metrics.h"
#include "train/Perturb.h"
#include "train/Random.h"
#include "train/Schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

using namespace ftp::train;

namespace {

ClassificationMetrics binary(const std::vector<int> &truth, const std::vector<int> &predicted) {
  ClassificationMetrics m(2);
  for (size_t i = 0; i < truth.size(); ++i)
    m.add(truth[i], predicted[i], predicted[i] == 1 ? 0.9 : 0.1, 0.5);
  return m;
}

} // namespace

TEST(MetricsTest, BinaryCountsThePositiveClassAsTheSecondLabel) {
  // truth 1 1 1 1 0 0 / predicted 1 1 0 0 0 1: TP 2, FN 2, FP 1, TN 1.
  ClassificationMetrics m = binary({1, 1, 1, 1, 0, 0}, {1, 1, 0, 0, 0, 1});
  EXPECT_DOUBLE_EQ(m.accuracy(), 3.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.precision(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.recall(), 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.f1(), 4.0 / 7.0); // 2PR/(P+R) = (2/3)/(7/6)
  // Class 0: precision 1/3, recall 1/2, F1 0.4; macro = (4/7 + 0.4) / 2.
  EXPECT_NEAR(m.macroF1(), (4.0 / 7.0 + 0.4) / 2.0, 1e-12);
  EXPECT_EQ(m.confusion()[1][0], 2);
  EXPECT_EQ(m.confusion()[0][1], 1);
  EXPECT_DOUBLE_EQ(m.loss(), 0.5);
}

TEST(MetricsTest, NothingPredictedPositiveGivesZeroNotNaN) {
  ClassificationMetrics m = binary({1, 0, 0}, {0, 0, 0});
  EXPECT_EQ(m.precision(), 0.0);
  EXPECT_EQ(m.recall(), 0.0);
  EXPECT_EQ(m.f1(), 0.0);
  EXPECT_DOUBLE_EQ(m.accuracy(), 2.0 / 3.0);
}

TEST(MetricsTest, MulticlassPrecisionRecallAndF1AreMacroAverages) {
  ClassificationMetrics m(3);
  // truth 0 0 1 2 2 2 / predicted 0 1 1 2 2 0
  std::vector<int> truth{0, 0, 1, 2, 2, 2}, predicted{0, 1, 1, 2, 2, 0};
  for (size_t i = 0; i < truth.size(); ++i)
    m.add(truth[i], predicted[i], 0, 0);
  // precision: class0 1/2, class1 1/2, class2 2/2 -> 2/3; recall: 1/2, 1/1, 2/3 -> 13/18
  EXPECT_NEAR(m.precision(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.recall(), 13.0 / 18.0, 1e-12);
  // F1: 1/2, 2/3, 4/5 -> (1/2 + 2/3 + 4/5) / 3
  EXPECT_NEAR(m.f1(), (0.5 + 2.0 / 3.0 + 0.8) / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.f1(), m.macroF1());
}

TEST(MetricsTest, AucIsTheProbabilityThatAPositiveOutscoresANegative) {
  ClassificationMetrics m(2);
  for (double s : {0.9, 0.8, 0.3})
    m.add(1, 1, s, 0);
  for (double s : {0.4, 0.2})
    m.add(0, 0, s, 0);
  EXPECT_NEAR(m.auc(), 5.0 / 6.0, 1e-12); // 0.3 < 0.4 is the one pair out of 6 ranked wrongly
  ClassificationMetrics ties(2);
  ties.add(1, 1, 0.5, 0);
  ties.add(0, 0, 0.5, 0);
  EXPECT_DOUBLE_EQ(ties.auc(), 0.5);
}

TEST(MetricsTest, FalsePositiveRateIsNegativesPredictedPositiveOverNegatives) {
  // truth 1 1 1 1 0 0 / predicted 1 1 0 0 0 1: FP 1 of 2 negatives.
  ClassificationMetrics m = binary({1, 1, 1, 1, 0, 0}, {1, 1, 0, 0, 0, 1});
  EXPECT_DOUBLE_EQ(m.falsePositiveRate(), 0.5);
  EXPECT_DOUBLE_EQ(m.get("false_positive_rate"), 0.5);
  EXPECT_FALSE(higherIsBetter("false_positive_rate"));
  for (const char *name : {"accuracy", "precision", "recall", "f1", "macro_f1", "auc",
                           "false_positive_rate", "loss"})
    EXPECT_EQ(m.whyUndefined(name), "") << name;
}

TEST(MetricsTest, OneLabelDataLeavesTheMetricsAboutTheOtherUndefined) {
  // Only negatives (new legitimate mail): 4 of them, one predicted positive.
  ClassificationMetrics negatives = binary({0, 0, 0, 0}, {0, 0, 1, 0});
  EXPECT_DOUBLE_EQ(negatives.accuracy(), 0.75);
  EXPECT_DOUBLE_EQ(negatives.get("false_positive_rate"), 0.25);
  std::vector<std::string> names{"ham", "spam"};
  for (const char *name : {"precision", "recall", "f1"})
    EXPECT_EQ(negatives.whyUndefined(name, names), "no example of the positive label `spam` in the data")
        << name;
  EXPECT_EQ(negatives.whyUndefined("macro_f1", names), "no example of `spam` in the data");
  EXPECT_EQ(negatives.whyUndefined("auc"), "the data holds one label only");
  EXPECT_EQ(negatives.whyUndefined("accuracy"), "");
  EXPECT_EQ(negatives.whyUndefined("false_positive_rate"), "");
  EXPECT_EQ(negatives.get("f1"), 0.0);

  // Only positives: recall and F1 are defined (3 of 4 found: recall 3/4, precision 1, F1 6/7);
  // the false-positive rate is not.
  ClassificationMetrics positives = binary({1, 1, 1, 1}, {1, 0, 1, 1});
  EXPECT_EQ(positives.whyUndefined("f1"), "");
  EXPECT_DOUBLE_EQ(positives.recall(), 0.75);
  EXPECT_NEAR(positives.f1(), 6.0 / 7.0, 1e-12);
  EXPECT_EQ(positives.whyUndefined("false_positive_rate"), "no example of the negative label #0 in the data");
  EXPECT_NE(positives.whyUndefined("macro_f1"), "");

  ClassificationMetrics none(2);
  EXPECT_EQ(none.whyUndefined("accuracy"), "no examples");

  // Three labels, one absent: every macro average is undefined.
  ClassificationMetrics three(3);
  three.add(0, 0, 0, 0);
  three.add(2, 1, 0, 0);
  for (const char *name : {"precision", "recall", "f1", "macro_f1"})
    EXPECT_EQ(three.whyUndefined(name, {"a", "b", "c"}), "no example of `b` in the data") << name;
  EXPECT_EQ(three.whyUndefined("false_positive_rate"), "defined for two labels only");
}

TEST(MetricsTest, LanguageModelPerplexityIsExpOfTheMeanTokenLoss) {
  LanguageModelMetrics m;
  m.add(6.0, 3);
  m.add(2.0, 1);
  EXPECT_DOUBLE_EQ(m.loss(), 2.0);
  EXPECT_NEAR(m.perplexity(), 7.38905609893065, 1e-12);
  EXPECT_FALSE(higherIsBetter("perplexity"));
  EXPECT_TRUE(higherIsBetter("f1"));
}

TEST(ScheduleTest, LinearWarmupThenDecayAsHuggingFace) {
  // get_linear_schedule_with_warmup(warmup=2, total=10): lambda(k) = k/2 for k < 2, else
  // (10 - k)/8, evaluated at k = steps already taken.
  Schedule s{Schedule::Kind::Linear, 1.0, 2, 10, 0};
  EXPECT_DOUBLE_EQ(s.at(1), 0.0);
  EXPECT_DOUBLE_EQ(s.at(2), 0.5);
  EXPECT_DOUBLE_EQ(s.at(3), 1.0);
  EXPECT_DOUBLE_EQ(s.at(10), 0.125);
}

TEST(ScheduleTest, CosineReachesTheMinimumRatio) {
  Schedule s{Schedule::Kind::Cosine, 2.0, 2, 10, 0.1};
  EXPECT_DOUBLE_EQ(s.at(3), 2.0);                        // progress 0
  EXPECT_NEAR(s.at(7), 2.0 * (0.1 + 0.9 * 0.5), 1e-12);  // progress 1/2: cos = 0
  Schedule constant{Schedule::Kind::Constant, 3.0, 0, 10, 0};
  EXPECT_DOUBLE_EQ(constant.at(9), 3.0);
}

TEST(RandomTest, SplitMix64MatchesItsReferenceOutputs) {
  // First outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
}

TEST(RandomTest, ShuffleIsAPermutationAndDependsOnTheStream) {
  std::vector<int> a(100), b;
  for (int i = 0; i < 100; ++i)
    a[i] = i;
  b = a;
  SplitMix64 r1(7, kShuffleStream, 0), r2(7, kShuffleStream, 1);
  shuffle(a, r1);
  shuffle(b, r2);
  EXPECT_NE(a, b);
  EXPECT_EQ(std::set<int>(a.begin(), a.end()).size(), 100u);
  std::vector<int> again(100);
  for (int i = 0; i < 100; ++i)
    again[i] = i;
  SplitMix64 r3(7, kShuffleStream, 0);
  shuffle(again, r3);
  EXPECT_EQ(a, again);
}

TEST(PerturbTest, TyposAreSeededAndRespectTheRate) {
  std::string text = "please verify your account password today";
  EXPECT_EQ(applyTypos(text, 1.0, 3, 5), applyTypos(text, 1.0, 3, 5));
  EXPECT_NE(applyTypos(text, 1.0, 3, 5), applyTypos(text, 1.0, 3, 6));
  EXPECT_NE(applyTypos(text, 1.0, 3, 5), text);
  EXPECT_EQ(applyTypos(text, 1e-12, 3, 5), text);
  // Bytes outside ASCII letters survive: a UTF-8 word is never cut in the middle.
  std::string chinese = "垃圾 邮件";
  EXPECT_EQ(applyTypos(chinese, 1.0, 1, 1), chinese);
}

TEST(PerturbTest, WordDropoutKeepsOrderAndIsSeeded) {
  std::string text = "one two three four five six seven eight";
  std::string dropped = dropWords(text, 0.5, 9, 2);
  EXPECT_EQ(dropped, dropWords(text, 0.5, 9, 2));
  EXPECT_LT(dropped.size(), text.size());
  size_t last = 0;
  for (const char *word : {"one", "two", "three", "four", "five", "six", "seven", "eight"}) {
    size_t at = dropped.find(word);
    if (at == std::string::npos)
      continue;
    EXPECT_GE(at, last);
    last = at;
  }
  EXPECT_EQ(dropWords(text, 1e-12, 9, 2), text);
}

TEST(PerturbTest, WordSwapPermutesNeighboursOnly) {
  std::string text = "one two  three four five six";
  // Rate 1: every pair from the left swaps, each word once; the whitespace stays where it was.
  EXPECT_EQ(swapWords(text, 1.0, 4, 1), "two one  four three six five");
  EXPECT_EQ(swapWords(text, 1e-12, 4, 1), text);
  std::string some = swapWords(text, 0.4, 4, 1);
  EXPECT_EQ(some, swapWords(text, 0.4, 4, 1));
  // Same words, same length, each at most one place from where it was.
  EXPECT_EQ(some.size(), text.size());
  std::vector<std::string> original{"one", "two", "three", "four", "five", "six"}, swapped;
  std::istringstream in(some);
  for (std::string w; in >> w;)
    swapped.push_back(w);
  ASSERT_EQ(swapped.size(), original.size());
  for (size_t i = 0; i < swapped.size(); ++i) {
    auto at = std::find(original.begin(), original.end(), swapped[i]) - original.begin();
    EXPECT_LE(std::abs(static_cast<long>(at) - static_cast<long>(i)), 1) << some;
  }
}

TEST(PerturbTest, SynonymsReplaceListedWordsKeepingCaseAndPunctuation) {
  ASSERT_NE(synonymsOf("buy"), nullptr);
  EXPECT_EQ(synonymsOf("zyzzyva"), nullptr);
  // Every group is symmetric: if a lists b, b lists a.
  for (const char *word : {"buy", "free", "money", "big", "movie"})
    for (const std::string &other : *synonymsOf(word)) {
      ASSERT_NE(synonymsOf(other), nullptr) << other;
      const auto &back = *synonymsOf(other);
      EXPECT_NE(std::find(back.begin(), back.end(), word), back.end()) << word << " / " << other;
    }
  std::string out = replaceSynonyms("Buy FREE money, now! zyzzyva", 1.0, 2, 3);
  EXPECT_EQ(out, replaceSynonyms("Buy FREE money, now! zyzzyva", 1.0, 2, 3));
  std::istringstream in(out);
  std::string buy, free, money, now, unknown;
  in >> buy >> free >> money >> now >> unknown;
  EXPECT_EQ(buy, "Purchase");
  EXPECT_EQ(free, "COMPLIMENTARY");
  EXPECT_EQ(money.back(), ',');
  EXPECT_NE(money, "money,");
  EXPECT_NE(std::find(synonymsOf("money")->begin(), synonymsOf("money")->end(), money.substr(0, money.size() - 1)),
            synonymsOf("money")->end());
  EXPECT_EQ(now.back(), '!');
  EXPECT_EQ(unknown, "zyzzyva");
  EXPECT_EQ(replaceSynonyms("Buy FREE money", 1e-12, 2, 3), "Buy FREE money");
}
