//===- Trainer.cpp - one finetune stage: the training loop ----------------------===//

#include "Trainer.h"

#include "GhostClipping.h"
#include "GradientReducer.h"
#include "dist/Collective.h"
#include "Losses.h"
#include "Metrics.h"
#include "PrivacyLedger.h"
#include "Precision.h"
#include "Random.h"
#include "TrainState.h"

#include "ftp/record/Files.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numeric>

namespace ftp::train {

namespace {

using Clock = std::chrono::steady_clock;

/// HuggingFace's Trainer convention, which users compare against: no weight decay on biases and
/// LayerNorm weights.
bool decays(const std::string &name) {
  return !(name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) &&
         name.find("LayerNorm") == std::string::npos && name.find("layer_norm") == std::string::npos &&
         name.find(".ln_") == std::string::npos && name.rfind("ln_", 0) != 0;
}

struct ParamState {
  std::string name;
  torch::Tensor param;
  torch::Tensor m, v, acc; // optimizer moments; acc: DP's sum of clipped per-example gradients
  bool decay = true;
};

class Loop {
public:
  Loop(const TrainConfig &config, TrainContext &context) : config_(config), ctx_(context) {
    for (auto &[name, tensor] : ctx_.model.trainableParameters()) {
      ParamState p;
      p.name = name;
      p.param = tensor;
      p.m = torch::zeros_like(tensor).contiguous();
      p.v = torch::zeros_like(tensor).contiguous();
      if (config_.privacy)
        p.acc = torch::zeros_like(tensor).contiguous();
      p.decay = decays(name);
      params_.push_back(std::move(p));
    }
    n_ = static_cast<int64_t>(ctx_.train.size());
    if (n_ == 0)
      throw std::runtime_error("the training data is empty");
    privacySeed_ = ctx_.seed;
    if (config_.privacy) {
      // An "epoch" under Poisson sampling: 1/q steps, one expected pass over the data.
      stepsPerEpoch_ = std::max<int64_t>(1, std::llround(1.0 / config_.privacy->sampleRate));
      total_ = config_.privacy->steps;
      ledger_.emplace(*config_.privacy);
      if (config_.privacy->secureRng) {
        // Secure mode: the key of the noise and of the Poisson sample comes from the OS, is shared
        // by rank 0 with the other ranks (they must draw the same), and is written nowhere.
        std::string key = std::to_string(runtime::osRandomSeed());
        if (ctx_.collective)
          key = ctx_.collective->fromRankZero("secure_rng/" + ctx_.stageName, key);
        privacySeed_ = std::stoull(key);
      }
    } else {
      stepsPerEpoch_ = (n_ + config_.batch - 1) / config_.batch;
      total_ = config_.steps > 0 ? config_.steps : config_.epochs * stepsPerEpoch_;
    }
    schedule_ = config_.scheduleFor(total_);
    // FTPC_DIST_OVERLAP=0: the all-reduce after the backward pass instead (for measurements).
    const char *overlap = std::getenv("FTPC_DIST_OVERLAP");
    if (ctx_.collective && !config_.privacy && !(overlap && std::string(overlap) == "0")) {
      std::vector<torch::Tensor> tensors;
      for (auto &p : params_)
        tensors.push_back(p.param);
      reducer_ = std::make_unique<GradientReducer>(tensors, *ctx_.collective);
    }
  }

  TrainResult run();

private:
  const std::vector<int64_t> &permutation(int64_t epoch);
  double nonPrivateStep(int64_t step);
  double privateStep(int64_t step, int64_t *batchSize);
  void applyUpdate(int64_t step, float gradScale, float noiseStd);
  std::pair<int64_t, int64_t> myShard(int64_t n) const;
  int64_t ranks() const;
  void seedDropout(int64_t step, int64_t microBatch) const;
  void sumClippedOverRanks();
  void sumGradientsOverRanks();
  double sumOverRanks(double value);
  void perturbWeights(int64_t step);
  void restoreWeights();
  bool validate(int64_t step, int64_t epoch);
  void save();
  void warnIfCheckpointsWillNotFit();
  int64_t epochOf(int64_t step) const { return (step - 1) / stepsPerEpoch_ + 1; } // 1-based
  bool endsEpoch(int64_t step) const { return step % stepsPerEpoch_ == 0 || step == total_; }
  void restore(const TrainState &state);

