//===- RobustEval.h - metrics under embedding-space attacks ---------------------===//
#pragma once

#include "Batches.h"
#include "TrainConfig.h"
#include "model/TransformerModel.h"
#include "ftp/runtime/StepKernels.h"

#include <nlohmann/json.hpp>

namespace ftp::train {

/// Classification metrics when every evaluation batch is attacked with FGSM/PGD on its token
/// embeddings (white box, the true labels' loss, model in eval mode).
nlohmann::json evaluateUnderAttack(model::TransformerModel &model, const TokenizedSet &set,
                                   size_t numLabels, int64_t batch, const Adversarial &attack,
                                   runtime::StepKernels &kernels, uint64_t seed,
                                   const std::vector<std::string> &labelNames);

} // namespace ftp::train
