//===- Trainer.h - one finetune stage: the training loop ------------------------===//
//
// Steps are numbered from 1. Everything random in step s is derived from (seed, s): the shuffle of
// its epoch, its Poisson sample, dropout (LibTorch's generator is reseeded per step), noise keys.
// So a checkpoint needs no RNG state beyond the step number, and a resumed run takes exactly the
// steps an uninterrupted one would.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Batches.h"
#include "Events.h"
#include "TrainConfig.h"
#include "model/TransformerModel.h"
#include "ftp/runtime/StepKernels.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace ftp::dist {
class Collective;
}

namespace ftp::train {

struct TrainContext {
  model::TransformerModel &model;
  const TokenizedSet &train;
  const TokenizedSet *validation = nullptr; // when the stage validates
  size_t numLabels = 0;                     // 0 for language models
  runtime::StepKernels &kernels;
  EventSink &events;
  std::string stageName;                    // "finetune clf on mail.train"
  std::filesystem::path checkpointDir;      // this stage's folder under the run's checkpoints/
  uint64_t seed = 0;
  /// What a checkpoint must match to be resumed (hashes of the pipeline and of the data).
  nlohmann::json identity;
  bool resume = false;                      // continue from the newest checkpoint in checkpointDir
  /// Data parallelism: every rank runs this loop on the same model and data; each global batch
  /// (or Poisson sample) is split into disjoint shards, one per rank, and the gradients (DP: the
  /// sums of clipped gradients) are summed over the ranks before the one update all ranks apply.
  /// Null: a single process.
  dist::Collective *collective = nullptr;
  bool writesCheckpoints = true;            // false on ranks other than 0
};

struct TrainResult {
  int64_t steps = 0;
  int64_t epochsCompleted = 0;
  bool stoppedEarly = false;
  std::optional<double> best; // the early-stop metric's best value
  int64_t bestStep = 0;
  double finalTrainLoss = 0;
  int64_t examplesSeen = 0;   // with DP: the sum of the Poisson batch sizes
  bool stoppedByBudget = false; // DP: stopped before a step that would exceed the privacy budget
  nlohmann::json privacy;       // DP: the ledger (PrivacyLedger::entry) after `steps` steps
};

TrainResult train(const TrainConfig &config, TrainContext &context);

/// Classification or LM metrics of `model` on `set` (eval mode, no gradients), as a JSON object:
/// accuracy, precision, recall, f1, macro_f1, auc, loss, confusion (classification) or loss and
/// perplexity (LM). With `collective`, the ranks share the batches out (each computes a contiguous
/// share of the length-sorted batches one process would form), then sum their per-example results
/// and add them up in the one process's order: the same metrics, bit for bit, in less time.
nlohmann::json evaluateSet(model::TransformerModel &model, const TokenizedSet &set, size_t numLabels,
                           int64_t batch, const std::vector<std::string> &labelNames,
                           dist::Collective *collective = nullptr);

} // namespace ftp::train