  const TrainConfig &config_;
  TrainContext &ctx_;
  std::vector<ParamState> params_;
  std::vector<torch::Tensor> cleanWeights_; // weight noise: the weights without this step's noise
  int64_t n_ = 0, stepsPerEpoch_ = 1, total_ = 0;
  Schedule schedule_;
  TrainState state_;
  std::map<std::string, torch::Tensor> bestWeights_;
  int64_t permutationEpoch_ = -1;
  bool fallbackReported_ = false;
  std::optional<PrivacyLedger> ledger_;
  bool budgetStop_ = false;
  std::vector<int64_t> permutation_;
  std::unique_ptr<GradientReducer> reducer_; // data parallelism, non-private: overlapped all-reduce
  uint64_t privacySeed_ = 0; // DP: keys the Poisson sample and the noise (the seed, or the OS's)
};

const std::vector<int64_t> &Loop::permutation(int64_t epoch) {
  if (permutationEpoch_ != epoch) {
    permutation_.resize(static_cast<size_t>(n_));
    std::iota(permutation_.begin(), permutation_.end(), 0);
    SplitMix64 rng(ctx_.seed, kShuffleStream, static_cast<uint64_t>(epoch));
    shuffle(permutation_, rng);
    permutationEpoch_ = epoch;
  }
  return permutation_;
}

double Loop::nonPrivateStep(int64_t step) {
  int64_t epoch = (step - 1) / stepsPerEpoch_, position = (step - 1) % stepsPerEpoch_;
  const auto &order = permutation(epoch);
  int64_t begin = position * config_.batch, end = std::min(n_, begin + config_.batch);
  int64_t count = end - begin;
  // The global batch in accumulate x ranks micro-batches; each rank takes its share of them. So N
  // ranks with `accumulate a` compute exactly the micro-batches of one process with a x N.
  int64_t pieces = config_.accumulate * ranks();
  int64_t micro = std::max<int64_t>(1, (count + pieces - 1) / pieces);
  int64_t microBatches = (count + micro - 1) / micro;
  double lossSum = 0;
  perturbWeights(step);
  auto [firstMicro, endMicro] = myShard(microBatches);
  for (int64_t k = firstMicro; k < endMicro; ++k) {
    seedDropout(step, k);
    if (reducer_ && k + 1 == endMicro)
      reducer_->arm(); // this backward's gradients are final: all-reduce them as they complete
    int64_t at = begin + k * micro;
    std::vector<int64_t> indices(order.begin() + at, order.begin() + std::min(end, at + micro));
    Batch batch = makeBatch(ctx_.train, indices, ctx_.model.isCausalLm());
    torch::Tensor loss;
    {
      CpuAutocast bf16(config_.bf16);
      loss = trainingLoss(ctx_.model, batch, config_, ctx_.kernels, ctx_.seed,
                          static_cast<uint64_t>(step));
    }
    // Weight each micro-batch by its share of the examples: the same gradient as one big batch.
    double share = static_cast<double>(indices.size()) / static_cast<double>(count);
    (loss * share).backward();
    lossSum += loss.item<double>() * share;
  }
  restoreWeights();
  if (reducer_)
    reducer_->finish();
  else
    sumGradientsOverRanks();
  lossSum = sumOverRanks(lossSum);
  state_.examplesSeen += count;
  if (config_.clipGrad) {
    std::vector<torch::Tensor> withGrad;
    for (auto &p : params_)
      if (p.param.grad().defined())
        withGrad.push_back(p.param);
    torch::nn::utils::clip_grad_norm_(withGrad, *config_.clipGrad);
  }
  applyUpdate(step, 1.0f, 0.0f);
  return lossSum;
}

double Loop::privateStep(int64_t step, int64_t *batchSize) {
  const DpSgd &dp = *config_.privacy;
  // Poisson sampling: every example joins this step's batch independently with probability q,
  // which is what the accountant's guarantee assumes (a fixed-size shuffled batch is not).
  SplitMix64 rng(privacySeed_, kPoissonStream, static_cast<uint64_t>(step));
  std::vector<int64_t> sampled;
  for (int64_t i = 0; i < n_; ++i)
    if (rng.uniform() < dp.sampleRate)
      sampled.push_back(i);
  *batchSize = static_cast<int64_t>(sampled.size());
  for (auto &p : params_)
    p.acc.zero_();
  double lossSum = 0;
  // Per-example clipping without per-example gradients (ghost clipping; GhostClipping.h), over
  // micro-batches of the sampled examples. Each call leaves sum_i clip_i * grad_i in .grad(),
  // which the fused clip-accumulate kernel adds to the step's sum.
  // Poisson batches vary in size: split into equal chunks of at most batch / accumulate examples.
  // With N ranks, accumulate x N chunks, shared out among the ranks (as for non-private steps).
  int64_t pieces = config_.accumulate * ranks();
  size_t limit = static_cast<size_t>(std::max<int64_t>(1, (dp.expectedBatch + pieces - 1) / pieces));
  size_t chunks = (sampled.size() + limit - 1) / limit;
  PerExampleLoss lossFn = [&](const Batch &batch) {
    return trainingLoss(ctx_.model, batch, config_, ctx_.kernels, ctx_.seed, static_cast<uint64_t>(step),
                        /*perExample=*/true);
  };
  perturbWeights(step);
  // Every rank draws the same Poisson sample (same seed and step) and takes its share of the chunks.
  auto [firstChunk, endChunk] = myShard(static_cast<int64_t>(chunks));
  for (size_t c = static_cast<size_t>(firstChunk); c < static_cast<size_t>(endChunk); ++c) {
    seedDropout(step, static_cast<int64_t>(c));
    std::vector<int64_t> indices(sampled.begin() + static_cast<std::ptrdiff_t>(c * sampled.size() / chunks),
                                 sampled.begin() + static_cast<std::ptrdiff_t>((c + 1) * sampled.size() / chunks));
    Batch batch = makeBatch(ctx_.train, indices, ctx_.model.isCausalLm());
    ClippedBatch clipped = ghostClippedGradients(ctx_.model, batch, lossFn, dp.clip, dp.perLayer);
    if (!clipped.ghost && !fallbackReported_) {
      fallbackReported_ = true;
      ctx_.events.message(fmt::format("{}: per-example gradients are materialized (slower): {}",
                                      ctx_.stageName, clipped.fallbackReason));
    }
    lossSum += clipped.losses.sum().item<double>();
    for (auto &p : params_) {
      const torch::Tensor &g = p.param.grad();
      if (!g.defined())
        continue;
      torch::Tensor contiguous = g.contiguous();
      ctx_.kernels.clipAccumulate(p.acc.data_ptr<float>(), contiguous.data_ptr<float>(), g.numel(), 1.0f);
    }
  }
  restoreWeights();
  // The sum of clipped gradients over all ranks' shards; the noise below is then added once, to
  // the global sum: every rank draws the same Philox noise for (seed, step, tensor), so the
  // identical update happens everywhere and no rank adds noise of its own.
  sumClippedOverRanks();
  lossSum = sumOverRanks(lossSum);
  state_.examplesSeen += *batchSize;
  // The noisy average: (sum of clipped gradients + N(0, sigma^2 C^2)) / expected batch size;
  // dividing by the expected size (not the sampled one) keeps the sensitivity analysis exact.
  for (auto &p : params_) {
    if (!p.param.grad().defined())
      p.param.mutable_grad() = torch::zeros_like(p.param);
    p.param.grad().copy_(p.acc);
  }
  float inv = static_cast<float>(1.0 / static_cast<double>(dp.expectedBatch));
  applyUpdate(step, inv, static_cast<float>(dp.noiseMultiplier * dp.clip) * inv);
  return sampled.empty() ? 0.0 : lossSum / static_cast<double>(sampled.size());
}

// Weight noise: every trainable tensor gets N(0, std^2) noise from the fused kernel's Philox stream
// for (seed, step, tensor), so a resumed run draws the same. The gradient is taken at the noisy
// weights and applied to the clean ones, which are copied back bit for bit.
constexpr uint32_t kWeightNoiseTensor = 0x80000000u;

void Loop::perturbWeights(int64_t step) {
  if (config_.weightNoise <= 0)
    return;
  torch::NoGradGuard noGrad;
  cleanWeights_.clear();
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor &p = params_[i].param;
    cleanWeights_.push_back(p.detach().clone());
    torch::Tensor noise = torch::zeros_like(p).contiguous();
    ctx_.kernels.addGaussianNoise(noise.data_ptr<float>(), noise.numel(), static_cast<float>(config_.weightNoise),
                                  {ctx_.seed, static_cast<uint64_t>(step), kWeightNoiseTensor | static_cast<uint32_t>(i)});
    p.add_(noise);
  }
}

void Loop::restoreWeights() {
  if (cleanWeights_.empty())
    return;
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < params_.size(); ++i)
    params_[i].param.copy_(cleanWeights_[i]);
  cleanWeights_.clear();
}

