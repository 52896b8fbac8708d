//===- RobustBench.cpp - step-time cost of adversarial training and noise injection ---===//
//
// all-MiniLM-L6-v2 (mean-pooling classifier, full fine-tuning, train mode), the spam example's batch
// of 16 x 128 tokens: one training step's forward and backward (ftp::train::trainingLoss, the loss
// ftpc run uses; no optimizer update, which is the same for every mode) under
//   plain, FGSM, PGD-3 and PGD-5 (random start), FreeLB-3, Gaussian and NEFTune uniform noise,
// with the perturbation steps through the step kernels (the eager kernels, the reference
// of the JIT kernels; their cost is a small part of a step). The modes take turns for
// $FTPC_BENCH_ROUNDS rounds (default 3, each: one warm-up step, then one timed step), so that a
// change in the machine's load hits all of them; the table gives each mode's median step time and
// its ratio to the plain step, with $FTPC_BENCH_THREADS torch threads (default 2).
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/StepKernels.h"
#include "model/TransformerModel.h"
#include "train/Losses.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

constexpr int64_t kBatch = 16, kLength = 128;

struct Mode {
  const char *name;
  ftp::train::TrainConfig config;
};

std::vector<Mode> modes() {
  using ftp::train::Adversarial;
  using ftp::train::EmbeddingNoise;
  std::vector<Mode> out;
  auto adversarial = [](Adversarial::Kind kind, int64_t steps, bool randomStart) {
    ftp::train::TrainConfig c;
    c.adversarial.kind = kind;
    c.adversarial.eps = 0.01;
    c.adversarial.steps = steps;
    c.adversarial.stepSize = 0.01 / static_cast<double>(steps);
    c.adversarial.randomStart = randomStart;
    c.adversarial.weight = 0.5;
    return c;
  };
  out.push_back({"plain", ftp::train::TrainConfig()});
  out.push_back({"fgsm", adversarial(Adversarial::Kind::Fgsm, 1, false)});
  out.push_back({"pgd-3", adversarial(Adversarial::Kind::Pgd, 3, true)});
  out.push_back({"pgd-5", adversarial(Adversarial::Kind::Pgd, 5, true)});
  out.push_back({"freelb-3", adversarial(Adversarial::Kind::FreeLb, 3, false)});
  ftp::train::TrainConfig gaussian;
  gaussian.noise.kind = EmbeddingNoise::Kind::Gaussian;
  gaussian.noise.scale = 0.01;
  out.push_back({"gaussian noise", gaussian});
  ftp::train::TrainConfig uniform;
  uniform.noise.kind = EmbeddingNoise::Kind::Uniform;
  uniform.noise.scale = 5;
  out.push_back({"neftune noise", uniform});
  return out;
}

} // namespace

int main() {
  std::filesystem::path dir = std::filesystem::path(FTPC_FIXTURES_DIR) / "all-MiniLM-L6-v2";
  if (!std::filesystem::exists(dir / ".ready")) {
    std::fprintf(stderr, "fixture all-MiniLM-L6-v2 is not prepared; run scripts/fixtures.sh\n");
    return 1;
  }
  const char *threads = std::getenv("FTPC_BENCH_THREADS");
  at::set_num_threads(threads ? std::atoi(threads) : 2);
  const char *roundsText = std::getenv("FTPC_BENCH_ROUNDS");
  int rounds = roundsText ? std::max(1, std::atoi(roundsText)) : 3;
  auto model = ftp::model::loadSequenceClassifier(dir, {"ham", "spam"}, ftp::model::Pooling::Mean, 0.1, 0);
  model->train();
  auto kernels = ftp::runtime::makeEagerStepKernels();
  torch::manual_seed(0);
  ftp::train::Batch batch;
  batch.inputIds = torch::randint(1000, 30000, {kBatch, kLength}, torch::kLong);
  batch.attentionMask = torch::ones({kBatch, kLength}, torch::kLong);
  batch.labels = torch::randint(0, 2, {kBatch}, torch::kLong);

  std::vector<Mode> all = modes();
  std::vector<std::vector<double>> times(all.size());
  uint64_t step = 1;
  for (int round = 0; round < rounds; ++round)
    for (size_t m = 0; m < all.size(); ++m)
      for (int rep = 0; rep < 2; ++rep) {
        for (const auto &[name, p] : model->trainableParameters())
          if (p.grad().defined())
            p.mutable_grad().zero_();
        auto start = std::chrono::steady_clock::now();
        ftp::train::trainingLoss(*model, batch, all[m].config, *kernels, 7, step++).backward();
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (rep == 1) {
          times[m].push_back(seconds);
          std::printf("round %d %-16s %8.3f s\n", round, all[m].name, seconds);
          std::fflush(stdout);
        }
      }
  std::vector<double> median(all.size());
  for (size_t m = 0; m < all.size(); ++m) {
    std::sort(times[m].begin(), times[m].end());
    median[m] = times[m][times[m].size() / 2];
  }
  std::printf("MiniLM-L6 %lld x %lld, %d torch threads, %s kernels, median over %d rounds\n",
              static_cast<long long>(kBatch), static_cast<long long>(kLength), at::get_num_threads(),
              kernels->name().c_str(), rounds);
  std::printf("%-16s %10s %8s\n", "training step", "step s", "x plain");
  for (size_t m = 0; m < all.size(); ++m)
    std::printf("%-16s %10.3f %8.2f\n", all[m].name, median[m], median[m] / median[0]);
  return 0;
}
