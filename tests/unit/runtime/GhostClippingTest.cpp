//===- GhostClippingTest.cpp - ghost norms against materialized per-example gradients ---===//
//
// DP-SGD's clipped gradient sum from ghost clipping (two passes over one padded batch) must equal
// the one from per-example gradients materialized one example at a time (without padding), on the
// tiny BERT, RoBERTa and GPT-2 models of data/models/: norms within 1e-4, sums within 1e-5
// (relative), for a clip that clips every example and one that clips none.
//
//===----------------------------------------------------------------------------------------===//

#include "model/TransformerModel.h"
#include "train/GhostClipping.h"
#include "train/Losses.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace ftp;
using namespace ftp::train;

namespace {

const fs::path kData = FTPC_MODEL_DATA_DIR;

/// Five examples of lengths 7, 3, 9, 5, 4, padded on the right with `pad`.
Batch paddedBatch(int64_t vocab, int64_t pad, int64_t labels, bool languageModel) {
  std::vector<int64_t> lengths{7, 3, 9, 5, 4};
  int64_t B = static_cast<int64_t>(lengths.size()), L = 9;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  Batch batch;
  batch.inputIds = torch::randint(3, vocab, {B, L}, gen, torch::kInt64);
  batch.attentionMask = torch::zeros({B, L}, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    batch.attentionMask[b].slice(0, 0, lengths[b]).fill_(1);
    batch.inputIds[b].slice(0, lengths[b]).fill_(pad);
  }
  batch.labels = languageModel ? batch.inputIds.masked_fill(batch.attentionMask == 0, -100)
                               : torch::randint(0, labels, {B}, gen, torch::kInt64);
  return batch;
}

PerExampleLoss classifierLoss(model::TransformerModel &m) {
  return [&m](const Batch &b) { return taskLoss(m.forward(b.inputIds, b.attentionMask), b.labels, false, true); };
}

torch::Tensor flatGrads(model::TransformerModel &m) {
  std::vector<torch::Tensor> grads;
  for (const auto &[name, p] : m.trainableParameters())
    grads.push_back(p.grad().defined() ? p.grad().flatten() : torch::zeros({p.numel()}));
  return torch::cat(grads).to(torch::kFloat64);
}

double relative(const torch::Tensor &a, const torch::Tensor &b) {
  return ((a - b).norm() / b.norm().clamp_min(1e-30)).item<double>();
}

/// Compares ghost clipping with materialization for a clip below every example's norm and one
/// above all of them; `expectGhost` false: the ghost path must fall back.
void expectSameAsMaterialized(model::TransformerModel &m, const Batch &batch, const PerExampleLoss &loss,
                              bool perLayer, bool expectGhost = true) {
  ClippedBatch probe = materializedClippedGradients(m, batch, loss, 1e9, false);
  double smallest = probe.norms.min().item<double>(), largest = probe.norms.max().item<double>();
  ASSERT_GT(smallest, 0);
  for (double clip : {0.25 * smallest, 4 * largest}) {
    SCOPED_TRACE("clip " + std::to_string(clip) + (perLayer ? " per layer" : " flat"));
    ClippedBatch reference = materializedClippedGradients(m, batch, loss, clip, perLayer);
    torch::Tensor expected = flatGrads(m);
    ClippedBatch ghost = ghostClippedGradients(m, batch, loss, clip, perLayer);
    torch::Tensor actual = flatGrads(m);
    EXPECT_EQ(ghost.ghost, expectGhost) << ghost.fallbackReason;
    EXPECT_LE((ghost.norms - reference.norms).abs().div(reference.norms).max().item<double>(), 1e-4)
        << ghost.norms << reference.norms;
    EXPECT_LE(relative(ghost.losses.to(torch::kFloat64), reference.losses.to(torch::kFloat64)), 1e-5);
    EXPECT_LE(relative(actual, expected), 1e-5);
  }
}

TEST(GhostClippingTest, BertFlatAndPerLayer) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  Batch batch = paddedBatch(256, 0, 2, false);
  expectSameAsMaterialized(*m, batch, classifierLoss(*m), false);
  expectSameAsMaterialized(*m, batch, classifierLoss(*m), true);
}

