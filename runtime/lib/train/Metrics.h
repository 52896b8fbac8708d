//===- Metrics.h - classification and language-model metrics -------------------===//
//
// Plain C++ so the unit tests can check every formula against hand-computed values. Conventions
// (the same as scikit-learn's defaults, so users can compare):
//   - binary tasks (two labels): precision, recall and F1 are those of the *second* label in the
//     classifier's list (`labels: [ham, spam]` -> spam is the positive class);
//   - more labels: precision, recall and F1 are macro averages; `macro_f1` is always the macro F1;
//   - a ratio whose denominator is 0 is 0 (scikit-learn's zero_division=0);
//   - auc: ROC AUC of the positive class's probability (binary only), ties counted as 1/2;
//   - false_positive_rate (binary only): negatives predicted positive over all negatives;
//   - undefined, not 0, when the data lacks a label the metric is about (evaluation data may hold
//     one label): precision, recall and F1 without any example of the positive label (of some
//     label, for the macro averages), auc without both labels, false_positive_rate without
//     negatives. whyUndefined() says why; evaluation writes such a metric as null.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ftp::train {

class ClassificationMetrics {
public:
  explicit ClassificationMetrics(size_t numLabels);

  /// One example: true label, predicted label, the positive class's probability (binary AUC) and
  /// the example's loss.
  void add(int32_t truth, int32_t predicted, double positiveProbability, double loss);

  size_t count() const { return count_; }
  double accuracy() const;
  double precision() const;
  double recall() const;
  double f1() const;
  double macroF1() const;
  double auc() const;
  double falsePositiveRate() const;
  /// Why the named metric has no value on these examples, or "" when it has one; labels are
  /// named from `labelNames` when given.
  std::string whyUndefined(const std::string &name,
                           const std::vector<std::string> &labelNames = {}) const;
  /// How many of the examples carry each label (the confusion matrix's row sums).
  int64_t examplesOf(size_t label) const;
  double loss() const { return count_ ? lossSum_ / static_cast<double>(count_) : 0.0; }
  /// confusion()[truth][predicted]
  const std::vector<std::vector<int64_t>> &confusion() const { return confusion_; }

  /// The named metric (accuracy, precision, recall, f1, macro_f1, auc, false_positive_rate, loss);
  /// 0 where whyUndefined() is not empty.
  double get(const std::string &name) const;

private:
  double precisionOf(size_t label) const;
  double recallOf(size_t label) const;
  double f1Of(size_t label) const;

  size_t numLabels_;
  size_t count_ = 0;
  double lossSum_ = 0;
  std::vector<std::vector<int64_t>> confusion_;
  std::vector<std::pair<double, int32_t>> scores_; // (positive probability, is positive)
};

/// Token-level language-modelling metrics: mean loss per predicted token and its perplexity.
class LanguageModelMetrics {
public:
  void add(double lossSum, int64_t tokens) {
    lossSum_ += lossSum;
    tokens_ += tokens;
  }
  double loss() const { return tokens_ ? lossSum_ / static_cast<double>(tokens_) : 0.0; }
  double perplexity() const;
  int64_t tokens() const { return tokens_; }

private:
  double lossSum_ = 0;
  int64_t tokens_ = 0;
};

/// Writes accuracy, precision, recall, f1, macro_f1 and loss (and auc, false_positive_rate with two
/// labels) into `out`: a metric undefined on these examples as null, its reason under
/// `out["undefined"][metric]`, and `out["labels_present"]` when the data lacks some label.
void writeClassificationMetrics(const ClassificationMetrics &metrics, size_t numLabels,
                                const std::vector<std::string> &labelNames, nlohmann::json &out);

/// Whether a larger value of `metric` is better (everything but loss and perplexity).
bool higherIsBetter(const std::string &metric);

} // namespace ftp::train
