//===- RobustEval.cpp - metrics under embedding-space attacks -------------------===//

#include "RobustEval.h"

#include "Losses.h"
#include "Metrics.h"

#include <algorithm>
#include <numeric>

namespace ftp::train {

nlohmann::json evaluateUnderAttack(model::TransformerModel &model, const TokenizedSet &set,
                                   size_t numLabels, int64_t batch, const Adversarial &attack,
                                   runtime::StepKernels &kernels, uint64_t seed,
                                   const std::vector<std::string> &labelNames) {
  model.eval();
  std::vector<int64_t> order(set.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return set.ids[a].size() < set.ids[b].size(); });
  ClassificationMetrics metrics(numLabels);
  uint64_t batchIndex = 0;
  for (size_t at = 0; at < order.size(); at += static_cast<size_t>(batch), ++batchIndex) {
    std::vector<int64_t> indices(order.begin() + at,
                                 order.begin() + std::min(order.size(), at + static_cast<size_t>(batch)));
    Batch b = makeBatch(set, indices, false);
    torch::Tensor embeds = model.embedTokens(b.inputIds).detach();
    torch::Tensor delta = adversarialDelta(model, embeds, b, attack, false, kernels, seed, batchIndex);
    torch::NoGradGuard noGrad;
    torch::Tensor logits = model.forwardEmbeddings(embeds + delta, b.attentionMask);
    torch::Tensor losses = taskLoss(logits, b.labels, false, true);
    torch::Tensor probs = torch::softmax(logits, 1);
    torch::Tensor predicted = logits.argmax(1);
    for (int64_t i = 0; i < b.size(); ++i)
      metrics.add(static_cast<int32_t>(b.labels[i].item<int64_t>()),
                  static_cast<int32_t>(predicted[i].item<int64_t>()),
                  numLabels == 2 ? probs[i][1].item<double>() : 0.0, losses[i].item<double>());
  }
  nlohmann::json out;
  out["examples"] = metrics.count();
  writeClassificationMetrics(metrics, numLabels, labelNames, out);
  out["confusion"] = {{"labels", labelNames}, {"matrix", metrics.confusion()}};
  return out;
}

} // namespace ftp::train
