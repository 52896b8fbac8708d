//===- ModelBench.cpp - MiniLM forward (and backward) at batch 32 x 128 --------===//
//
// all-MiniLM-L6-v2 as ftpc's mean-pooling classifier: a forward pass without gradients (the
// evaluation path) and a forward + backward pass of the cross-entropy of the logits (a training
// step without the optimizer), batch 32 x 128 tokens, no padding. Torch threads: $FTPC_BENCH_THREADS
// (default 2). bench/model_vs_pytorch.py runs this next to transformers on PyTorch with the same
// thread count and prints the ratio. Times are wall-clock per pass.
//
//===----------------------------------------------------------------------------------------===//

#include "model/TransformerModel.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

namespace {

constexpr int64_t kBatch = 32, kLength = 128;

struct Setup {
  std::shared_ptr<ftp::model::TransformerModel> model;
  torch::Tensor ids, mask, labels;
  std::string error;
};

Setup &setup() {
  static Setup s = [] {
    Setup s;
    const char *threads = std::getenv("FTPC_BENCH_THREADS");
    at::set_num_threads(threads ? std::atoi(threads) : 2);
    std::filesystem::path dir = std::filesystem::path(FTPC_FIXTURES_DIR) / "all-MiniLM-L6-v2";
    if (!std::filesystem::exists(dir / ".ready")) {
      s.error = "fixture all-MiniLM-L6-v2 is not prepared; run scripts/fixtures.sh";
      return s;
    }
    s.model = ftp::model::loadSequenceClassifier(dir, {"ham", "spam"}, ftp::model::Pooling::Mean,
                                                 0.1, 0);
    torch::manual_seed(0);
    s.ids = torch::randint(1000, 30000, {kBatch, kLength}, torch::kLong);
    s.mask = torch::ones({kBatch, kLength}, torch::kLong);
    s.labels = torch::randint(0, 2, {kBatch}, torch::kLong);
    return s;
  }();
  return s;
}

void BM_MiniLmForward(benchmark::State &state) {
  Setup &s = setup();
  if (!s.model) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  s.model->eval();
  torch::NoGradGuard noGrad;
  for (auto _ : state)
    benchmark::DoNotOptimize(s.model->forward(s.ids, s.mask));
  state.counters["threads"] = at::get_num_threads();
}

void BM_MiniLmForwardBackward(benchmark::State &state) {
  Setup &s = setup();
  if (!s.model) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  s.model->train();
  for (auto _ : state) {
    torch::Tensor loss = torch::cross_entropy_loss(s.model->forward(s.ids, s.mask), s.labels);
    loss.backward();
    s.model->zero_grad();
  }
  s.model->eval();
  state.counters["threads"] = at::get_num_threads();
}

} // namespace

BENCHMARK(BM_MiniLmForward)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_MiniLmForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK_MAIN();
