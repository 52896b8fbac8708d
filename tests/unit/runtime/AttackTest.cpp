//===- AttackTest.cpp - adversarial perturbations of the input embeddings --------===//
//
// What robust training and evaluation rely on (issue 9): every attack raises the loss it attacks,
// stays inside its ball (L-infinity for FGSM and PGD, each example's L2 norm for FreeLB), and draws
// PGD's and FreeLB's random starts from the seed, so the same seed and step give the same perturbation.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/StepKernels.h"
#include "model/TransformerModel.h"
#include "train/Losses.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace ftp;
using namespace ftp::train;

namespace {

const fs::path kData = FTPC_MODEL_DATA_DIR;

Batch batchOf(int64_t vocab) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  Batch b;
  b.inputIds = torch::randint(5, vocab, {4, 12}, gen, torch::kInt64);
  b.attentionMask = torch::ones({4, 12}, torch::kInt64);
  b.attentionMask[1].slice(0, 8).fill_(0);
  b.labels = torch::tensor({0, 1, 1, 0}, torch::kInt64);
  return b;
}

Adversarial attack(Adversarial::Kind kind, int64_t steps, bool randomStart) {
  Adversarial a;
  a.kind = kind;
  a.eps = kind == Adversarial::Kind::FreeLb ? 0.5 : 0.05;
  a.steps = steps;
  a.stepSize = a.eps / static_cast<double>(steps);
  a.randomStart = randomStart;
  return a;
}

TEST(AttackTest, AttacksRaiseTheLossAndStayInTheirBall) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  m->eval(); // no dropout: the loss compared is the one attacked
  auto kernels = runtime::makeEagerStepKernels();
  Batch batch = batchOf(256);
  torch::Tensor embeds = m->embedTokens(batch.inputIds).detach();
  double clean = taskLoss(m->forwardEmbeddings(embeds, batch.attentionMask), batch.labels, false).item<double>();
  for (const Adversarial &a : {attack(Adversarial::Kind::Fgsm, 1, false), attack(Adversarial::Kind::Pgd, 3, false),
                               attack(Adversarial::Kind::Pgd, 5, true), attack(Adversarial::Kind::FreeLb, 3, false),
                               attack(Adversarial::Kind::FreeLb, 3, true)}) {
    SCOPED_TRACE(static_cast<int>(a.kind) * 100 + a.steps + (a.randomStart ? 1000 : 0));
    torch::Tensor delta = adversarialDelta(*m, embeds, batch, a, false, *kernels, 9, 4);
    ASSERT_TRUE(delta.sizes().equals(embeds.sizes()));
    if (a.kind == Adversarial::Kind::FreeLb)
      EXPECT_LE(delta.flatten(1).norm(2, 1).max().item<double>(), a.eps * (1 + 1e-5));
    else
      EXPECT_LE(delta.abs().max().item<double>(), a.eps * (1 + 1e-6));
    EXPECT_GT(delta.abs().max().item<double>(), 0.0);
    double attacked =
        taskLoss(m->forwardEmbeddings(embeds + delta, batch.attentionMask), batch.labels, false).item<double>();
    EXPECT_GT(attacked, clean);
    // The same seed and step give the same perturbation (PGD's random start included).
    EXPECT_TRUE(torch::equal(delta, adversarialDelta(*m, embeds, batch, a, false, *kernels, 9, 4)));
  }
  // Another step draws another random start.
  Adversarial pgd = attack(Adversarial::Kind::Pgd, 5, true);
  EXPECT_FALSE(torch::equal(adversarialDelta(*m, embeds, batch, pgd, false, *kernels, 9, 4),
                            adversarialDelta(*m, embeds, batch, pgd, false, *kernels, 9, 5)));
}

// FreeLB trains on the mean loss over the points its ascent passes through: delta_0 (zero, or the
// random start) and each step's result but the last, each inside every example's L2 ball.
TEST(AttackTest, FreeLbAscentPoints) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  m->eval();
  auto kernels = runtime::makeEagerStepKernels();
  Batch batch = batchOf(256);
  torch::Tensor embeds = m->embedTokens(batch.inputIds).detach();
  for (bool randomStart : {false, true}) {
    Adversarial a = attack(Adversarial::Kind::FreeLb, 4, randomStart);
    std::vector<torch::Tensor> points;
    torch::Tensor last = adversarialDelta(*m, embeds, batch, a, false, *kernels, 9, 4, &points);
    ASSERT_EQ(points.size(), 4u);
    EXPECT_EQ(points[0].abs().max().item<double>() == 0.0, !randomStart);
    EXPECT_TRUE(torch::equal(points.back(), last));
    for (size_t k = 0; k < points.size(); ++k) {
      EXPECT_LE(points[k].flatten(1).norm(2, 1).max().item<double>(), a.eps * (1 + 1e-5)) << k;
      if (k > 0) // each step moves every example by at most the step size
        EXPECT_LE((points[k] - points[k - 1]).flatten(1).norm(2, 1).max().item<double>(),
                  a.stepSize * (1 + 1e-4)) << k;
    }
    // Without the points, the walk goes one step further: the full attack.
    torch::Tensor full = adversarialDelta(*m, embeds, batch, a, false, *kernels, 9, 4);
    EXPECT_FALSE(torch::equal(full, last));
  }
}

} // namespace
