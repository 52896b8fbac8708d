//===- PrecisionBench.cpp - a training step in fp32 against `precision bf16` ---------===//
//
// all-MiniLM-L6-v2 classifier (CLS pooling, the config's dropout, full fine-tuning, train mode),
// batch $FTPC_BENCH_BATCH (16) x $FTPC_BENCH_LENGTH (128) tokens, forward + backward of the mean
// loss as the trainer runs it:
//   fp32   as `precision fp32`;
//   bf16   the forward pass under train::CpuAutocast, as `precision bf16` (runtime/lib/train/Precision.h).
// Each mode runs in its own child process (its own peak RSS): one warm-up step, then
// $FTPC_BENCH_REPS (3) timed steps, median. The modes take turns for $FTPC_BENCH_ROUNDS rounds (3)
// so a change in load hits both; the table gives the median over rounds, samples/s and the ratio,
// and the last line is one JSON row for bench/results/precision.jsonl.
//
//===----------------------------------------------------------------------------------------===//

#include "ChildProcess.h"
#include "model/TransformerModel.h"
#include "train/Batches.h"
#include "train/Losses.h"
#include "train/Precision.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace {

int64_t envInt(const char *name, int64_t fallback) {
  const char *text = std::getenv(name);
  return text ? std::max<int64_t>(1, std::atoll(text)) : fallback;
}

struct Result {
  double seconds = 0;
  double peakMiB = 0;
};

double runMode(bool bf16, int64_t batchSize, int64_t length, int64_t reps) {
  std::filesystem::path dir = std::filesystem::path(FTPC_FIXTURES_DIR) / "all-MiniLM-L6-v2";
  auto model = ftp::model::loadSequenceClassifier(dir, {"ham", "spam"}, ftp::model::Pooling::Cls, 0.1, 0);
  model->train();
  torch::manual_seed(0);
  ftp::train::Batch batch;
  batch.inputIds = torch::randint(1000, 30000, {batchSize, length}, torch::kLong);
  batch.attentionMask = torch::ones({batchSize, length}, torch::kLong);
  batch.labels = torch::randint(0, 2, {batchSize}, torch::kLong);
  std::vector<double> times;
  for (int64_t rep = 0; rep <= reps; ++rep) {
    for (const auto &[name, p] : model->trainableParameters())
      if (p.grad().defined())
        p.mutable_grad().zero_();
    auto start = std::chrono::steady_clock::now();
    torch::Tensor loss;
    {
      ftp::train::CpuAutocast autocast(bf16);
      loss = ftp::train::taskLoss(model->forward(batch.inputIds, batch.attentionMask), batch.labels,
                                  false, false);
    }
    loss.backward();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (rep > 0) // the first step warms up (oneDNN picks and caches its kernels)
      times.push_back(seconds);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

Result inChild(bool bf16, int64_t batch, int64_t length, int64_t reps) {
  ftp::bench::ChildResult child = ftp::bench::runInChild([&] { return runMode(bf16, batch, length, reps); });
  return {child.seconds, child.peakMiB};
}

} // namespace

int main() {
  std::filesystem::path dir = std::filesystem::path(FTPC_FIXTURES_DIR) / "all-MiniLM-L6-v2";
  if (!std::filesystem::exists(dir / ".ready")) {
    std::fprintf(stderr, "fixture all-MiniLM-L6-v2 is not prepared; run scripts/fixtures.sh\n");
    return 1;
  }
  int64_t threads = envInt("FTPC_BENCH_THREADS", 2), batch = envInt("FTPC_BENCH_BATCH", 16),
          length = envInt("FTPC_BENCH_LENGTH", 128), reps = envInt("FTPC_BENCH_REPS", 3),
          rounds = envInt("FTPC_BENCH_ROUNDS", 3);
  at::set_num_threads(static_cast<int>(threads));
  const char *names[] = {"fp32", "bf16"};
  std::vector<double> times[2];
  Result results[2];
  for (int64_t round = 0; round < rounds; ++round)
    for (int mode = 0; mode < 2; ++mode) {
      Result r = inChild(mode == 1, batch, length, reps);
      if (r.seconds < 0) {
        std::fprintf(stderr, "the %s step failed\n", names[mode]);
        return 1;
      }
      std::printf("round %lld %-5s %8.3f s/step %8.0f MiB\n", static_cast<long long>(round), names[mode],
                  r.seconds, r.peakMiB);
      std::fflush(stdout);
      times[mode].push_back(r.seconds);
      results[mode].peakMiB = std::max(results[mode].peakMiB, r.peakMiB);
    }
  for (int mode = 0; mode < 2; ++mode) {
    std::sort(times[mode].begin(), times[mode].end());
    results[mode].seconds = times[mode][times[mode].size() / 2];
  }
  std::printf("MiniLM-L6 train step (forward + backward), %lld x %lld, %lld torch threads, median of "
              "%lld rounds x %lld steps\n",
              static_cast<long long>(batch), static_cast<long long>(length), static_cast<long long>(threads),
              static_cast<long long>(rounds), static_cast<long long>(reps));
  std::printf("%-6s %10s %12s %10s %10s\n", "mode", "step s", "samples/s", "peak MiB", "x speed");
  for (int mode = 0; mode < 2; ++mode)
    std::printf("%-6s %10.3f %12.2f %10.0f %10.2f\n", names[mode], results[mode].seconds,
                static_cast<double>(batch) / results[mode].seconds, results[mode].peakMiB,
                results[0].seconds / results[mode].seconds);
  std::printf("{\"bench\": \"precision\", \"model\": \"all-MiniLM-L6-v2\", \"batch\": %lld, \"length\": %lld, "
              "\"threads\": %lld, \"rounds\": %lld, \"reps\": %lld, \"fp32_step_s\": %.4f, \"bf16_step_s\": %.4f, "
              "\"bf16_over_fp32_samples_per_s\": %.3f, \"fp32_peak_mib\": %.0f, \"bf16_peak_mib\": %.0f}\n",
              static_cast<long long>(batch), static_cast<long long>(length), static_cast<long long>(threads),
              static_cast<long long>(rounds), static_cast<long long>(reps), results[0].seconds,
              results[1].seconds, results[0].seconds / results[1].seconds, results[0].peakMiB,
              results[1].peakMiB);
  return 0;
}
