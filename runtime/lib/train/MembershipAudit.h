//===- MembershipAudit.h - loss-threshold membership-inference audit ------------===//
//
// The simplest membership-inference attack (Yeom et al. 2018): guess "member of the training set"
// when the model's loss on an example is below a threshold. Its ROC AUC over all thresholds,
// training examples against held-out ones, measures how much the fine-tuned model tells about who
// was in its training data: 0.5 is chance; a model that memorizes its training set approaches 1.
// DP-SGD bounds every such attack: TPR <= e^ε FPR + δ. The advantage is max over thresholds of
// TPR - FPR (the attack's best accuracy gain over guessing).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Batches.h"
#include "model/TransformerModel.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace ftp::train {

struct MembershipResult {
  double auc = 0.5;       // P(loss of a member < loss of a non-member), ties counted 1/2
  double advantage = 0;   // max over thresholds of TPR - FPR
  size_t members = 0, nonMembers = 0;
};

/// The loss-threshold attack's AUC and advantage from per-example losses.
MembershipResult lossThresholdAttack(const std::vector<double> &memberLosses,
                                     const std::vector<double> &nonMemberLosses);

/// Per-example losses of `model` on `set` (eval mode, no gradients): the classification loss, or a
/// language model's mean token loss per example.
std::vector<double> perExampleLosses(model::TransformerModel &model, const TokenizedSet &set, int64_t batch);

/// Runs the audit: `members` are (a sample of) the training examples, `nonMembers` held-out ones.
/// The members are subsampled, seeded, to at most as many as the non-members, so both classes
/// weigh alike and the cost is one more evaluation of the held-out set.
nlohmann::json membershipAudit(model::TransformerModel &model, const TokenizedSet &members,
                               const TokenizedSet &nonMembers, int64_t batch, uint64_t seed);

} // namespace ftp::train
