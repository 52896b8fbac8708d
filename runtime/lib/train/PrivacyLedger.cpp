//===- PrivacyLedger.cpp - the privacy spent by a DP-SGD stage, step by step ----===//

#include "PrivacyLedger.h"

#include "ftp/privacy/PrvAccountant.h"
#include "ftp/privacy/RdpAccountant.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ftp::train {

PrivacyLedger::PrivacyLedger(const DpSgd &dp) : dp_(dp), orders_(privacy::defaultOrders()) {
  perStepRdp_.reserve(orders_.size());
  for (double order : orders_)
    perStepRdp_.push_back(privacy::sgmRdp(dp_.sampleRate, dp_.noiseMultiplier, order));
}

double PrivacyLedger::epsilonAfter(int64_t steps) const {
  if (steps <= 0)
    return 0.0;
  if (dp_.accountant == "prv") {
    auto known = prvEpsilon_.find(steps);
    if (known == prvEpsilon_.end())
      known = prvEpsilon_
                  .emplace(steps, privacy::prvEpsilon(dp_.sampleRate, dp_.noiseMultiplier, steps, dp_.delta).upper)
                  .first;
    return known->second;
  }
  std::vector<double> rdp(perStepRdp_.size());
  for (size_t i = 0; i < rdp.size(); ++i)
    rdp[i] = perStepRdp_[i] * static_cast<double>(steps);
  return privacy::epsilonFromRdp(orders_, rdp, dp_.delta).epsilon;
}

bool PrivacyLedger::fits(int64_t steps) const {
  return epsilonAfter(steps) <= dp_.epsilon * (1 + 1e-9);
}

nlohmann::json PrivacyLedger::entry(int64_t steps) const {
  return {{"accountant", dp_.accountant},
          {"sample_rate", dp_.sampleRate},
          {"noise_multiplier", dp_.noiseMultiplier},
          {"clip", dp_.clip},
          {"clipping", dp_.perLayer ? "per_layer" : "flat"},
          {"delta", dp_.delta},
          {"steps", steps},
          {"epsilon", epsilonAfter(steps)},
          {"epsilon_planned", dp_.epsilon}};
}

void PrivacyLedger::checkContinues(const nlohmann::json &entry, int64_t steps) const {
  if (!entry.is_object())
    throw std::runtime_error("the checkpoint has no privacy ledger, but this stage trains with DP-SGD");
  nlohmann::json mine = this->entry(steps);
  for (const char *key : {"accountant", "sample_rate", "noise_multiplier", "clip", "clipping", "delta", "steps"})
    if (!entry.contains(key) || entry[key] != mine[key])
      throw std::runtime_error(fmt::format(
          "the checkpoint's privacy ledger has {} = {}, this stage {}: resuming would account a "
          "different mechanism",
          key, entry.contains(key) ? entry[key].dump() : "nothing", mine[key].dump()));
}

} // namespace ftp::train
