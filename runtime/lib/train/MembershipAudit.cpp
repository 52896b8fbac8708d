//===- MembershipAudit.cpp - loss-threshold membership-inference audit ----------===//

#include "MembershipAudit.h"

#include "Losses.h"
#include "Random.h"

#include <algorithm>
#include <numeric>

namespace ftp::train {

MembershipResult lossThresholdAttack(const std::vector<double> &memberLosses,
                                     const std::vector<double> &nonMemberLosses) {
  MembershipResult r;
  r.members = memberLosses.size();
  r.nonMembers = nonMemberLosses.size();
  if (memberLosses.empty() || nonMemberLosses.empty())
    return r;
  // Sweep the thresholds over all losses in increasing order: below the threshold = "member".
  struct Point {
    double loss;
    bool member;
  };
  std::vector<Point> points;
  points.reserve(r.members + r.nonMembers);
  for (double l : memberLosses)
    points.push_back({l, true});
  for (double l : nonMemberLosses)
    points.push_back({l, false});
  std::sort(points.begin(), points.end(), [](const Point &a, const Point &b) { return a.loss < b.loss; });
  double m = static_cast<double>(r.members), n = static_cast<double>(r.nonMembers);
  double below = 0, aboveSum = 0; // members seen so far; AUC numerator
  double tp = 0, fp = 0;
  for (size_t i = 0; i < points.size();) {
    size_t j = i;
    double tiedMembers = 0, tiedNon = 0;
    while (j < points.size() && points[j].loss == points[i].loss) {
      (points[j].member ? tiedMembers : tiedNon) += 1;
      ++j;
    }
    // Each non-member in this tie group counts the members strictly below it, and half the tied.
    aboveSum += tiedNon * (below + tiedMembers / 2);
    below += tiedMembers;
    tp += tiedMembers;
    fp += tiedNon;
    r.advantage = std::max(r.advantage, tp / m - fp / n);
    i = j;
  }
  r.auc = aboveSum / (m * n);
  return r;
}

std::vector<double> perExampleLosses(model::TransformerModel &model, const TokenizedSet &set, int64_t batch) {
  torch::NoGradGuard noGrad;
  model.eval();
  bool lm = model.isCausalLm();
  std::vector<double> losses(set.size());
  for (size_t at = 0; at < set.size(); at += static_cast<size_t>(batch)) {
    std::vector<int64_t> indices(static_cast<size_t>(std::min<int64_t>(batch, static_cast<int64_t>(set.size() - at))));
    std::iota(indices.begin(), indices.end(), static_cast<int64_t>(at));
    Batch b = makeBatch(set, indices, lm);
    torch::Tensor l = taskLoss(model.forward(b.inputIds, b.attentionMask), b.labels, lm, true)
                          .to(torch::kFloat64)
                          .contiguous();
    for (size_t i = 0; i < indices.size(); ++i)
      losses[at + i] = l[static_cast<int64_t>(i)].item<double>();
  }
  return losses;
}

nlohmann::json membershipAudit(model::TransformerModel &model, const TokenizedSet &members,
                               const TokenizedSet &nonMembers, int64_t batch, uint64_t seed) {
  std::vector<int64_t> order(members.size());
  std::iota(order.begin(), order.end(), 0);
  SplitMix64 rng(seed, kAuditStream, 0);
  shuffle(order, rng);
  order.resize(std::min(order.size(), nonMembers.size()));
  std::sort(order.begin(), order.end());
  TokenizedSet sample;
  sample.padId = members.padId;
  for (int64_t i : order) {
    sample.ids.push_back(members.ids[static_cast<size_t>(i)]);
    sample.labels.push_back(members.labels[static_cast<size_t>(i)]);
  }
  MembershipResult r = lossThresholdAttack(perExampleLosses(model, sample, batch),
                                           perExampleLosses(model, nonMembers, batch));
  return {{"attack", "loss_threshold"},
          {"auc", r.auc},
          {"advantage", r.advantage},
          {"members", r.members},
          {"non_members", r.nonMembers}};
}

} // namespace ftp::train