int64_t Loop::ranks() const { return ctx_.collective ? ctx_.collective->size() : 1; }

// Dropout draws from LibTorch's generator, reseeded for every micro-batch from (seed, step,
// micro-batch): a mask depends on which micro-batch it is, not on the process that computes it or
// on where a run was resumed. (Micro-batch 0 keeps the per-step seed runs have always used.)
void Loop::seedDropout(int64_t step, int64_t microBatch) const {
  uint64_t seed = SplitMix64::mix(ctx_.seed ^ SplitMix64::mix(static_cast<uint64_t>(step)));
  if (microBatch > 0)
    seed = SplitMix64::mix(seed ^ SplitMix64::mix(static_cast<uint64_t>(microBatch)));
  torch::manual_seed(seed);
}

std::pair<int64_t, int64_t> Loop::myShard(int64_t n) const {
  if (!ctx_.collective)
    return {0, n};
  return dist::shardOf(n, ctx_.collective->rank(), ctx_.collective->size());
}

// DP: sums the accumulated clipped gradients over the ranks, in place (all tensors, zeros included:
// every rank holds one accumulator per parameter).
void Loop::sumClippedOverRanks() {
  if (!ctx_.collective)
    return;
  std::vector<torch::Tensor> tensors;
  for (auto &p : params_)
    tensors.push_back(p.acc);
  ctx_.collective->allReduceSum(tensors);
}

