//===- TrainConfig.h - a finetune stage's options, read from the plan -----------===//
#pragma once

#include "Schedule.h"
#include "ftp/runtime/StepKernels.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ftp::train {

/// `every epoch`, `2 epochs`, `500 steps`.
struct Every {
  int64_t epochs = 1; // when > 0
  int64_t steps = 0;  // when > 0
  bool due(int64_t step, bool epochEnded, int64_t epoch) const {
    return steps > 0 ? step % steps == 0 : (epochEnded && epoch % epochs == 0);
  }
};

struct Adversarial {
  enum class Kind { None, Fgsm, Pgd, FreeLb } kind = Kind::None;
  double eps = 0;
  int64_t steps = 1;
  double stepSize = 0;
  bool randomStart = false;
  double weight = 0.5; // share of the adversarial loss
};

struct EmbeddingNoise {
  enum class Kind { None, Gaussian, Uniform } kind = Kind::None;
  double scale = 0; // std, or NEFTune's alpha
};

struct DpSgd {
  double noiseMultiplier = 0;
  double clip = 1;
  double sampleRate = 0;
  int64_t expectedBatch = 0;
  int64_t steps = 0;
  double epsilon = 0, delta = 0;
  bool perLayer = false;
  std::string accountant = "rdp"; // or "prv", as the checker planned the budget
  /// The noise and the Poisson sample keyed from the operating system, not the seed (secure mode).
  bool secureRng = false;
};

struct TrainConfig {
  int64_t epochs = 0; // one of epochs / steps
  int64_t steps = 0;
  int64_t batch = 32;
  int64_t maxLen = 128;
  int64_t accumulate = 1;
  runtime::OptimizerStep optimizer;
  nlohmann::json scheduleSpec; // resolved to a Schedule once the total is known
  std::optional<double> clipGrad;
  std::optional<DpSgd> privacy;
  Adversarial adversarial;
  EmbeddingNoise noise;
  double weightNoise = 0; // std of the Gaussian noise on the trainable weights per step (0: none)
  bool bf16 = false;      // `precision bf16`: the forward pass under CPU bf16 autocast (Precision.h)

  bool validate = false;
  std::string validateData; // "mail.val"
  Every validateEvery;
  std::vector<std::string> validateMetrics;
  std::optional<std::string> earlyStopMetric;
  int64_t patience = 2;
  double minDelta = 0;

  bool checkpoint = false;
  Every checkpointEvery;
  int64_t keep = 2;

  Schedule scheduleFor(int64_t totalSteps) const;
};

/// Reads a finetune stage of the plan (options and the checker's DP budget).
TrainConfig readTrainConfig(const nlohmann::json &stage);

Every readEvery(const nlohmann::json &value);

} // namespace ftp::train
