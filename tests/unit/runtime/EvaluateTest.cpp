//===- EvaluateTest.cpp - evaluateSet against the losses it summarizes -------------===//
//
// evaluateSet batches a set sorted by length; its loss and perplexity must be those of the examples
// one by one, whatever the batch size (padding must not count), for a language model and for a
// classifier.
//
//===----------------------------------------------------------------------------------------===//

#include "model/TransformerModel.h"
#include "train/Losses.h"
#include "train/Trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;
using namespace ftp;
using namespace ftp::train;

namespace {

const fs::path kData = FTPC_MODEL_DATA_DIR;

// Examples of different lengths, ids drawn from a fixed generator.
TokenizedSet setOf(int64_t vocab, bool labelled) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  TokenizedSet set;
  for (int64_t length : {5, 9, 3, 12, 7, 4, 10}) {
    torch::Tensor ids = torch::randint(3, vocab, {length}, gen, torch::kInt64);
    set.ids.emplace_back(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + length);
    set.labels.push_back(labelled ? static_cast<int32_t>(length % 2) : -1);
  }
  return set;
}

TEST(EvaluateTest, LanguageModelPerplexityIsThatOfTheTokens) {
  auto m = model::loadCausalLm(kData / "gpt2-tiny-random");
  m->eval();
  TokenizedSet set = setOf(64, false);
  double lossSum = 0;
  int64_t tokens = 0;
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < set.size(); ++i) { // one example at a time: no padding at all
    Batch b = makeBatch(set, {static_cast<int64_t>(i)}, true);
    auto [sum, count] = languageModelLossSum(m->forward(b.inputIds, b.attentionMask), b.labels);
    lossSum += sum;
    tokens += count;
  }
  for (int64_t batch : {1, 3, 64}) {
    nlohmann::json metrics = evaluateSet(*m, set, 0, batch, {});
    EXPECT_EQ(metrics["tokens"].get<int64_t>(), tokens) << batch;
    EXPECT_NEAR(metrics["loss"].get<double>(), lossSum / tokens, 1e-5) << batch;
    double perplexity = std::exp(lossSum / tokens); // float32 logits: compare relatively
    EXPECT_NEAR(metrics["perplexity"].get<double>(), perplexity, 1e-5 * perplexity) << batch;
  }
}

TEST(EvaluateTest, ClassifierLossAndAccuracyAreThoseOfTheExamples) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  m->eval();
  TokenizedSet set = setOf(256, true);
  double lossSum = 0;
  int64_t right = 0;
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < set.size(); ++i) {
    Batch b = makeBatch(set, {static_cast<int64_t>(i)}, false);
    torch::Tensor logits = m->forward(b.inputIds, b.attentionMask);
    lossSum += taskLoss(logits, b.labels, false).item<double>();
    right += logits.argmax(1).item<int64_t>() == b.labels[0].item<int64_t>();
  }
  double n = static_cast<double>(set.size());
  for (int64_t batch : {1, 4, 64}) {
    nlohmann::json metrics = evaluateSet(*m, set, 2, batch, {"a", "b"});
    EXPECT_EQ(metrics["examples"].get<int64_t>(), static_cast<int64_t>(set.size())) << batch;
    EXPECT_NEAR(metrics["loss"].get<double>(), lossSum / n, 1e-5) << batch;
    EXPECT_NEAR(metrics["accuracy"].get<double>(), right / n, 1e-12) << batch;
  }
}

} // namespace