// Non-private, without overlap: after the backward pass, the ranks agree which parameters have a
// gradient anywhere (a shard too small to reach one leaves it undefined on that rank), then sum them.
void Loop::sumGradientsOverRanks() {
  if (!ctx_.collective)
    return;
  std::vector<double> has(params_.size());
  for (size_t i = 0; i < params_.size(); ++i)
    has[i] = params_[i].param.grad().defined() ? 1.0 : 0.0;
  has = ctx_.collective->allReduceSum(has);
  std::vector<torch::Tensor> tensors;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (has[i] == 0)
      continue;
    torch::Tensor &p = params_[i].param;
    if (!p.grad().defined())
      p.mutable_grad() = torch::zeros_like(p);
    tensors.push_back(p.grad());
  }
  ctx_.collective->allReduceSum(tensors);
}

double Loop::sumOverRanks(double value) {
  return ctx_.collective ? ctx_.collective->allReduceSum(std::vector<double>{value})[0] : value;
}

void Loop::applyUpdate(int64_t step, float gradScale, float noiseStd) {
  runtime::OptimizerStep opt = config_.optimizer;
  opt.lr = static_cast<float>(schedule_.at(step));
  opt.step = step;
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < params_.size(); ++i) {
    ParamState &p = params_[i];
    if (!p.param.grad().defined())
      continue; // not used by this batch's graph (as torch.optim skips parameters without grad)
    runtime::OptimizerStep mine = opt;
    if (!p.decay)
      mine.weightDecay = 0;
    torch::Tensor grad = p.param.grad();
    if (!grad.is_contiguous())
      grad = grad.contiguous();
    ctx_.kernels.update(p.param.data_ptr<float>(), grad.data_ptr<float>(), p.m.data_ptr<float>(),
                        p.v.data_ptr<float>(), p.param.numel(), gradScale, noiseStd,
                        runtime::NoiseKey{privacySeed_, static_cast<uint64_t>(step), static_cast<uint32_t>(i)},
                        mine);
    p.param.grad().zero_();
  }
}

