//===- Losses.h - task losses and robustness around the model's forward ---------===//
#pragma once

#include "Batches.h"
#include "TrainConfig.h"
#include "model/TransformerModel.h"
#include "ftp/runtime/StepKernels.h"

#include <torch/torch.h>

namespace ftp::train {

/// Mean cross-entropy of a classifier's logits [B, C], or of a causal LM's logits [B, L, V]
/// against its own inputs shifted by one (labels -100 are ignored). `perExample` keeps one value
/// per example ([B]) instead of the mean (LM: the mean over each example's tokens).
torch::Tensor taskLoss(const torch::Tensor &logits, const torch::Tensor &labels, bool languageModel,
                       bool perExample = false);

/// Sum of token losses and the number of predicted tokens of an LM batch (for perplexity).
std::pair<double, int64_t> languageModelLossSum(const torch::Tensor &logits, const torch::Tensor &labels);

/// Adversarial perturbation of the token embeddings `embeds` for the loss on `batch`: FGSM and PGD
/// (L-infinity, sign steps through the fused kernel) or FreeLB (L2, normalized steps through the
/// fused kernel). Returns the final delta (detached). When `ascentPoints` is given, it receives the
/// perturbation each ascent step started from (delta_0 .. delta_{k-1}): FreeLB trains on the mean
/// loss over them, so every ascent step's gradient reaches the parameters; the step after the
/// last point is then not taken (and the delta returned is delta_{k-1}).
torch::Tensor adversarialDelta(model::TransformerModel &model, const torch::Tensor &embeds,
                               const Batch &batch, const Adversarial &attack, bool languageModel,
                               runtime::StepKernels &kernels, uint64_t seed, uint64_t step,
                               std::vector<torch::Tensor> *ascentPoints = nullptr);

/// The training loss of one (micro-)batch with the configured embedding noise and adversarial
/// mix: (1 - w) * clean + w * adversarial. `perExample` as in taskLoss.
torch::Tensor trainingLoss(model::TransformerModel &model, const Batch &batch, const TrainConfig &config,
                           runtime::StepKernels &kernels, uint64_t seed, uint64_t step,
                           bool perExample = false);

} // namespace ftp::train
