//===- TrainState.h - resumable checkpoints of a finetune stage -----------------===//
//
// A checkpoint is a folder checkpoints/<stage>/step-000123/ holding state.safetensors (parameters,
// optimizer moments, the best weights so far) and state.json (step, early-stopping state, and the
// identity of what was trained: pipeline and data hashes). It is written into a temporary folder,
// every file fsync'ed, then renamed into place, so a crash leaves either the whole checkpoint or
// none; older ones beyond `keep` are removed afterwards.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace ftp::train {

/// A checkpoint that cannot be used: corrupt, or written for other inputs (a user error).
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainState {
  int64_t step = 0;
  std::optional<double> best;
  int64_t bestStep = 0;
  int64_t badValidations = 0;
  bool stopped = false;
  double lastLoss = 0;
  int64_t examplesSeen = 0;
  nlohmann::json identity;
  nlohmann::json privacy; // DP-SGD stages: the privacy ledger after `step` steps (PrivacyLedger)
  std::map<std::string, torch::Tensor> tensors; // "param/<name>", "m/<name>", "v/<name>", "best/<name>"
};

/// Writes `state` as checkpointDir/step-NNNNNN atomically and keeps the newest `keep` ones.
void saveCheckpoint(const std::filesystem::path &checkpointDir, const TrainState &state, int64_t keep);

/// The newest complete checkpoint in `checkpointDir`, or std::nullopt when there is none.
std::optional<std::filesystem::path> latestCheckpoint(const std::filesystem::path &checkpointDir);

/// Loads a checkpoint; throws std::runtime_error naming the file when it is corrupt, or when its
/// identity differs from `expected` (saying which entry changed).
TrainState loadCheckpoint(const std::filesystem::path &folder, const nlohmann::json &expected);

} // namespace ftp::train