bool Loop::validate(int64_t step, int64_t epoch) {
  nlohmann::json metrics = evaluateSet(ctx_.model, *ctx_.validation, ctx_.numLabels, 64, {}, ctx_.collective);
  metrics.erase("confusion");
  int64_t examples = metrics.value("examples", int64_t{0});
  metrics.erase("examples");
  ctx_.events.event({{"event", "validate"},
                     {"examples", examples},
                     {"stage", ctx_.stageName},
                     {"split", config_.validateData},
                     {"step", step},
                     {"epoch", epoch},
                     {"metrics", metrics}});
  if (!config_.earlyStopMetric)
    return false;
  const std::string &metric = *config_.earlyStopMetric;
  if (!metrics.contains(metric))
    throw std::runtime_error(fmt::format("early stopping on `{}`, which this model does not report", metric));
  double value = metrics[metric].get<double>();
  bool higher = higherIsBetter(metric);
  bool improved = !state_.best || (higher ? value > *state_.best + config_.minDelta
                                          : value < *state_.best - config_.minDelta);
  if (improved) {
    state_.best = value;
    state_.bestStep = step;
    state_.badValidations = 0;
    for (auto &p : params_)
      bestWeights_[p.name] = p.param.detach().clone();
    return false;
  }
  ++state_.badValidations;
  ctx_.events.message(fmt::format("{}: {} did not improve on {:.4f} (step {}) for {} validation(s)",
                                  ctx_.stageName, metric, *state_.best, state_.bestStep,
                                  state_.badValidations));
  return state_.badValidations >= config_.patience;
}

void Loop::save() {
  state_.identity = ctx_.identity;
  if (ledger_)
    state_.privacy = ledger_->entry(state_.step);
  state_.tensors.clear();
  for (auto &p : params_) {
    state_.tensors["param/" + p.name] = p.param.detach();
    state_.tensors["m/" + p.name] = p.m;
    state_.tensors["v/" + p.name] = p.v;
  }
  for (auto &[name, tensor] : bestWeights_)
    state_.tensors["best/" + name] = tensor;
  saveCheckpoint(ctx_.checkpointDir, state_, config_.keep);
  state_.tensors.clear();
}

// Before the first step: a disk that cannot hold the checkpoints should be known now, not when the
// first one is refused after hours of training. Each checkpoint holds the trainable tensors, Adam's
// two moments and, with early stopping, the best weights; `keep` of them stay, and a new one is
// written before the oldest goes. A warning, not an error: space may be freed meanwhile.
void Loop::warnIfCheckpointsWillNotFit() {
  if (!config_.checkpoint || !ctx_.writesCheckpoints)
    return;
  int64_t saves = 0;
  for (int64_t step = state_.step + 1; step <= total_; ++step)
    if (config_.checkpointEvery.due(step, endsEpoch(step), epochOf(step)))
      ++saves;
  int64_t atOnce = std::min<int64_t>(saves, std::max<int64_t>(1, config_.keep) + 1);
  uint64_t tensorBytes = 0;
  for (const auto &p : params_)
    tensorBytes += static_cast<uint64_t>(p.param.numel()) * static_cast<uint64_t>(p.param.element_size());
  uint64_t each = tensorBytes * (config_.earlyStopMetric ? 4 : 3);
  uint64_t needed = each * static_cast<uint64_t>(atOnce);
  std::optional<uint64_t> available = record::freeBytesAt(ctx_.checkpointDir.string());
  if (needed == 0 || !available || *available >= needed)
    return;
  ctx_.events.message(fmt::format(
      "{}: warning: its checkpoints need about {} on disk (up to {} at a time, {} each) but {} has {} "
      "free; the run stops with an error when the disk is full",
      ctx_.stageName, record::formatBytes(needed), atOnce, record::formatBytes(each),
      ctx_.checkpointDir.string(), record::formatBytes(*available)));
}

