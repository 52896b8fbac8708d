//===- PrivacyLedger.h - the privacy spent by a DP-SGD stage, step by step ------===//
//
// DP-SGD's guarantee after s steps is a function of (q, σ, s, δ) alone. With the RDP accountant
// the ledger keeps the per-step RDP of the sampled Gaussian mechanism at the accountant's orders
// once and composes it for any step count (RDP adds up over steps); with the PRV accountant it
// composes the privacy loss distribution for each step count it is asked about (an FFT of a few
// milliseconds for fine-tuning's step counts) and remembers the answers. The training loop asks it before every step whether
// the step still fits the budget, logs ε after every step, and writes its entry into checkpoints,
// where a resumed run checks that it continues the same accounting.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "TrainConfig.h"

#include <nlohmann/json.hpp>

#include <map>
#include <vector>

namespace ftp::train {

class PrivacyLedger {
public:
  explicit PrivacyLedger(const DpSgd &dp);

  /// ε (for the stage's δ) after `steps` steps.
  double epsilonAfter(int64_t steps) const;
  /// Whether `steps` steps stay within the budget the checker planned (ε planned, with a relative
  /// slack of 1e-9 for the calibration's rounding).
  bool fits(int64_t steps) const;

  /// The ledger entry for the manifest, the metrics and checkpoints: accountant, q, σ, C, δ,
  /// steps, ε spent and ε planned.
  nlohmann::json entry(int64_t steps) const;

  /// Throws std::runtime_error saying what differs when a checkpoint's entry (after `steps` steps)
  /// was not written by the same accounting as this one.
  void checkContinues(const nlohmann::json &entry, int64_t steps) const;

private:
  DpSgd dp_;
  std::vector<double> orders_, perStepRdp_;
  mutable std::map<int64_t, double> prvEpsilon_; // steps -> ε (PRV upper bound)
};

} // namespace ftp::train