// Poisson sampling makes batches of one: position ids without a batch dimension still broadcast.
TEST(GhostClippingTest, BertBatchOfOne) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  Batch one = exampleOf(paddedBatch(256, 0, 2, false), 2);
  ASSERT_EQ(one.size(), 1);
  expectSameAsMaterialized(*m, one, classifierLoss(*m), false);
  expectSameAsMaterialized(*m, one, classifierLoss(*m), true);
}

TEST(GhostClippingTest, RobertaFlatAndPerLayer) {
  auto m = model::loadExported(kData / "roberta-tiny-cls");
  Batch batch = paddedBatch(256, 1, 3, false);
  expectSameAsMaterialized(*m, batch, classifierLoss(*m), false);
  expectSameAsMaterialized(*m, batch, classifierLoss(*m), true);
}

// The adversarial loss runs the model twice (clean and perturbed): both uses of every layer count,
// and the attack's own torch::autograd::grad must not reach the hooks.
TEST(GhostClippingTest, FgsmAdversarialLoss) {
  auto kernels = runtime::makeEagerStepKernels();
  TrainConfig config;
  config.adversarial.kind = Adversarial::Kind::Fgsm;
  config.adversarial.eps = 0.01;
  config.adversarial.weight = 0.5;
  for (const char *name : {"bert-tiny-cls", "roberta-tiny-cls"}) {
    SCOPED_TRACE(name);
    auto m = model::loadExported(kData / name);
    Batch batch = paddedBatch(256, std::string(name) == "bert-tiny-cls" ? 0 : 1, 2, false);
    PerExampleLoss loss = [&](const Batch &b) { return trainingLoss(*m, b, config, *kernels, 1, 1, true); };
    expectSameAsMaterialized(*m, batch, loss, false);
  }
}

// LoRA adapters (lora_B made non-zero so that lora_A has a gradient) are Linears like any other.
TEST(GhostClippingTest, BertLora) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  model::applyLora(*m, model::LoraSpec{4, 8, 0, {"query", "value"}}, 3);
  {
    torch::NoGradGuard noGrad;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
    for (const auto &[name, p] : m->trainableParameters())
      if (name.find("lora_B") != std::string::npos)
        p.normal_(0, 0.1, gen);
  }
  Batch batch = paddedBatch(256, 0, 2, false);
  expectSameAsMaterialized(*m, batch, classifierLoss(*m), false);
}

// GPT-2 classifier: Conv1D layout (weight [in, out]) and position embeddings broadcast over the batch.
TEST(GhostClippingTest, Gpt2Classifier) {
  auto m = model::loadSequenceClassifier(kData / "gpt2-tiny-random", {"a", "b"}, model::Pooling::Cls, 0, 1);
  Batch batch = paddedBatch(2000, 0, 2, false);
  expectSameAsMaterialized(*m, batch, classifierLoss(*m), false);
}

// GPT-2's LM head is tied to wte (used as an Embedding and as a matrix): no ghost rule, fallback.
TEST(GhostClippingTest, TiedGpt2FallsBack) {
  auto m = model::loadCausalLm(kData / "gpt2-tiny-random");
  Batch batch = paddedBatch(2000, 0, 0, true);
  PerExampleLoss loss = [&](const Batch &b) {
    return taskLoss(m->forward(b.inputIds, b.attentionMask), b.labels, true, true);
  };
  expectSameAsMaterialized(*m, batch, loss, false, /*expectGhost=*/false);
  ClippedBatch out = ghostClippedGradients(*m, batch, loss, 1.0, false);
  EXPECT_NE(out.fallbackReason.find("wte"), std::string::npos) << out.fallbackReason;
}

} // namespace