void Loop::restore(const TrainState &loaded) {
  if (ledger_) {
    try {
      ledger_->checkContinues(loaded.privacy, loaded.step);
    } catch (const std::runtime_error &e) {
      throw CheckpointError(fmt::format("cannot resume: {}", e.what()));
    }
  }
  torch::NoGradGuard noGrad;
  auto take = [&](const std::string &key, torch::Tensor &into) {
    auto it = loaded.tensors.find(key);
    if (it == loaded.tensors.end())
      throw std::runtime_error("checkpoint lacks tensor `" + key + "`");
    if (!it->second.sizes().equals(into.sizes()))
      throw std::runtime_error("checkpoint tensor `" + key + "` has the wrong shape");
    into.copy_(it->second);
  };
  for (auto &p : params_) {
    take("param/" + p.name, p.param);
    take("m/" + p.name, p.m);
    take("v/" + p.name, p.v);
    auto best = loaded.tensors.find("best/" + p.name);
    if (best != loaded.tensors.end())
      bestWeights_[p.name] = best->second.clone();
  }
  state_.step = loaded.step;
  state_.best = loaded.best;
  state_.bestStep = loaded.bestStep;
  state_.badValidations = loaded.badValidations;
  state_.stopped = loaded.stopped;
  state_.lastLoss = loaded.lastLoss;
  state_.examplesSeen = loaded.examplesSeen;
}

TrainResult Loop::run() {
  if (ctx_.resume) {
    if (auto latest = latestCheckpoint(ctx_.checkpointDir)) {
      restore(loadCheckpoint(*latest, ctx_.identity));
      ctx_.events.message(fmt::format("{}: resumed from {} (step {})", ctx_.stageName,
                                      latest->filename().string(), state_.step));
      ctx_.events.event({{"event", "resume"}, {"stage", ctx_.stageName}, {"step", state_.step}});
    }
  }
  ctx_.events.message(fmt::format("{}: {} examples, {} steps ({} per epoch){}", ctx_.stageName, n_,
                                  total_, stepsPerEpoch_,
                                  config_.privacy ? fmt::format(", DP-SGD sigma {:.4g}, C {:g}, q {:.5g}",
                                                                config_.privacy->noiseMultiplier,
                                                                config_.privacy->clip,
                                                                config_.privacy->sampleRate)
                                                  : std::string()));
  if (config_.privacy && config_.privacy->secureRng)
    ctx_.events.message(fmt::format("{}: secure_rng: the noise and the Poisson sample are keyed from "
                                    "the operating system; this run cannot be replayed",
                                    ctx_.stageName));
  warnIfCheckpointsWillNotFit();
  auto started = Clock::now();
  int64_t examplesAtStart = state_.examplesSeen;
  for (int64_t step = state_.step + 1; step <= total_ && !state_.stopped; ++step) {
    seedDropout(step, 0); // (again per micro-batch in the steps)
    if (ledger_ && !ledger_->fits(step)) {
      // Never spend more than the checked budget: stop before the step that would exceed it.
      ctx_.events.message(fmt::format(
          "{}: stopping before step {}: it would spend epsilon = {:.4g} > the budget {:g} (delta {:g})",
          ctx_.stageName, step, ledger_->epsilonAfter(step), config_.privacy->epsilon,
          config_.privacy->delta));
      ctx_.events.event({{"event", "privacy_budget_exhausted"}, {"stage", ctx_.stageName}, {"step", step}});
      budgetStop_ = true;
      break;
    }
    ctx_.model.train();
    int64_t batchSize = 0;
    double loss = config_.privacy ? privateStep(step, &batchSize) : nonPrivateStep(step);
    state_.step = step;
    state_.lastLoss = loss;
    int64_t epoch = epochOf(step);
    bool epochEnded = endsEpoch(step);
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    double rate = seconds > 0 ? static_cast<double>(state_.examplesSeen - examplesAtStart) / seconds : 0;
    nlohmann::json record{{"event", "train"},
                          {"stage", ctx_.stageName},
                          {"step", step},
                          {"epoch", static_cast<double>(step) / static_cast<double>(stepsPerEpoch_)},
                          {"loss", loss},
                          {"lr", schedule_.at(step)}};
    if (ledger_) {
      record["batch"] = batchSize;
      record["epsilon"] = ledger_->epsilonAfter(step);
    }
    ctx_.events.event(record);
    ctx_.events.progress(ctx_.stageName, step, total_, loss, rate);
    if (config_.validate && ctx_.validation && config_.validateEvery.due(step, epochEnded, epoch))
      state_.stopped = validate(step, epoch);
    if (config_.checkpoint && ctx_.writesCheckpoints &&
        (config_.checkpointEvery.due(step, epochEnded, epoch) || state_.stopped))
      save();
  }
  ctx_.events.progressDone();
  TrainResult result;
  result.steps = state_.step;
  result.epochsCompleted = state_.step / stepsPerEpoch_;
  result.stoppedEarly = state_.stopped;
  result.best = state_.best;
  result.bestStep = state_.bestStep;
  result.finalTrainLoss = state_.lastLoss;
  result.examplesSeen = state_.examplesSeen;
  result.stoppedByBudget = budgetStop_;
  if (ledger_)
    result.privacy = ledger_->entry(state_.step);
  if (!bestWeights_.empty() && state_.bestStep != state_.step) {
    torch::NoGradGuard noGrad;
    for (auto &p : params_)
      p.param.copy_(bestWeights_[p.name]);
    ctx_.events.message(fmt::format("{}: keeping the best weights, from step {} ({} = {:.4f})",
                                    ctx_.stageName, state_.bestStep, *config_.earlyStopMetric,
                                    *state_.best));
  }
  return result;
}

} // namespace

