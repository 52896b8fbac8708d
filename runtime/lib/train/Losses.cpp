//===- Losses.cpp - task losses and robustness around the model's forward -------===//

#include "Losses.h"

#include <cmath>

namespace ftp::train {

torch::Tensor taskLoss(const torch::Tensor &logits, const torch::Tensor &labels, bool languageModel,
                       bool perExample) {
  namespace F = torch::nn::functional;
  if (!languageModel) {
    auto reduction = perExample ? F::CrossEntropyFuncOptions().reduction(torch::kNone)
                                : F::CrossEntropyFuncOptions().reduction(torch::kMean);
    return F::cross_entropy(logits, labels, reduction);
  }
  // Token t predicts token t + 1.
  auto shiftedLogits = logits.slice(1, 0, -1);
  auto shiftedLabels = labels.slice(1, 1);
  int64_t batch = logits.size(0), vocab = logits.size(2);
  auto losses = F::cross_entropy(shiftedLogits.reshape({-1, vocab}), shiftedLabels.reshape({-1}),
                                 F::CrossEntropyFuncOptions().reduction(torch::kNone).ignore_index(-100))
                    .reshape({batch, -1});
  auto counted = (shiftedLabels != -100).to(losses.scalar_type());
  if (perExample)
    return losses.sum(1) / counted.sum(1).clamp_min(1);
  return losses.sum() / counted.sum().clamp_min(1);
}

std::pair<double, int64_t> languageModelLossSum(const torch::Tensor &logits, const torch::Tensor &labels) {
  namespace F = torch::nn::functional;
  auto shiftedLogits = logits.slice(1, 0, -1);
  auto shiftedLabels = labels.slice(1, 1);
  auto losses = F::cross_entropy(shiftedLogits.reshape({-1, logits.size(2)}), shiftedLabels.reshape({-1}),
                                 F::CrossEntropyFuncOptions().reduction(torch::kSum).ignore_index(-100));
  return {losses.item<double>(), (shiftedLabels != -100).sum().item<int64_t>()};
}

// Tensor ids for the noise streams of one step (parameters use their own index from 0).
constexpr uint32_t kEmbeddingNoiseTensor = 0xFFFF0001u;
constexpr uint32_t kRandomStartTensor = 0xFFFF0002u;

torch::Tensor adversarialDelta(model::TransformerModel &model, const torch::Tensor &embeds,
                               const Batch &batch, const Adversarial &attack, bool languageModel,
                               runtime::StepKernels &kernels, uint64_t seed, uint64_t step,
                               std::vector<torch::Tensor> *ascentPoints) {
  torch::Tensor base = embeds.detach();
  torch::Tensor delta = torch::zeros_like(base).contiguous();
  bool l2 = attack.kind == Adversarial::Kind::FreeLb;
  int64_t rows = delta.size(0), rowSize = delta.numel() / std::max<int64_t>(rows, 1);
  if (attack.randomStart) {
    // A start inside the ball, reproducible from the Philox stream: a normal scaled to eps/2,
    // clamped to the L-infinity ball, or (FreeLB) projected onto each example's L2 ball by a
    // step of length 0.
    kernels.addGaussianNoise(delta.data_ptr<float>(), delta.numel(), static_cast<float>(attack.eps / 2),
                             runtime::NoiseKey{seed, step, kRandomStartTensor});
    if (l2) {
      torch::Tensor zero = torch::zeros_like(delta);
      kernels.l2AscentStep(delta.data_ptr<float>(), zero.data_ptr<float>(), rows, rowSize, 0.0f,
                           static_cast<float>(attack.eps));
    } else {
      delta.clamp_(-attack.eps, attack.eps);
    }
  }
  for (int64_t k = 0; k < attack.steps; ++k) {
    if (ascentPoints) {
      ascentPoints->push_back(delta.clone());
      if (k + 1 == attack.steps)
        break; // the last step's result would start no further loss
    }
    torch::Tensor d = delta.clone().requires_grad_(true);
    torch::Tensor loss = taskLoss(model.forwardEmbeddings(base + d, batch.attentionMask), batch.labels,
                                  languageModel);
    torch::Tensor grad = torch::autograd::grad({loss}, {d})[0].contiguous();
    if (!l2) {
      double alpha = attack.kind == Adversarial::Kind::Fgsm ? attack.eps : attack.stepSize;
      kernels.perturbStep(delta.data_ptr<float>(), grad.data_ptr<float>(), delta.numel(),
                          static_cast<float>(alpha), static_cast<float>(attack.eps));
    } else {
      // FreeLB: normalized gradient ascent, projected onto each example's L2 ball.
      kernels.l2AscentStep(delta.data_ptr<float>(), grad.data_ptr<float>(), rows, rowSize,
                           static_cast<float>(attack.stepSize), static_cast<float>(attack.eps));
    }
  }
  return delta.detach();
}

torch::Tensor trainingLoss(model::TransformerModel &model, const Batch &batch, const TrainConfig &config,
                           runtime::StepKernels &kernels, uint64_t seed, uint64_t step, bool perExample) {
  bool lm = model.isCausalLm();
  torch::Tensor embeds = model.embedTokens(batch.inputIds);
  if (config.noise.kind != EmbeddingNoise::Kind::None) {
    torch::Tensor noise = torch::zeros_like(embeds).contiguous();
    if (config.noise.kind == EmbeddingNoise::Kind::Gaussian) {
      kernels.addGaussianNoise(noise.data_ptr<float>(), noise.numel(), static_cast<float>(config.noise.scale),
                               runtime::NoiseKey{seed, step, kEmbeddingNoiseTensor});
    } else {
      // NEFTune: uniform in +-alpha / sqrt(L * d); the uniform comes from the normal stream
      // through its CDF, so it is as reproducible as the Gaussian one.
      kernels.addGaussianNoise(noise.data_ptr<float>(), noise.numel(), 1.0f,
                               runtime::NoiseKey{seed, step, kEmbeddingNoiseTensor});
      double bound = config.noise.scale / std::sqrt(static_cast<double>(embeds.size(1) * embeds.size(2)));
      noise = (torch::erf(noise / std::sqrt(2.0)) * bound);
    }
    embeds = embeds + noise;
  }
  torch::Tensor clean = taskLoss(model.forwardEmbeddings(embeds, batch.attentionMask), batch.labels, lm,
                                 perExample);
  if (config.adversarial.kind == Adversarial::Kind::None)
    return clean;
  torch::Tensor adversarial;
  if (config.adversarial.kind == Adversarial::Kind::FreeLb) {
    // FreeLB: the mean of the losses at the points the ascent steps started from, so that the
    // parameters get every step's gradient (the paper accumulates them over its K steps).
    std::vector<torch::Tensor> points;
    adversarialDelta(model, embeds, batch, config.adversarial, lm, kernels, seed, step, &points);
    for (const torch::Tensor &point : points) {
      torch::Tensor loss = taskLoss(model.forwardEmbeddings(embeds + point, batch.attentionMask),
                                    batch.labels, lm, perExample);
      adversarial = adversarial.defined() ? adversarial + loss : loss;
    }
    adversarial = adversarial / static_cast<double>(points.size());
  } else {
    torch::Tensor delta = adversarialDelta(model, embeds, batch, config.adversarial, lm, kernels, seed, step);
    adversarial = taskLoss(model.forwardEmbeddings(embeds + delta, batch.attentionMask), batch.labels,
                           lm, perExample);
  }
  double w = config.adversarial.weight;
  return (1 - w) * clean + w * adversarial;
}

} // namespace ftp::train
