//===- DpBench.cpp - DP-SGD per-example clipping: ghost norms vs materialized ---===//
//
// all-MiniLM-L6-v2 (mean-pooling classifier, full fine-tuning, train mode), batch 32 x 128 tokens:
//   non-private   forward + backward of the mean loss;
//   ghost         ghostClippedGradients (flat clip C = 1, every example clipped: both passes);
//   per-example   materializedClippedGradients (one forward + backward per example, Trainer's loop).
// Each mode runs in its own child process so that its peak RSS (ru_maxrss) is its own: one warm-up
// step, then $FTPC_BENCH_REPS (default 1) timed steps. The three modes take turns for
// $FTPC_BENCH_ROUNDS rounds (default 3), so that a change in the machine's load hits all of them;
// the table gives each mode's median step time and largest peak RSS over the rounds, with
// $FTPC_BENCH_THREADS torch threads (default 2), and the ratios to the non-private step.
//
//===----------------------------------------------------------------------------------------===//

#include "ChildProcess.h"
#include "model/TransformerModel.h"
#include "train/GhostClipping.h"
#include "train/Losses.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace {

constexpr int64_t kBatch = 32, kLength = 128;

struct Result {
  double seconds = 0;
  double peakMiB = 0;
};

double runMode(int mode, int reps) {
  std::filesystem::path dir = std::filesystem::path(FTPC_FIXTURES_DIR) / "all-MiniLM-L6-v2";
  auto model = ftp::model::loadSequenceClassifier(dir, {"ham", "spam"}, ftp::model::Pooling::Mean, 0.1, 0);
  model->train();
  torch::manual_seed(0);
  ftp::train::Batch batch;
  batch.inputIds = torch::randint(1000, 30000, {kBatch, kLength}, torch::kLong);
  batch.attentionMask = torch::ones({kBatch, kLength}, torch::kLong);
  batch.labels = torch::randint(0, 2, {kBatch}, torch::kLong);
  ftp::train::PerExampleLoss loss = [&](const ftp::train::Batch &b) {
    return ftp::train::taskLoss(model->forward(b.inputIds, b.attentionMask), b.labels, false, true);
  };
  std::vector<double> times;
  for (int rep = 0; rep <= reps; ++rep) {
    for (const auto &[name, p] : model->trainableParameters())
      if (p.grad().defined())
        p.mutable_grad().zero_();
    auto start = std::chrono::steady_clock::now();
    if (mode == 0)
      loss(batch).mean().backward();
    else if (mode == 1)
      ftp::train::ghostClippedGradients(*model, batch, loss, 1.0, false);
    else
      ftp::train::materializedClippedGradients(*model, batch, loss, 1.0, false);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (rep > 0) // the first step warms up
      times.push_back(seconds);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

Result inChild(int mode, int reps) {
  ftp::bench::ChildResult child = ftp::bench::runInChild([&] { return runMode(mode, reps); });
  return {child.seconds, child.peakMiB};
}

} // namespace

int main() {
  std::filesystem::path dir = std::filesystem::path(FTPC_FIXTURES_DIR) / "all-MiniLM-L6-v2";
  if (!std::filesystem::exists(dir / ".ready")) {
    std::fprintf(stderr, "fixture all-MiniLM-L6-v2 is not prepared; run scripts/fixtures.sh\n");
    return 1;
  }
  const char *threads = std::getenv("FTPC_BENCH_THREADS");
  const char *repsText = std::getenv("FTPC_BENCH_REPS");
  at::set_num_threads(threads ? std::atoi(threads) : 2);
  int reps = repsText ? std::max(1, std::atoi(repsText)) : 1;
  const char *roundsText = std::getenv("FTPC_BENCH_ROUNDS");
  int rounds = roundsText ? std::max(1, std::atoi(roundsText)) : 3;
  const char *names[] = {"non-private fwd+bwd", "ghost clipping", "per-example loop"};
  std::vector<double> times[3];
  Result results[3];
  for (int round = 0; round < rounds; ++round)
    for (int mode = 0; mode < 3; ++mode) {
      Result r = inChild(mode, reps);
      std::printf("round %d %-22s %8.3f s %8.0f MiB\n", round, names[mode], r.seconds, r.peakMiB);
      std::fflush(stdout);
      times[mode].push_back(r.seconds);
      results[mode].peakMiB = std::max(results[mode].peakMiB, r.peakMiB);
    }
  for (int mode = 0; mode < 3; ++mode) {
    std::sort(times[mode].begin(), times[mode].end());
    results[mode].seconds = times[mode][times[mode].size() / 2];
  }
  std::printf("MiniLM-L6 %lld x %lld, %d torch threads, median over %d rounds of %d step(s)\n",
              static_cast<long long>(kBatch), static_cast<long long>(kLength), at::get_num_threads(), rounds, reps);
  std::printf("%-22s %10s %8s %12s %8s\n", "mode", "step s", "x time", "peak MiB", "x mem");
  for (int mode = 0; mode < 3; ++mode)
    std::printf("%-22s %10.3f %8.2f %12.0f %8.2f\n", names[mode], results[mode].seconds,
                results[mode].seconds / results[0].seconds, results[mode].peakMiB,
                results[mode].peakMiB / results[0].peakMiB);
  return 0;
}