TrainResult train(const TrainConfig &config, TrainContext &context) {
  Loop loop(config, context);
  return loop.run();
}

nlohmann::json evaluateSet(model::TransformerModel &model, const TokenizedSet &set, size_t numLabels,
                           int64_t batch, const std::vector<std::string> &labelNames,
                           dist::Collective *collective) {
  torch::NoGradGuard noGrad;
  model.eval();
  bool lm = model.isCausalLm();
  // Sorted by length: far less padding; the metrics do not depend on the order.
  std::vector<int64_t> order(set.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return set.ids[a].size() < set.ids[b].size(); });
  int64_t batches = (static_cast<int64_t>(order.size()) + batch - 1) / batch;
  auto [firstBatch, endBatch] =
      collective ? dist::shardOf(batches, collective->rank(), collective->size()) : std::make_pair(int64_t{0}, batches);
  // Per batch (LM: loss sum, tokens) or per example in sorted order (label, prediction, P(label 1),
  // loss); zeros where another rank computes, so that summing over the ranks assembles them exactly.
  std::vector<double> results(static_cast<size_t>(lm ? 2 * batches : 4 * static_cast<int64_t>(order.size())), 0.0);
  for (int64_t k = firstBatch; k < endBatch; ++k) {
    size_t at = static_cast<size_t>(k * batch);
    std::vector<int64_t> indices(order.begin() + at,
                                 order.begin() + std::min(order.size(), at + static_cast<size_t>(batch)));
    Batch b = makeBatch(set, indices, lm);
    torch::Tensor logits = model.forward(b.inputIds, b.attentionMask);
    if (lm) {
      auto [sum, tokens] = languageModelLossSum(logits, b.labels);
      results[2 * k] = sum;
      results[2 * k + 1] = static_cast<double>(tokens);
      continue;
    }
    torch::Tensor losses = taskLoss(logits, b.labels, false, true);
    torch::Tensor probs = torch::softmax(logits, 1);
    torch::Tensor predicted = logits.argmax(1);
    for (int64_t i = 0; i < b.size(); ++i) {
      double *row = &results[4 * (at + static_cast<size_t>(i))];
      row[0] = static_cast<double>(b.labels[i].item<int64_t>());
      row[1] = static_cast<double>(predicted[i].item<int64_t>());
      row[2] = numLabels == 2 ? probs[i][1].item<double>() : 0.0;
      row[3] = losses[i].item<double>();
    }
  }
  if (collective)
    results = collective->allReduceSum(std::move(results));
  ClassificationMetrics classification(std::max<size_t>(numLabels, 1));
  LanguageModelMetrics language;
  if (lm) {
    for (int64_t k = 0; k < batches; ++k)
      language.add(results[2 * k], static_cast<int64_t>(results[2 * k + 1]));
  } else {
    for (size_t e = 0; e < order.size(); ++e) {
      const double *row = &results[4 * e];
      classification.add(static_cast<int32_t>(row[0]), static_cast<int32_t>(row[1]), row[2], row[3]);
    }
  }
  nlohmann::json out;
  if (lm) {
    out["loss"] = language.loss();
    out["perplexity"] = language.perplexity();
    out["tokens"] = language.tokens();
    return out;
  }
  out["examples"] = classification.count();
  writeClassificationMetrics(classification, numLabels, labelNames, out);
  out["confusion"] = {{"labels", labelNames}, {"matrix", classification.confusion()}};
  return out;
}

} // namespace ftp::train
