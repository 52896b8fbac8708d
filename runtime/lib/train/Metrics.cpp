//===- Metrics.cpp - classification and language-model metrics ------------------===//

#include "Metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ftp::train {

ClassificationMetrics::ClassificationMetrics(size_t numLabels)
    : numLabels_(numLabels), confusion_(numLabels, std::vector<int64_t>(numLabels, 0)) {}

void ClassificationMetrics::add(int32_t truth, int32_t predicted, double positiveProbability,
                                double loss) {
  if (truth < 0 || predicted < 0 || static_cast<size_t>(truth) >= numLabels_ ||
      static_cast<size_t>(predicted) >= numLabels_)
    throw std::out_of_range("label index out of range in metrics");
  ++confusion_[truth][predicted];
  ++count_;
  lossSum_ += loss;
  if (numLabels_ == 2)
    scores_.emplace_back(positiveProbability, truth == 1 ? 1 : 0);
}

static double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

double ClassificationMetrics::accuracy() const {
  int64_t correct = 0;
  for (size_t i = 0; i < numLabels_; ++i)
    correct += confusion_[i][i];
  return ratio(static_cast<double>(correct), static_cast<double>(count_));
}

double ClassificationMetrics::precisionOf(size_t label) const {
  int64_t predicted = 0;
  for (size_t t = 0; t < numLabels_; ++t)
    predicted += confusion_[t][label];
  return ratio(static_cast<double>(confusion_[label][label]), static_cast<double>(predicted));
}

double ClassificationMetrics::recallOf(size_t label) const {
  int64_t actual = 0;
  for (size_t p = 0; p < numLabels_; ++p)
    actual += confusion_[label][p];
  return ratio(static_cast<double>(confusion_[label][label]), static_cast<double>(actual));
}

double ClassificationMetrics::f1Of(size_t label) const {
  double p = precisionOf(label), r = recallOf(label);
  return ratio(2 * p * r, p + r);
}

template <typename F> static double macro(size_t n, F f) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += f(i);
  return n ? sum / static_cast<double>(n) : 0.0;
}

double ClassificationMetrics::precision() const {
  return numLabels_ == 2 ? precisionOf(1)
                         : macro(numLabels_, [&](size_t i) { return precisionOf(i); });
}
double ClassificationMetrics::recall() const {
  return numLabels_ == 2 ? recallOf(1) : macro(numLabels_, [&](size_t i) { return recallOf(i); });
}
double ClassificationMetrics::f1() const {
  return numLabels_ == 2 ? f1Of(1) : macroF1();
}
double ClassificationMetrics::macroF1() const {
  return macro(numLabels_, [&](size_t i) { return f1Of(i); });
}

double ClassificationMetrics::auc() const {
  // Mann-Whitney U: the probability that a random positive scores above a random negative.
  std::vector<std::pair<double, int32_t>> sorted = scores_;
  std::sort(sorted.begin(), sorted.end());
  double positives = 0, negatives = 0, rankSum = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j].first == sorted[i].first)
      ++j;
    double averageRank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (sorted[k].second) {
        positives += 1;
        rankSum += averageRank;
      } else {
        negatives += 1;
      }
    }
    i = j;
  }
  if (positives == 0 || negatives == 0)
    return 0.0;
  return (rankSum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

int64_t ClassificationMetrics::examplesOf(size_t label) const {
  int64_t n = 0;
  for (size_t p = 0; p < numLabels_; ++p)
    n += confusion_[label][p];
  return n;
}

double ClassificationMetrics::falsePositiveRate() const {
  if (numLabels_ != 2)
    return 0.0;
  return ratio(static_cast<double>(confusion_[0][1]), static_cast<double>(examplesOf(0)));
}

std::string ClassificationMetrics::whyUndefined(const std::string &name,
                                                const std::vector<std::string> &labelNames) const {
  auto labelName = [&](size_t label) {
    return label < labelNames.size() ? "`" + labelNames[label] + "`" : "#" + std::to_string(label);
  };
  if (count_ == 0)
    return "no examples";
  if (name == "accuracy" || name == "loss")
    return "";
  bool binary = numLabels_ == 2;
  if (name == "false_positive_rate")
    return !binary               ? "defined for two labels only"
           : examplesOf(0) == 0 ? "no example of the negative label " + labelName(0) + " in the data"
                                 : "";
  if (name == "auc")
    return !binary                                    ? "defined for two labels only"
           : examplesOf(0) == 0 || examplesOf(1) == 0 ? "the data holds one label only"
                                                      : "";
  bool macroAverage = name == "macro_f1" || !binary;
  if (macroAverage) {
    for (size_t label = 0; label < numLabels_; ++label)
      if (examplesOf(label) == 0)
        return "no example of " + labelName(label) + " in the data";
    return "";
  }
  return examplesOf(1) == 0 ? "no example of the positive label " + labelName(1) + " in the data" : "";
}

double ClassificationMetrics::get(const std::string &name) const {
  if (!whyUndefined(name).empty())
    return 0.0;
  if (name == "false_positive_rate")
    return falsePositiveRate();
  if (name == "accuracy")
    return accuracy();
  if (name == "precision")
    return precision();
  if (name == "recall")
    return recall();
  if (name == "f1")
    return f1();
  if (name == "macro_f1")
    return macroF1();
  if (name == "auc")
    return auc();
  if (name == "loss")
    return loss();
  throw std::invalid_argument("no classification metric `" + name + "`");
}

void writeClassificationMetrics(const ClassificationMetrics &metrics, size_t numLabels,
                                const std::vector<std::string> &labelNames, nlohmann::json &out) {
  std::vector<const char *> names = {"accuracy", "precision", "recall", "f1", "macro_f1", "loss"};
  if (numLabels == 2) {
    names.push_back("auc");
    names.push_back("false_positive_rate");
  }
  nlohmann::json undefined = nlohmann::json::object();
  for (const char *name : names) {
    std::string why = metrics.whyUndefined(name, labelNames);
    if (why.empty()) {
      out[name] = metrics.get(name);
    } else {
      out[name] = nullptr;
      undefined[name] = why;
    }
  }
  if (!undefined.empty())
    out["undefined"] = undefined;
  nlohmann::json present = nlohmann::json::array();
  for (size_t label = 0; label < numLabels; ++label)
    if (metrics.examplesOf(label) > 0)
      present.push_back(label < labelNames.size() ? labelNames[label] : std::to_string(label));
  if (present.size() < numLabels && metrics.count() > 0)
    out["labels_present"] = present;
}

double LanguageModelMetrics::perplexity() const { return std::exp(loss()); }

bool higherIsBetter(const std::string &metric) {
  return metric != "loss" && metric != "perplexity" && metric != "false_positive_rate";
}

} // namespace ftp::train
